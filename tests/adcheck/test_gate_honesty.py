"""The gate never lies: its exit code is the verdict of what was judged, whatever happens to the
output, however many workers are asked for, and whatever could not be judged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adcheck.cli.main import ExitCode, main

HERE = Path(__file__).resolve().parent

# A failing run (a wrong closed form), in process: the test is about the output, not workers.
FAILING_RUN = """\
import sys
sys.path.insert(0, {here!r})
import pytest
from adcheck_helpers import in_process, quadratic, temporary
from adcheck.cli.main import main
from adcheck.judging.shrink import disabled
in_process(pytest.MonkeyPatch())
rec = quadratic("T.gate-wrong", closed_form=lambda xp, x, q: 2.0 * (q @ x))
with temporary(identities=[rec]), disabled():
    rc = main(["run", "-i", rec.id, "-e", "reverse", "--examples", "2", "--no-studies",
               "--out", sys.argv[1]])
sys.exit(rc)
"""


def _failing_run(tmp_path, stdout):
    script = tmp_path / "failing_run.py"
    script.write_text(FAILING_RUN.format(here=str(HERE)))
    return subprocess.Popen([sys.executable, str(script), str(tmp_path / "out")],
                            stdout=stdout, stderr=subprocess.PIPE, text=True)


def _verdict(tmp_path):
    return json.loads((tmp_path / "out" / "results.json").read_text())["summary"]["verdict"]


def test_a_closed_stdout_does_not_turn_a_failing_run_into_exit_0(tmp_path):
    # `set -o pipefail; adcheck run ... | head -n 1` once exited 0 beside a failing results.json
    proc = _failing_run(tmp_path, subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the run prints a line
    err = proc.stderr.read()
    assert proc.wait(120) == ExitCode.CHECKS_FAILED, err
    assert _verdict(tmp_path) == "fail"
    assert "Traceback" not in err and "Exception ignored" not in err
    assert "stdout was closed by its reader" in err


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_stdout_is_reported_and_the_exit_code_is_the_gates(tmp_path):
    # `adcheck run ... >/dev/full` once ended in a traceback and exit 3
    with open("/dev/full", "w") as full:
        proc = _failing_run(tmp_path, full)
        err = proc.stderr.read()
        assert proc.wait(120) == ExitCode.CHECKS_FAILED, err
    assert _verdict(tmp_path) == "fail"
    assert "Traceback" not in err and "internal error" not in err
    assert "stdout could not be written" in err and "No space left on device" in err


def test_a_stream_that_fails_drops_output_and_says_so_once(capsys):
    from adcheck.cli.output import TolerantStream

    class Broken:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    s = TolerantStream(Broken())
    assert s.write("abc") == 3 and s.write("more") == 4
    s.flush()
    assert isinstance(s.failed, BrokenPipeError)
    assert capsys.readouterr().err.count("stdout was closed by its reader") == 1


# ----------------------------------------------------------------------------- --jobs

def test_jobs_are_capped_by_cores_and_memory():
    from adcheck.running.executors import WORKER_BYTES, cap_jobs
    assert cap_jobs(2, cpus=2, memory=8 * 2**30) == (2, "")  # make verify's --jobs 2
    jobs, why = cap_jobs(1000, cpus=2, memory=64 * 2**30)
    assert jobs == 4 and why.startswith("--jobs 1000 capped to 4 worker(s)")
    assert "2 CPU core(s) allow 4" in why and "memory" not in why
    jobs, why = cap_jobs(16, cpus=64, memory=3 * WORKER_BYTES + 1)
    assert jobs == 3 and "available memory allows 3" in why and "CPU" not in why
    assert cap_jobs(8, cpus=1, memory=10)[0] == 1  # never below one worker
    assert cap_jobs(8, cpus=8, memory=None) == (8, "")  # memory unknown: cores alone


@pytest.mark.usefixtures("no_shrink")
def test_run_with_too_many_jobs_says_it_capped_them(tmp_path, capsys, monkeypatch):
    from adcheck_helpers import InProcessExecutor

    from adcheck.running import executors
    asked = []

    def make(kind, payload, jobs, scheduler=None):
        asked.append(jobs)
        return InProcessExecutor(payload, jobs, scheduler)
    monkeypatch.setattr(executors, "make_executor", make)
    monkeypatch.setattr(executors, "usable_cpus", lambda: 2)
    monkeypatch.setattr(executors, "available_memory", lambda: 64 * 2**30)
    rc = main(["run", "-i", "B1.quadratic-gradient", "-e", "reverse", "--examples", "1",
               "--jobs", "1000", "--no-studies", "--out", str(tmp_path / "out")])
    assert rc == ExitCode.OK and asked == [4]
    assert "--jobs 1000 capped to 4 worker(s): 2 CPU core(s) allow 4" in capsys.readouterr().err


# ----------------------------------------------------------------------------- unjudged identities

def _raises(xp, x, q):
    raise RuntimeError("the closed form always raises")


def _nan_inputs(d):
    n = d.integer(1, 3)
    x = d.reals((n,))
    return (x * float("nan"), d.reals((n, n)))


def _empty_inputs(d):
    return (d.reals((0,)), d.reals((0, 0)))


def _unjudged_runs():
    from dataclasses import replace

    from adcheck_helpers import quadratic
    thrice = quadratic("T.gate-empty-inputs", closed_form=lambda xp, x, q: 3.0 * ((q + q.T) @ x))
    return [quadratic("T.gate-raising-closed-form", closed_form=_raises),
            replace(quadratic("T.gate-nan-inputs"), inputs=_nan_inputs),
            replace(thrice, inputs=_empty_inputs)]


@pytest.mark.usefixtures("in_process", "no_shrink")
@pytest.mark.parametrize("index", [0, 1, 2], ids=["closed-form-raises", "sampler-gives-nan",
                                                  "sampler-draws-empty-arrays"])
def test_an_identity_never_judged_fails_the_run_beside_a_pass(index, tmp_path, capsys):
    # once: "adcheck: PASS: 1 pass, 0 fail, 1 inconclusive", exit 0 (empty arrays: a wrong
    # closed form, 3x, "verified to 0")
    from adcheck_helpers import temporary
    rec = _unjudged_runs()[index]
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-i", "B1.quadratic-gradient", "-e", "reverse",
                   "-e", "central", "--examples", "2", "--no-studies",
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == ExitCode.CHECKS_FAILED, err
    summary = json.loads((tmp_path / "out" / "results.json").read_text())["summary"]
    assert summary["verdict"] == "fail" and summary["counts"]["pass"] == 2
    assert [u["identity"] for u in summary["unjudged"]] == [rec.id]
    assert f"UNJUDGED: identity {rec.id!r} was never judged" in err
    assert "1 identity(ies) never judged" in err


@pytest.mark.usefixtures("in_process")
def test_an_identity_naming_an_unknown_engine_is_a_usage_error(tmp_path, capsys):
    # once: silently not-applicable on every engine beside a PASS
    from adcheck_helpers import quadratic, temporary
    rec = quadratic("T.gate-unknown-engine", engines=("no-such-engine",))
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-i", "B1.quadratic-gradient", "-e", "reverse",
                   "--examples", "1", "--no-studies", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == ExitCode.USAGE_ERROR
    assert f"identity {rec.id!r} names unknown engine(s) 'no-such-engine'" in err


def test_summarize_counts_unjudged_identities_and_cases():
    from adcheck.running.results import summarize
    ok = {"identity": "A", "engine": "reverse", "outcome": "pass",
          "counts": {"pass": 3, "inconclusive": 1}, "message": "reverse on A: 3 of 4 pass"}
    na = {"identity": "A", "engine": "symbolic", "outcome": "not-applicable",
          "counts": {}, "message": "symbolic on A: not applicable: too big"}
    inc = {"identity": "B", "engine": "reverse", "outcome": "inconclusive",
           "counts": {"inconclusive": 2}, "message": "reverse on B: inconclusive on all 2"}
    only_na = {"identity": "C", "engine": "complex-step", "outcome": "not-applicable",
               "counts": {}, "message": "complex-step on C: not applicable: not analytic"}
    s = summarize([ok, na])
    assert s["verdict"] == "pass" and s["unjudged"] == []
    assert s["cases"] == {"pass": 3, "fail": 0, "inconclusive": 1, "error": 0,
                          "not-applicable": 1}
    s = summarize([ok, na, inc, only_na])
    assert s["verdict"] == "fail"
    assert s["unjudged"] == [{"identity": "B", "why": "reverse: inconclusive on all 2"},
                             {"identity": "C", "why": "complex-step: not applicable: not analytic"}]
    assert summarize([ok, inc], fail_under=50)["verdict"] == "fail"  # not excused by a rate
    assert summarize([inc])["verdict"] == "nothing-judged"  # still exit 4, not 1


# ----------------------------------------------------------------------------- the summary line

def _sometimes_nan(d):
    n = d.integer(1, 3)
    x = d.reals((n,))
    return (x * float("nan") if d.integer(0, 1) else x, d.reals((n, n)))


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_the_summary_line_counts_cases_and_names_engines_not_run(tmp_path, capsys,
                                                                  monkeypatch):
    # once: "adcheck: PASS: 1 pass, 0 fail, 0 inconclusive, ..." beside inconclusive cases
    # hidden in the passing record, and nothing about the engines that could not run
    from adcheck_helpers import quadratic, temporary

    from adcheck import engines
    monkeypatch.setitem(engines.UNAVAILABLE, "t-missing-lib", "pip install t-missing-lib")
    from dataclasses import replace
    rec = replace(quadratic("T.gate-sometimes-nan"), inputs=_sometimes_nan)
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "reverse", "-e", "t-*", "--examples", "8",
                   "--no-studies", "--out", str(tmp_path / "out")])
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    (r,) = res["records"]
    hidden = r["counts"]["inconclusive"]
    assert rc == ExitCode.OK and r["outcome"] == "pass" and 0 < hidden < 8
    assert res["summary"]["cases"]["inconclusive"] == hidden
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("adcheck: ")][-1]
    assert line.startswith("adcheck: PASS: 1 pass, 0 fail, 0 inconclusive, 0 error, "
                           "0 not-applicable record(s); ")
    assert (f"{8 - hidden} case(s) judged ({8 - hidden} pass, 0 fail), {hidden} inconclusive "
            f"and 0 error case(s), {hidden} inconclusive inside passing records") in line
    assert "0 identity(ies) never judged" in line
    # each engine not run is named with the command that installs its library
    assert "not run, library not installed: t-missing-lib (pip install t-missing-lib)" in line


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_strict_gates_fail_a_pass_with_inconclusive_cases_and_report_and_merge_keep_them(
        tmp_path, capsys):
    """--fail-on-inconclusive and --min-judged: the same passing run (some cases inconclusive
    inside a passing record) fails under either, says why on stderr, and `report` of its
    results exits as the run did (the options are recorded with the run)."""
    from dataclasses import replace

    from adcheck_helpers import quadratic, temporary
    rec = replace(quadratic("T.gate-strict"), inputs=_sometimes_nan)

    def run(out, *extra):
        with temporary(identities=[rec]):
            rc = main(["run", "-i", rec.id, "-e", "reverse", "--examples", "8", "--no-studies",
                       "--out", str(tmp_path / out), *extra])
        return rc, json.loads((tmp_path / out / "results.json").read_text()), \
            capsys.readouterr().err
    rc, res, _ = run("plain")
    cases = res["summary"]["cases"]
    share = cases["pass"] / (cases["pass"] + cases["inconclusive"])
    assert rc == ExitCode.OK and 0 < cases["inconclusive"] < 8
    assert res["summary"]["judged_share"] == pytest.approx(share) and not res["summary"]["strict"]
    rc, res, err = run("strict", "--fail-on-inconclusive")
    assert rc == ExitCode.CHECKS_FAILED and res["summary"]["verdict"] == "fail"
    assert f"FAIL (strict gate): {cases['inconclusive']} inconclusive case(s)" in err
    assert main(["report", str(tmp_path / "strict" / "results.json")]) == ExitCode.CHECKS_FAILED
    below, above = 100 * share + 1, 100 * share - 1
    rc, res, err = run("below", "--min-judged", f"{below:g}")
    assert rc == ExitCode.CHECKS_FAILED and "below --min-judged" in err
    rc, _, _ = run("above", "--min-judged", f"{above:g}")
    assert rc == ExitCode.OK
    assert main(["run", "--min-judged", "101"]) == ExitCode.USAGE_ERROR


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_report_of_a_failing_run_exits_as_the_run_did(tmp_path, capsys):
    # once exit 0 (the epilog says 1), and a summary edited to "pass" was believed
    from adcheck_helpers import quadratic, temporary
    rec = quadratic("T.gate-report", closed_form=lambda xp, x, q: 2.0 * (q @ x))
    with temporary(identities=[rec]):
        assert main(["run", "-i", rec.id, "-e", "reverse", "--examples", "1", "--no-studies",
                     "--out", str(tmp_path / "out")]) == ExitCode.CHECKS_FAILED
    path = tmp_path / "out" / "results.json"
    assert main(["report", str(path), "--out", str(tmp_path / "r")]) == ExitCode.CHECKS_FAILED
    res = json.loads(path.read_text())
    res["summary"]["verdict"] = "pass"
    path.write_text(json.dumps(res))
    assert main(["report", str(path), "--out", str(tmp_path / "r")]) == ExitCode.CHECKS_FAILED
