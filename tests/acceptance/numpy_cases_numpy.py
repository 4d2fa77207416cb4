"""Cases for numpy's own spellings and numpy/scipy-only names (see ``numpy_cases``)."""

from __future__ import annotations

import numpy as np

from .numpy_cases import add, away, distinct, inside, normal, positive, tall, wellcond

for _name, _draw in {"absolute": away, "fabs": away, "reciprocal": away, "deg2rad": normal,
                     "rad2deg": normal, "radians": normal, "degrees": normal,
                     "cbrt": away}.items():
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
        "exp2": normal, "exp10": normal, "expm1": normal, "log1p": inside, "cbrt": away}.items():
    add(f"special.{_name}", lambda xp, x, n=_name: getattr(xp.special, n)(x), _draw(3, 2))
add("special.gamma[negative]", lambda xp, x: xp.special.gamma(x), np.array([-0.5, -1.5, -2.3]))
for _name in ("beta", "betaln", "rel_entr", "kl_div"):
    add(f"special.{_name}", lambda xp, a, b, n=_name: getattr(xp.special, n)(a, b), _G(4),
        _G(4), wrt=(0, 1))
add("special.multigammaln", lambda xp, a: xp.special.multigammaln(a, 3), positive(3, lo=2, hi=4))
add("special.boxcox", lambda xp, x: xp.special.boxcox(x, 0.5), positive(4))
add("special.boxcox[0]", lambda xp, x: xp.special.boxcox(x, 0.0), positive(4))
add("special.huber", lambda xp, r: xp.special.huber(1.0, r), np.array([-2.0, -0.4, 0.3, 1.7]))
