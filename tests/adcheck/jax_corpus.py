"""custom_vjp / custom_jvp rules with the bugs users write, each beside its correct version.

``CASES`` maps a bug's name to (function, inputs maker, order that catches it, the input whose
derivative is wrong, the rule to blame, correct function). An output saved and then changed in
place has no JAX counterpart (arrays are immutable). Imported only where jax is.
"""

import jax
import jax.numpy as jnp
import numpy as np


def _named(name, f):
    def primal(*x):
        return f(*x)
    primal.__name__ = primal.__qualname__ = name  # as if the user had written `def name(...)`
    return primal


def _vjp(name, f, fwd_res, bwd):
    """A custom_vjp function ``name`` with primal ``f``, residuals and backward rule."""
    g = jax.custom_vjp(_named(name, f))
    g.defvjp(lambda *x: (f(*x), fwd_res(*x)), bwd)
    return g


def _mm(a, b):
    return a @ b


def _mul(a, b):
    return a * b


def _softplus(x):
    return jnp.log1p(jnp.exp(x))


def _batch_mse(x):
    return jnp.mean(jnp.sum(x * x, axis=1))


matmul = _vjp("matmul", _mm, lambda a, b: (a, b), lambda r, g: (g @ r[1].T, r[0].T @ g))
matmul_no_t = _vjp("matmul_no_t", _mm, lambda a, b: (a, b), lambda r, g: (g @ r[1], r[0].T @ g))
mul = _vjp("mul", _mul, lambda a, b: (a, b), lambda r, g: (g * r[1], g * r[0]))
mul_twice = _vjp("mul_twice", _mul, lambda a, b: (a, b), lambda r, g: (g * r[1], 2 * g * r[0]))
softplus = _vjp("softplus", _softplus, lambda x: x, lambda x, g: (g * jax.nn.sigmoid(x),))
softplus_detached = _vjp("softplus_detached", _softplus, lambda x: x,
                         lambda x, g: (g * jax.nn.sigmoid(jax.lax.stop_gradient(x)),))
batch_mse = _vjp("batch_mse", _batch_mse, lambda x: x, lambda x, g: (g * 2 * x / x.shape[0],))
batch_mse_sum = _vjp("batch_mse_sum", _batch_mse, lambda x: x, lambda x, g: (g * 2 * x,))


def _jvp(name, f, deriv):
    """A custom_jvp function ``name``: f with the tangent rule deriv(x) * t."""
    g = jax.custom_jvp(_named(name, f))
    g.defjvp(lambda p, t: (g(p[0]), deriv(p[0]) * t[0]))
    return g


cos = _jvp("cos", jnp.cos, lambda x: -jnp.sin(x))
cos_wrong = _jvp("cos_wrong", jnp.cos, jnp.sin)
sin = _jvp("sin", jnp.sin, cos)
sin_wrong2 = _jvp("sin_wrong2", jnp.sin, cos_wrong)


def rand(rng, *shape):
    return jnp.asarray(rng.standard_normal(shape))


CASES = {
    "missing-transpose": (matmul_no_t, lambda r: (rand(r, 3, 3), rand(r, 3, 3)), 1, 0,
                          "matmul_no_t", matmul),
    "factor-on-one-input": (mul_twice, lambda r: (rand(r, 4), rand(r, 4)), 1, 1, "mul_twice",
                            mul),
    "detach-in-backward": (softplus_detached, lambda r: (rand(r, 5),), 2, 0,
                           "softplus_detached", softplus),
    "wrong-second-derivative": (sin_wrong2, lambda r: (rand(r, 4),), 2, 0, "cos_wrong", sin),
    "wrong-batch-reduction": (batch_mse_sum, lambda r: (rand(r, 6, 3),), 1, 0, "batch_mse_sum",
                              batch_mse),
}


def rng(seed):
    return np.random.default_rng(seed)
