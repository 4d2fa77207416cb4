"""JAX as an engine under test: ``jax`` (jax.grad, jax.jacrev; second order by jax.grad of
jax.grad, i.e. jax.jacrev(jax.grad)) and ``jax-fwd-over-rev`` (jax.jacfwd(jax.grad); jvp of
grad for Hessian-vector products).

Float64 is switched on only inside each call, with ``jax.enable_x64``: code outside the
adapter keeps whatever default it had (a test checks this).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from . import AdapterEngine, AdapterNamespace, CallCounter


def _array(x):
    if isinstance(x, jax.Array):
        return x
    return jnp.asarray(x if isinstance(x, bool) else np.asarray(x, dtype=np.float64))


def _sum_to(x, *, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and x.shape[i + lead] != 1)
    return (jnp.sum(x, axis=axes, keepdims=True) if axes else x).reshape(shape)


_ELEMENTWISE = ("add subtract multiply divide negative pow matmul exp log log1p expm1 sqrt tanh "
                "sin cos sinh cosh abs sign maximum minimum logaddexp outer trace diag").split()

PRIMS = {
    **{n: getattr(jnp, n) for n in _ELEMENTWISE},
    "erf": jsp.erf,
    "where": lambda x, y, *, cond: jnp.where(cond, x, y),
    "broadcast_to": lambda x, *, shape: jnp.broadcast_to(x, shape),
    "sum_to": _sum_to,
    "scatter_add": lambda x, *, index, shape: jnp.zeros(shape).at[index].add(x),
    "matrix_transpose": lambda x: jnp.swapaxes(x, -1, -2),
    "transpose": lambda x, *, axes=None: jnp.transpose(x, axes),
    "reshape": lambda x, *, shape: jnp.reshape(x, shape),
    "getitem": lambda x, *, index: _array(x)[index],
    "stack": lambda *xs, axis=0: jnp.stack(xs, axis=axis),
    "concat": lambda *xs, axis=0: jnp.concatenate(xs, axis=axis),
    "sum": lambda x, *, axis=None, keepdims=False: jnp.sum(x, axis=axis, keepdims=keepdims),
    "mean": lambda x, *, axis=None, keepdims=False: jnp.mean(x, axis=axis, keepdims=keepdims),
    "inv": jnp.linalg.inv, "det": jnp.linalg.det,
    "logabsdet": lambda a: jnp.linalg.slogdet(a)[1], "solve": jnp.linalg.solve,
}
"""Primitive name -> jax function (jax.numpy is an array-API namespace; erf from scipy)."""

XP = AdapterNamespace("jax", PRIMS, constant=_array, is_array=lambda x: isinstance(x, jax.Array),
                      sign_of_det=lambda a: jax.lax.stop_gradient(jnp.linalg.slogdet(a)[0]))
"""The supported names bound to jax arrays."""


def _jnp(a):
    """Float numpy data -> float64 jax arrays (call inside enable_x64); the rest unchanged."""
    if isinstance(a, np.ndarray) and a.dtype.kind == "f" or isinstance(a, np.floating):
        return jnp.asarray(np.asarray(a, dtype=np.float64))
    return a


class JaxEngine(AdapterEngine):
    """jax as an engine: ``outer`` "reverse" (grad of grad) or "forward" (jacfwd of grad)."""

    def __init__(self, name: str, outer: str):
        self.name, self.outer = name, outer
        self.xp = XP
        second = "jacrev" if outer == "reverse" else "jacfwd"
        self.description = f"jax.grad / jax.jacrev; second order by jax.{second}(jax.grad)"

    def _run(self, f, args, wrt, body):
        """Call ``body(fx, x)`` with float64 on, only for this call; numpy result."""
        counted = CallCounter(f)
        with jax.enable_x64(True):
            jargs = [_jnp(a) for a in args]
            x = jnp.asarray(np.asarray(args[wrt], dtype=np.float64))

            def fx(x_):
                return counted(XP, *jargs[:wrt], x_, *jargs[wrt + 1:])

            value = np.asarray(body(fx, x), dtype=np.float64)
        return value, counted.calls

    def _second(self, g):
        return jax.jacrev(g) if self.outer == "reverse" else jax.jacfwd(g)

    def jvp(self, f, args, wrt, tangent):
        t = np.asarray(tangent, dtype=np.float64)
        v, n = self._run(f, args, wrt, lambda fx, x: jax.jvp(fx, (x,), (jnp.asarray(t),))[1])
        return self._result(v, n)

    def vjp(self, f, args, wrt, cotangent):
        ct = np.asarray(cotangent, dtype=np.float64)
        v, n = self._run(f, args, wrt, lambda fx, x: jax.vjp(fx, x)[1](jnp.asarray(ct))[0])
        return self._result(v, n, 1)

    def jacobian(self, f, args, wrt=0):
        v, n = self._run(f, args, wrt, lambda fx, x: jax.jacrev(fx)(x))
        return self._result(v, n, 1)

    def gradient(self, f, args, wrt=0):
        v, n = self._run(f, args, wrt, lambda fx, x: jax.grad(fx)(x))
        return self._result(v, n, 1)

    def hessian(self, f, args, wrt=0):
        v, n = self._run(f, args, wrt, lambda fx, x: self._second(jax.grad(fx))(x))
        return self._result(v, n, 2)

    def hvp(self, f, args, wrt, v):
        d = np.asarray(v, dtype=np.float64)

        def body(fx, x):
            if self.outer == "forward":
                return jax.jvp(jax.grad(fx), (x,), (jnp.asarray(d),))[1]
            return jax.grad(lambda y: jnp.vdot(jax.grad(fx)(y), jnp.asarray(d)))(x)
        value, n = self._run(f, args, wrt, body)
        return self._result(value, n, 2)

    def laplacian(self, f, args, wrt=0):
        def body(fx, x):
            h = self._second(jax.grad(fx))(x)
            return jnp.trace(jnp.reshape(h, (x.size, x.size)))
        value, n = self._run(f, args, wrt, body)
        return self._result(float(value), n, 2)


def engines() -> list[JaxEngine]:
    """The two jax engines."""
    return [JaxEngine("jax", "reverse"), JaxEngine("jax-fwd-over-rev", "forward")]
