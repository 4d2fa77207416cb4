"""Every primitive of the table, checked from the table: JVP against a Richardson-extrapolated
central difference, VJP as the adjoint of the JVP, second order through each of the four
nestings. Tolerances are derived (truncation estimate plus rounding bound), never per-primitive
literals; the meta-tests at the end prove that each checker fails on a deliberately wrong rule.
"""

from __future__ import annotations

import numpy as np
import pytest

from engines import reverse
from engines import transforms as T
from engines.core import TABLE, PerIndex, Primitive, ops, primal
from engines.namespace import ad
from engines.primitives._util import per_element

EPS = float(np.finfo(np.float64).eps)
NESTINGS = [(o, i) for o in ("forward", "reverse") for i in ("forward", "reverse")]


# ----------------------------------------------------------------------------- inputs and domains

def _normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def _positive(*shape):  # log, sqrt, log1p, pow base: keep away from 0
    return lambda rng: rng.uniform(0.5, 2.0, shape)


def _away_from_zero(*shape):  # abs, sign: no kink within reach of a difference step
    return lambda rng: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)


def _well_conditioned(n):  # inv, det, solve: I + small noise, condition number near 1
    return lambda rng: np.eye(n) + 0.2 * rng.standard_normal((n, n))


def _apart(shape, offset):  # maximum/minimum: the two arguments never tie
    return lambda rng: rng.standard_normal(shape) + offset


def _case(cid, name, *args, **params):
    return pytest.param(name, args, params, id=cid)


_M = np.array([True, False, True, False, True, True])
CASES = [
    _case("add", "add", _normal(2, 3), _normal(2, 3)),
    _case("add-bcast-(3,1)+(4,)", "add", _normal(3, 1), _normal(4)),
    _case("subtract", "subtract", _normal(2, 3), _normal(2, 3)),
    _case("subtract-bcast-(2,3)-(3,)", "subtract", _normal(2, 3), _normal(3)),
    _case("multiply", "multiply", _normal(2, 3), _normal(2, 3)),
    _case("multiply-bcast-scalar*(2,3)", "multiply", _normal(), _normal(2, 3)),
    _case("divide", "divide", _normal(2, 3), _positive(2, 3)),
    _case("divide-bcast-(3,1)/(1,4)", "divide", _normal(3, 1), _positive(1, 4)),
    _case("negative", "negative", _normal(2, 3)),
    _case("pow", "pow", _positive(2, 3), _normal(2, 3)),
    _case("pow-bcast-(2,3)**scalar", "pow", _positive(2, 3), _normal()),
    _case("matmul", "matmul", _normal(3, 3), _normal(3, 3)),
    _case("matmul-matvec", "matmul", _normal(2, 3), _normal(3)),
    _case("matmul-vecmat", "matmul", _normal(3), _normal(3, 2)),
    _case("matmul-batched", "matmul", _normal(2, 2, 3), _normal(3, 2)),
    _case("exp", "exp", _normal(2, 3)),
    _case("log", "log", _positive(2, 3)),
    _case("log1p", "log1p", _positive(2, 3)),
    _case("expm1", "expm1", _normal(2, 3)),
    _case("sqrt", "sqrt", _positive(2, 3)),
    _case("tanh", "tanh", _normal(2, 3)),
    _case("sin", "sin", _normal(2, 3)),
    _case("cos", "cos", _normal(2, 3)),
    _case("sinh", "sinh", _normal(2, 3)),
    _case("cosh", "cosh", _normal(2, 3)),
    _case("erf", "erf", _normal(2, 3)),
    _case("abs", "abs", _away_from_zero(2, 3)),
    _case("sign", "sign", _away_from_zero(2, 3)),
    _case("maximum", "maximum", _apart((2, 3), 3.0), _normal(2, 3)),
    _case("maximum-bcast-(2,3),(3,)", "maximum", _normal(2, 3), _apart((3,), -4.0)),
    _case("minimum", "minimum", _normal(2, 3), _apart((2, 3), 3.0)),
    _case("where", "where", _normal(6), _normal(6), cond=_M),
    _case("where-bcast-(6,),()", "where", _normal(6), _normal(), cond=_M),
    _case("logaddexp", "logaddexp", _normal(2, 3), _normal(2, 3)),
    _case("outer", "outer", _normal(3), _normal(4)),
    _case("trace", "trace", _normal(3, 3)),
    _case("diag-of-vector", "diag", _normal(3)),
    _case("diag-of-matrix", "diag", _normal(3, 4)),
    _case("broadcast_to", "broadcast_to", _normal(3, 1), shape=(2, 3, 4)),
    _case("sum_to", "sum_to", _normal(2, 3, 4), shape=(3, 1)),
    _case("matrix_transpose", "matrix_transpose", _normal(2, 3, 4)),
    _case("transpose", "transpose", _normal(2, 3, 4), axes=(1, 2, 0)),
    _case("reshape", "reshape", _normal(2, 6), shape=(3, 4)),
    _case("getitem-slice", "getitem", _normal(4, 3), index=(slice(1, 3), 0)),
    _case("getitem-repeated", "getitem", _normal(5), index=(np.array([0, 2, 2, 4]),)),
    _case("scatter_add", "scatter_add", _normal(3), index=(np.array([0, 2, 0]),), shape=(4,)),
    _case("stack-3", "stack", _normal(2, 3), _normal(2, 3), _normal(2, 3), axis=1),
    _case("concat-3", "concat", _normal(2, 3), _normal(1, 3), _normal(3, 3), axis=0),
    _case("sum", "sum", _normal(2, 3, 4)),
    _case("sum-axis", "sum", _normal(2, 3, 4), axis=(0, 2), keepdims=True),
    _case("mean", "mean", _normal(2, 3, 4), axis=1),
    _case("inv", "inv", _well_conditioned(3)),
    _case("det", "det", _well_conditioned(3)),
    _case("logabsdet", "logabsdet", _well_conditioned(3)),
    _case("solve-matrix", "solve", _well_conditioned(3), _normal(3, 2)),
    _case("solve-vector", "solve", _well_conditioned(3), _normal(3)),
]


_DOMAINS = {"real": lambda rng, s: rng.standard_normal(s),
            "positive": lambda rng, s: rng.uniform(0.5, 2.0, s),
            "invertible": lambda rng, s: np.eye(s[-1]) + 0.2 * rng.standard_normal(s),
            "away-from-zero": lambda rng, s: rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 2, s)}


def _from_examples():
    """Cases for the records that state their own examples and have none above."""
    listed = {c.values[0] for c in CASES}
    out = []
    for name, prim in TABLE.items():
        if name in listed:
            continue
        for k, ex in enumerate(prim.examples):
            builders = [(lambda rng, d=_DOMAINS.get(dom, dom), s=shape: d(rng, s))
                        for dom, shape in ex.args]
            out.append(_case(f"{name}-example-{k}", name, *builders, **ex.params))
        if not prim.examples and prim.elementwise:
            dom = prim.domain[0] if prim.domain else "real"
            out.append(_case(f"{name}-(2,3)", name,
                             lambda rng, d=_DOMAINS.get(dom, dom): d(rng, (2, 3))))
    return out


CASES += _from_examples()


def _args(builders, seed):
    rng = np.random.default_rng(seed)
    return [b(rng) for b in builders], rng


def _with(args, i, x):
    out = list(args)
    out[i] = x
    return out


# ----------------------------------------------------------------------------- the checkers

def richardson_check(g, exact, scale):
    """Compare ``exact`` with d/ds g(s) at s=0 by a central difference, Richardson-extrapolated.

    The allowance is derived from the stencils themselves: the truncation estimate
    |D(h) - D(h/2)| (about 3x the error of D(h/2), far more than that of the extrapolation)
    plus the rounding bound eps·(|g(h)|+|g(-h)|)/h of each quotient, plus eps·|exact|.
    ``scale`` is the length over which g varies (sets h). Raises AssertionError on failure.
    """
    h = EPS ** 0.25 * scale

    def quotient(step):
        gp, gm = np.asarray(g(step), float), np.asarray(g(-step), float)
        return (gp - gm) / (2 * step), EPS * (np.abs(gp) + np.abs(gm)) / step

    d1, r1 = quotient(h)
    d2, r2 = quotient(h / 2)
    extrapolated = (4 * d2 - d1) / 3
    exact = np.asarray(exact, float)
    allowance = np.max(np.abs(d1 - d2) + r1 + r2, initial=0.0) + EPS * np.max(np.abs(exact),
                                                                             initial=0.0)
    err = np.max(np.abs(exact - extrapolated), initial=0.0)
    assert err <= allowance, f"derivative off by {err:.3g}, allowance {allowance:.3g}"


def _direction(rng, x):
    v = rng.standard_normal(np.shape(x))
    return v / max(1.0, float(np.max(np.abs(v))))


def _step_scale(x):
    return max(1.0, float(np.max(np.abs(x), initial=0.0)))


def check_jvp(prim, args, params, rng):
    """Forward mode (J·v per argument) against a difference quotient of the primitive."""
    for i in range(len(args)):
        v = _direction(rng, args[i])

        def f(xp, x, i=i):
            return prim(*_with(args, i, x), **params)

        _, jv = T.jvp(f, ad, (args[i],), v)
        richardson_check(lambda s, i=i, v=v: prim.impl(*_with(args, i, args[i] + s * v), **params),
                         jv, 0.1 * _step_scale(args[i]))


def check_adjoint(prim, args, params, rng):
    """⟨u, J v⟩ = ⟨Jᵀu, v⟩ on random directions, within the rounding bound n·eps·|u||J||v|."""
    ans = prim.impl(*args, **params)
    for i in range(len(args)):
        def f(xp, x, i=i):
            return prim(*_with(args, i, x), **params)

        v = rng.standard_normal(np.shape(args[i]))
        u = rng.standard_normal(np.shape(ans))
        _, jv = T.jvp(f, ad, (args[i],), v)
        _, pullback = T.vjp(f, ad, (args[i],))
        jtu = pullback(u)
        assert np.shape(jtu) == np.shape(args[i]), "VJP result not shaped like the argument"
        jac = np.asarray(T.jacfwd(f)(ad, args[i]))
        n = np.size(ans) + np.size(args[i])
        bound = n * EPS * np.linalg.norm(u) * np.linalg.norm(jac) * np.linalg.norm(v)
        lhs, rhs = float(np.vdot(u, jv)), float(np.vdot(jtu, v))
        assert abs(lhs - rhs) <= bound, f"<u,Jv>={lhs!r} but <J^T u,v>={rhs!r} (bound {bound:.3g})"


def check_second_order(prim, args, params, rng, outer, inner):
    """H·v of ⟨w, prim(x)⟩ by one nesting against a difference quotient of its gradient."""
    ans = prim.impl(*args, **params)
    w = rng.standard_normal(np.shape(ans))
    for i in range(len(args)):
        def s(xp, x, i=i):
            return xp.sum(w * prim(*_with(args, i, x), **params))

        v = _direction(rng, args[i])
        hv = T.hvp(s, 0, outer=outer, inner=inner)(ad, v, args[i])
        gradient = T.grad(s)
        richardson_check(lambda t, i=i, v=v, g=gradient: g(ad, args[i] + t * v), hv,
                         0.1 * _step_scale(args[i]))


# ----------------------------------------------------------------------------- generated tests

@pytest.mark.parametrize("name, builders, params", CASES)
def test_jvp(name, builders, params):
    args, rng = _args(builders, 1)
    check_jvp(TABLE[name], args, params, rng)


@pytest.mark.parametrize("name, builders, params", CASES)
def test_vjp_adjoint(name, builders, params):
    args, rng = _args(builders, 2)
    check_adjoint(TABLE[name], args, params, rng)


@pytest.mark.parametrize("outer, inner", NESTINGS, ids=[f"{o}-over-{i}" for o, i in NESTINGS])
@pytest.mark.parametrize("name, builders, params", CASES)
def test_second_order(name, builders, params, outer, inner):
    args, rng = _args(builders, 3)
    check_second_order(TABLE[name], args, params, rng, outer, inner)


@pytest.mark.parametrize("name, builders, params", CASES)
def test_rules_work_from_shape_only_residuals(name, builders, params, monkeypatch):
    """With every unread value dropped from the tape, reverse mode is unchanged (``uses``)."""
    monkeypatch.setattr(reverse, "RESIDUAL_MIN_SIZE", 0)
    args, rng = _args(builders, 2)
    check_adjoint(TABLE[name], args, params, rng)
    check_second_order(TABLE[name], args, params, rng, "reverse", "reverse")


def test_meta_a_rule_reading_an_undeclared_value_fails_loudly(monkeypatch):
    monkeypatch.setattr(reverse, "RESIDUAL_MIN_SIZE", 0)
    liar = Primitive("liar_tanh", np.tanh, TABLE["tanh"].jvps, TABLE["tanh"].vjps,
                     per_element(1), uses=("primals",))  # its rules read ans
    args, rng = _args([_normal(2, 3)], 11)
    with pytest.raises((AttributeError, TypeError)):
        check_adjoint(liar, args, {}, rng)


def test_every_primitive_has_a_case():
    covered = {c.values[0] for c in CASES}
    assert covered == set(TABLE), f"primitives without a test case: {set(TABLE) - covered}"


@pytest.mark.parametrize("name, builders, params", CASES)
def test_integrity(name, builders, params):
    prim = TABLE[name]
    args, _ = _args(builders, 4)
    if isinstance(prim.jvps, PerIndex):
        assert isinstance(prim.vjps, PerIndex), "variadic JVP with fixed-arity VJP"
    else:
        assert len(prim.jvps) == len(prim.vjps) == len(args)
        assert all(callable(r) for r in prim.jvps + prim.vjps)
    flops = prim.flops(prim.impl(*args, **params), *args, **params)
    assert int(flops) == flops >= 0


@pytest.mark.parametrize("name", ["inv", "det", "logabsdet", "solve", "erf"])
def test_non_obvious_rules_are_cited(name):
    assert "Giles" in TABLE[name].cite or "Abramowitz" in TABLE[name].cite


def test_linear_primitives_are_linear():
    """A primitive declared linear satisfies f(a x + b y) = a f(x) + b f(y) on its cases."""
    for case in CASES:
        name, builders, params = case.values
        prim = TABLE[name]
        if not prim.linear:
            continue
        x, _ = _args(builders, 5)
        y, _ = _args(builders, 6)
        lhs = prim.impl(*[2.0 * a - 3.0 * b for a, b in zip(x, y)], **params)
        rhs = 2.0 * prim.impl(*x, **params) - 3.0 * prim.impl(*y, **params)
        scale = np.max(np.abs(lhs), initial=1.0) + np.max(np.abs(rhs), initial=1.0)
        n = sum(np.size(a) for a in x)  # rounding: one error per element summed or scaled
        assert np.max(np.abs(lhs - rhs), initial=0.0) <= n * EPS * scale, name


# ----------------------------------------------------------------------------- meta-tests

def _bad(name, impl, jvp, vjp):
    """A primitive that is not registered in the table (so nothing else sees it)."""
    return Primitive(name, impl, tuple(jvp), tuple(vjp), per_element(1))


def _tanh_deriv_wrong(ans):
    return ops.add(1.0, ops.multiply(ans, ans))  # 1 + tanh², should be 1 - tanh²


BAD_TANH = _bad("bad_tanh", np.tanh,
                [lambda t, ans, x: ops.multiply(t, _tanh_deriv_wrong(ans))],
                [lambda ct, ans, x: ops.multiply(ct, _tanh_deriv_wrong(ans))])
BAD_MATMUL = _bad("bad_matmul", np.matmul, TABLE["matmul"].jvps,
                  [lambda ct, ans, a, b: ops.matmul(ct, b),  # transpose of b missing
                   TABLE["matmul"].vjps[1]])
BAD_EXP_VJP = _bad("bad_exp_vjp", np.exp, TABLE["exp"].jvps,
                   [lambda ct, ans, x: ops.multiply(ops.multiply(2.0, ct), ans)])
# First order right, but the rule escapes the trace (primal()), so its own derivative is lost.
OPAQUE_TANH = _bad("opaque_tanh", np.tanh,
                   [lambda t, ans, x: ops.multiply(t, 1.0 - primal(ans) ** 2)],
                   [lambda ct, ans, x: ops.multiply(ct, 1.0 - primal(ans) ** 2)])


def test_meta_jvp_checker_catches_a_wrong_derivative():
    args, rng = _args([_normal(2, 3)], 7)
    with pytest.raises(AssertionError):
        check_jvp(BAD_TANH, args, {}, rng)


def test_meta_adjoint_checker_catches_a_missing_transpose():
    args, rng = _args([_normal(3, 3), _normal(3, 3)], 8)
    check_jvp(BAD_MATMUL, args, {}, rng)  # its JVP is right ...
    with pytest.raises(AssertionError):
        check_adjoint(BAD_MATMUL, args, {}, rng)  # ... its VJP is not the adjoint


def test_meta_adjoint_checker_catches_a_vjp_inconsistent_with_its_jvp():
    args, rng = _args([_normal(2, 3)], 9)
    with pytest.raises(AssertionError):
        check_adjoint(BAD_EXP_VJP, args, {}, rng)


@pytest.mark.parametrize("outer, inner", NESTINGS, ids=[f"{o}-over-{i}" for o, i in NESTINGS])
def test_meta_second_order_checker_catches_a_rule_that_escapes_the_trace(outer, inner):
    args, rng = _args([_normal(2, 3)], 10)
    check_jvp(OPAQUE_TANH, args, {}, rng)
    check_adjoint(OPAQUE_TANH, args, {}, rng)
    with pytest.raises(AssertionError):
        check_second_order(OPAQUE_TANH, args, {}, rng, outer, inner)


def test_meta_richardson_check_fails_on_a_small_relative_error():
    with pytest.raises(AssertionError):
        richardson_check(np.sin, 1.0 + 1e-7, 1.0)
    richardson_check(np.sin, 1.0, 1.0)
