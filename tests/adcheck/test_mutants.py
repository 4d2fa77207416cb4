import numpy as np

from adcheck.engines.core import TABLE
from adcheck.running.mutants import mutants, wrong_tanh_rule
from adcheck.running.selftest import kill_table, selftest


def test_every_mutant_is_killed_and_the_right_engine_blamed():
    rows = kill_table(examples=2, seed=0)
    assert len(rows) == len(mutants()) >= 13
    missed = [r["mutant"] for r in rows if not r["killed"]]
    assert missed == []
    by = {r["mutant"]: r for r in rows}
    assert by["mutant-unbroadcast-batch"]["blamed_correctly"]  # only a batch > 1 shows it
    assert "selftest.batched-bias-gradient" in by["mutant-unbroadcast-batch"]["caught_by"]
    assert by["mutant-nan-rule"]["diagnosis"] == "non-finite result"
    assert by["mutant-tuple-zeros"]["blamed_correctly"] == ["selftest.tuple-outputs"]
    for name in ("mutant-pair-rev", "mutant-pair-fwd"):  # one family: blamed as one, and
        assert by[name]["blamed_family"] == ["mutant-library"]  # outvoted in a consensus
        assert by[name]["outvoted_in_consensus"]
    assert all(r["blamed_family"] == ["adcheck-ad"] for r in rows
               if r["mutant"] not in ("mutant-pair-rev", "mutant-pair-fwd"))
    diag = {r["mutant"]: r["diagnosis"] or "" for r in rows}
    assert "transpose" in diag["mutant-transposed-jacobian"]
    assert "1/2" in diag["mutant-missing-factor-2"]
    assert "sign" in diag["mutant-sign-flip"]
    assert "cross" in diag["mutant-dropped-cross-term"]
    assert "float32" in diag["mutant-float32-leak"]


def test_the_tanh_rule_is_restored_even_after_an_exception():
    before = TABLE["tanh"].jvps
    try:
        with wrong_tanh_rule():
            assert TABLE["tanh"].jvps is not before
            raise RuntimeError("inside")
    except RuntimeError:
        pass
    assert TABLE["tanh"].jvps is before


def test_selftest_prints_a_full_kill_rate():
    lines = []
    assert selftest(examples=2, seed=0, epsilon=False, out=lines.append)
    assert "kill rate: 100%" in lines[-1]


def test_sensitivity_on_b1_reaches_1e_10():
    from adcheck.running.selftest import sensitivity
    s = sensitivity(examples=2, seed=0)
    assert s["epsilon"] is not None and s["epsilon"] <= 1e-10
    assert np.isfinite(s["epsilon"])
