import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

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
