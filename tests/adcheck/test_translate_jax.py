"""adcheck.frameworks.translate_jax: a jaxpr replayed in xp computes the same; custom rules are
named."""

import importlib.util

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                                reason="jax is not installed (pip install 'adcheck[jax]')")

if importlib.util.find_spec("jax") is not None:
    import jax
    import jax.numpy as jnp

    from tests.adcheck.jax_corpus import matmul, rand, rng, sin

from adcheck.engines.namespace import numpy_ns  # noqa: E402


def _cases():
    r = rng(0)
    labels = np.array([1, 0, 2])
    return {
        "softplus": (jax.nn.softplus, (15 * rand(r, 6),)),
        "logsumexp": (lambda x: jax.nn.logsumexp(x, -1), (rand(r, 3, 4),)),
        "standardize": (lambda x: jax.nn.standardize(x, axis=-1), (rand(r, 3, 4),)),
        "cross_entropy": (lambda x: jax.nn.log_softmax(x)[jnp.arange(3), labels],
                          (rand(r, 3, 4),)),
        "attention": (jax.nn.dot_product_attention,
                      (rand(r, 2, 3, 1, 4), rand(r, 2, 3, 1, 4), rand(r, 2, 3, 1, 4))),
        "conv": (lambda x, w: jax.lax.conv_general_dilated(x, w, (2,), ((1, 1),)),
                 (rand(r, 2, 3, 7), rand(r, 5, 3, 3))),
        "custom rules": (lambda a, b: sin(matmul(a, b)), (rand(r, 2, 3), rand(r, 3, 2))),
        "solve (custom_linear_solve, lu), cholesky, triangular": (
            lambda a, b: jnp.linalg.solve(a, b) + jnp.linalg.cholesky(a @ a.T) @ b
            + jax.scipy.linalg.solve_triangular(jnp.tril(a), b, lower=True),
            (rand(r, 3, 3) + 3 * jnp.eye(3), rand(r, 3))),
        "scan, while, cond, cumsum, clip": (
            lambda x: jax.lax.scan(lambda c, y: (c * jnp.sin(y) + y, c), 1.0, x)[0]
            + jax.lax.fori_loop(0, 3, lambda i, c: jnp.cos(c) * x, x)
            + jax.lax.cond(x.sum() > 0, jnp.sin, jnp.cos, x) + jnp.cumsum(jnp.clip(x, -.5, .5)),
            (rand(r, 4),)),
        "conv2d, pooling, scatter-add": (
            lambda x, w: jax.lax.reduce_window(jax.lax.conv_general_dilated(
                x, w, (1, 1), "SAME"), -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2),
                "VALID").at[0, 0, 0].add(x[0, 0, 0, :2]),
            (rand(r, 2, 3, 4, 4), rand(r, 4, 3, 3, 3))),
        "qr, tall and batched": (lambda a, b: jnp.concatenate(
            [m.ravel() for m in (*jnp.linalg.qr(a), *jnp.linalg.qr(b))]),
            (rand(r, 5, 3), rand(r, 2, 4, 4))),
    }


@pytest.mark.parametrize("name", list(_cases()) if importlib.util.find_spec("jax") else [])
def test_translation_computes_what_jax_computes(name):
    from adcheck.frameworks import translate_jax as TJ
    with jax.enable_x64(True):
        fn, args = _cases()[name]
        closed = jax.make_jaxpr(fn)(*args)
        assert not TJ.missing(closed.jaxpr)
        (got,) = TJ.run(numpy_ns, closed.jaxpr, closed.consts, [np.asarray(a) for a in args])
        want = np.asarray(fn(*args))
    tol = 1e-6 if name == "attention" else 1e-13  # jax computes its softmax in float32
    assert np.allclose(got, want, rtol=tol, atol=tol), name


def test_rules_name_the_custom_functions_each_input_flows_through():
    from adcheck.frameworks import translate_jax as TJ
    with jax.enable_x64(True):
        r = rng(1)
        closed = jax.make_jaxpr(lambda a, b, c: sin(matmul(a, b)) + c)(
            rand(r, 2, 2), rand(r, 2, 2), rand(r, 2, 2))
    rules = TJ.rules(closed.jaxpr, 3)
    assert [n.split(" ")[0] for n in rules(0)] == ["matmul", "sin"]
    assert rules(2) == []


def test_only_the_users_own_rules_are_listed_for_blame():
    from adcheck.frameworks import translate_jax as TJ

    @jax.custom_jvp
    def mine(x):
        return jnp.sin(x)
    mine.defjvp(lambda p, t: (jnp.sin(p[0]), jnp.cos(p[0]) * t[0]))

    def f(x):  # jax's own custom rules (logaddexp inside logsumexp, relu) beside the user's
        return jax.nn.logsumexp(x) + jnp.logaddexp(x[0], x[1]) + jnp.sum(jax.nn.relu(x)) + \
            jnp.sum(mine(x))
    with jax.enable_x64(True):
        closed = jax.make_jaxpr(f)(jnp.ones(3))
    assert TJ.rules(closed.jaxpr, 1)(0) == ["mine (custom_jvp rule)"]


def test_qr_checks_exactly_and_a_wrong_rule_fails():
    """jnp.linalg.qr replays exactly (LAPACK's signs, as torch's): the check passes on the
    exact route at both orders, and a custom rule scaled by 1.01 fails."""
    import warnings

    import adcheck.jax as aj
    a = np.random.default_rng(3).standard_normal((5, 3))

    def f(a):
        return jnp.concatenate([m.ravel() for m in jnp.linalg.qr(a)])
    with jax.enable_x64(True), warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback would say so in a warning
        aj.check_grads(f, (a,), order=2)

        @jax.custom_vjp
        def wrong(a):
            return f(a)
        wrong.defvjp(lambda a: (f(a), a),
                     lambda a, g: (1.01 * jax.vjp(f, a)[1](g)[0],))
        with pytest.raises(AssertionError):
            aj.check_grads(wrong, (a,), order=1, modes=["rev"])
