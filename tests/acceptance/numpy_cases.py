"""The (function, signature) cases of the acceptance module, written as a user writes them.

Each case is a scalar function ``f(xp, *args)`` built from one numpy/scipy name: the name's
output is contracted with a fixed random weight of the output's shape (``sum(g(x) * w)``), so
every entry of the output's derivative counts. Inputs are drawn inside the name's domain
(positive for log, SPD for cholesky, a spread spectrum for eigh, ...), away from kinks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adcheck.engines.namespace import numpy_ns

RNG = np.random.default_rng(20261201)


@dataclass
class Case:
    """One (function, signature) case: check ``kind`` of ``f`` with respect to ``args[wrt]``."""

    id: str
    f: object
    args: tuple
    kind: str = "gradient"
    wrt: int = 0
    exact: bool = True  # also judge the 50-digit oracle
    order: int | None = None  # kind="derivative": the order k


def normal(*shape):
    return RNG.standard_normal(shape)


def positive(*shape, lo=0.5, hi=2.0):
    return RNG.uniform(lo, hi, shape)


def inside(*shape, r=0.8):
    return RNG.uniform(-r, r, shape)


def away(*shape):
    """Entries of size 0.3..1.5 with random signs: away from the kinks at 0."""
    return RNG.uniform(0.3, 1.5, shape) * RNG.choice([-1.0, 1.0], shape)


def distinct(*shape):
    """A random permutation of well-separated values: no ties for max, sort, median."""
    n = int(np.prod(shape))
    return (RNG.permutation(n) * 0.37 + RNG.uniform(0, 0.1, n) - n * 0.18).reshape(shape)


def wellcond(*shape):
    """Square matrices (stacked over leading axes) with a dominant diagonal."""
    n = shape[-1]
    return RNG.standard_normal(shape) + 2.0 * n * np.eye(n) * 0.5


def spd(*shape):
    n = shape[-1]
    a = RNG.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def spread_sym(*shape):
    """Symmetric matrices with eigenvalues at least 0.7 apart (eigh's derivative exists)."""
    n = shape[-1]
    q, _ = np.linalg.qr(RNG.standard_normal(shape))
    lam = np.arange(n) * 1.1 - n / 2 + RNG.uniform(-0.2, 0.2, shape[:-1])
    return (q * lam[..., None, :]) @ np.swapaxes(q, -1, -2)


def tall(*shape):
    """Full-column-rank matrices with spread singular values."""
    m, n = shape[-2:]
    u, _ = np.linalg.qr(RNG.standard_normal(shape[:-2] + (m, n)))
    v, _ = np.linalg.qr(RNG.standard_normal(shape[:-2] + (n, n)))
    s = 1.0 + 0.9 * np.arange(n)[::-1]
    return (u * s) @ np.swapaxes(v, -1, -2)


def weight_for(g, args):
    """A fixed random weight shaped like ``g``'s numpy output (a float for a 0-d output)."""
    out = g(numpy_ns, *args)
    shape = np.shape(out)
    return float(RNG.uniform(0.5, 1.5)) if shape == () else RNG.standard_normal(shape)


def scalar(g, args):
    """``sum(g(xp, *args) * w)``: a scalar function seeing every output entry of ``g``.

    When plain numpy evaluation of ``g`` itself raises, the case is kept and its function
    raises the same error, so the failure shows up as that case's, not at collection.
    """
    try:
        w = weight_for(g, args)
    except Exception as exc:  # noqa: BLE001
        error = exc

        def broken(xp, *a):
            raise error
        return broken
    return lambda xp, *a: xp.sum(g(xp, *a) * w)


CASES: list[Case] = []


def add_raw(cid, f, *args, kind="jacobian", wrt=0):
    """Register ``f`` itself (array-valued, or a tuple of arrays) for ``kind``."""
    CASES.append(Case(cid, f, args, kind, wrt))


def add(cid, g, *args, kind="gradient", wrt=(0,), exact=True, order=None):
    """Register ``g`` (array-valued) on ``args`` for each differentiated argument in ``wrt``."""
    f = scalar(g, args)
    for i in wrt:
        suffix = f"/wrt{i}" if len(wrt) > 1 else ""
        CASES.append(Case(cid + suffix, f, args, kind, i, exact, order))


# ---------------------------------------------------------------- elementwise, one argument
_UNARY = {
    "sin": normal, "cos": normal, "tan": inside, "arcsin": inside, "arccos": inside,
    "arctan": normal, "sinh": normal, "cosh": normal, "tanh": normal, "arcsinh": normal,
    "arccosh": lambda *s: positive(*s, lo=1.2, hi=3.0), "arctanh": inside, "exp": normal,
    "expm1": normal, "exp2": normal, "log": positive, "log1p": inside, "log2": positive,
    "log10": positive, "sqrt": positive, "square": normal, "abs": away, "negative": normal,
    "positive": normal, "sinc": away, "asin": inside, "acos": inside, "atan": normal,
    "asinh": normal, "atanh": inside,
}
for _name, _draw in _UNARY.items():
    add(_name, lambda xp, x, n=_name: getattr(xp, n)(x), _draw(3, 4))
    add(_name + "[0-d]", lambda xp, x, n=_name: getattr(xp, n)(x), np.asarray(_draw(1)[0]))
for _name, _draw in _UNARY.items():
    add(_name + "[hessian]", lambda xp, x, n=_name: getattr(xp, n)(x), _draw(3), kind="hessian")
for _name in ("sin", "exp", "log", "tanh", "sqrt", "arctan", "log1p", "arcsinh"):
    add(_name + "[order 3]", lambda xp, x, n=_name: getattr(xp, n)(x),
        np.asarray(_UNARY[_name](1)[0]), kind="derivative", order=3)

# ---------------------------------------------------------------- elementwise, two arguments
_BINARY = {
    "add": (normal, normal), "subtract": (normal, normal), "multiply": (normal, normal),
    "divide": (normal, away), "pow": (positive, normal), "maximum": (distinct, distinct),
    "minimum": (distinct, distinct), "arctan2": (normal, away), "atan2": (normal, away),
    "hypot": (away, away), "logaddexp": (normal, normal),
}
_SHAPES = {"same": ((3, 4), (3, 4)), "row": ((3, 4), (4,)), "outer": ((3, 1), (1, 4)),
           "scalar": ((), (3,))}
for _name, (_da, _db) in _BINARY.items():
    for _tag, (_sa, _sb) in _SHAPES.items():
        _a, _b = _da(*_sa), _db(*_sb)
        if _name in ("maximum", "minimum"):  # one pool of spread values: no pair near a tie
            _pool = distinct(_a.size + _b.size).ravel()
            _a, _b = _pool[:_a.size].reshape(_sa), _pool[_a.size:].reshape(_sb)
        add(f"{_name}[{_tag}]", lambda xp, a, b, n=_name: getattr(xp, n)(a, b),
            np.asarray(_a), np.asarray(_b), wrt=(0, 1))
add("operators[+-*/**]", lambda xp, a, b: (a + b) * a / (1.0 + b * b) - a ** 2 + 2.0 ** a
    + b ** 3 - (-a), normal(3, 4), normal(4), wrt=(0, 1))
add("operator@[vec]", lambda xp, a, b: a @ b, normal(3, 4), normal(4), wrt=(0, 1))
add("where", lambda xp, a, b: xp.where(a > 0, a * b, xp.sin(b)), away(3, 4), normal(3, 4),
    wrt=(0, 1))
add("where[broadcast]", lambda xp, a, b: xp.where(a > 0, a, b), away(3, 4), normal(4),
    wrt=(0, 1))
for _name, (_da, _db) in _BINARY.items():
    if _name not in ("maximum", "minimum"):
        add(f"{_name}[hessian]", lambda xp, a, b, n=_name: getattr(xp, n)(a, b), _da(3),
            _db(3), kind="hessian", wrt=(0, 1))
add("clip", lambda xp, x: xp.clip(x, -0.5, 0.7), np.array([-1.1, -0.2, 0.3, 0.9, 1.4]))
add("clip[min only]", lambda xp, x: xp.clip(x, min=0.1), np.array([-1.1, 0.3, 0.9]))
add("square*x[hessian]", lambda xp, x: xp.square(x) * x, normal(3), kind="hessian")
add("copysign", lambda xp, x, y: xp.copysign(x, y), away(5), away(5))
add("special.xlogy", lambda xp, x, y: xp.special.xlogy(x, y), normal(5), positive(5),
    wrt=(0, 1))
add("special.xlog1py", lambda xp, x, y: xp.special.xlog1py(x, y), normal(5), inside(5),
    wrt=(0, 1))

# ---------------------------------------------------------------- reductions
_AXES = {"None": None, "0": 0, "-1": -1, "(0,2)": (0, 2)}
for _name, _draw in {"sum": normal, "mean": normal, "prod": away, "max": distinct,
                     "min": distinct, "amax": distinct, "var": normal, "std": normal}.items():
    for _tag, _ax in _AXES.items():
        for _kd in (False, True):
            add(f"{_name}[axis={_tag},keepdims={_kd}]",
                lambda xp, x, n=_name, a=_ax, k=_kd: getattr(xp, n)(x, axis=a, keepdims=k),
                _draw(2, 3, 4))
add("var[ddof=1]", lambda xp, x: xp.var(x, axis=0, ddof=1), normal(4, 3))
add("std[correction=1]", lambda xp, x: xp.std(x, correction=1), normal(5))
add("prod[hessian]", lambda xp, x: xp.prod(x), away(4), kind="hessian")
add("var[hessian]", lambda xp, x: xp.var(x, ddof=1), normal(4), kind="hessian")
add("std[hessian]", lambda xp, x: xp.std(x), normal(4), kind="hessian")
add("max[hessian]", lambda xp, x: xp.max(x ** 2), distinct(4), kind="hessian")
add("softmax[hessian]", lambda xp, x: xp.special.softmax(x), normal(4), kind="hessian")
add("vector_norm[hessian]", lambda xp, x: xp.linalg.vector_norm(x), normal(4), kind="hessian")
add("vector_norm[ord=3,hessian]", lambda xp, x: xp.linalg.vector_norm(x, ord=3), away(4),
    kind="hessian")
add("cumprod[hessian]", lambda xp, x: xp.cumprod(x), away(4), kind="hessian")
add("logsumexp[order 3]", lambda xp, x: xp.special.logsumexp(x), normal(3), kind="derivative",
    order=3)
add("prod[order 4]", lambda xp, x: xp.prod(x), away(3), kind="derivative", order=4)
add("logsumexp[hessian]", lambda xp, x: xp.special.logsumexp(x), normal(4), kind="hessian")
for _name in ("cumsum", "cumprod"):
    for _ax in (None, 0, 1, -1):
        add(f"{_name}[axis={_ax}]", lambda xp, x, n=_name, a=_ax: getattr(xp, n)(x, axis=a),
            away(3, 4))
add("cumulative_sum", lambda xp, x: xp.cumulative_sum(x, axis=0, include_initial=True),
    normal(3, 2))
add("diff", lambda xp, x: xp.diff(x), normal(5))
add("diff[n=2,axis=0]", lambda xp, x: xp.diff(x, n=2, axis=0), normal(4, 3))
for _ax in (None, 0, -1):
    for _kd in (False, True):
        add(f"special.logsumexp[axis={_ax},keepdims={_kd}]",
            lambda xp, x, a=_ax, k=_kd: xp.special.logsumexp(x, axis=a, keepdims=k),
            normal(3, 4))
add("special.logsumexp[b]", lambda xp, x: xp.special.logsumexp(x, b=np.array([1., 2., .5])),
    normal(3))
for _name in ("softmax", "log_softmax"):
    for _ax in (None, 0, -1):
        add(f"special.{_name}[axis={_ax}]",
            lambda xp, x, n=_name, a=_ax: getattr(xp.special, n)(x, axis=a), normal(3, 4))
add("linalg.vector_norm", lambda xp, x: xp.linalg.vector_norm(x), normal(5))
for _ord in (1, 2, 3, np.inf, -np.inf, 0.5):
    add(f"linalg.vector_norm[ord={_ord},axis=-1]",
        lambda xp, x, o=_ord: xp.linalg.vector_norm(x, ord=o, axis=-1), distinct(3, 4))
add("linalg.vector_norm[axis=(0,1),keepdims]",
    lambda xp, x: xp.linalg.vector_norm(x, axis=(0, 1), keepdims=True), normal(2, 3, 2))
for _ord in (None, "fro", "nuc", 1, 2, -2, np.inf):
    add(f"linalg.norm[matrix,ord={_ord}]", lambda xp, x, o=_ord: xp.linalg.norm(x, ord=o),
        tall(4, 3) + 0.1 * normal(4, 3))
add("linalg.norm[axis=1]", lambda xp, x: xp.linalg.norm(x, axis=1), normal(3, 4))
add("linalg.norm[vector,ord=1]", lambda xp, x: xp.linalg.norm(x, ord=1), away(4))
add("linalg.matrix_norm[stacked,keepdims]",
    lambda xp, x: xp.linalg.matrix_norm(x, keepdims=True), normal(2, 3, 3))
