import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = '''
import numpy as np
import pytest
import adcheck

def quad(xp, x, q):
    return x @ (q @ x)

X, Q = np.array([1.0, -2.0]), np.array([[2.0, 1.0], [0.0, 3.0]])

@pytest.mark.adcheck_engines("reverse", "forward")
def test_each_engine(adcheck_engine):
    r = adcheck_engine.gradient(quad, (X, Q))
    assert np.allclose(r.value, (Q + Q.T) @ X)

def test_with_report(adcheck_check):
    adcheck.assert_check(adcheck_check(quad, (X, Q), expected=(Q + Q.T) @ X))

@pytest.mark.adcheck_engines("reverse")
def test_engine_object_in_check(adcheck_engine, adcheck_check):
    adcheck.assert_check(adcheck_check(quad, (X, Q), engines=[adcheck_engine],
                                       expected=(Q + Q.T) @ X))
'''


def test_plugin_parametrizes_engines_and_writes_the_session_report(tmp_path):
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    out = tmp_path / "report"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_user.py",
         f"--adcheck-report={out}", "-v"], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "test_each_engine[reverse]" in proc.stdout
    assert "test_each_engine[forward]" in proc.stdout
    res = json.loads((out / "results.json").read_text())
    assert res["schema"] == "adcheck.results/1"
    assert {r["outcome"] for r in res["records"]} == {"pass"}
    assert res["records"][0]["identity"].endswith("test_with_report")
    for r in res["records"]:  # real records: the accumulator's fields, a certified precision
        assert r["counts"]["pass"] == 1 and r["family"] and r["verified_to"] < 1e-6
        assert shlex.split(r["rerun"]) == ["pytest", r["identity"]]
        assert "within the allowance" in r["message"]
    assert any(r["identity"].endswith("test_engine_object_in_check[reverse]")
               for r in res["records"])
    assert {i["id"] for i in res["identities"]} == {r["identity"] for r in res["records"]}
    assert (out / "junit.xml").exists()


XDIST_TESTS = '''
import numpy as np
import pytest
import adcheck

def quad(xp, x, q):
    return x @ (q @ x)

X, Q = np.array([1.0, -2.0]), np.array([[2.0, 1.0], [0.0, 3.0]])

@pytest.mark.parametrize("k", range(6))
def test_right(adcheck_check, k):
    adcheck.assert_check(adcheck_check(quad, (X * (k + 1), Q), expected=(Q + Q.T) @ X * (k + 1),
                                       engines=["reverse", "forward", "central"]))

@pytest.mark.parametrize("k", range(2))
def test_wrong(adcheck_check, k):  # Q x instead of (Q + Q^T) x: both fail
    adcheck.assert_check(adcheck_check(quad, (X, Q), expected=Q @ X,
                                       engines=["reverse", "forward", "central"]))
'''


def test_xdist_workers_write_one_report_of_every_test(tmp_path):
    """``pytest -n 2 --adcheck-report``: the controller merges the workers' records; the
    report holds every test's records and fails because two tests failed."""
    pytest.importorskip("xdist", reason="pytest-xdist is not installed (pip install "
                                        "pytest-xdist, in the dev extra)")
    (tmp_path / "test_user.py").write_text(XDIST_TESTS)
    out = tmp_path / "report"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "test_user.py",
         f"--adcheck-report={out}"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 failed, 6 passed" in proc.stdout
    res = json.loads((out / "results.json").read_text())
    ids = {r["identity"] for r in res["records"]}
    assert len(ids) == 8 and len(res["records"]) == 8 * 3
    assert res["summary"]["verdict"] == "fail"
    failed = {r["identity"] for r in res["records"] if r["outcome"] == "fail"}
    assert failed == {f"test_user.py::test_wrong[{k}]" for k in range(2)}
    assert [r["identity"] for r in res["records"]] == sorted(r["identity"]
                                                             for r in res["records"])
    assert {i["id"] for i in res["identities"]} == ids
    assert "FAIL" in (out / "index.html").read_text()


def _session(tmp_path, source: str, *options: str):
    """A pytest session of ``source`` in its own process with ``--adcheck-report``."""
    (tmp_path / "test_user.py").write_text(source)
    out = tmp_path / "report"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *options, "test_user.py",
         f"--adcheck-report={out}"], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300)
    return proc, out


def test_a_session_that_checked_nothing_is_not_a_pass(tmp_path):
    proc, out = _session(tmp_path, "def test_plain():\n    assert True\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = json.loads((out / "results.json").read_text())
    assert res["records"] == [] and res["summary"]["verdict"] == "nothing-judged"
    assert "NOTHING JUDGED" in (out / "index.html").read_text()


DROP_IN = '''
import torch
import adcheck.torch as at

Double = type("Double", (torch.autograd.Function,), {
    "forward": staticmethod(lambda ctx, x: 2 * x),
    "backward": staticmethod(lambda ctx, g: 3 * g)})  # wrong: 3 for 2


def test_only_a_drop_in_check():
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    at.gradcheck(Double.apply, (x,))
'''


def test_a_failing_drop_in_check_is_recorded_in_the_session_report(tmp_path):
    pytest.importorskip("torch")
    proc, out = _session(tmp_path, DROP_IN)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    res = json.loads((out / "results.json").read_text())  # it had 0 records: nothing-judged
    assert [(r["identity"], r["engine"], r["outcome"]) for r in res["records"]] == [
        ("test_user.py::test_only_a_drop_in_check", "adcheck.torch.gradcheck", "fail")]
    assert res["summary"]["verdict"] == "fail"
