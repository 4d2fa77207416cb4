import numpy as np
import pytest
from adcheck_helpers import in_process

from adcheck.engines.core import TABLE
from adcheck.running import selftest as S
from adcheck.running.mutants import mutants, wrong_tanh_rule
from adcheck.running.selftest import kill_table, selftest

# The battery is judged in the test's process (the selftest's runs are about verdicts, not
# workers; tests/adcheck/conftest.py), and its kill table is computed once for the module.
pytestmark = pytest.mark.usefixtures("in_process")


@pytest.fixture(scope="module")
def rows():
    with pytest.MonkeyPatch.context() as mp:
        in_process(mp)
        return kill_table(examples=2, seed=0)


def test_every_mutant_is_killed_and_the_right_engine_blamed(rows):
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


def test_selftest_prints_a_full_kill_rate(rows, monkeypatch):
    # The same battery as above (same examples and seed): selftest prints its table.
    calls = []

    def same_table(examples, seed, jobs=1):
        calls.append((examples, seed))
        return rows
    monkeypatch.setattr(S, "kill_table", same_table)
    lines = []
    assert selftest(examples=2, seed=0, epsilon=False, out=lines.append)
    assert calls == [(2, 0)]
    assert "kill rate: 100%" in lines[-1]
    assert len(lines) == len(rows) + 2  # a heading, a line per mutant, the rate


def test_sensitivity_on_b1_reaches_1e_10():
    from adcheck.running.selftest import sensitivity
    s = sensitivity(examples=2, seed=0)
    assert s["epsilon"] is not None and s["epsilon"] <= 1e-10
    assert np.isfinite(s["epsilon"])
