"""results.json (schema ``adcheck.results/1``) and JUnit XML, built from the run's records.

Everything but the ``timing`` section is a function of the selection and the seed: no clock,
no host-dependent ordering. The three outputs are published as one set
(``adcheck.running.publish``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import math
import os
import platform
import shlex
import sys
import uuid
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from adcheck.judging.cases import OUTCOMES, judged_count

from .statements import mathml, proof_status, statement_text

# the results format and what its reader accepts (one arrow: results -> validate)
from .validate import CONTROL, INFINITE_OK, MAX_STRING, SCHEMA  # noqa: F401

_VERSIONED = ("numpy", "scipy", "sympy", "hypothesis", "mpmath")


def versions() -> dict:
    """Versions of python and the numerical stack (torch/jax only when already imported)."""
    out = {"python": platform.python_version()}
    for name in _VERSIONED + ("torch", "jax"):
        if name in ("torch", "jax") and name not in sys.modules:
            continue
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    from adcheck import __version__
    out["adcheck"] = __version__
    return out


# Packages whose source decides a run's records; adcheck.engines and adcheck.identities live in
# folders of their own (pyproject's package-dir), so each is hashed from where it was imported.
_CODE = ("adcheck", "adcheck.engines", "adcheck.identities")


def code(plugins=()) -> dict:
    """A digest of the source that made the records: adcheck's packages and each plugin module.

    Shards merge only when their code agrees: a shard run after an edit to an engine, or to a
    plugin's closed form, is another run even under the same command line.
    """
    out = {"adcheck": _adcheck_digest()}
    for name in plugins:
        module = sys.modules.get(name.partition(":")[0])
        out[name] = _digest(module) if module is not None else "not imported"
    return out


@functools.cache
def _adcheck_digest() -> str:
    h = hashlib.sha256()
    for name in _CODE:
        h.update(_digest(sys.modules.get(name) or importlib.import_module(name)).encode())
    return h.hexdigest()[:32]


def _digest(module) -> str:
    """sha256 of a module's source files (every .py and .json under a package's folder)."""
    roots = [Path(p) for p in getattr(module, "__path__", [])]
    files = [f for r in roots for f in sorted(r.rglob("*"))
             if f.suffix in (".py", ".json") and "__pycache__" not in f.parts]
    if not roots and getattr(module, "__file__", None):
        files = [Path(module.__file__)]
    if not files:
        return "no source"
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:32]


def machine() -> dict:
    return {"platform": platform.platform(), "processor": platform.machine(),
            "cpus": os.cpu_count() or 1}


def identity_entry(rec, proof: dict | None = None) -> dict:
    """The identities[] entry of one record (statement, proof status, ...); ``proof`` is its
    status when already computed (``adcheck.running.sandbox``), else it is computed here."""
    return {
        "id": rec.id, "section": rec.section, "title": rec.title, "citation": rec.citation,
        "kind": rec.kind, "wrt": rec.wrt, "arg_names": list(rec.arg_names),
        "smoothness": rec.smoothness, "layout": rec.layout,
        "statement_text": statement_text(rec), "statement_mathml": mathml(rec),
        "proof": proof if proof is not None else proof_status(rec),
    }


NOTHING_JUDGED = "nothing-judged"


def case_counts(records: list[dict]) -> dict:
    """Cases per outcome over the records (a record without counts is one case of its
    outcome); a not-applicable record counts as one not-applicable case."""
    out = dict.fromkeys(OUTCOMES, 0)
    for r in records:
        c = r.get("counts")
        if isinstance(c, dict) and sum(c.values()):
            for k in OUTCOMES:
                out[k] += int(c.get(k, 0))
        else:
            out[r["outcome"]] += 1
    return out


def unjudged_identities(records: list[dict]) -> list[dict]:
    """``[{"identity", "why"}]``: the identities of the records none of whose cases was judged
    (passed or failed) by any engine: every case inconclusive, errored or not applicable. Such
    an identity was never checked, and a run holding one is not a pass."""
    by: dict = {}
    for r in records:
        by.setdefault(r.get("identity"), []).append(r)
    out = []
    for ident, recs in by.items():
        if judged_count(recs):
            continue
        tried = [r for r in recs if r["outcome"] in ("error", "inconclusive")]
        whys = list(dict.fromkeys(f"{r.get('engine', '?')}: {_reason(r)}"
                                  for r in (tried or recs)))
        why = "; ".join(whys[:3]) + (f"; and {len(whys) - 3} more" if len(whys) > 3 else "")
        out.append({"identity": ident, "why": why})
    return out


def _reason(record: dict) -> str:
    """The record's message without its leading "<engine> on <identity>: " and rerun line."""
    text = str(record.get("message", "")).split("\n")[0]
    head = f"{record.get('engine')} on {record.get('identity')}: "
    text = text[len(head):] if text.startswith(head) else text
    return text[:200] + ("..." if len(text) > 200 else "")


def gate_options(run: dict) -> dict:
    """The gate's options as a run recorded them (``summarize``'s keywords)."""
    return {"fail_under": run.get("fail_under"),
            "fail_on_inconclusive": bool(run.get("fail_on_inconclusive")),
            "min_judged": run.get("min_judged")}


def judged_share(cases: dict) -> float:
    """Judged cases (pass or fail) over the cases an engine tried (judged, inconclusive or
    errored; not-applicable ones were never tried); 1.0 when none was tried."""
    judged = cases["pass"] + cases["fail"]
    tried = judged + cases["inconclusive"] + cases["error"]
    return judged / tried if tried else 1.0


def summarize(records: list[dict], fail_under: float | None = None, *,
              fail_on_inconclusive: bool = False, min_judged: float | None = None) -> dict:
    """Counts per outcome (of records and of cases), pass rate over judged records, the
    identities never judged, the share of tried cases that were judged, and the gate's verdict.

    The verdict is "fail" when a check failed or errored (or, with ``fail_under``, when the pass
    rate is below it), "nothing-judged" when no case at all was judged, and "fail" as well when
    some identity of the run had no judged case: a gate that passed beside an identity it never
    checked would certify what it did not see. The strict gates fail it too: with
    ``fail_on_inconclusive``, any inconclusive case (inside a passing record too); with
    ``min_judged`` (a percentage), a judged share of the tried cases below it. ``strict`` says
    which did, in words.
    """
    counts = dict.fromkeys(OUTCOMES, 0)
    for r in records:
        counts[r["outcome"]] += 1
    judged = counts["pass"] + counts["fail"] + counts["error"]
    rate = counts["pass"] / judged if judged else 1.0
    # Without --fail-under every failure fails the gate; with it (as in coverage.py) the gate
    # fails only when the pass rate over judged records is below the threshold.
    ok = counts["fail"] == 0 and counts["error"] == 0 if fail_under is None \
        else 100 * rate >= fail_under
    verdict = "pass" if ok else "fail"
    unjudged = unjudged_identities(records)
    cases = case_counts(records)
    share = judged_share(cases)
    strict = []
    if fail_on_inconclusive and cases["inconclusive"]:
        strict.append(f"{cases['inconclusive']} inconclusive case(s) and "
                      f"--fail-on-inconclusive")
    if min_judged is not None and 100 * share < min_judged:
        strict.append(f"{100 * share:.1f} % of the tried cases judged, below --min-judged "
                      f"{min_judged:g} %")
    if ok and not judged_count(records):  # a run that certified nothing is never a pass
        verdict = NOTHING_JUDGED
    elif unjudged or strict:  # nor is one that left an identity unchecked, whatever
        verdict = "fail"      # --fail-under says, nor one that a strict gate refuses
    return {"verdict": verdict, "counts": counts, "pass_rate": rate, "cases": cases,
            "unjudged": unjudged, "judged_share": share, "strict": strict}


def build(*, argv, seed, examples, engines, identities, plugins, records, started, finished,
          fail_under=None, studies=None, timing=None, run_id=None, timeout=None,
          executor="local", shard=None, selection=None, proofs=None,
          fail_on_inconclusive=False, min_judged=None) -> dict:
    """The results dict, exactly per schema ``adcheck.results/1`` (``schema/results.schema.json``).

    ``studies`` goes in as ``results["studies"]``; ``timing`` (e.g. ``{"cost_scaling": ...}``)
    is merged into ``results["timing"]``, the one section allowed to hold wall times.
    ``selection`` is every identity id of the run (a shard's ``identities`` are its share);
    ``shard`` is ``(k, n)`` or None; ``proofs`` maps ids to proof statuses already computed.
    """
    per_record = {}
    clean = []
    for r in records:
        r = dict(r)
        per_record[f"{r['identity']}|{r['engine']}"] = round(r.pop("_seconds", 0.0), 6)
        clean.append(r)
    mine = [rec.id for rec in identities]
    return portable({
        "schema": SCHEMA,
        "run_id": run_id or new_run_id(),
        "run": {"command": shlex.join(["adcheck", *argv]), "argv": list(argv), "seed": seed,
                "examples": examples, "engines": list(engines),
                "identities": list(selection) if selection is not None else mine,
                "plugins": list(plugins), "timeout": timeout, "fail_under": fail_under,
                "fail_on_inconclusive": bool(fail_on_inconclusive), "min_judged": min_judged,
                "executor": executor,
                "shard": None if shard is None else {"index": shard[0], "count": shard[1],
                                                     "identities": mine},
                "versions": versions(), "code": code(plugins), "machine": machine()},
        "timing": {"started": started.isoformat(), "finished": finished.isoformat(),
                   "wall_s": (finished - started).total_seconds(), "per_record_s": per_record,
                   **(timing or {})},
        "summary": summarize(clean, fail_under, fail_on_inconclusive=fail_on_inconclusive,
                             min_judged=min_judged),
        "identities": [identity_entry(rec, (proofs or {}).get(rec.id)) for rec in identities],
        "records": clean,
        "studies": studies or {},
    })


def portable(value, path: str = "$"):
    """``value`` as every reader of results.json accepts it (``validate.problems``): control
    characters written as escapes, overlong strings cut, and a NaN or infinity that user code
    put into an input (worst_input, shrunk) written as text. A user's exception text or
    identity title ends up in junit.xml and on the terminal."""
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            value = value[:MAX_STRING - 40] + f"... ({len(value):,} characters)"
        return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)
    if isinstance(value, float) and not math.isfinite(value):
        if INFINITE_OK.match(path):  # an error that is not a number is unbounded
            return value if value == value else math.inf
        return repr(value)
    if isinstance(value, dict):
        return {portable(k): portable(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [portable(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


VOLATILE_RUN = ("command", "argv", "executor", "shard")


def stable(results: dict) -> dict:
    """``results`` without what may differ between runs of the same seed and selection:
    the run id, the timing section, and how the run was launched (command line, executor,
    shard). Two runs agree when their stable parts are equal."""
    out = {k: v for k, v in results.items() if k not in ("run_id", "timing")}
    out["run"] = {k: v for k, v in results["run"].items() if k not in VOLATILE_RUN}
    return out


def now() -> datetime:
    return datetime.now(UTC)


def dumps(results: dict) -> str:
    """Deterministic JSON text (sorted keys, fixed indentation)."""
    return json.dumps(results, indent=1, sort_keys=True, default=str) + "\n"


def junit(results: dict) -> str:
    """JUnit XML: one testsuite per identity, one testcase per engine."""
    suites: dict[str, list[dict]] = {}
    for r in results["records"]:
        suites.setdefault(r["identity"], []).append(r)
    times = results.get("timing", {}).get("per_record_s", {})
    run_id = quoteattr(str(results.get("run_id", "")))
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="adcheck" id={run_id} tests="{len(results["records"])}">']
    for ident, recs in suites.items():
        fails = sum(r["outcome"] == "fail" for r in recs)
        errs = sum(r["outcome"] == "error" for r in recs)
        skips = sum(r["outcome"] in ("inconclusive", "not-applicable") for r in recs)
        out.append(f'  <testsuite name={quoteattr(ident)} tests="{len(recs)}" failures="{fails}"'
                   f' errors="{errs}" skipped="{skips}">')
        for r in recs:
            t = times.get(f"{ident}|{r['engine']}", 0.0)
            out.append(f'    <testcase classname={quoteattr(ident)} name={quoteattr(r["engine"])}'
                       f' time="{t:.3f}">')
            msg = quoteattr(r["message"][:300])
            body = escape(r["message"] + "\n" + r["rerun"])
            if r["outcome"] == "fail":
                out.append(f'      <failure message={msg}>{body}</failure>')
            elif r["outcome"] == "error":
                out.append(f'      <error message={msg}>{body}</error>')
            elif r["outcome"] in ("inconclusive", "not-applicable"):
                out.append(f'      <skipped message={msg}/>')
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def new_run_id() -> str:
    """A fresh id carried by the three files of one run (results.json, junit.xml, index.html)."""
    return uuid.uuid4().hex

