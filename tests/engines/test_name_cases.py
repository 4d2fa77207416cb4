"""Every differentiable name of ``xp``, checked through ``check()`` on a drawn input.

First order: reverse and forward against richardson and the exact oracle (one consensus, all
must agree). Second order: forward-over-reverse Hessian-vector products of ⟨w, f(x)⟩ against
richardson, and the exact oracle too where those two do not agree. Meta-test: the rules of the
primitives a name runs on, scaled by 1.1 (or given a slope where the true one is zero), make
the same check fail.
"""

from __future__ import annotations

import contextlib
import re

import numpy as np
import pytest

from adcheck.api.check import check
from adcheck.engines import get
from adcheck.engines.core import TABLE
from adcheck.engines.errors import UnknownName
from adcheck.engines.name_cases import CASES, INPUTS, ids
from adcheck.engines.namespace import SUPPORTED, numpy_ns

FIRST = ["reverse", "forward", "richardson", "exact"]
# Piecewise-constant names: richardson's widest step crosses the jumps; the exact oracle's
# step (1e-50) and central's do not at inputs a tenth away from them.
PIECEWISE = ["reverse", "forward", "central", "exact"]
SECOND = ["forward-over-reverse", "richardson"]
# Where those two do not agree (richardson's step reaching a kink of a piecewise-linear name,
# sort or median), the exact oracle is the third family that gives a majority.
ORACLE = "exact"


def _draw(i, case):
    return INPUTS[case.inputs](np.random.default_rng(1000 + i))


def _first(case, x, engines=None):
    return check(lambda xp, x: case.f(xp, x), (x,), kind="jacobian",
                 engines=engines or (FIRST if case.smooth else PIECEWISE))


@pytest.mark.parametrize("i", range(len(CASES)), ids=ids)
def test_first_order(i):
    case = CASES[i]
    rep = _first(case, _draw(i, case))
    assert rep.verdict == "pass", rep.message
    _every_ad_engine_passed(rep, ("reverse", "forward"))


SMOOTH = [i for i, c in enumerate(CASES) if c.smooth]


@pytest.mark.parametrize("i", SMOOTH, ids=[ids[i] for i in SMOOTH])
def test_second_order(i):
    case = CASES[i]
    x = _draw(i, case)
    rng = np.random.default_rng(i)
    w = rng.standard_normal(np.shape(case.f(numpy_ns, x)))
    v = rng.standard_normal(np.shape(x))
    def hvp(engines):
        return check(lambda xp, x: xp.sum(w * case.f(xp, x)), (x,), kind="hvp", v=v,
                     engines=engines)
    rep = hvp(SECOND)
    if rep.verdict == "inconclusive":
        rep = hvp(SECOND + [ORACLE])
    assert rep.verdict == "pass", rep.message
    _every_ad_engine_passed(rep, ("forward-over-reverse",))


def _every_ad_engine_passed(rep, names):
    """A consensus may pass without an engine that raised: the AD engines must all agree,
    and with at least one independent reference (richardson or the exact oracle)."""
    assert all(rep.engines[n].outcome == "pass" for n in names), rep.message
    refs = [n for n in ("richardson", "central", "exact") if n in rep.engines]
    assert any(rep.engines[n].outcome == "pass" for n in refs), rep.message


def _primitives_of(name: str) -> list:
    target = SUPPORTED[name]
    words = set(re.findall(r"[a-z_0-9]+", target)) | {name.rpartition(".")[2]}
    return sorted(w for w in words if w in TABLE)


ZERO_SLOPE = {"floor", "ceil", "round", "trunc", "sign"}  # no scaling can make 0 wrong


def _scaled(rule, zero_slope=False):
    def wrong(g, ans, *primals, **params):
        out = rule(g, ans, *primals, **params)
        return out + 0.1 * g if zero_slope else out * 1.1
    return wrong


@contextlib.contextmanager
def _wrong_rules(names):
    """Every JVP and VJP of the primitives ``names`` scaled by 1.1, restored afterwards."""
    saved = {n: (TABLE[n].jvps, TABLE[n].vjps) for n in names}
    try:
        for n in names:
            p = TABLE[n]
            for field in ("jvps", "vjps"):
                rules = getattr(p, field)
                if isinstance(rules, tuple):
                    object.__setattr__(p, field, tuple(_scaled(r, n in ZERO_SLOPE)
                                                       for r in rules))
                else:
                    object.__setattr__(p, field, type(rules)(_scaled_per_index(rules.rule)))
        yield
    finally:
        for n, (j, v) in saved.items():
            object.__setattr__(TABLE[n], "jvps", j)
            object.__setattr__(TABLE[n], "vjps", v)


def _scaled_per_index(rule):
    def wrong(i, g, ans, *primals, **params):
        return _scaled(lambda *a, **k: rule(i, *a, **k))(g, ans, *primals, **params)
    return wrong


META = [i for i, c in enumerate(CASES) if _primitives_of(c.name)]


@pytest.mark.parametrize("i", META, ids=[ids[i] for i in META])
def test_meta_a_wrong_rule_fails(i):
    case = CASES[i]
    x = _draw(i, case)
    def f(xp, x):
        return case.f(xp, x)
    # the oracle's Jacobian (it never reads a rule) is the reference the wrong rules must miss
    exact = get("exact").jacobian(f, (x,)).value
    with _wrong_rules(_primitives_of(case.name)):
        rep = check(f, (x,), kind="jacobian", engines=["reverse", "forward"], expected=exact)
    assert rep.verdict == "fail", rep.message


def test_every_differentiable_name_has_a_case():
    covered = {c.name for c in CASES}
    skip = {"(constant)", "(no derivative)", "(identity)", "(constant or stack)"}
    missing = {n for n, p in SUPPORTED.items() if p not in skip and n not in covered
               and not isinstance(p, type)}
    assert not missing, f"names without a sample call: {sorted(missing)}"


def test_check_raises_on_an_unknown_name_with_suggestions():
    with pytest.raises(UnknownName) as info:
        check(lambda xp, x: xp.sum(xp.cumsun(x)), (np.ones(3),))
    assert "cumsum" in str(info.value) and "cumsun" in str(info.value)


def test_a_near_degenerate_spectrum_is_inconclusive_with_the_gap_stated():
    x = np.diag([1.0, 1.0 + 1e-9, 3.0])
    rep = check(lambda xp, x: xp.linalg.eigh(x).eigenvectors, (x,), kind="jacobian",
                engines=["reverse", "forward"])
    assert rep.verdict == "inconclusive", rep.message
    assert "gap is 3.33e-10" in rep.engines["reverse"].note  # 1e-9 relative to |λ| = 3
