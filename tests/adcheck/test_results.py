import json
import xml.etree.ElementTree as ET

import pytest
from adcheck_helpers import Raising, quadratic, temporary

from adcheck.running import results as R
from adcheck.running.atomic import write_atomic
from adcheck.running.runner import run

# What is written, not where it was judged: the runs of this module execute in process.
pytestmark = pytest.mark.usefixtures("in_process")

TOP = {"schema", "run", "timing", "summary", "identities", "records", "studies"}
RECORD = {"identity", "engine", "outcome", "examples", "worst", "worst_input", "diagnosis",
          "outlier", "message", "cost", "rerun", "samples"}


def _results(seed=0):
    rec = quadratic()
    with temporary(identities=[rec], engines=[Raising()]):
        recs, _ = run([rec.id], ["reverse", "t-raising"], 2, seed)
    t = R.now()
    return R.build(argv=["run", "-i", rec.id], seed=seed, examples=2,
                   engines=["reverse", "t-raising"], identities=[rec], plugins=[],
                   records=recs, started=t, finished=t)


def test_schema_fields():
    res = _results()
    assert TOP <= set(res) and res["schema"] == "adcheck.results/1"
    assert {"command", "argv", "seed", "examples", "engines", "identities", "plugins",
            "versions", "machine"} <= set(res["run"])
    for r in res["records"]:
        assert RECORD <= set(r) and "_seconds" not in r
    assert set(res["summary"]["counts"]) == {"pass", "fail", "inconclusive", "error",
                                             "not-applicable"}
    assert res["summary"]["verdict"] == "fail"  # the raising engine is an error
    assert res["identities"][0]["proof"]["status"] in ("general", "fixed-size", "numeric")


def test_same_seed_same_results_apart_from_timing():
    a, b = _results(), _results()
    assert a["run_id"] != b["run_id"]
    assert R.dumps(R.stable(a)) == R.dumps(R.stable(b))


def test_junit_is_valid_xml_with_failures_and_errors():
    root = ET.fromstring(R.junit(_results()))
    cases = root.findall(".//testcase")
    assert len(cases) == 2
    assert root.find(".//error") is not None


def test_interrupted_write_leaves_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    write_atomic(target, "old\n")

    def broken_replace(src, dst):
        raise KeyboardInterrupt("interrupted while writing")
    monkeypatch.setattr("adcheck.running.atomic.os.replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temp file left


def test_write_produces_json_and_junit(tmp_path):
    res = _results()
    from adcheck.running.publish import publish
    paths = publish(res, tmp_path)
    assert json.loads(paths["results"].read_text())["schema"] == R.SCHEMA
    assert paths["junit"].exists()


def test_a_summary_of_nothing_judged_is_not_a_pass():
    from adcheck.running.results import summarize
    na = {"outcome": "not-applicable", "counts": {"not-applicable": 3}}
    inc = {"outcome": "inconclusive", "counts": {"inconclusive": 2}}
    ok = {"outcome": "pass", "counts": {"pass": 1}}
    assert summarize([])["verdict"] == "nothing-judged"
    assert summarize([na, inc])["verdict"] == "nothing-judged"
    assert summarize([na, inc], fail_under=0)["verdict"] == "nothing-judged"
    assert summarize([na, ok])["verdict"] == "pass"
    assert summarize([{"outcome": "error", "counts": {"error": 1}}])["verdict"] == "fail"


def test_what_a_run_writes_is_what_report_reads():
    # a user's exception text with an escape sequence broke junit.xml and reached the terminal
    # raw; a NaN drawn by a user's sampler made results.json that report refused
    from adcheck.running.validate import CONTROL, parse
    rec = {"identity": "B1.x", "engine": "reverse", "outcome": "error", "examples": 1,
           "worst": {"rel_error": float("nan"), "ulps": float("inf"), "abs_error": 1.0,
                     "allowance": 0.0, "ratio": float("inf")},
           "message": "ValueError: \x1b[31mred\x00", "cost": {}, "rerun": "adcheck run",
           "samples": [], "counts": {"pass": 0, "fail": 0, "inconclusive": 0, "error": 1,
                                     "not-applicable": 0},
           "worst_input": {"x": [float("nan"), float("-inf")]}}
    out = R.portable({"records": [rec]})["records"][0]
    assert out["message"] == "ValueError: \\x1b[31mred\\x00" and not CONTROL.search(out["message"])
    assert out["worst"]["rel_error"] == float("inf") and out["worst_input"]["x"] == ["nan", "-inf"]
    assert parse(R.dumps({"records": [out]}))["records"][0]["worst_input"] == out["worst_input"]
