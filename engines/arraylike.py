"""What makes a traced value behave like a numpy array, or refuse clearly.

Every operator and public method of ``numpy.ndarray`` has one of three fates on a traced value:
it is computed with the primitives (so it is differentiated like any other step), it reads the
primal values only (comparisons, ``argmax``, ``astype(int)``: results with no derivative, as on
plain arrays), or it raises ``TracedValueError`` naming the operation and what to write instead
(mutation, and conversions that would silently drop the derivative). The composite methods
(reductions, shape moves) live in ``arraymethods``.
"""

from __future__ import annotations

import numpy as np

from .arraymethods import HOOKS, ArrayMethods
from .errors import TracedAttributeError, TracedValueError, refuse  # noqa: F401

_MUTATE = "arrays being differentiated are immutable; build a new array with xp.where, " \
          "xp.stack or xp.concat (e.g. x = xp.where(mask, v, x))"
_DROP = "it would drop the derivative; keep the value an array (x[()] or x[0]) and use xp " \
        "functions on it"
_INPLACE = "write the out-of-place form, x = x {sym} y (in-place updates would mutate a " \
           "value being differentiated)"
_LAYOUT = "a traced value has no memory layout of its own; use the xp functions on it"


def _primal(x):
    return HOOKS.primal(x)


def _bounded(x):
    """The innermost box of ``x`` that carries a rounding-error bound (``err``), or None."""
    while isinstance(x, ArrayLike):  # a traced value (every box is array-like)
        if hasattr(x, "err") and hasattr(x.tracer, "kink"):
            return x
        x = x.value
    return None


def note_boundary(a, b, what: str) -> None:
    """Tell an error-bound interpreter carrying either operand that a comparison is decided
    within rounding: the point lies on a branch boundary, where the two branches' derivatives
    need not agree (``where(x == 0, 0*x, x)`` is x everywhere, its AD derivative at 0 is 0)."""
    boxes = [_bounded(a), _bounded(b)]
    tracer = next((bx.tracer for bx in boxes if bx is not None), None)
    if tracer is None:
        return
    err = sum(np.asarray(bx.err) if bx is not None else 0.0 for bx in boxes)
    with np.errstate(invalid="ignore"):
        dist = np.asarray(_primal(a), dtype=float) - np.asarray(_primal(b), dtype=float)
    tracer.kink(what, dist, err)


def note_ties(x, axis: int, what: str) -> None:
    """Tell an error-bound interpreter carrying ``x`` (values sorted along ``axis``) when two
    neighbours are equal within rounding: their order, and so the derivative, is not defined."""
    box = _bounded(x)
    if box is None:
        return
    v = np.moveaxis(np.asarray(_primal(x), dtype=float), axis, -1)
    err = np.moveaxis(np.broadcast_to(np.asarray(box.err, dtype=float), v.shape), axis, -1)
    box.tracer.kink(what, np.diff(v, axis=-1), err[..., 1:] + err[..., :-1])


def _compare(op):
    """A comparison: the boolean array of the primal values (no derivative)."""
    def method(self, other):
        note_boundary(self, other, f"comparison ({op.__name__})")
        return op(_primal(self), _primal(other))

    method.__name__ = op.__name__
    return method


def _on_primal(name):
    """A method whose result carries no derivative: the ndarray method on the primal values."""
    def method(self, *args, **kwargs):
        return getattr(np.asarray(_primal(self)), name)(*args, **kwargs)

    method.__name__ = name
    return method


def _binary_on_primal(name):
    """An operator with no derivative (bitwise ops): numpy's own result or its own error."""
    def method(self, other):
        return getattr(np.asarray(_primal(self)), name)(_primal(other))

    method.__name__ = name
    return method


def _mod(x, y):
    """x mod y with numpy's value and the derivative of x - y·floor(x/y).

    The differentiable part is built from zero-valued terms, (x - x̄) - (y - ȳ)·q, so that
    adding numpy's own remainder leaves its value exact.
    """
    px, py = _primal(x), _primal(y)
    return (x - px) - (y - py) * (px // py) + np.mod(px, py)


def _inplace(sym):
    def method(self, other):
        refuse(f"the in-place operator {sym}=", _INPLACE.format(sym=sym))

    return method


def _refusing(op, instead):
    def method(self, *args, **kwargs):
        refuse(op, instead)

    return method


def _refused_attribute(name, instead):
    def get(self):
        refuse(f"the attribute .{name}", instead, TracedAttributeError)

    return property(get)


# numpy ufuncs a traced value answers (numpy(arr, box) calls it): the table's primitive, or a
# result on the primal values for ufuncs without a derivative.
_UFUNC_PRIMITIVE = {
    "add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide",
    "true_divide": "divide", "negative": "negative", "power": "pow", "matmul": "matmul",
    "exp": "exp", "log": "log", "log1p": "log1p", "expm1": "expm1", "sqrt": "sqrt",
    "tanh": "tanh", "sin": "sin", "cos": "cos", "sinh": "sinh", "cosh": "cosh",
    "absolute": "abs", "sign": "sign", "maximum": "maximum", "minimum": "minimum",
    "logaddexp": "logaddexp",
}
_UFUNC_NO_DERIVATIVE = frozenset(
    "equal not_equal less less_equal greater greater_equal isfinite isnan isinf signbit "
    "floor ceil rint trunc logical_and logical_or logical_not logical_xor".split()
)


class ArrayLike(ArrayMethods):
    """Operators and methods of ``numpy.ndarray`` for traced values (``Box`` inherits them)."""

    __slots__ = ()

    # ------------------------------------------------------------ comparisons: primal booleans
    __eq__ = _compare(np.equal)
    __ne__ = _compare(np.not_equal)
    __lt__ = _compare(np.less)
    __le__ = _compare(np.less_equal)
    __gt__ = _compare(np.greater)
    __ge__ = _compare(np.greater_equal)
    __hash__ = object.__hash__  # identity, as before comparisons became elementwise

    def __contains__(self, item):
        return item in _primal(self)

    def __bool__(self):
        p = np.asarray(_primal(self))
        if p.size != 1:
            raise ValueError(
                f"the truth value of a traced array with {p.size} elements is ambiguous: use "
                f"(cond).any() or (cond).all(), or xp.where(cond, a, b) for an elementwise choice"
            )
        return bool(p)

    # ------------------------------------------------------------ operators without a derivative
    __and__, __rand__ = _binary_on_primal("__and__"), _binary_on_primal("__rand__")
    __or__, __ror__ = _binary_on_primal("__or__"), _binary_on_primal("__ror__")
    __xor__, __rxor__ = _binary_on_primal("__xor__"), _binary_on_primal("__rxor__")
    __lshift__, __rlshift__ = _binary_on_primal("__lshift__"), _binary_on_primal("__rlshift__")
    __rshift__, __rrshift__ = _binary_on_primal("__rshift__"), _binary_on_primal("__rrshift__")
    __invert__ = _on_primal("__invert__")

    def __floordiv__(self, other):  # piecewise constant: no derivative
        return _primal(self) // _primal(other)

    def __rfloordiv__(self, other):
        return _primal(other) // _primal(self)

    def __mod__(self, other):
        return _mod(self, other)

    def __rmod__(self, other):
        return _mod(other, self)

    def __divmod__(self, other):
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    # ------------------------------------------------------- refused: mutation, lost derivative
    __setitem__ = _refusing("item assignment x[i] = v", _MUTATE)
    __delitem__ = _refusing("item deletion del x[i]", _MUTATE)
    __iadd__, __isub__ = _inplace("+"), _inplace("-")
    __imul__, __itruediv__ = _inplace("*"), _inplace("/")
    __imatmul__, __ipow__ = _inplace("@"), _inplace("**")
    __ifloordiv__, __imod__ = _inplace("//"), _inplace("%")
    __iand__, __ior__, __ixor__ = _inplace("&"), _inplace("|"), _inplace("^")
    __ilshift__, __irshift__ = _inplace("<<"), _inplace(">>")
    __float__ = _refusing("float(x)", _DROP)
    __int__ = _refusing("int(x)", _DROP)
    __complex__ = _refusing("complex(x)", _DROP)
    __index__ = _refusing("using a traced value as an index (operator.index)",
                          "index with integers or integer arrays that are not differentiated")
    item = _refusing("x.item()", _DROP)
    tolist = _refusing("x.tolist()", _DROP)
    __array__ = _refusing(
        "converting to a numpy array (np.asarray(x))",
        "it would drop the derivative; use the xp namespace's functions instead of numpy's")
    for _name in ("sort", "partition", "fill", "put", "resize", "setfield", "setflags",
                  "byteswap"):
        locals()[_name] = _refusing(f"the in-place method x.{_name}()", _MUTATE)
    for _name in ("tobytes", "tofile", "dump", "dumps", "view", "getfield", "choose",
                  "__dlpack__", "__dlpack_device__"):
        locals()[_name] = _refusing(f"x.{_name}()", _LAYOUT)
    # numpy's buffer hooks (__array_interface__, __array_struct__, __array_function__, ...)
    # stay undefined: numpy then asks __array__, which refuses with the way out.
    for _name in ("base", "ctypes", "data", "flags", "strides", "flat"):
        locals()[_name] = _refused_attribute(_name, _LAYOUT)
    del _name

    # ------------------------------------------------------------ results with no derivative
    for _name in ("all", "any", "argmax", "argmin", "argsort", "argpartition", "nonzero",
                  "searchsorted", "round"):
        locals()[_name] = _on_primal(_name)
    del _name

    # ------------------------------------------------------------ numpy interoperation
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """``numpy.sin(x)``, ``array + x``: the primitive when the table has one."""
        if method != "__call__" or kwargs:
            refuse(f"numpy.{ufunc.__name__}.{method} with {sorted(kwargs) or 'no'} keywords",
                   "call the ufunc plainly, or use the xp namespace's function")
        if ufunc.__name__ in _UFUNC_PRIMITIVE:
            return getattr(HOOKS.ops, _UFUNC_PRIMITIVE[ufunc.__name__])(*inputs)
        if ufunc.__name__ == "square":
            return HOOKS.ops.multiply(inputs[0], inputs[0])
        if ufunc.__name__ == "positive":
            return inputs[0]
        if ufunc.__name__ in _UFUNC_NO_DERIVATIVE:
            return ufunc(*(_primal(i) for i in inputs))
        refuse(f"numpy.{ufunc.__name__}",
               "no primitive implements it; write it with the xp namespace's functions")

    def __array_namespace__(self, api_version=None):
        return HOOKS.namespace

    def __copy__(self):
        return self  # traced values are never mutated, so a copy is the value itself

    def __deepcopy__(self, memo):
        return self

    def __format__(self, spec):
        return format(_primal(self), spec)

    device = property(lambda self: "cpu")
    itemsize = property(lambda self: np.dtype(self.dtype).itemsize)
    nbytes = property(lambda self: self.size * np.dtype(self.dtype).itemsize)

    def to_device(self, device, /, *, stream=None):
        if device != "cpu":
            refuse(f"x.to_device({device!r})", "adcheck differentiates on the CPU only")
        return self
