"""The results.json of a pytest session: one record per (test, engine) of ``adcheck_check``.

Each test is an identity named by its node id, with the argument names of the checked
function; each engine's record carries that engine's own finding, and the check's whole message
is said once, on the test.
"""

from __future__ import annotations

import inspect
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from adcheck.running import results as R
from adcheck.running.merge import merged_timing
from adcheck.running.publish import publish

from .render import render

SECTION = "pytest"


def command_line(argv: list[str] | None = None) -> str:
    """The command that ran the session, as the user typed it (``pytest tests/x.py ...``)."""
    argv = list(sys.argv if argv is None else argv)
    if not argv:
        return "pytest"
    head = Path(argv[0])
    if head.name in ("pytest", "py.test") or (head.name == "__main__.py"
                                               and head.parent.name == "pytest"):
        return shlex.join(["pytest", *argv[1:]])
    return shlex.join([head.name, *argv[1:]])


def arg_names(f) -> tuple[str, ...]:
    """The names of ``f(xp, *args)``'s arguments after ``xp``; () when they cannot be read."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return ()
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return ()
    return tuple(p.name for p in params[1:])


def engine_message(ev) -> str:
    """What one engine found, in one sentence (empty for a pass)."""
    if ev.outcome == "pass":
        return ""
    w = ev.worst or {}
    if ev.outcome == "fail" and w:
        text = (f"{ev.engine}: worst relative error {w.get('rel_error', float('nan')):.3g} is "
                f"{w.get('ratio', float('nan')):.3g} times its allowance")
        return text + (f"; {ev.diagnosis}" if ev.diagnosis else "")
    return f"{ev.engine}: {ev.outcome}" + (f" ({ev.note})" if ev.note else "")


def _unpack(entry) -> tuple[str, object, dict]:
    """(nodeid, report) or (nodeid, report, {"f": f, "wrt": i}) from the plugin."""
    nodeid, report, *rest = entry
    return nodeid, report, (rest[0] if rest and isinstance(rest[0], dict) else {})


def _identity(nodeid: str, rep, call: dict):
    """The check's own identity record, named by the test and by its function's arguments."""
    ident = replace(rep.identity, id=nodeid, title=nodeid, section=SECTION)
    names = arg_names(call["f"]) if "f" in call else ()
    return replace(ident, arg_names=names) if len(names) == len(ident.arg_names) else ident


def build_session_results(reports, argv: list[str] | None = None) -> dict:
    """The results dict of the collected ``(nodeid, CheckReport[, call])`` entries.

    Each check is an identity named by its test's node id; its records are built by the same
    accumulator ``adcheck run`` uses, and each failing engine's message says that engine's own
    finding, while the check's whole message is said once, on the test.
    """
    records, idents, seen, summaries = [], [], set(), {}
    for entry in reports:
        nodeid, rep, call = _unpack(entry)
        rerun = f"pytest {shlex.quote(nodeid)}"
        for ev, rec in zip(rep.engines.values(), rep.records(nodeid, rerun=rerun)):
            rec["message"] = engine_message(ev) or rec["message"]
            records.append(rec)
        if rep.verdict != "pass":
            summaries.setdefault(nodeid, []).append(rep.message)
        if nodeid not in seen:
            seen.add(nodeid)
            idents.append(_identity(nodeid, rep, call))
    now = R.now()
    engines = sorted({r["engine"] for r in records})
    res = R.build(argv=[], seed=0, examples=1, engines=engines, identities=idents,
                  plugins=[], records=records, started=now, finished=now)
    res["run"]["command"] = command_line(argv)
    for ident in res["identities"]:
        ident["summary"] = "\n".join(summaries.get(ident["id"], []))
        ident.pop("proof", None)  # a test has no symbolic proof to report
    return res


def merge_session_results(parts: list[dict], argv: list[str] | None = None) -> dict:
    """One session's results from the results of its parts (the workers of ``pytest -n N``).

    Records and identities are ordered by test node id, so the merged file does not depend on
    which worker ran which test or in what order they finished; the summary is recomputed.
    """
    parts = [p for p in parts if p]
    if not parts:
        return build_session_results([], argv)
    records = sorted((r for p in parts for r in p["records"]),
                     key=lambda r: (r["identity"], r["engine"]))
    idents = {i["id"]: i for p in parts for i in p["identities"]}
    engines = sorted({r["engine"] for r in records})
    run = {**parts[0]["run"], "engines": engines, "command": command_line(argv),
           "identities": sorted(idents)}
    return {
        "schema": parts[0]["schema"], "run_id": R.new_run_id(), "run": run,
        "timing": merged_timing(parts),
        "summary": R.summarize(records),
        "identities": [idents[i] for i in sorted(idents)],
        "records": records, "studies": {},
    }


def write_session_report(reports, out_dir, parts: list[dict] | None = None):
    """Write the session's report files; returns the results.json path.

    ``parts`` are the results of other processes of the same session (pytest-xdist workers),
    merged with this process's own ``reports``.
    """
    res = build_session_results(reports)
    if parts:
        res = merge_session_results([res, *parts])
    return publish(res, out_dir, render=render)["results"]
