"""The false-alarm campaign's summary: fails counted as false alarms, inconclusive by reason."""

from benchmarks.campaign import reason, report, summarize


def _rec(engine, counts, message="", outcome="pass", verified_to=1e-15):
    return {"identity": "B1.x", "engine": engine, "counts": counts, "message": message,
            "outcome": outcome, "verified_to": verified_to}


RESULTS = {
    "summary": {"verdict": "fail"}, "timing": {"wall_s": 1.0},
    "records": [
        _rec("reverse", {"pass": 10}),
        _rec("central", {"pass": 7, "inconclusive": 3}, "central on B1.x: 7 of 10 ... (3 "
             "inconclusive: this engine cannot resolve the derivative here better than 2e-06 "
             "relative (its allowance); a pass must certify 1e-06 or better)", verified_to=3e-7),
        _rec("richardson", {"pass": 8, "inconclusive": 1, "fail": 1},
             "richardson ... (1 inconclusive: a kink inside the stencil: left and right)",
             outcome="fail", verified_to=None),
    ]}


def test_reasons_are_read_from_the_record_message():
    assert reason(RESULTS["records"][1]["message"]) == "allowance above the ceiling"
    assert reason(RESULTS["records"][2]["message"]) == "a kink inside the stencil"


def test_every_failed_case_is_a_false_alarm(capsys):
    s = summarize(RESULTS)
    assert s["total"]["pass"] == 25 and s["total"]["inconclusive"] == 4
    assert s["loosest_pass"] == (3e-7, "B1.x", "central")
    assert report(RESULTS) == 1
    assert "1 a kink inside the stencil" in capsys.readouterr().out
