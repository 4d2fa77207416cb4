"""Every primitive of the table through every interpreter, generated from the records.

``engines.testing.check_primitive`` runs each check on the record's examples (plain, stacked
and broadcast shapes for elementwise ones); the meta-tests in test_testing.py prove that each
check fails on a deliberately wrong record.
"""

from __future__ import annotations

import numpy as np
import pytest

from adcheck.engines import reverse
from adcheck.engines.core import EPS, TABLE, PerIndex
from adcheck.engines.testing import CHECKS, check_primitive, examples, inputs

NAMES = sorted(TABLE)


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("name", NAMES)
def test_primitive(name, check):
    check_primitive(name, checks=(check,))


@pytest.mark.parametrize("name", NAMES)
def test_rules_work_from_shape_only_residuals(name, monkeypatch):
    """With every unread value dropped from the tape, reverse mode is unchanged (``uses``)."""
    monkeypatch.setattr(reverse, "RESIDUAL_MIN_SIZE", 0)
    check_primitive(name, checks=("adjoint", "nestings"))


@pytest.mark.parametrize("name", NAMES)
def test_record_integrity(name):
    prim = TABLE[name]
    assert examples(prim), f"{name} has no examples to test it on"
    for ex in examples(prim):
        args = inputs(ex, np.random.default_rng(4))
        if isinstance(prim.jvps, PerIndex):
            assert isinstance(prim.vjps, PerIndex), "variadic JVP with fixed-arity VJP"
        else:
            assert len(prim.jvps) == len(prim.vjps) == len(args)
            assert all(callable(r) for r in prim.jvps + prim.vjps)
        flops = prim.flops(prim.impl(*args, **ex.params), *args, **ex.params)
        assert int(flops) == flops >= 0


@pytest.mark.parametrize("name", ["inv", "det", "logabsdet", "solve", "erf"])
def test_non_obvious_rules_are_cited(name):
    assert "Giles" in TABLE[name].cite or "Abramowitz" in TABLE[name].cite


@pytest.mark.parametrize("name", [n for n in NAMES if TABLE[n].linear])
def test_linear_primitives_are_linear(name):
    """A primitive declared linear satisfies f(a x + b y) = a f(x) + b f(y) on its examples."""
    prim = TABLE[name]
    for ex in examples(prim):
        x = inputs(ex, np.random.default_rng(5))
        y = inputs(ex, np.random.default_rng(6))
        lhs = prim.impl(*[2.0 * a - 3.0 * b for a, b in zip(x, y)], **ex.params)
        rhs = 2.0 * prim.impl(*x, **ex.params) - 3.0 * prim.impl(*y, **ex.params)
        scale = np.max(np.abs(lhs), initial=1.0) + np.max(np.abs(rhs), initial=1.0)
        n = sum(np.size(a) for a in x)  # rounding: one error per element summed or scaled
        assert np.max(np.abs(lhs - rhs), initial=0.0) <= n * EPS * scale, name
