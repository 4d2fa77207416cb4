"""Cases for numpy's own spellings and numpy/scipy-only names (see ``numpy_cases``)."""

from __future__ import annotations

import numpy as np

from .numpy_cases import add, away, distinct, inside, normal, positive, tall, wellcond

for _name, _draw in {"absolute": away, "fabs": away, "reciprocal": away, "deg2rad": normal,
                     "rad2deg": normal, "radians": normal, "degrees": normal}.items():
    add(_name, lambda xp, x, n=_name: getattr(xp, n)(x), _draw(3, 2))
for _name, (_da, _db) in {"power": (positive, normal), "true_divide": (normal, away),
                          "logaddexp2": (normal, normal), "fmax": (distinct, distinct),
                          "fmin": (distinct, distinct), "mod": (positive, positive)}.items():
    _a, _b = _da(3, 2), _db(2)
    if _name in ("fmax", "fmin"):  # the row a user compares against: 0.185 from any entry
        _b = _a[0] + 0.185
    if _name == "mod":  # 0.2 or more from the jumps of x mod y, several periods out
        _a, _b = np.array([[0.3, 2.4], [1.7, 0.9], [4.2, 3.1]]), np.array([1.0, 1.3])
    add(_name, lambda xp, a, b, n=_name: getattr(xp, n)(a, b), _a, _b, wrt=(0, 1))
add("concatenate", lambda xp, a, b: xp.concatenate([a, b], axis=1), normal(2, 3), normal(2, 2),
    wrt=(0, 1))
add("concatenate[axis=None]", lambda xp, a, b: xp.concatenate((a, b), axis=None), normal(2, 3),
    normal(2), wrt=(0, 1))
add("dstack", lambda xp, a, b: xp.dstack([a, b]), normal(2, 3), normal(2, 3), wrt=(0, 1))
add("array[traced list]", lambda xp, a: xp.array([[a[0], a[1]], [a[2], a[0] * a[1]]]),
    normal(3))
for _ax, _w in ((None, None), (0, None), (1, np.array([1.0, 2.0, 0.5]))):
    add(f"average[axis={_ax},weights={_w is not None}]",
        lambda xp, x, a=_ax, w=_w: xp.average(x, axis=a, weights=w), normal(2, 3))
add("average[traced weights]", lambda xp, x, w: xp.average(x, weights=w), normal(4),
    positive(4), wrt=(0, 1))
for _ax in (None, 0, -1):
    add(f"median[axis={_ax}]", lambda xp, x, a=_ax: xp.median(x, axis=a), distinct(3, 4))
    add(f"ptp[axis={_ax}]", lambda xp, x, a=_ax: xp.ptp(x, axis=a), distinct(3, 4))
add("median[even,keepdims]", lambda xp, x: xp.median(x, axis=1, keepdims=True), distinct(2, 4))
add("trapezoid", lambda xp, y: xp.trapezoid(y), normal(5))
add("trapezoid[x,axis=0]", lambda xp, y, x: xp.trapezoid(y, x=x, axis=0), normal(4, 2),
    np.cumsum(positive(4)), wrt=(0, 1))
add("trapezoid[dx]", lambda xp, y: xp.trapezoid(y, dx=0.1, axis=-1), normal(2, 5))
_X = normal(2, 3, 4)
for _name, _g in {
    "fliplr": lambda xp, x: xp.fliplr(x), "flipud": lambda xp, x: xp.flipud(x),
    "rot90": lambda xp, x: xp.rot90(x), "rot90[k=3,axes]": lambda xp, x: xp.rot90(x, 3, (1, 2)),
    "rot90[k=2]": lambda xp, x: xp.rot90(x, 2), "atleast_3d": lambda xp, x: xp.atleast_3d(x[0]),
    "rollaxis": lambda xp, x: xp.rollaxis(x, 2), "rollaxis[start]": lambda xp, x: xp.rollaxis(
        x, 0, 3), "array_split": lambda xp, x: xp.array_split(x, 3, axis=2)[0],
    "hsplit": lambda xp, x: xp.hsplit(x, 3)[2], "vsplit": lambda xp, x: xp.vsplit(x, 2)[1],
    "dsplit": lambda xp, x: xp.dsplit(x, [1])[1],
}.items():
    add(_name, _g, _X)
add("linalg.multi_dot", lambda xp, a, b, c: xp.linalg.multi_dot([a, b, c]), normal(2, 3),
    normal(3, 4), normal(4), wrt=(0, 1, 2))
add("linalg.cond", lambda xp, a: xp.linalg.cond(a), tall(3, 3))
add("linalg.cond[p=fro]", lambda xp, a: xp.linalg.cond(a, "fro"), wellcond(3, 3))
_G = lambda *s: positive(*s, lo=0.6, hi=3.0)  # noqa: E731  (gamma's domain, away from poles)
for _name, _draw in {"gamma": _G, "rgamma": _G, "loggamma": _G, "erfcinv": lambda *s: positive(
        *s, lo=0.2, hi=1.8), "erfcx": normal, "entr": positive, "i0e": away, "i1e": away,
        "exp2": normal, "exp10": normal, "expm1": normal, "log1p": inside}.items():
    add(f"special.{_name}", lambda xp, x, n=_name: getattr(xp.special, n)(x), _draw(3, 2))
add("special.gamma[negative]", lambda xp, x: xp.special.gamma(x), np.array([-0.5, -1.5, -2.3]))
for _name in ("beta", "betaln", "rel_entr", "kl_div"):
    add(f"special.{_name}", lambda xp, a, b, n=_name: getattr(xp.special, n)(a, b), _G(4),
        _G(4), wrt=(0, 1))
add("special.multigammaln", lambda xp, a: xp.special.multigammaln(a, 3), positive(3, lo=2, hi=4))
add("special.boxcox", lambda xp, x: xp.special.boxcox(x, 0.5), positive(4))
add("special.boxcox[0]", lambda xp, x: xp.special.boxcox(x, 0.0), positive(4))
add("special.huber", lambda xp, r: xp.special.huber(1.0, r), np.array([-2.0, -0.4, 0.3, 1.7]))

# ---------------------------------------------------------------- numpy's signatures
_Y = normal(2, 3, 4)
_V = away(4)
_SIGNATURES = {
    "trace[axis1=1,axis2=2]": (lambda xp, x: xp.trace(x, axis1=1, axis2=2), _Y),
    "trace[offset,axis1=0,axis2=2]": (lambda xp, x: xp.trace(x, 1, 0, 2), _Y),
    "sum[dtype]": (lambda xp, x: xp.sum(x, axis=1, dtype=float), _Y),
    "mean[positional axis]": (lambda xp, x: xp.mean(x, 0), _Y),
    "max[initial]": (lambda xp, x: xp.max(x, axis=0, initial=-0.05), distinct(2, 3)),
    "amin[axis=1]": (lambda xp, x: xp.amin(x, axis=1), distinct(2, 3, 4)),
    "sort[axis=None]": (lambda xp, x: xp.sort(x, axis=None), distinct(2, 3)),
    "take[flat]": (lambda xp, x: xp.take(x, [1, 5, 5]), _Y),
    "expand_dims[tuple]": (lambda xp, x: xp.expand_dims(x, (0, 2)), _V),
    "reshape[int]": (lambda xp, x: xp.reshape(x, 24), _Y),
    "nan_to_num": (lambda xp, x: xp.nan_to_num(x), _V),
    "roll[tuple]": (lambda xp, x: xp.roll(x, (1, 2), axis=(0, 2)), _Y),
    "flip[tuple]": (lambda xp, x: xp.flip(x, axis=(0, 2)), _Y),
    "pad[edge]": (lambda xp, x: xp.pad(x, 2, mode="edge"), _V),
    "pad[reflect]": (lambda xp, x: xp.pad(x, (1, 2), mode="reflect"), _V),
    "repeat[list]": (lambda xp, x: xp.repeat(x, [1, 2, 0, 3]), _V),
    "tile[int]": (lambda xp, x: xp.tile(x, 2), _V),
    "var[tuple,ddof]": (lambda xp, x: xp.var(x, axis=(0, 1), ddof=1), _Y),
    "cumsum[positional]": (lambda xp, x: xp.cumsum(x, 1), _Y),
    "prod[tuple]": (lambda xp, x: xp.prod(x, axis=(0, 1)), away(2, 3, 2)),
    "tensordot[axes=0]": (lambda xp, x: xp.tensordot(x, x, axes=0), _V),
    "outer[2-d]": (lambda xp, x: xp.outer(x, x[0]), normal(2, 3)),
    "kron[1-d]": (lambda xp, x: xp.kron(x, x[:2]), _V),
    "linalg.norm[axis=(1,2)]": (lambda xp, x: xp.linalg.norm(x, axis=(1, 2)), _Y),
    "linalg.norm[ord=1,axis=2]": (lambda xp, x: xp.linalg.norm(x, ord=1, axis=2), away(2, 3, 4)),
    "linalg.norm[keepdims]": (lambda xp, x: xp.linalg.norm(x, axis=-1, keepdims=True), _Y),
    "special.logsumexp[axis=(0,2)]": (lambda xp, x: xp.special.logsumexp(x, axis=(0, 2)), _Y),
    "special.logsumexp[return_sign]": (lambda xp, x: xp.special.logsumexp(
        x, return_sign=True)[0], _V),
    "special.softmax[axis=(1,2)]": (lambda xp, x: xp.special.softmax(x, axis=(1, 2)), _Y),
    "diag[1-d,k=1]": (lambda xp, x: xp.diag(x, k=1), _V),
    "tril[3-d]": (lambda xp, x: xp.tril(x, -1), _Y),
    "split[sections list]": (lambda xp, x: xp.split(x, [1, 3])[2], _V),
    "concat[axis=None]": (lambda xp, x: xp.concat([x, x], axis=None), _Y),
    "cross[2-d]": (lambda xp, x: xp.cross(x[0, :, :3], x[1, :, :3]), _Y),
    "diff[prepend]": (lambda xp, x: xp.diff(x, prepend=0.0), _V),
    "moveaxis[tuple]": (lambda xp, x: xp.moveaxis(x, (0, 1), (2, 0)), _Y),
    "median[axis=(0,2)]": (lambda xp, x: xp.median(x, axis=(0, 2)), distinct(2, 3, 4)),
    "einsum[optimize]": (lambda xp, x: xp.einsum("ij,jk->ik", x, x, optimize=True),
                         normal(3, 3)),
    "linalg.svd[compute_uv=False]": (lambda xp, x: xp.linalg.svd(x, compute_uv=False),
                                     tall(3, 3)),
    "linalg.qr[mode=r]": (lambda xp, x: xp.linalg.qr(x, mode="r"), tall(4, 3)),
    "linalg.pinv[rcond]": (lambda xp, x: xp.linalg.pinv(x, rcond=1e-15), tall(4, 3)),
    "special.polygamma[array n]": (lambda xp, x: xp.special.polygamma(np.array([0, 1, 2, 1]), x),
                                   positive(4)),
}
for _name, (_g, _x) in _SIGNATURES.items():
    add(_name, _g, _x)
add("linalg.eigh[UPLO=U]", lambda xp, a: xp.linalg.eigh(a, UPLO="U")[0]
    + xp.linalg.eigvalsh(a, UPLO="U"), wellcond(3, 3))  # only the upper triangle is read
for _name, _draw in {"j0": normal, "j1": normal, "y0": positive, "y1": positive}.items():
    add(f"special.{_name}", lambda xp, x, n=_name: getattr(xp.special, n)(x), _draw(3, 2))
    add(f"special.{_name}[hessian]", lambda xp, x, n=_name: getattr(xp.special, n)(x),
        _draw(3), kind="hessian")
add("special.jv[v=2.5]", lambda xp, x: xp.special.jv(2.5, x), positive(4))
add("special.jn[n=3]", lambda xp, x: xp.special.jn(3, x), normal(4))
add("special.yn[n=2]", lambda xp, x: xp.special.yn(2, x), positive(4))
