"""The results.json of a pytest session: one record per (test, engine) of ``adcheck_check``."""

from __future__ import annotations

from dataclasses import replace

from . import results as R


def build_session_results(reports) -> dict:
    """The results dict of the collected (nodeid, CheckReport) pairs.

    Each check is an identity record named by its test's node id; its records are built by the
    same accumulator ``adcheck run`` uses, so the report reads them the same way.
    """
    records, idents, seen = [], [], set()
    for nodeid, rep in reports:
        records += rep.records(nodeid, rerun=f"pytest '{nodeid}'")
        if nodeid not in seen:
            seen.add(nodeid)
            idents.append(replace(rep.identity, id=nodeid, title=nodeid, section="pytest"))
    now = R.now()
    engines = sorted({r["engine"] for r in records})
    return R.build(argv=["pytest"], seed=0, examples=1, engines=engines, identities=idents,
                   plugins=[], records=records, started=now, finished=now)


def write_session_report(reports, out_dir):
    """Write the session's report files; returns the results.json path."""
    return R.write(build_session_results(reports), out_dir)["results"]
