"""Activation smoothness: derived symbolically, equal to Appendix B's table; the flag."""

import dataclasses

import numpy as np
import pytest
from identities_helpers import run_engine_case

from adcheck import engines
from adcheck.identities import Identity
from adcheck.identities import activations as A
from adcheck.judging.reference import prepare


@pytest.mark.parametrize("name", sorted(A.APPENDIX_B_CLASSES))
def test_derived_class_matches_appendix_table(name):
    assert A.smoothness_class(name) == A.APPENDIX_B_CLASSES[name]


def test_table_covers_every_activation_the_appendix_names():
    names = {"tanh", "sigmoid", "softplus", "sin", "silu", "gelu", "elu", "celu", "relu",
             "relu2", "leaky_relu", "selu", "hardtanh"}
    assert names == set(A.APPENDIX_B_CLASSES) and names <= set(A.NAMES)


def test_derivation_can_fail_elu_with_alpha_two_is_only_c0(monkeypatch):
    act = dataclasses.replace(A.ACTIVATIONS["elu"], name="elu2", form=lambda sp, x: sp.Piecewise(
        (x, x > 0), (2 * (sp.exp(x) - 1), True)))
    monkeypatch.setitem(A.ACTIVATIONS, "elu2", act)
    assert A.smoothness_class.__wrapped__("elu2") == 0


def test_breakpoints_of_hardtanh():
    assert A.breakpoints(A.ACTIVATIONS["hardtanh"].expr) == [-1, 1]


def test_flag_before_computing_second_order_on_relu():
    with pytest.raises(A.RegularityError, match="relu.*C\\^0"):
        A.flag_regularity(2, ["tanh", "relu"], strict=True)
    with pytest.warns(A.RegularityWarning, match="elu"):
        assert len(A.flag_regularity(2, ["elu", "relu2", "gelu"])) == 2
    assert A.flag_regularity(1, ["elu", "relu2", "tanh"]) == []
    with pytest.raises(KeyError, match="known"):
        A.flag_regularity(1, ["swish2"])


def _elementwise_record(fn, d, kind):
    """sum(fn(z)): its gradient is d(z), its Hessian diag(d(z)) (judged by the error model)."""
    closed = (lambda xp, z: d(xp, z)) if kind == "gradient" else \
        (lambda xp, z: xp.diag(d(xp, z)))
    return Identity(id="meta.activation", section="T", title="activation derivative",
                    citation="test", kind=kind, f=lambda xp, z: xp.sum(fn(xp, z)),
                    closed_form=closed, smoothness=2)


Z = np.array([-1.7, -0.6, 0.35, 0.8, 1.9])  # away from every breakpoint


@pytest.mark.parametrize("name", A.NAMES)
def test_handwritten_derivatives_match_ad(name):
    """g' and g'' written in the namespace equal the engines' derivatives."""
    act = A.ACTIVATIONS[name]
    for kind, d in (("gradient", act.d1), ("hessian", act.d2)):
        rec = _elementwise_record(act.g, d, kind)
        ctx = prepare(rec, (Z,))
        v = run_engine_case(rec, engines.get("forward-over-reverse"), ctx)
        assert v.outcome == "pass", (name, kind, v.note)


def test_wrong_handwritten_derivative_fails():
    act = A.ACTIVATIONS["tanh"]
    rec = _elementwise_record(act.g, lambda xp, z: 1.0 - xp.tanh(z), "gradient")
    v = run_engine_case(rec, engines.get("reverse"), prepare(rec, (Z,)))
    assert v.outcome == "fail"
