"""adcheck.jax: the drop-in check_grads on users' own jax code."""

import importlib.util

import pytest

HAS_JAX = importlib.util.find_spec("jax") is not None
pytestmark = pytest.mark.skipif(not HAS_JAX, reason="jax is not installed "
                                "(pip install 'adcheck[jax]')")

if HAS_JAX:
    import jax
    import jax.numpy as jnp

    from tests.adcheck.jax_corpus import CASES, rand, rng, softplus

import adcheck.jax as aj  # noqa: E402  (imports without jax)


@pytest.fixture(autouse=True)
def x64():
    with jax.enable_x64(True):
        yield


@pytest.mark.parametrize("bug", sorted(CASES) if HAS_JAX else [])
def test_corpus_bug_is_caught_and_its_rule_blamed(bug):
    fn, make, order, wrong_input, rule, _ = CASES[bug]
    with pytest.raises(AssertionError) as err:
        aj.check_grads(fn, make(rng(1)), order, modes=("rev",))
    msg = str(err.value)
    assert f"input {wrong_input} (" in msg and rule in msg, msg


@pytest.mark.parametrize("bug", sorted(CASES) if HAS_JAX else [])
def test_corpus_correct_version_passes(bug):
    _, make, order, _, _, correct = CASES[bug]
    for seed in range(3):
        assert aj.check_grads(correct, make(rng(seed)), order) is None


def test_correct_custom_softplus_passes_on_random_inputs():
    r = rng(0)
    for _ in range(10):
        aj.check_grads(softplus, (3 * rand(r, 6),), 1, modes=("rev",))


def test_forward_mode_of_a_custom_jvp_rule_is_checked_too():
    fn, make, _, _, rule, _ = CASES["wrong-second-derivative"]
    with pytest.raises(AssertionError, match=rule):
        aj.check_grads(fn, make(rng(2)), 2, modes=("fwd",))


def test_float32_arrays_are_judged_with_float32_rounding():
    with jax.enable_x64(False):
        x = jnp.asarray(rand(rng(3), 6), dtype=jnp.float32)
        (v,) = aj.verdicts(softplus, (x,), 1, modes=("rev",))
    assert v.verdict == "pass" and v.dtype == "float32" and "5.96e-08" in v.reference


def test_pytree_arguments_and_jax_nn_builtins():
    r = rng(4)
    params = {"w": rand(r, 3, 2), "b": rand(r, 2)}
    aj.check_grads(lambda p, x: jax.nn.logsumexp(x @ p["w"] + p["b"]), (params, rand(r, 4, 3)),
                   2)
    for f in (jax.nn.softplus, jax.nn.softmax, jax.nn.gelu, jax.nn.standardize):
        aj.check_grads(f, (rand(r, 5),), 1)


def test_bad_order_and_mode_are_usage_errors():
    with pytest.raises(ValueError, match="order"):
        aj.check_grads(jnp.sin, (jnp.ones(2),), 3)
    with pytest.raises(ValueError, match="modes"):
        aj.check_grads(jnp.sin, (jnp.ones(2),), 1, modes=("sideways",))


def test_the_difference_reference_compiles_its_function_once_or_runs_it_eagerly():
    import numpy as np

    from adcheck.frameworks.jax_side import _float64
    traces = []

    def smooth(x):
        traces.append(1)
        return [jnp.sin(x)]

    def steered(x):  # Python control flow on a value: jax cannot compile it
        return [jnp.sin(x) if float(x[0]) > 0 else jnp.cos(x)]
    f, g = _float64(smooth), _float64(steered)
    with jax.disable_jit():  # as the check runs
        for t in (0.5, -0.5, 0.25):
            assert np.array_equal(f([np.full(2, t)]), np.sin(np.full(2, t)))
            want = np.sin(np.full(2, t)) if t > 0 else np.cos(np.full(2, t))
            assert np.array_equal(g([np.full(2, t)]), want)
    assert len(traces) == 1


def test_float32_second_order_checks_run_in_both_modes():
    A = jnp.asarray([[3.0, 1.0, 0.0], [1.0, 4.0, 1.0], [0.0, 1.0, 5.0]], dtype=jnp.float32)
    b = jnp.asarray([1.0, 2.0, 3.0], dtype=jnp.float32)
    aj.check_grads(jnp.linalg.solve, (A, b), order=2, modes=["fwd", "rev"])

    from tests.adcheck.ill_conditioned import jax_rules
    solve = jax_rules()[1]  # the sign of A's cotangent dropped
    with pytest.raises(AssertionError):
        aj.check_grads(solve, (A, b), order=2, modes=["rev"])


def test_fallback_passes_correct_second_derivatives_of_an_ill_conditioned_solve(monkeypatch):
    import numpy as np

    from adcheck.frameworks import translate_jax
    from tests.adcheck.ill_conditioned import jax_rules, matrix
    monkeypatch.setattr(translate_jax, "missing", lambda jaxpr: {"(withheld by the test)"})
    solve, signless = jax_rules()[:2]
    r = np.random.default_rng(1)  # cond(A) = 1e4: its reference was off by 5 digits
    A, b = jnp.asarray(matrix(r, 2, 1e4)), jnp.asarray(r.standard_normal(2))
    aj.check_grads(solve, (A, b), 2, modes=("rev",))
    # the same derivative as the exact route: a sign dropped in the backward fails here too
    with pytest.raises(AssertionError, match="fallback route"):
        aj.check_grads(signless, (A, b), 2, modes=("rev",))


def test_a_custom_vjp_function_says_its_forward_mode_was_not_checked():
    @jax.custom_vjp
    def square(x):
        return x * x
    square.defvjp(lambda x: (x * x, x), lambda x, g: (2 * x * g,))
    x = jnp.asarray([0.5, -1.5])
    with pytest.warns(aj.SkippedWarning, match="custom_vjp function, which defines no jvp"):
        aj.check_grads(square, (x,), 1)
    with pytest.raises(TypeError, match="not checked"):  # nothing checked: never a pass
        aj.check_grads(square, (x,), 1, modes=("fwd",))


def _implicit_root(wrong=False):
    """y with y^3 + y = x, by Newton's iteration; its rule by the implicit function theorem
    (the iteration itself is never differentiated)."""
    @jax.custom_jvp
    def root(x):
        y = x / 2
        for _ in range(25):
            y = y - (y**3 + y - x) / (3 * y**2 + 1)
        return y

    @root.defjvp
    def _(primals, tangents):
        (x,), (dx,) = primals, tangents
        y = root(x)
        return y, dx / (3 * y**2 + (0.0 if wrong else 1.0))
    return lambda x: jnp.sum(root(x))


def _guarded_softabs(wrong=False):
    """sqrt(x^2 + 1) with a where-guarded slope (the guard's branch is never taken here)."""
    @jax.custom_jvp
    def softabs(x):
        return jnp.sqrt(x * x + 1.0)

    @softabs.defjvp
    def _(primals, tangents):
        (x,), (dx,) = primals, tangents
        y = softabs(x)
        safe = jnp.where(x == 0, 1.0, y * (y if wrong else 1.0))
        return y, jnp.where(x == 0, 0.0, x / safe) * dx
    return lambda x: jnp.sum(softabs(x))


def _logsumexp32(wrong=False):
    @jax.custom_vjp
    def lse(x):
        m = jnp.max(x)
        return m + jnp.log(jnp.sum(jnp.exp(x - m)))

    def fwd(x):
        y = lse(x)
        return y, (x, y)

    def bwd(res, g):
        x, y = res
        return (g * jnp.exp(x - y) * (1.01 if wrong else 1.0),)
    lse.defvjp(fwd, bwd)
    return lse


@pytest.mark.parametrize("make, order, dtype", [
    (_implicit_root, 1, jnp.float64 if HAS_JAX else None),
    (_guarded_softabs, 2, jnp.float64 if HAS_JAX else None),
    (_logsumexp32, 2, jnp.float32 if HAS_JAX else None)],
    ids=["implicit-function-rule", "where-guarded-rule", "float32-custom-vjp-logsumexp"])
def test_correct_rules_of_the_real_bug_classes_pass_and_their_twins_fail(make, order, dtype):
    x = jnp.asarray([0.7, -1.3, 0.2], dtype=dtype)
    modes = ("rev",) if make is _logsumexp32 else ("fwd", "rev")
    aj.check_grads(make(), (x,), order, modes=modes)
    with pytest.raises(AssertionError):
        aj.check_grads(make(wrong=True), (x,), order, modes=modes)
