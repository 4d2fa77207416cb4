"""The results.json of a pytest session: one record per (test, engine) of ``adcheck_check``."""

from __future__ import annotations

from . import results as R


def _record(nodeid: str, report, ev) -> dict:
    w = ev.worst
    samples = [[w["rel_error"], w["rel_error"] / w["ratio"] if w["ratio"] else 0.0]] if w else []
    return {
        "identity": nodeid, "engine": ev.engine, "outcome": ev.outcome, "examples": 1,
        "worst": w, "worst_input": None, "diagnosis": ev.diagnosis,
        "outlier": ev.engine if ev.engine in report.outliers else None,
        "message": report.message, "cost": {}, "rerun": f"pytest '{nodeid}'",
        "samples": samples,
    }


class _TestIdentity:
    """The identities[] entry of a test (duck-typed like an identity record)."""

    def __init__(self, nodeid: str, kind: str):
        self.id = self.title = nodeid
        self.section, self.citation, self.kind, self.wrt = "pytest", "", kind, 0
        self.arg_names, self.smoothness, self.statement, self.prove = (), 1, None, None
        self.layout = "numerator layout"


def build_session_results(reports) -> dict:
    """The results dict of the collected (nodeid, CheckReport) pairs."""
    records, idents, seen = [], [], set()
    for nodeid, rep in reports:
        for ev in rep.engines.values():
            records.append(_record(nodeid, rep, ev))
        if nodeid not in seen:
            seen.add(nodeid)
            idents.append(_TestIdentity(nodeid, rep.kind))
    now = R.now()
    engines = sorted({r["engine"] for r in records})
    return R.build(argv=["pytest"], seed=0, examples=1, engines=engines, identities=idents,
                   plugins=[], records=records, started=now, finished=now)


def write_session_report(reports, out_dir):
    """Write the session's report files; returns the results.json path."""
    return R.write(build_session_results(reports), out_dir)["results"]
