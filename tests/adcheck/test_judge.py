import numpy as np

from adcheck.judging.errmodel import Allowance
from adcheck.judging.judge import compare, diagnose


def _allow(ref, tol=1e-12):
    t = np.full(np.shape(ref), tol)
    return Allowance(t, t, np.zeros_like(t), np.zeros_like(t))


def test_compare_outcomes():
    r = np.array([1.0, 2.0])
    assert compare(r + 1e-13, r, _allow(r)).outcome == "pass"
    c = compare(r + [0, 1e-9], r, _allow(r))
    assert c.outcome == "fail" and c.index == (1,) and c.worst["ratio"] > 100
    assert compare(np.ones(3), r, _allow(r)).outcome == "fail"
    assert "shape" in compare(np.ones(3), r, _allow(r)).note
    assert compare(r, np.array([np.inf, 1.0]), _allow(r)).outcome == "inconclusive"
    assert compare(r + 1.0, r, _allow(r), kinks=["abs at 0"]).outcome == "inconclusive"
    assert compare(np.array([np.nan, 2.0]), r, _allow(r)).outcome == "fail"


def test_a_kink_excuses_only_the_components_it_reaches():
    r = np.array([1.0, 2.0])
    on_first = np.array([True, False])
    assert compare(r + [1.0, 0.0], r, _allow(r), ["abs at 0"], on_first).outcome == \
        "inconclusive"
    c = compare(r + [1.0, 1.0], r, _allow(r), ["abs at 0"], lambda: on_first)
    assert c.outcome == "fail" and c.index == (1,) and "unique" in c.note
    assert compare(r + 1.0, r, _allow(r), ["abs at 0"], lambda: None).outcome == "inconclusive"


def test_diagnoses():
    rng = np.random.default_rng(0)
    j = rng.normal(size=(3, 4))
    tol = 1e-12
    assert "transpose" in diagnose(j.T, j, tol, in_shape=(4,))
    sq = rng.normal(size=(3, 3))
    assert "transpose" in diagnose(sq.T, sq, tol, in_shape=(3,))
    g = rng.normal(size=5)
    assert "1/2" in diagnose(g / 2, g, tol)
    assert "x2" in diagnose(2 * g, g, tol)
    assert "negative" in diagnose(-g, g, tol)
    one = g.copy()
    one[3] *= -1
    assert "sign flipped in 1" in diagnose(one, g, tol)
    z = j.copy()
    z[1:, :] = 0
    assert "zero block" in diagnose(z, j, tol)
    h = sq + sq.T
    assert "cross" in diagnose(h * np.eye(3), h, tol, in_shape=(3,))
    batch = rng.normal(size=(8, 2))
    assert "batch size" in diagnose(8 * g, g, tol, args=(batch,))
    f32 = g.astype(np.float32).astype(float)
    assert "float32" in diagnose(f32, g, tol)
    w = g.copy()
    w[3:] += 1.0
    msg = diagnose(w, g, tol, blocks=[("W_1", 0, 3), ("W_2", 3, 5)])
    assert "W_2" in msg



def test_non_finite_results_fail_with_their_diagnosis():
    r = np.array([1.0, 2.0])
    c = compare(np.array([1.0, np.inf]), r, _allow(r))
    assert c.outcome == "fail" and "non-finite result" in c.note and c.index == (1,)
    assert diagnose(np.array([np.nan, 2.0]), r, 1e-12).startswith("non-finite result")


def test_a_transposed_reference_is_diagnosed_too():
    j = np.random.default_rng(3).normal(size=(2, 3))
    assert "transpose" in diagnose(j, j.T, 1e-12, in_shape=(3,))
