"""Does a finite-difference stencil straddle a kink? Compare the branch pattern around x.

The non-smooth primitives (abs, sign, maximum, minimum, where) choose a branch from their
arguments. Evaluating ``f`` in a namespace that records those choices at x and at points
along each coordinate out to the widest step a difference engine uses tells whether a
stencil may cross a breakpoint, where no finite difference is meaningful.
"""

from __future__ import annotations

import numpy as np

from adcheck.engines.fd.branches import pattern  # the engines' own record of branch choices

__all__ = ["kink_mask", "kink_near", "on_kink", "pattern"]

# A coarse reach: the difference engines now take steps relative to each component (richardson
# from |x_i|/2, grown where f is smooth on a larger scale) and report a kink inside their own
# stencils as inconclusive; half of max(1, |x|) still covers their usual first steps.
REACH = 0.5
FRACTIONS = (1.0, 0.5, 0.25, 0.125, 1.0 / 64)


def kink_near(f, args, wrt: int) -> bool:
    """True if the branch pattern changes within REACH·max(1, |x|) along some coordinate."""
    x = np.asarray(args[wrt], dtype=float)
    base = pattern(f, args)
    if not base:
        return False
    reach = REACH * max(1.0, float(np.max(np.abs(x), initial=0.0)))
    for j in range(x.size):
        for frac in FRACTIONS:
            for sgn in (1.0, -1.0):
                y = x.copy()
                y.flat[j] += sgn * frac * reach
                moved = list(args)
                moved[wrt] = y
                try:
                    if pattern(f, tuple(moved)) != base:
                        return True
                except Exception:  # noqa: BLE001  outside the domain counts as an edge
                    return True
    return False


# Moves of one component x_j, relative to its size (to 2^-10 of the argument's for a component
# near 0), that take a breakpoint lying at x within rounding out of reach: far beyond any
# rounding bound, and still small beside the scale a smooth function varies on.
MOVES = (2.0 ** -24, 2.0 ** -8)
MAX_LOCATED = 64  # components moved one by one; a larger argument's kinks stay case-wide


def on_kink(f, args, wrt: int) -> np.ndarray | None:
    """Which components x_j of the differentiated argument lie on a kink: moved alone a little
    either way, the breakpoints f meets within rounding (``MagTrace.near``) change. The
    partial derivatives along the others are unique at x (``where(x == 0, ...)`` with one 0 in
    x leaves every other partial defined). None when they cannot be told apart."""
    x = np.asarray(args[wrt], dtype=float)
    if x.size > MAX_LOCATED:
        return None
    base = _near(f, args, wrt, x)
    size = float(np.max(np.abs(x), initial=0.0)) or 1.0
    out = np.zeros(x.shape, bool)
    for j in range(x.size):
        unit = max(abs(float(x.flat[j])), size * 2.0 ** -10)
        for step in (s * m * unit for m in MOVES for s in (1.0, -1.0)):
            y = x.copy()
            y.flat[j] += step
            try:
                moved = _near(f, args, wrt, y)
            except Exception:  # noqa: BLE001  an edge of the domain next to x: not smooth here
                moved = None
            if moved != base:
                out.flat[j] = True
                break
    return out


def _near(f, args, wrt, y) -> list:
    from .errmodel import _box_args, ad
    from .magnitude import MagTrace
    trace = MagTrace()
    moved = list(args)
    moved[wrt] = y
    f(ad, *_box_args(trace, moved))
    return trace.near


def kink_mask(rec, ctx, shape) -> np.ndarray | None:
    """The components of a derivative shaped ``shape`` whose value a kink at x may leave
    undefined: those along an input on a kink (``on_kink``); for a Hessian, the rows and
    columns of such inputs. None (every component) where that is not known."""
    if rec.kind not in ("gradient", "vjp", "jacobian", "hessian"):
        return None
    if "inputs" not in ctx.located:
        try:
            ctx.located["inputs"] = on_kink(rec.f, ctx.args, rec.wrt)
        except Exception:  # noqa: BLE001  not located: the kink stays case-wide
            ctx.located["inputs"] = None
    k = ctx.located["inputs"]
    if k is None:
        return None
    shape, n = tuple(shape), k.shape
    if rec.kind == "hessian":
        flat = k.ravel()
        return (flat[:, None] | flat[None, :]).reshape(n + n) if shape == n + n else None
    if rec.kind == "jacobian" and shape[len(shape) - len(n):] == n:
        return np.broadcast_to(k, shape)
    return k if shape == n else None
