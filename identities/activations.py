"""Activation functions: each written once in the namespace, with its smoothness derived.

Every activation has three namespace functions (value, first and second derivative, the last
two used by the hand-written recursions of ``networks``) and a sympy expression. Its smoothness
class C^k is derived from the sympy expression: at each breakpoint of a piecewise definition,
the one-sided limits of the derivatives are compared order by order. The result is checked
against Appendix B's table (``APPENDIX_B_CLASSES``), and ``flag_regularity`` refuses a k-th order
residual over an activation below C^k before anything is computed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

SMOOTH = math.inf  # the class C^infinity
MAX_ORDER = 4  # derivatives compared at breakpoints; classes at or above it count as C^MAX_ORDER
ALPHA = 1.0  # ELU / CELU parameter (ELU is C^1 only for alpha = 1)
LEAK = 0.01
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946



@cache
def _symbol():
    """The activation's variable x (real); sympy is imported on the first symbolic question,
    so drawing and evaluating networks (a worker's whole job) never imports it."""
    import sympy as sp
    return sp.Symbol("x", real=True)


@dataclass(frozen=True)
class Activation:
    """One activation: namespace value/derivatives, sympy expression, analyticity."""

    name: str
    g: Callable  # g(xp, z)
    d1: Callable  # g'(xp, z), the a.e. derivative for piecewise ones
    d2: Callable  # g''(xp, z)
    form: Callable  # form(sp, x): g's sympy expression, built when ``expr`` is first read
    analytic: bool = True

    @property
    def expr(self):
        """g as a sympy expression of ``x`` (real)."""
        return _expr(self.name)


@cache
def _expr(name: str):
    import sympy as sp
    return ACTIVATIONS[name].form(sp, _symbol())


def _pos(z):
    return z > 0


def _sig(xp, z):
    return 1.0 / (1.0 + xp.exp(-z))


def _neg_part(xp, z):
    """min(z, 0): keeps exp() of the unused branch of a where() from overflowing."""
    return xp.minimum(z, xp.zeros_like(z))


def _phi(xp, z):
    """The standard normal density."""
    return xp.exp(-0.5 * z * z) / xp.sqrt(2.0 * xp.pi * xp.ones_like(z))


def _Phi(xp, z):
    """The standard normal distribution function, via erf."""
    return 0.5 * (1.0 + xp.erf(z / xp.sqrt(2.0 * xp.ones_like(z))))


def _exp_branch(scale, alpha, rate):
    """ELU-like: scale*z for z>0, scale*alpha*(exp(rate*z)-1) otherwise (CELU: rate=1/alpha)."""
    def g(xp, z):
        return scale * xp.where(_pos(z), z, alpha * xp.expm1(rate * _neg_part(xp, z)))

    def d1(xp, z):
        return scale * xp.where(_pos(z), xp.ones_like(z),
                                alpha * rate * xp.exp(rate * _neg_part(xp, z)))

    def d2(xp, z):
        return scale * xp.where(_pos(z), xp.zeros_like(z),
                                alpha * rate * rate * xp.exp(rate * _neg_part(xp, z)))
    return g, d1, d2


def _pw(sp, x, pos, neg):
    return sp.Piecewise((pos, x > 0), (neg, True))


def _sigmoid_form(sp, x):
    return 1 / (1 + sp.exp(-x))


def _table() -> dict[str, Activation]:
    def a(sp):
        return sp.Float(ALPHA)

    def selu(sp, x):
        sa, sl = sp.Float(SELU_ALPHA, 30), sp.Float(SELU_LAMBDA, 30)
        return sl * _pw(sp, x, x, sa * (sp.exp(x) - 1))
    acts = [
        Activation("identity", lambda xp, z: z, lambda xp, z: xp.ones_like(z),
                   lambda xp, z: xp.zeros_like(z), lambda sp, x: x),
        Activation("tanh", lambda xp, z: xp.tanh(z), lambda xp, z: 1.0 - xp.tanh(z) ** 2,
                   lambda xp, z: -2.0 * xp.tanh(z) * (1.0 - xp.tanh(z) ** 2),
                   lambda sp, x: sp.tanh(x)),
        Activation("sigmoid", _sig, lambda xp, z: _sig(xp, z) * (1.0 - _sig(xp, z)),
                   lambda xp, z: _sig(xp, z) * (1.0 - _sig(xp, z)) * (1.0 - 2.0 * _sig(xp, z)),
                   _sigmoid_form),
        Activation("softplus", lambda xp, z: xp.log1p(xp.exp(z)), _sig,
                   lambda xp, z: _sig(xp, z) * (1.0 - _sig(xp, z)),
                   lambda sp, x: sp.log(1 + sp.exp(x))),
        Activation("sin", lambda xp, z: xp.sin(z), lambda xp, z: xp.cos(z),
                   lambda xp, z: -xp.sin(z), lambda sp, x: sp.sin(x)),
        Activation("silu", lambda xp, z: z * _sig(xp, z),
                   lambda xp, z: _sig(xp, z) * (1.0 + z * (1.0 - _sig(xp, z))),
                   lambda xp, z: _sig(xp, z) * (1.0 - _sig(xp, z))
                   * (2.0 + z * (1.0 - 2.0 * _sig(xp, z))),
                   lambda sp, x: x * _sigmoid_form(sp, x)),
        Activation("gelu", lambda xp, z: z * _Phi(xp, z),
                   lambda xp, z: _Phi(xp, z) + z * _phi(xp, z),
                   lambda xp, z: _phi(xp, z) * (2.0 - z * z),
                   lambda sp, x: x / 2 * (1 + sp.erf(x / sp.sqrt(2)))),
        Activation("elu", *_exp_branch(1.0, ALPHA, 1.0),
                   lambda sp, x: _pw(sp, x, x, a(sp) * (sp.exp(x) - 1)), False),
        Activation("celu", *_exp_branch(1.0, ALPHA, 1.0 / ALPHA),
                   lambda sp, x: _pw(sp, x, x, a(sp) * (sp.exp(x / a(sp)) - 1)), False),
        Activation("selu", *_exp_branch(SELU_LAMBDA, SELU_ALPHA, 1.0), selu, False),
        Activation("relu", lambda xp, z: xp.maximum(z, xp.zeros_like(z)),
                   lambda xp, z: xp.where(_pos(z), xp.ones_like(z), xp.zeros_like(z)),
                   lambda xp, z: xp.zeros_like(z), lambda sp, x: _pw(sp, x, x, 0), False),
        Activation("relu2", lambda xp, z: xp.maximum(z, xp.zeros_like(z)) ** 2,
                   lambda xp, z: 2.0 * xp.maximum(z, xp.zeros_like(z)),
                   lambda xp, z: xp.where(_pos(z), 2.0 * xp.ones_like(z), xp.zeros_like(z)),
                   lambda sp, x: _pw(sp, x, x**2, 0), False),
        Activation("leaky_relu", lambda xp, z: xp.maximum(z, LEAK * z),
                   lambda xp, z: xp.where(_pos(z), xp.ones_like(z), LEAK * xp.ones_like(z)),
                   lambda xp, z: xp.zeros_like(z),
                   lambda sp, x: _pw(sp, x, x, sp.Float(LEAK) * x), False),
        Activation("hardtanh",
                   lambda xp, z: xp.minimum(xp.maximum(z, -xp.ones_like(z)), xp.ones_like(z)),
                   lambda xp, z: xp.where((z > -1) & (z < 1), xp.ones_like(z),
                                          xp.zeros_like(z)),
                   lambda xp, z: xp.zeros_like(z),
                   lambda sp, x: sp.Piecewise((-1, x < -1), (x, x <= 1), (1, True)), False),
    ]
    return {act.name: act for act in acts}


ACTIVATIONS: dict[str, Activation] = _table()
NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
SMOOTH_NAMES = ("tanh", "sigmoid", "softplus", "sin", "silu", "gelu")

# Appendix B's table: tanh, sigmoid, softplus, sin, SiLU, GELU are C^inf; ELU(alpha=1), CELU and
# ReLU^2 are C^1 but not C^2; ReLU, leaky ReLU, SELU, hardtanh are only C^0.
APPENDIX_B_CLASSES: dict[str, float] = {
    **{n: SMOOTH for n in SMOOTH_NAMES}, "elu": 1, "celu": 1, "relu2": 1,
    "relu": 0, "leaky_relu": 0, "selu": 0, "hardtanh": 0,
}


def breakpoints(expr) -> list:
    """The points where a piecewise expression switches branch (sorted)."""
    import sympy as sp
    _x = _symbol()
    points = set()
    for pw in expr.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                points.add(sp.nsimplify(rel.rhs if rel.lhs == _x else rel.lhs))
    return sorted(points)


def _active(expr, point):
    """The analytic branch of ``expr`` that is active at the (non-breakpoint) ``point``."""
    import sympy as sp
    folded = sp.piecewise_fold(expr)
    if not isinstance(folded, sp.Piecewise):
        return folded
    for piece, cond in folded.args:
        if bool(cond.subs(_symbol(), point)):
            return piece
    raise ValueError(f"no branch of {expr} is active at {point}")


@cache
def smoothness_class(name: str) -> float:
    """The largest k with the activation C^k on the real line, derived symbolically.

    Without breakpoints the expression is a composition of functions analytic on R: C^inf.
    At each breakpoint c, the k-th derivative is continuous when its limits from the left and
    from the right agree (and, for k = 0, equal the value at c).
    """
    import sympy as sp
    _x = _symbol()
    expr = ACTIVATIONS[name].expr
    points = breakpoints(expr)
    if not points:
        return SMOOTH
    gap = min([sp.Integer(1)] + [b - a for a, b in zip(points, points[1:])]) / 4
    best = MAX_ORDER
    for c in points:
        left, right = _active(expr, c - gap), _active(expr, c + gap)
        for k in range(MAX_ORDER + 1):
            lim_l = sp.limit(sp.diff(left, _x, k), _x, c, "-")
            lim_r = sp.limit(sp.diff(right, _x, k), _x, c, "+")
            agree = sp.simplify(lim_l - lim_r) == 0
            if k == 0:
                agree = agree and sp.simplify(expr.subs(_x, c) - lim_r) == 0
            if not agree:
                best = min(best, k - 1)
                break
    return best


def class_label(k: float) -> str:
    """'C^inf', 'C^1', ...; a negative class means discontinuous."""
    return "C^inf" if k == SMOOTH else (f"C^{int(k)}" if k >= 0 else "discontinuous")


class RegularityError(ValueError):
    """A k-th order residual was asked of a network whose activation is below C^k."""


class RegularityWarning(UserWarning):
    """The warning form of ``RegularityError``."""


def flag_regularity(order: int, activations, *, strict: bool = False) -> list[str]:
    """Check, before computing, that every activation is C^order.

    Args:
        order: the highest derivative order the residual takes (2 for Black-Scholes).
        activations: activation names (one per layer, repeats allowed).
        strict: raise ``RegularityError`` instead of warning.
    Returns:
        one message per offending activation (empty when all are smooth enough).
    """
    messages = []
    for name in dict.fromkeys(activations):
        if name not in ACTIVATIONS:
            raise KeyError(f"unknown activation {name!r}; known: {', '.join(NAMES)}")
        k = smoothness_class(name)
        if k < order:
            messages.append(
                f"activation {name!r} is only {class_label(k)}: an order-{order} residual needs "
                f"C^{order}; its derivative of order {int(k) + 1} is not continuous, so the strong "
                f"residual is not defined everywhere (a piecewise-linear activation has zero "
                f"higher derivatives almost everywhere: the residual silently loses those terms)")
    if messages and strict:
        raise RegularityError("; ".join(messages))
    for m in messages:
        warnings.warn(m, RegularityWarning, stacklevel=2)
    return messages
