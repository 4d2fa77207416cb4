"""Plain data records for the template, built from a results dict (schema adcheck.results/1).

Everything the template shows is prepared here as strings and small dicts, so the template only
lays it out and escapes it. Missing fields (a results.json from an older or partial run) show
as dashes, never as an exception.
"""

from __future__ import annotations

import hashlib
import re

from . import fmt
from .drift import drift_table
from .mathml import sanitize

OUTCOMES = ("pass", "fail", "inconclusive", "error", "not-applicable")
SYMBOLS = {"pass": "\u2713", "fail": "\u2717", "inconclusive": "?", "error": "!",
           "not-applicable": "\u2013", "missing": ""}
SECTIONS = ("B.1", "B.2", "B.3")
SECTION_TITLES = {"B.1": "B.1 Matrix calculus identities",
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
    }


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


def _ordered_groups(idents: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for ident in idents:
        groups.setdefault(str(ident.get("section") or "other"), []).append(ident)
    order = [s for s in SECTIONS if s in groups] + sorted(s for s in groups if s not in SECTIONS)
    return [(s, groups[s]) for s in order]


def record_row(rec: dict, drift: dict | None) -> dict:
    """One engine's line in an identity's table."""
    worst = rec.get("worst") or {}
    return {
        "engine": str(rec.get("engine")), "outcome": outcome_of(rec),
        "symbol": SYMBOLS[outcome_of(rec)],
        "anchor": anchor(str(rec.get("identity")), str(rec.get("engine"))),
        "examples": fmt.count(rec.get("examples")),
        "rel_error": fmt.sci(worst.get("rel_error")), "ulps": fmt.sci(worst.get("ulps")),
        "allowance": fmt.sci(worst.get("allowance")), "ratio": fmt.sci(worst.get("ratio")),
        "cost": fmt.cost(rec.get("cost")), "message": str(rec.get("message") or ""),
        "drift": None if drift is None else {"factor": fmt.factor(drift["factor"]),
                                             "before": fmt.sci(drift["before"]),
                                             "grew": (drift["factor"] or 0) > GREW},
    }


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


def cell(ident_id: str, engine: str, rec: dict | None) -> dict:
    """One matrix cell: outcome colour, worst error over allowance, link to the details."""
    out = outcome_of(rec)
    worst = (rec or {}).get("worst") or {}
    main = fmt.sci(worst.get("rel_error"), 2) if worst else ""
    sub = ("\u2264 " + fmt.sci(worst.get("allowance"), 2)) if worst else ""
    if rec is not None and not worst:
        main = {"not-applicable": "n/a"}.get(out, out)
    return {"outcome": out, "symbol": SYMBOLS[out], "main": main, "sub": sub,
            "href": "#" + anchor(ident_id, engine),
            "title": f"{ident_id} [{engine}]: {out}"
            + (f", worst {main} against allowance {sub[2:]}" if worst else "")}


def build(results: dict, baseline: dict | None = None) -> dict:
    """Everything the template needs except the plots (see ``render``)."""
    engines = engines_of(results)
    recs = {(str(r.get("identity")), str(r.get("engine"))): r for r in results.get("records", [])}
    drift = drift_table(results, baseline) if baseline is not None else {}
    groups, details = [], []
    for section, idents in _ordered_groups(identities_of(results)):
        rows = []
        for ident in idents:
            iid = str(ident.get("id"))
            rows.append({"id": iid, "anchor": anchor(iid), "title": str(ident.get("title") or ""),
                         "cells": [cell(iid, e, recs.get((iid, e))) for e in engines]})
            details.append(_detail(ident, [r for (i, _), r in recs.items() if i == iid], drift))
        groups.append({"section": section, "label": group_label(section), "rows": rows})
    return {"header": header(results), "engines": engines, "groups": groups,
            "identities": details, "has_baseline": baseline is not None,
            "baseline_command": str(((baseline or {}).get("run") or {}).get("command") or ""),
            "legend": [{"outcome": o, "symbol": SYMBOLS[o]} for o in OUTCOMES]}


def _detail(ident: dict, records: list[dict], drift: dict) -> dict:
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
        "proof_status": status or "unknown",
        "proof_text": PROOF_TEXT.get(status, "proof status not reported"),
        "proof_detail": str(proof.get("detail") or ""),
        "rows": [record_row(r, drift.get((iid, str(r.get("engine"))))) for r in records],
        "problems": [problem(r) for r in records if outcome_of(r) != "pass"],
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
