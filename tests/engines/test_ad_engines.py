"""The six named AD engines: edge cases, agreement with each other, and counted costs."""

from __future__ import annotations

import numpy as np
import pytest

from adcheck import engines
from adcheck.engines.ad import ad_engines

EPS = float(np.finfo(np.float64).eps)
ENGINES = {e.name: e for e in ad_engines()}
NAMES = list(ENGINES)


@pytest.fixture(params=NAMES)
def engine(request):
    return ENGINES[request.param]


def test_the_six_engines():
    assert NAMES == ["forward", "reverse", "forward-over-forward", "forward-over-reverse",
                     "reverse-over-forward", "reverse-over-reverse"]


def _bound(*results):
    """Rounding allowance between engines: one eps per primitive call, relative to the size."""
    calls = sum(r.cost.primitive_calls for r in results)
    scale = max(float(np.max(np.abs(r.value), initial=0.0)) for r in results)
    return calls * EPS * max(scale, 1.0)


# ----------------------------------------------------------------------------- edge cases

def constant_scalar(xp, x):
    return xp.sum(xp.ones(3)) * 2.0


def constant_vector(xp, x):
    return xp.ones((2,)) * 2.0


def test_output_independent_of_input_gives_shaped_zeros(engine):
    x = np.arange(6.0).reshape(2, 3)
    g = engine.gradient(constant_scalar, (x,)).value
    j = engine.jacobian(constant_vector, (x,)).value
    h = engine.hessian(constant_scalar, (x,)).value
    assert np.shape(g) == (2, 3) and not np.any(g)
    assert np.shape(j) == (2, 2, 3) and not np.any(j)
    assert np.shape(h) == (2, 3, 2, 3) and not np.any(h)
    assert engine.laplacian(constant_scalar, (x,)).value == 0.0
    assert not np.any(engine.hvp(constant_scalar, (x,), 0, np.ones((2, 3))).value)


def test_output_independent_of_the_differentiated_argument(engine):
    def f(xp, x, y):
        return xp.sum(y * y)

    g = engine.gradient(f, (np.ones(3), np.ones(2)), wrt=0).value
    assert np.shape(g) == (3,) and not np.any(g)


def test_unused_components_get_zero(engine):
    def f(xp, x):
        return x[0] ** 2 + 3.0 * x[2]

    x = np.array([1.5, -2.0, 0.5, 4.0])
    assert np.array_equal(engine.gradient(f, (x,)).value, [3.0, 0.0, 3.0, 0.0])
    expected = np.zeros((4, 4))
    expected[0, 0] = 2.0
    assert np.array_equal(engine.hessian(f, (x,)).value, expected)


def test_fan_out_accumulates(engine):
    """x used three times: d/dx sum(x·x·x) = 3x², and the Hessian is diag(6x)."""
    def f(xp, x):
        return xp.sum(x * x * x)

    x = np.array([1.0, -2.0, 0.5])
    g = engine.gradient(f, (x,))
    h = engine.hessian(f, (x,))
    assert np.max(np.abs(g.value - 3 * x * x)) <= _bound(g)
    assert np.max(np.abs(h.value - np.diag(6 * x))) <= _bound(h)


def test_reuse_gives_identical_results(engine):
    """No state leaks between calls: the same request twice gives the same bits and costs."""
    def f(xp, x):
        return xp.sum(xp.tanh(x) * x)

    x = np.array([0.3, -0.7, 1.1])
    first = [engine.gradient(f, (x,)), engine.hessian(f, (x,))]
    engine.jacobian(lambda xp, x: xp.exp(x), (x,))  # something else in between
    second = [engine.gradient(f, (x,)), engine.hessian(f, (x,))]
    for a, b in zip(first, second):
        assert np.array_equal(a.value, b.value)
        assert a.cost == b.cost


def test_inputs_are_not_mutated(engine):
    x = np.array([0.3, -0.7, 1.1])
    keep = x.copy()
    engine.hessian(lambda xp, x: xp.sum(x * x), (x,))
    assert np.array_equal(x, keep)


def test_jvp_and_vjp_agree_with_the_jacobian(engine):
    def f(xp, x):
        return xp.sin(x[:2]) * x[1:]

    rng = np.random.default_rng(0)
    x, t, ct = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(2)
    jac = engine.jacobian(f, (x,))
    jv = engine.jvp(f, (x,), 0, t)
    jtu = engine.vjp(f, (x,), 0, ct)
    assert np.max(np.abs(jv.value - jac.value @ t)) <= _bound(jac, jv) * np.max(np.abs(t))
    assert np.max(np.abs(jtu.value - ct @ jac.value)) <= _bound(jac, jtu) * np.max(np.abs(ct))
    assert np.array_equal(engine.derivative("jacobian", f, (x,)).value, jac.value)


# ----------------------------------------------------------------------------- agreement

def _mlp(seed=0, d=3, width=5):
    rng = np.random.default_rng(seed)
    w1, b1 = rng.standard_normal((width, d)) / np.sqrt(d), rng.standard_normal(width)
    w2, b2 = rng.standard_normal((2, width)) / np.sqrt(width), rng.standard_normal(2)

    def f(xp, x):
        h = xp.tanh(w1 @ x + b1)
        return xp.sum(xp.tanh(w2 @ h + b2) ** 2)

    return f, rng.standard_normal(d), rng.standard_normal(d)


@pytest.mark.parametrize("kind", ["hessian", "hvp", "laplacian", "gradient"])
def test_engines_agree_on_a_tanh_mlp(kind):
    f, x, v = _mlp()
    kw = {"v": v} if kind == "hvp" else {}
    results = {n: e.derivative(kind, f, (x,), 0, **kw) for n, e in ENGINES.items()}
    ref = results["reverse-over-reverse"]
    for name, r in results.items():
        assert np.shape(r.value) == np.shape(ref.value), name
        err = float(np.max(np.abs(np.asarray(r.value) - ref.value)))
        assert err <= _bound(r, ref), f"{name}: {kind} differs by {err:.3g}"


def test_hessian_layout_and_consistency():
    f, x, v = _mlp(1)
    e = ENGINES["forward-over-reverse"]
    h = e.hessian(f, (x,)).value
    bound = _bound(e.hessian(f, (x,)))
    assert np.max(np.abs(h - h.T)) <= bound
    assert abs(np.trace(h) - e.laplacian(f, (x,)).value) <= bound
    assert np.max(np.abs(h @ v - e.hvp(f, (x,), 0, v).value)) <= bound * np.max(np.abs(v))


# ----------------------------------------------------------------------------- costs

def test_reverse_gradient_cost_is_counted():
    f, x, _ = _mlp()
    cost = ENGINES["reverse"].gradient(f, (x,)).cost
    assert (cost.passes, cost.sweeps) == (1, 1)
    # f: matmul, add, tanh, matmul, add, tanh, pow, sum = 8 primitives, all connected
    assert cost.tape_length == 8
    assert cost.visited == cost.tape_length
    assert cost.forward_flops > 0 and cost.backward_flops > 0
    assert cost.flops == cost.forward_flops + cost.backward_flops
    assert cost.backward_flops <= 3 * cost.forward_flops  # Appendix B.2


def _dangling(xp, x):
    xp.exp(x) * 2.0  # traced and taped, never used
    return xp.sum(x * x)


def test_reverse_sweep_skips_entries_that_do_not_reach_the_output():
    cost = ENGINES["reverse"].gradient(_dangling, (np.ones(3),)).cost
    assert cost.tape_length == 4
    assert cost.visited == 2  # multiply and sum; exp and its product are never visited


def test_forward_jacobian_passes_equal_input_size():
    f, x, _ = _mlp()
    r = ENGINES["forward"].jacobian(lambda xp, x: xp.tanh(x) * 2.0, (x,))
    assert r.cost.passes == x.size
    assert r.cost.primitive_calls > 0 and r.cost.flops > 0


def test_costs_scale_with_work():
    small = ENGINES["reverse"].gradient(lambda xp, x: xp.sum(xp.tanh(x)), (np.ones(4),)).cost
    large = ENGINES["reverse"].gradient(lambda xp, x: xp.sum(xp.tanh(x)), (np.ones(40),)).cost
    assert large.forward_flops == 10 * small.forward_flops
    assert large.tape_length == small.tape_length


# ---------------------------------------------------------------- stacks of matrices

def _stack(batch, n=3, seed=11):
    rng = np.random.default_rng(seed)
    return np.eye(n) + 0.3 * rng.standard_normal((batch, n, n))


def _jacobi(a):
    """d det(a_b) / d a_b' = δ_bb' det(a_b) a_b⁻ᵀ (Jacobi's formula), shape (B, B, n, n)."""
    batch = a.shape[0]
    per = np.linalg.det(a)[:, None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)
    return np.eye(batch)[:, :, None, None] * per[:, None]


@pytest.mark.parametrize("batch", [3, 4])
@pytest.mark.parametrize("engine", ["forward", "reverse"])
def test_det_of_a_stack_is_differentiated_per_matrix(engine, batch):
    """Regression: det's rules treated one matrix; for a of shape (3, 3, 3) both modes were
    wrong (errors 18 and 32) and a batch of 4 raised a broadcast error."""
    a = _stack(batch)
    j = engines.get(engine).jacobian(lambda xp, a: xp.linalg.det(a), (a,)).value
    want = _jacobi(a)
    cond = max(np.linalg.cond(m) for m in a)
    assert np.max(np.abs(j - want)) <= 16 * a.shape[-1] * cond * EPS * np.max(np.abs(want))


@pytest.mark.parametrize("engine", ["forward", "reverse", "forward-over-reverse"])
def test_slogdet_trace_and_diagonal_take_stacks_and_offsets(engine):
    """Regression: trace(offset=), diag(k=) and linalg.diagonal(offset=) were refused with raw
    TypeErrors, and logabsdet of a stack was treated as one matrix."""
    a = _stack(2, n=3)
    eng = engines.get(engine)

    def f(xp, a):
        return (xp.sum(xp.linalg.slogdet(a).logabsdet) + xp.sum(xp.trace(a, offset=1))
                + xp.sum(xp.linalg.diagonal(a, offset=-1) ** 2.0)
                + xp.sum(xp.diag(a[0, 0], k=1)))

    g = eng.gradient(f, (a,)).value
    want = np.swapaxes(np.linalg.inv(a), -1, -2) + np.eye(3, k=1)
    want = want + 2 * a * np.eye(3, k=-1)
    want[0, 0] += 1.0
    assert np.max(np.abs(g - want)) <= 64 * EPS * np.max(np.abs(want))


def test_solve_rules_broadcast_stacks_against_vectors_and_matrices():
    """The AD rules of solve on a stack of matrices with one vector, and with batch axes that
    broadcast (the exact and symbolic tables take equal batch axes only, so these examples
    are checked here rather than in the record)."""
    import dataclasses

    from adcheck.engines.core import TABLE, example
    from adcheck.engines.testing import check_primitive

    inv = ("invertible",)
    extra = (example((4, 3, 3), (3,), domain=inv), example((3, 3), (4, 3, 2), domain=inv),
             example((2, 1, 3, 3), (4, 3, 2), domain=inv))
    solve = dataclasses.replace(TABLE["solve"], examples=extra)
    assert check_primitive(solve, checks=("jvp", "adjoint", "nestings")) >= 9


def test_nestings_that_run_the_same_code_name_the_same_computation():
    """A case computes each computation once: a nesting at first order is its inner mode, and
    forward/reverse are forward-over-forward/reverse-over-reverse at every order; a subclass
    (a changed rule) is its own."""
    from adcheck.engines import registry
    from adcheck.engines.ad import ADEngine

    def key(name, kind, order):
        return registry.get(name).computation(kind, order)
    assert key("forward-over-reverse", "gradient", 1) == key("reverse", "gradient", 1)
    assert key("reverse-over-forward", "jacobian", 1) == key("forward", "jacobian", 1)
    assert key("forward-over-reverse", "hessian", 2) != key("reverse", "hessian", 2)
    assert key("forward", "hessian", 2) == key("forward-over-forward", "hessian", 2)
    assert key("reverse", "laplacian", 2) == key("reverse-over-reverse", "laplacian", 2)

    class Changed(ADEngine):
        pass
    assert Changed("x", "reverse", "reverse").computation("gradient", 1) is None
