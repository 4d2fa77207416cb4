"""Plain data records for the template, built from a results dict (schema adcheck.results/1).

Everything the template shows is prepared here as strings and small dicts, so the template only
lays it out and escapes it. Missing fields (a results.json from an older or partial run) show
as dashes, never as an exception.
"""

from __future__ import annotations

import hashlib
import re

from adcheck.running.mathml import sanitize

from . import fmt
from .columns import columns
from .drift import drift_table
from .verified import GRADE_TEXT, exact_zero, fmt_verified, relative_allowance, verified_to
from .verified import grade as vt_grade

OUTCOMES = ("pass", "fail", "inconclusive", "error", "not-applicable")
SYMBOLS = {"pass": "\u2713", "fail": "\u2717", "inconclusive": "?", "error": "!",
           "not-applicable": "\u2013", "missing": ""}
SECTIONS = ("B.1", "B.2", "B.3")
SECTION_TITLES = {"pytest": "pytest: checks made through adcheck_check",
                  "B.1": "B.1 Matrix calculus identities",
                  "B.2": "B.2 Reverse mode: cost claims",
                  "B.3": "B.3 Higher-order AD: PINN residuals"}
# Drift shown in red above this growth factor: a display cue only; the gate's factor is the
# user's --fail-on-drift.
GREW = 2.0
PROOF_TEXT = {"general": "proved symbolically at general dimension",
              "fixed-size": "proved componentwise for fixed sizes",
              "numeric": "checked numerically only"}


def anchor(*parts: str) -> str:
    """A stable, HTML-safe fragment id for an identity (and engine)."""
    raw = "\x1f".join(parts)
    slug = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:60] or "x"
    return f"{slug}-{hashlib.sha1(raw.encode()).hexdigest()[:6]}"


def outcome_of(rec: dict | None) -> str:
    """The record's outcome, 'missing' for no record, 'error' for an unknown word."""
    if rec is None:
        return "missing"
    out = rec.get("outcome")
    return out if out in OUTCOMES else "error"


def header(results: dict) -> dict:
    """Verdict, counts, the run and the machine."""
    run, summary, timing = (results.get(k) or {} for k in ("run", "summary", "timing"))
    counts = summary.get("counts") or {}
    machine = run.get("machine") or {}
    return {
        "verdict": summary.get("verdict") if summary.get("verdict") in ("pass", "fail")
        else "nothing judged" if summary.get("verdict") == "nothing-judged" else "unknown",
        "verdict_class": summary.get("verdict") if summary.get("verdict") in ("pass", "fail")
        else "unknown",
        "counts": [{"outcome": o, "n": int(counts.get(o, 0) or 0), "symbol": SYMBOLS[o]}
                   for o in OUTCOMES],
        "pass_rate": fmt.sci(100 * summary["pass_rate"], 3) + " %"
        if isinstance(summary.get("pass_rate"), (int, float)) else fmt.DASH,
        "command": str(run.get("command") or fmt.DASH),
        "seed": str(run.get("seed", fmt.DASH)),
        "examples": str(run.get("examples", fmt.DASH)),
        "versions": [(str(k), str(v)) for k, v in (run.get("versions") or {}).items()],
        "machine": ", ".join(str(machine[k]) for k in ("platform", "processor", "cpus")
                             if machine.get(k)) or fmt.DASH,
        "cpus": str(machine.get("cpus", fmt.DASH)),
        "started": fmt.when(timing.get("started")),
        "wall_s": fmt.sci(timing.get("wall_s"), 3) + " s"
        if isinstance(timing.get("wall_s"), (int, float)) else fmt.DASH,
        "schema": str(results.get("schema") or fmt.DASH),
        "plugins": [str(p) for p in run.get("plugins") or []],
        "shares": shares(results.get("records") or []),
    }


def shares(records) -> list[tuple[str, str]]:
    """(examples, engines) that ran that many examples an identity, most first: a run gives
    its expensive witnesses a share of the examples (``adcheck run --full``: all)."""
    most: dict = {}
    for r in records:
        n = r.get("examples")
        if isinstance(n, int) and not isinstance(n, bool) and r.get("engine"):
            most[str(r["engine"])] = max(n, most.get(str(r["engine"]), 0))
    by: dict = {}
    for engine, n in most.items():
        by.setdefault(n, []).append(engine)
    return [(fmt.count(n), ", ".join(by[n])) for n in sorted(by, reverse=True)]


def engines_of(results: dict) -> list[str]:
    """Engine columns: the run's list, then any engine that only appears in a record."""
    names = [str(e) for e in (results.get("run") or {}).get("engines") or []]
    for rec in results.get("records", []):
        if str(rec.get("engine")) not in names:
            names.append(str(rec.get("engine")))
    return names


def identities_of(results: dict) -> list[dict]:
    """Identity records, plus a bare one for any id that only appears in records."""
    idents = [dict(i) for i in results.get("identities", [])]
    known = {str(i.get("id")) for i in idents}
    for rec in results.get("records", []):
        if str(rec.get("identity")) not in known:
            known.add(str(rec.get("identity")))
            idents.append({"id": str(rec.get("identity")), "section": "other"})
    return idents


def group_label(section) -> str:
    """The matrix group of a section: B.1/B.2/B.3 or 'Plugin: <name>'."""
    section = str(section or "other")
    return SECTION_TITLES.get(section, f"Plugin: {section}")


def is_catalogue(results: dict) -> bool:
    """Whether any identity comes from Appendix B (a pytest session's tests do not)."""
    return any(str(i.get("section")) in SECTIONS for i in identities_of(results))


def _ordered_groups(idents: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for ident in idents:
        groups.setdefault(str(ident.get("section") or "other"), []).append(ident)
    order = [s for s in SECTIONS if s in groups] + sorted(s for s in groups if s not in SECTIONS)
    return [(s, groups[s]) for s in order]


def record_row(rec: dict, drift: dict | None, reference: bool = False) -> dict:
    """One engine's line in an identity's table; every error and allowance is relative."""
    worst = rec.get("worst") or {}
    out = outcome_of(rec)
    v = verified_to(rec)
    return {
        "engine": str(rec.get("engine")), "outcome": out, "symbol": SYMBOLS[out],
        "anchor": anchor(str(rec.get("identity")), str(rec.get("engine"))),
        "examples": fmt.count(rec.get("examples")),
        "rel_error": fmt.sci(worst.get("rel_error")),
        "allowance": fmt.sci(relative_allowance(worst)), "ratio": fmt.sci(worst.get("ratio")),
        "verified": _verified_text(rec, v, reference) if out == "pass" else fmt.DASH,
        "grade": ("o-reference" if reference else _pass_grade(rec, v)) if out == "pass" else "",
        "cost": fmt.cost(rec.get("cost")), "message": str(rec.get("message") or ""),
        "drift": None if drift is None else {"factor": fmt.factor(drift["factor"]),
                                             "before": fmt.sci(drift["before"]),
                                             "grew": (drift["factor"] or 0) > GREW},
    }


def _verified_text(rec: dict, v: float | None, reference: bool) -> str:
    if reference:
        return "reference"
    return "error = 0" if v is None and exact_zero(rec) else fmt_verified(v)


def _pass_grade(rec: dict, v: float | None) -> str:
    return vt_grade(0.0 if v is None and exact_zero(rec) else v)


def problem(rec: dict) -> dict:
    """What a reader needs to act on a record that did not pass."""
    return {
        "engine": str(rec.get("engine")), "outcome": outcome_of(rec),
        "anchor": anchor(str(rec.get("identity")), str(rec.get("engine"))),
        "message": str(rec.get("message") or ""),
        "diagnosis": str(rec.get("diagnosis") or ""), "outlier": str(rec.get("outlier") or ""),
        "worst_input": fmt.value_json(rec["worst_input"])
        if rec.get("worst_input") is not None else "",
        "rerun": str(rec.get("rerun") or ""),
    }


def cell(ident_id: str, engine: str, rec: dict | None, reference: bool = False) -> dict:
    """One grid cell: the outcome and what it certifies, coloured by it, linking to details.

    A pass shows its ``verified_to`` and is graded by decade; a reference column's pass (exact
    arithmetic agreeing with the oracle) is marked as the reference; a failure shows its worst
    error as a multiple of its allowance.
    """
    out = outcome_of(rec)
    worst = (rec or {}).get("worst") or {}
    main, grade, what = _cell_text(out, rec, worst, reference)
    if worst and out != "not-applicable":
        what += (f"; worst relative error {fmt.sci(worst.get('rel_error'))} against a relative "
                 f"allowance {fmt.sci(relative_allowance(worst))}")
    return {"outcome": out, "symbol": "\u2261" if grade == "o-reference" else SYMBOLS[out],
            "main": main, "grade": grade, "href": "#" + anchor(ident_id, engine),
            "title": f"{ident_id} [{engine}]: {what}"}


def _cell_text(out: str, rec: dict | None, worst: dict, reference: bool) -> tuple[str, str, str]:
    """(text, colour class, words for the title) of a cell."""
    v = verified_to(rec)
    if out == "pass" and reference:
        return "ref", "o-reference", "reference (exact arithmetic agrees)"
    if out == "pass" and v is not None:
        return fmt_verified(v), vt_grade(v), f"pass, verified to {fmt_verified(v)} (relative)"
    if out == "pass" and exact_zero(rec):
        return "=0", vt_grade(0.0), "pass, error exactly 0 (allowance not recorded)"
    if out == "pass":
        return "", "", "pass (a count or property: no precision to certify)"
    if out == "fail" and worst.get("ratio") is not None:
        return ("\u00d7" + fmt_verified(worst["ratio"]), "",
                f"fail, error {fmt.sci(worst['ratio'])} \u00d7 its allowance")
    if out == "inconclusive":
        return (fmt_verified(v) if v is not None else "inc."), "", "inconclusive" + (
            f", allowance {fmt_verified(v)} (relative)" if v is not None else "")
    return {"not-applicable": "n/a", "error": "error"}.get(out, ""), "", out


def build(results: dict, baseline: dict | None = None) -> dict:
    """Everything the template needs except the plots (see ``render``)."""
    families = {str(r.get("engine")): r["family"] for r in results.get("records", [])
                if r.get("family")}
    families.update((results.get("run") or {}).get("families") or {})
    fam_groups, cols = columns(engines_of(results), families)
    engines = [c["engine"] for c in cols]
    ref = {c["engine"] for c in cols if c["reference"]}
    recs = {(str(r.get("identity")), str(r.get("engine"))): r for r in results.get("records", [])}
    drift = drift_table(results, baseline) if baseline is not None else {}
    groups, details = [], []
    for section, idents in _ordered_groups(identities_of(results)):
        rows = []
        for ident in idents:
            iid = str(ident.get("id"))
            rows.append({"id": iid, "anchor": anchor(iid), "title": str(ident.get("title") or ""),
                         "cells": [cell(iid, e, recs.get((iid, e)), e in ref) for e in engines]})
            mine = [recs[(iid, e)] for e in engines if (iid, e) in recs]
            details.append(_detail(ident, mine, drift, ref))
        groups.append({"section": section, "label": group_label(section), "rows": rows})
    return {"header": header(results), "engines": engines, "columns": cols,
            "families": fam_groups, "groups": groups,
            "identities": details, "has_baseline": baseline is not None,
            "catalogue": is_catalogue(results), "has_studies": bool(results.get("studies")),
            "baseline_command": str(((baseline or {}).get("run") or {}).get("command") or ""),
            "legend": [{"outcome": o, "symbol": SYMBOLS[o]} for o in OUTCOMES if o != "pass"],
            "grades": [{"cls": c, "text": t} for c, t in GRADE_TEXT.items()]}


def _detail(ident: dict, records: list[dict], drift: dict, ref: set) -> dict:
    iid = str(ident.get("id"))
    proof = ident.get("proof") or {}
    status = str(proof.get("status") or "")
    return {
        "id": iid, "anchor": anchor(iid), "section": str(ident.get("section") or ""),
        "title": str(ident.get("title") or ""), "citation": str(ident.get("citation") or ""),
        "kind": str(ident.get("kind") or ""), "layout": str(ident.get("layout") or ""),
        "smoothness": str(ident.get("smoothness", "")),
        "arg_names": ", ".join(map(str, ident.get("arg_names") or [])),
        "wrt": _wrt_name(ident),
        **_statement(ident),
        "summary": str(ident.get("summary") or ""), "has_proof": "proof" in ident,
        "proof_status": status or "unknown",
        "proof_text": PROOF_TEXT.get(status, "proof status not reported"),
        "proof_detail": str(proof.get("detail") or ""),
        "rows": [record_row(r, drift.get((iid, str(r.get("engine")))), str(r.get("engine")) in ref)
                 for r in records],
        "problems": [problem(r) for r in records if outcome_of(r) != "pass"],
        "tally": _tally(records, ref),
        "records": records,
    }


def _statement(ident: dict) -> dict:
    """MathML and text of the statement; a bare True/False (sympy evaluated the equation
    instead of stating it) is not a statement and is shown as missing, with the reason."""
    text = str(ident.get("statement_text") or "")
    if text in ("True", "False"):
        return {"mathml": None, "statement_text": "",
                "statement_note": f"the recorded statement evaluated to {text}: build it with "
                                  f"sympy.Eq(lhs, rhs, evaluate=False)"}
    return {"mathml": sanitize(str(ident.get("statement_mathml") or "")),
            "statement_text": text, "statement_note": "no statement recorded"}


def _wrt_name(ident: dict) -> str:
    names, wrt = ident.get("arg_names") or [], ident.get("wrt")
    if isinstance(wrt, int) and 0 <= wrt < len(names):
        return str(names[wrt])
    return "" if wrt is None else str(wrt)


def _tally(records: list[dict], ref: set) -> dict:
    """The one-line summary of an identity: outcome counts and its loosest graded pass."""
    counts = {o: 0 for o in OUTCOMES}
    loosest = None
    for r in records:
        out = outcome_of(r)
        counts[out] = counts.get(out, 0) + 1
        v = verified_to(r) if out == "pass" and str(r.get("engine")) not in ref else None
        if v is not None and (loosest is None or v > loosest):
            loosest = v
    return {"counts": [{"outcome": o, "symbol": SYMBOLS[o], "n": n} for o, n in counts.items()
                       if n],
            "loosest": fmt_verified(loosest) if loosest is not None else "",
            "grade": vt_grade(loosest) if loosest is not None else ""}
