"""Sample calls of numpy's own spellings and numpy/scipy-only names (``namespace_numpy``)."""

from __future__ import annotations

import numpy as np

from .name_case import _c, _rev

CASES = [
    _c("absolute", "away"), _c("fabs", "away"), _c("reciprocal", "away"),
    _c("deg2rad", "vec"), _c("rad2deg", "vec"), _c("radians", "vec"), _c("degrees", "vec"),
    _c("power", "pos", lambda g, x: g(x, _rev(x, 0))),
    _c("true_divide", "pos", lambda g, x: g(x[0], x)),
    _c("mod", "pos", lambda g, x: g(x * 3.0, _rev(_rev(x, 0), 1)), smooth=False),
    _c("fmax", "distinct", lambda g, x: g(x[0], x[1])),
    _c("fmin", "distinct", lambda g, x: g(x[0], x[1])),
    _c("logaddexp2", "mat", lambda g, x: g(x[0], x[1])),
    _c("array", "vec", lambda g, x: g([x[0], x[1] * x[2]])),
    _c("concatenate", "mat", lambda g, x: g([x, x[:1]], axis=None)),
    _c("average", "mat", lambda g, x: g(x, axis=1, weights=np.array([1.0, 2.0, 0.5]))),
    _c("ptp", "distinct", lambda g, x: g(x, axis=1)),
    _c("median", "distinct", lambda g, x: g(x, axis=1)),
    _c("trapezoid", "mat", lambda g, x: g(x, dx=0.5)), _c("trapz", "vec"),
    _c("fliplr", "mat"), _c("flipud", "mat"), _c("rot90", "mat"),
    _c("atleast_3d", "mat"), _c("dstack", "mat", lambda g, x: g([x, x * x])),
    _c("rollaxis", "stack", lambda g, x: g(x, 2)),
    _c("array_split", "vec", lambda g, x: g(x, 3)[0]),
    _c("hsplit", "mat", lambda g, x: g(x, 3)[1]), _c("vsplit", "mat", lambda g, x: g(x, 2)[1]),
    _c("dsplit", "stack", lambda g, x: g(x, [1])[1]),
    _c("nan_to_num", "vec"), _c("trace", "stack", lambda g, x: g(x, axis1=0, axis2=2)),
    _c("outer", "mat", lambda g, x: g(x, x[0])),
    _c("linalg.multi_dot", "sq", lambda g, x: g([x, x, x[0]])), _c("linalg.cond", "sq"),
    _c("special.gamma", "pos"), _c("special.rgamma", "pos"), _c("special.loggamma", "pos"),
    _c("special.betaln", "pos", lambda g, x: g(x, _rev(x, 0))),
    _c("special.beta", "pos", lambda g, x: g(x, _rev(x, 0))),
    _c("special.multigammaln", "gt1", lambda g, x: g(x + 1.0, 2)),
    _c("special.erfcinv", "prob"), _c("special.erfcx", "vec"), _c("special.entr", "pos"),
    _c("special.rel_entr", "pos", lambda g, x: g(x, _rev(x, 0))),
    _c("special.kl_div", "pos", lambda g, x: g(x, _rev(x, 0))),
    _c("special.boxcox", "pos", lambda g, x: g(x, 0.5)),
    _c("special.huber", "away", lambda g, x: g(0.25, x)),
    _c("special.i0e", "away"), _c("special.i1e", "away"), _c("special.exp2", "vec"),
    _c("special.exp10", "vec"), _c("special.expm1", "vec"), _c("special.log1p", "pos"),
    _c("special.j0", "vec"), _c("special.j1", "vec"),
    _c("special.jv", "pos", lambda g, x: g(2.5, x)), _c("special.jn", "vec", lambda g, x: g(3, x)),
    _c("special.y0", "pos"), _c("special.y1", "pos"),
    _c("special.yv", "pos", lambda g, x: g(1.5, x)), _c("special.yn", "pos", lambda g, x: g(2, x)),
]
"""One sample call per added name."""
