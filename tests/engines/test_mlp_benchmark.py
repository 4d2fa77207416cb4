"""The MLP benchmark's pieces: the hand-written floor is a correct gradient, the table prints."""

from __future__ import annotations

import numpy as np

from adcheck.engines.core import counting
from adcheck.engines.namespace import ad
from adcheck.engines.transforms import value_and_grad
from benchmarks import mlp

EPS = float(np.finfo(np.float64).eps)


def test_hand_backprop_matches_the_reverse_engine():
    X, Y, params = mlp.problem("tiny")
    with counting() as c:
        value, grads = value_and_grad(mlp.loss, tuple(range(2, 2 + len(params))))(
            ad, X, Y, *params)
    hand_value, hand_grads = mlp.hand_value_and_grad(X, Y, *params)
    assert value == hand_value
    for g, h in zip(grads, hand_grads):
        assert g.shape == h.shape
        # both round once per primitive on the way; allow that many eps of the largest entry
        assert np.max(np.abs(g - h)) <= c.calls * EPS * np.max(np.abs(h))


def test_hand_backprop_is_not_vacuous():
    X, Y, params = mlp.problem("tiny")
    _, grads = mlp.hand_value_and_grad(X, Y, *params)
    _, wrong = mlp.hand_value_and_grad(X, Y + 1.0, *params)
    assert all(np.any(g) for g in grads)
    assert any(np.max(np.abs(g - w)) > 0 for g, w in zip(grads, wrong))


def test_counted_backward_flops_stay_below_three_forwards_and_flat():
    ratios = []
    for size in ("tiny", "small"):
        fwd, bwd = mlp.counted_flops(size)
        ratios.append(bwd / fwd)
    assert all(0 < r <= 3 for r in ratios)  # Appendix B.2
    assert abs(ratios[0] - ratios[1]) < 0.1 * ratios[0]


def test_table_marks_goals_and_notes_missing_peers():
    fake = {size: {"forward": 1e-4, "grad": 2e-4} for size in mlp.SIZES}
    results = {"engine": fake, "numpy": fake, "torch": {"missing": "torch not installed"},
               "jax": fake, "autograd": fake}
    text = "\n".join(mlp.table(results))
    assert "engine/numpy 1.000 (goal <= 1.1: met)" in text
    assert "note: torch not installed" in text
    assert "bwd/fwd flops" in text


def test_the_benchmark_is_discovered():
    from benchmarks.__main__ import discover

    assert "mlp" in discover()
