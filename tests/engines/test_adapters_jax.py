"""The jax adapters on the same cases as the torch ones; float64 does not leak out."""

import importlib.util
import pathlib

import numpy as np
import pytest

from adcheck.engines import get

jax = pytest.importorskip("jax", reason="jax is not installed: pip install 'adcheck[jax]'")

_spec = importlib.util.spec_from_file_location(
    "adapter_cases", pathlib.Path(__file__).with_name("test_adapters_torch.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


@pytest.mark.parametrize("engine", cases.ADAPTERS[2:])
@pytest.mark.parametrize("case", cases.CASES, ids=[c[0] for c in cases.CASES])
def test_case(engine, case):
    value, expected = cases.run_case(engine, case)
    assert cases.close(value, expected, ops=256), (value, expected)


def test_a_wrong_closed_form_fails():
    value, _ = cases.run_case("jax", cases.CASES[1])
    assert not cases.close(value, cases.Q)  # the Hessian of xᵀQx is Q + Qᵀ, not Q


def test_erf_is_jax_scipy():
    import jax.numpy as jnp
    import jax.scipy.special as jsp

    from adcheck.engines.adapters.jax_engine import XP
    t = jnp.linspace(-2.0, 2.0, 5)
    assert bool(jnp.all(XP.erf(t) == jsp.erf(t)))


def test_x64_does_not_leak():
    import jax.numpy as jnp
    before = (jax.config.jax_enable_x64, jnp.ones(2).dtype)
    r = get("jax-fwd-over-rev").hessian(cases.quad, (cases.X4, cases.Q))
    assert r.value.dtype == np.float64
    # a float32 leak inside would show as an error far above float64 rounding
    assert cases.close(r.value, cases.Q + cases.Q.T, ops=16)
    assert (jax.config.jax_enable_x64, jnp.ones(2).dtype) == before


def test_costs_are_counted():
    r = get("jax").gradient(cases.quad, (cases.X4, cases.Q))
    assert (r.cost.passes, r.cost.sweeps) == (1, 1)


def test_compiled_once_and_reused():
    eng = get("jax").engine
    rng = np.random.default_rng(0)
    first = eng.hessian(cases.quad, (rng.normal(size=4), cases.Q))
    size = len(eng._compiled)
    x = rng.normal(size=4)
    again = eng.hessian(cases.quad, (x, cases.Q))
    assert len(eng._compiled) == size and again.cost.passes == first.cost.passes == 1
    assert cases.close(eng.gradient(cases.quad, (x, cases.Q)).value, (cases.Q + cases.Q.T) @ x)


def test_value_dependent_python_runs_eagerly():
    def f(xp, x, K):
        return xp.sum(x * x) if K > 0 else -xp.sum(x * x)  # Python branch on a float
    for K, sign in ((1.0, 1), (-1.0, -1)):
        r = get("jax-fwd-over-rev").hessian(f, (np.ones(3), K))
        assert cases.close(r.value, sign * 2 * np.eye(3))


def test_choices_on_values_run_eagerly_whenever_a_shape_repeats():
    """The third call of one shape would be compiled; a choice made on the values (a max's
    mask, a sort's order) cannot be, so it runs eagerly, on the new values each time."""
    rng = np.random.default_rng(5)
    for _ in range(4):
        x = rng.standard_normal(4)
        value = get("jax").gradient(cases.choices, (x,)).value
        assert cases.close(value, get("reverse").gradient(cases.choices, (x,)).value, ops=256)


def test_the_two_engines_share_their_first_order_only():
    """At first order both run jax.grad / jax.jacrev: one computation of a case; their
    second orders (jacrev or jacfwd of grad) are their own."""
    a, b = get("jax"), get("jax-fwd-over-rev")
    assert a.computation("gradient", 1) == b.computation("gradient", 1) is not None
    assert a.computation("jacobian", 1) == b.computation("jacobian", 1)
    assert a.computation("hessian", 2) != b.computation("hessian", 2)
    assert a.computation("gradient", 1) != get("torch").computation("gradient", 1)


def test_a_run_shares_compiled_programs_in_its_folder(tmp_path):
    """A run's worker names the folder (COMPILE_CACHE); the adapter, imported there, writes
    each compiled program to it, and the values are unchanged."""
    import subprocess
    import sys
    code = ("import numpy as np; from adcheck.engines import get; "
            "print(get('jax').gradient(lambda xp, x: xp.sum(xp.exp(x)), (np.ones(3),)).value)")
    from adcheck.engines.adapters import COMPILE_CACHE
    env = {**__import__("os").environ, COMPILE_CACHE: str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert any(tmp_path.iterdir())
    assert np.allclose(np.array(out.stdout.strip()[1:-1].split(), dtype=float), np.e, rtol=0)
