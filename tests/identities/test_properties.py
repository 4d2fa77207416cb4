"""Every derivative record against every applicable engine, on hypothesis-drawn inputs.

Judged by the project's error model (``adcheck.judging.reference.prepare`` and
``adcheck.judging.pipeline.judge_case``): the closed form evaluated by the exact oracle is the
reference and the allowance is derived from the computation's magnitudes.
"""

import pytest
from hypothesis import given, settings
from identities_helpers import run_engine_case

from adcheck import engines
from adcheck.identities import catalogue
from adcheck.judging.reference import prepare
from adcheck.running.runner import applicability

AD = ("forward", "reverse", "forward-over-forward", "forward-over-reverse",
      "reverse-over-forward", "reverse-over-reverse")
NUMERICAL = ("central", "richardson", "complex-step", "forward-laplacian")
DERIVATIVES = [r for r in catalogue.builtin() if r.kind not in ("cost", "property")]
# sympy differentiates componentwise: seconds for polynomials, minutes for erf/tanh chains
SYMBOLIC_CHEAP = [r for r in DERIVATIVES if {"linear", "quadratic"} & set(r.tags)
                  or r.id in ("B3.poisson-laplacian", "B3.laplacian-norm")]


def _pairs(names, records=DERIVATIVES):
    out = []
    for rec in records:
        for name in names:
            eng = engines.ENGINES.get(name)
            if eng is not None and not applicability(rec, eng):
                out.append(pytest.param(rec, eng, id=f"{rec.id}[{name}]"))
    return out


def _examples(divisor: int) -> int:
    """A share of the active hypothesis profile's max_examples (the suite runs 24 records)."""
    return max(2, settings().max_examples // divisor)


def _judge(rec, eng, args, allowed):
    v = run_engine_case(rec, eng, prepare(rec, args))
    assert v.outcome in allowed, (
        f"{rec.id}[{eng.name}]: {v.outcome}: {v.note} {v.diagnosis or ''} worst={v.worst}")
    return v


@pytest.mark.parametrize(("rec", "eng"), _pairs(AD))
def test_ad_engine_matches_closed_form(rec, eng):
    """AD engines are exact up to rounding: pass (inconclusive only at a kink of a
    non-analytic record)."""
    allowed = ("pass",) if rec.analytic else ("pass", "inconclusive")

    @settings(max_examples=_examples(10), deadline=None)
    @given(rec.strategy)
    def check(args):
        _judge(rec, eng, args, allowed)
    check()


@pytest.mark.parametrize(("rec", "eng"), _pairs(NUMERICAL) + _pairs(("symbolic",),
                                                                   SYMBOLIC_CHEAP))
def test_numerical_engine_agrees_or_says_why(rec, eng):
    """Finite differences, complex step and sympy: pass, or decline with a reason."""
    @settings(max_examples=_examples(25), deadline=None)
    @given(rec.strategy)
    def check(args):
        _judge(rec, eng, args, ("pass", "inconclusive", "not-applicable"))
    check()
