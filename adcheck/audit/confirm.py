"""An independent check of a flagged row: the derivative by mpmath, without adcheck's rules.

For an elementwise operation, ``mpmath.diff`` differentiates the operation's mpmath spelling
(``AuditOp.mp``) at the row's input: mpmath's own functions and numerical differentiation at
60 digits, nothing of adcheck. For an array operation, ``mpmath.diff`` differentiates the
forward values of the namespace spelling evaluated in mpmath (each primitive's mpmath
implementation; no derivative rule is involved) along the row's directions.
"""

from __future__ import annotations

import mpmath
import numpy as np

from adcheck.engines.core import primal
from adcheck.engines.namespace import ad
from adcheck.frameworks.exact_ad import ExactBox, ExactTrace

from . import repro
from .core import namespace_program

DPS = 60


def derivative(op, at: dict):
    """The quantity of the point record ``at`` of ``op``, by mpmath (an mpf): at 60, 150 and
    400 digits until two agree to 20 digits (a difference quotient of tanh at x = 97 needs
    more than 84 digits to see sech² x)."""
    last, failed = None, None
    for dps in (DPS, 150, 400):
        with mpmath.workdps(dps):
            try:  # a step across a domain's edge fails; more digits take a smaller one
                got = _elementwise(op, at) if op.elementwise else _array(op, at)
            except ValueError as e:
                failed = e
                continue
            if last is not None and got != 0 and \
                    abs(got - last) <= abs(got) * mpmath.mpf(10) ** -20:
                return got
            last = got
    if last is None:
        raise failed
    return last


def _elementwise(op, at):
    xs = [f"x{i}" for i in range(op.arity)]
    f = eval(f"lambda {', '.join(xs)}: {op.mp.format(*xs)}", {"mp": mpmath})  # noqa: S307
    counts = repro.order_of(at, op.arity)
    point = [mpmath.mpf(v) for v in at["input"]]
    # a step relative to the point (the default is absolute: nothing at x = 1e105)
    h = max([abs(p) for p in point] + [mpmath.mpf(1)]) * mpmath.mpf(10) ** (-mpmath.mp.dps // 4)
    if op.arity == 1:
        return mpmath.diff(f, point[0], counts[0], h=h)
    return mpmath.diff(f, tuple(point), counts, h=h)


def _array(op, at):
    F = namespace_program(op)
    x = [np.asarray(v, dtype=np.float64)[None] for v in at["input"]]
    d = at["directions"]
    w = np.asarray(d["w"], dtype=np.float64)[None]
    u = [np.asarray(v, dtype=np.float64)[None] for v in d["u"]]
    v = [np.asarray(t, dtype=np.float64)[None] for t in d["v"]]
    mode = at["mode"].split()[0]
    piece, index = at["piece"], at["index"]

    def moved(step_dirs, coeffs, unit=None, t=0):
        out = []
        for k, a in enumerate(x):
            e = np.asarray(a, dtype=object) + sum(c * np.asarray(sd[k], dtype=object)
                                                   for c, sd in zip(coeffs, step_dirs))
            if unit is not None and k == piece:
                e = e.copy()
                e.reshape(-1)[index] += t
            out.append(e)
        return out

    def value(args):
        tr = ExactTrace()
        boxed = [ExactBox(np.vectorize(mpmath.mpf, otypes=[object])(a), tr) for a in args]
        return np.asarray(primal(F(ad, *boxed)), dtype=object)

    def wf(args):
        return np.sum(np.asarray(w, dtype=object) * value(args))

    if mode in ("grad", "vjp"):
        return mpmath.diff(lambda t: wf(moved([], [], unit=True, t=t)), 0)
    if mode == "jvp":
        return mpmath.diff(lambda s: value(moved([v], [s])).reshape(-1)[index], 0)
    dirs = u if mode == "rev-rev" else v
    return mpmath.diff(lambda s, t: wf(moved([dirs], [s], unit=True, t=t)), (0, 0), (1, 1))


def ulps_of(computed: float, exact, dtype: str) -> float:
    from .measure import ulps
    return float(ulps([computed], [exact], dtype)[0])
