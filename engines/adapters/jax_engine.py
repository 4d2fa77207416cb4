"""JAX as an engine under test: ``jax`` (jax.grad, jax.jacrev; second order by jax.grad of
jax.grad, i.e. jax.jacrev(jax.grad)) and ``jax-fwd-over-rev`` (jax.jacfwd(jax.grad); jvp of
grad for Hessian-vector products).

Float64 is switched on only inside each call, with ``jax.enable_x64``: code outside the
adapter keeps whatever default it had (a test checks this).

In a run's workers the compiled programs are shared through jax's persistent compilation
cache, in the run's own folder (the environment variable ``COMPILE_CACHE`` names it): a program
one worker compiled, another loads instead of compiling it again.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import jax.scipy.linalg
import jax.scipy.special as jsp
import numpy as np

from ..errors import UnsupportedOperation
from . import COMPILE_CACHE, AdapterEngine, AdapterNamespace, CallCounter


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
                "sin cos sinh cosh abs sign maximum minimum logaddexp outer").split()

_NUMPY_NAMED = ("arccos arcsin arctan arccosh arcsinh arctanh arctan2 tan floor ceil round "
                "trunc").split()
_SPECIAL = "erf erfc erfinv expit gammaln log_ndtr ndtri".split()


def _symmetric(a):  # the matrix primitives read the symmetric part, as numpy's do
    return (a + jnp.swapaxes(a, -1, -2)) / 2


def _eigh_packed(a):
    """The primitive's layout: eigenvalues (row 0, ascending) above the eigenvectors, each
    vector's largest-magnitude entry positive (the sign is a constant of the derivative)."""
    w, v = jnp.linalg.eigh(a)
    idx = jnp.argmax(jnp.abs(v), axis=-2, keepdims=True)
    s = jax.lax.stop_gradient(jnp.sign(jnp.take_along_axis(v, idx, axis=-2)))
    return jnp.concatenate([w[..., None, :], v * jnp.where(s == 0, 1.0, s)], axis=-2)


PRIMS = {
    **{n: getattr(jnp, n) for n in _ELEMENTWISE + _NUMPY_NAMED},
    **{n: getattr(jsp, n) for n in _SPECIAL},
    "polygamma": lambda x, *, n: jsp.polygamma(n, x),
    "cholesky": lambda a: jnp.linalg.cholesky(_symmetric(a)),
    "eigh_packed": lambda a: _eigh_packed(_symmetric(a)),
    "expm": lambda a: jax.scipy.linalg.expm(a),
    # trace and diag of a matrix act on the last two axes, as the primitives define them
    "trace": lambda x, *, offset=0: jnp.trace(x, offset, axis1=-2, axis2=-1),
    "diag": lambda x, *, k=0: (jnp.diag(x, k) if jnp.ndim(x) == 1
                               else jnp.diagonal(x, k, axis1=-2, axis2=-1)),
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
"""Primitive name -> jax function (jax.numpy is an array-API namespace; the special
functions from jax.scipy.special)."""

XP = AdapterNamespace("jax", PRIMS, constant=_array, is_array=lambda x: isinstance(x, jax.Array),
                      sign_of_det=lambda a: jax.lax.stop_gradient(jnp.linalg.slogdet(a)[0]))
"""The supported names bound to jax arrays."""


def _is_data(leaf) -> bool:
    """Float data travels into a compiled function as an argument; the rest is static."""
    return isinstance(leaf, (float, np.floating)) or (
        isinstance(leaf, np.ndarray) and leaf.dtype.kind == "f")


def _frozen(leaf):
    """A static leaf as a hashable key: an array by value (a network's ``arch``, an index
    array), so that cases sharing it share one compiled program."""
    if isinstance(leaf, np.ndarray):
        return ("ndarray", leaf.dtype.str, leaf.shape, leaf.tobytes())
    return leaf


def _share_compiled_programs() -> None:
    """Use the run's compilation cache, when the process is one of a run's workers.

    A catalogue's case compiles one program per new shape (0.1 to 1.5 s each on a CPU); the
    workers of a run meet the same shapes, and loading a program costs a few milliseconds.
    Every program is written (no minimum compile time or size): the folder lives as long as
    the run. The cache is keyed by the program and the compiler, so values are unchanged.
    """
    path = os.environ.get(COMPILE_CACHE)
    if not path:
        return
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


_share_compiled_programs()

_TRACE_ERRORS = (jax.errors.ConcretizationTypeError, jax.errors.TracerBoolConversionError,
                 jax.errors.TracerIntegerConversionError, jax.errors.TracerArrayConversionError)
CACHE_SIZE = 256


class JaxEngine(AdapterEngine):
    """jax as an engine: ``outer`` "reverse" (grad of grad) or "forward" (jacfwd of grad).

    Each (kind, function, static arguments, shapes) is compiled once with ``jax.jit`` and
    reused, as jax users run it; a function that jit cannot trace (Python control flow on
    values) runs eagerly instead. Passes are counted when the function is traced.
    """

    def __init__(self, name: str, outer: str):
        self.name, self.outer = name, outer
        self.xp = XP
        second = "jacrev" if outer == "reverse" else "jacfwd"
        self.description = f"jax.grad / jax.jacrev; second order by jax.{second}(jax.grad)"
        self._compiled: dict = {}

    def computation(self, kind, order):
        """At first order both engines run the same program (jax.grad, jax.jacrev, jax.jvp,
        jax.vjp; the outer mode is used only past it), so a case computes it once."""
        if order <= 1 and kind in ("jvp", "vjp", "jacobian", "gradient"):
            return ("jax", "first order")
        return ("jax", self.outer)

    def _second(self, g):
        return jax.jacrev(g) if self.outer == "reverse" else jax.jacfwd(g)

    def _body(self, kind):
        """kind -> body(fx, x, d): the library's own recipe."""
        def hvp(fx, x, d):
            if self.outer == "forward":
                return jax.jvp(jax.grad(fx), (x,), (d,))[1]
            return jax.grad(lambda y: jnp.vdot(jax.grad(fx)(y), d))(x)

        def laplacian(fx, x, d):
            return jnp.trace(jnp.reshape(self._second(jax.grad(fx))(x), (x.size, x.size)))
        return {
            "jvp": lambda fx, x, d: jax.jvp(fx, (x,), (d,))[1],
            "vjp": lambda fx, x, d: jax.vjp(fx, x)[1](d)[0],
            "jacobian": lambda fx, x, d: jax.jacrev(fx)(x),
            "gradient": lambda fx, x, d: jax.grad(fx)(x),
            "hessian": lambda fx, x, d: self._second(jax.grad(fx))(x),
            "hvp": hvp, "laplacian": laplacian,
        }[kind]

    def _run(self, kind, f, args, wrt, direction=None):
        """The derivative ``kind`` as numpy, float64 switched on for this call only."""
        rest = list(args[:wrt]) + list(args[wrt + 1:])
        leaves, tree = jax.tree_util.tree_flatten(rest)
        data = [i for i, leaf in enumerate(leaves) if _is_data(leaf)]
        static = tuple((i, leaf) for i, leaf in enumerate(leaves) if i not in set(data))
        counted = CallCounter(f)
        body = self._body(kind)

        def call(x, d, *values):
            full = list(leaves)
            for i, v in zip(data, values):
                full[i] = v
            r = jax.tree_util.tree_unflatten(tree, full)
            return body(lambda x_: counted(XP, *r[:wrt], x_, *r[wrt:]), x, d)

        with jax.enable_x64(True):
            x = jnp.asarray(np.asarray(args[wrt], dtype=np.float64))
            d = None if direction is None else jnp.asarray(np.asarray(direction, np.float64))
            values = [jnp.asarray(np.asarray(leaves[i], dtype=np.float64)) for i in data]
            key = self._key(kind, f, wrt, tree, static, x, d, values)
            out, calls = self._cached(key, call, x, d, values, counted)
            return np.asarray(out, dtype=np.float64), calls

    @staticmethod
    def _key(kind, f, wrt, tree, static, x, d, values):
        key = (kind, f, wrt, tree, tuple((i, _frozen(leaf)) for i, leaf in static), x.shape,
               None if d is None else d.shape, tuple(v.shape for v in values))
        try:
            hash(key)
        except TypeError:  # an unhashable static argument: no cache
            return None
        return key

    def _cached(self, key, call, x, d, values, counted):
        """Run the compiled function for ``key`` (compiling it on first sight), or eagerly.

        Eager differentiation dispatches every primitive of grad-of-grad one by one, each
        compiled for its shapes: on the catalogue (10 cases an identity, new shapes in most)
        it cost 102 CPU s against 38 s for compiling each new key once.
        """
        entry = self._compiled.get(key) if key is not None else None
        if entry is None and key is not None:
            try:
                fn = jax.jit(call)
                out = fn(x, d, *values)
                if len(self._compiled) >= CACHE_SIZE:
                    self._compiled.pop(next(iter(self._compiled)))
                self._compiled[key] = (fn, counted.calls)
                return out, counted.calls
            except (*_TRACE_ERRORS, UnsupportedOperation):
                # a choice made on values (a max's mask, a where's branch) cannot be compiled;
                # eagerly, jax's differentiation keeps the values and the choice is made on them
                self._compiled[key] = ("eager", 0)
                counted.calls = 0
        elif entry is not None and entry[0] != "eager":
            return entry[0](x, d, *values), entry[1]
        return call(x, d, *values), counted.calls

    def jvp(self, f, args, wrt, tangent):
        return self._result(*self._run("jvp", f, args, wrt, tangent))

    def vjp(self, f, args, wrt, cotangent):
        v, n = self._run("vjp", f, args, wrt, cotangent)
        return self._result(v, n, 1)

    def jacobian(self, f, args, wrt=0):
        v, n = self._run("jacobian", f, args, wrt)
        return self._result(v, n, 1)

    def gradient(self, f, args, wrt=0):
        v, n = self._run("gradient", f, args, wrt)
        return self._result(v, n, 1)

    def hessian(self, f, args, wrt=0):
        v, n = self._run("hessian", f, args, wrt)
        return self._result(v, n, 2)

    def hvp(self, f, args, wrt, v):
        value, n = self._run("hvp", f, args, wrt, v)
        return self._result(value, n, 2)

    def laplacian(self, f, args, wrt=0):
        value, n = self._run("laplacian", f, args, wrt)
        return self._result(float(value), n, 2)


def engines() -> list[JaxEngine]:
    """The two jax engines."""
    return [JaxEngine("jax", "reverse"), JaxEngine("jax-fwd-over-rev", "forward")]
