"""Forward Laplacian: (value, gradient, Laplacian) pushed through a function in one pass.

Collapsed second-order Taylor mode (Li et al. 2024, "Forward Laplacian"; Dangel et al. 2025,
"Collapsing Taylor mode"): each intermediate ``u`` carries its value, its gradient with respect
to the input ``x`` (a leading axis of length d) and its Laplacian Σ_i ∂²u/∂x_i². Linear maps act
on each part; an elementwise f gives Δf(u) = f'(u) Δu + f''(u) Σ_i (∂_i u)²; a product gives
Δ(uv) = u Δv + v Δu + 2⟨∇u, ∇v⟩. The d second derivatives are never formed one by one: the
cost is one forward pass on arrays d+2 times wider, against d Hessian-vector products.

A batch of points, each with its own Laplacian, goes through in one vectorized pass when the
function maps each row of ``x`` (shape (B, d)) to its own output (shape (B,)), as a PINN does.
"""

from __future__ import annotations

import numpy as np

from .base import Cost, Engine, Result, as_float_args
from .jet import val as _val
from .taylor_rules import XP, Jet, P, _JetNamespace  # noqa: F401

# ----------------------------------------------------------------------------- entry points

def seed(x, batched: bool = False) -> Jet:
    """The input as a jet: gradient the identity, Laplacian zero.

    batched: ``x`` has shape (B, d) and each row is its own point (gradient shape (d, B, d)).
    """
    x = np.asarray(x, dtype=np.float64)
    if batched:
        d = x.shape[-1]
        g = np.broadcast_to(np.eye(d)[:, None, :], (d,) + x.shape)
    else:
        g = np.eye(x.size).reshape((x.size,) + x.shape)
    return Jet(x, g, np.zeros(x.shape))


def forward_laplacian(f, x, *args):
    """(value, gradient, Laplacian) of ``f(xp, x, *args)`` in one forward pass.

    Args:
        f: function written against the namespace.
        x: one point (shape (d,); f scalar) or a batch (shape (B, d); f maps each row to
            its own entry of a (B,) output, as ``torch.func.vmap`` would require).
        args: the other arguments, constants.
    Returns:
        value (f's output), gradient (output shape + (d,)), Laplacian (output shape).
    """
    x = np.asarray(x, dtype=np.float64)
    out = f(XP, seed(x, batched=x.ndim == 2), *args)
    if not isinstance(out, Jet):  # the output ignores x
        v = np.asarray(out, dtype=float)
        return v, np.zeros(v.shape + x.shape[-1:]), np.zeros(v.shape)
    return out.v, np.moveaxis(np.asarray(out.g), 0, -1), np.asarray(out.l)


def laplacian(f, x_batch, *args):
    """Laplacian of ``f(xp, x, *args)`` at one point or at each row of a batch (see above)."""
    return forward_laplacian(f, x_batch, *args)[2]


class ForwardLaplacianEngine(Engine):
    """Engine ``forward-laplacian``: the Laplacian only; every other kind is not applicable."""

    name = "forward-laplacian"
    category = family = "taylor"
    max_order = 2
    description = "forward Laplacian (collapsed Taylor mode): value, gradient, Laplacian, one pass"

    def laplacian(self, f, args, wrt=0):
        args = as_float_args(args, wrt)
        x = args[wrt]

        def fx(xp, x_):
            return f(xp, *args[:wrt], x_, *args[wrt + 1:])
        out = fx(XP, seed(x))
        if np.shape(_val(out)) != ():
            return self._not_applicable(f"the Laplacian needs a scalar output, got shape "
                                        f"{np.shape(_val(out))}")
        value = float(out.l) if isinstance(out, Jet) else 0.0
        return Result(value, Cost(passes=1), engine=self.name)

    def _not_applicable(self, why: str) -> Result:
        return Result(None, engine=self.name, status="not-applicable", note=why)

    def derivative(self, kind, f, args, wrt=0, **kw):
        if kind == "laplacian":
            return self.laplacian(f, args, wrt)
        return self._not_applicable(f"forward-laplacian computes Laplacians only, not {kind}")

    def jvp(self, f, args, wrt, tangent):
        return self.derivative("jvp", f, args, wrt)

    def vjp(self, f, args, wrt, cotangent):
        return self.derivative("vjp", f, args, wrt)

    def jacobian(self, f, args, wrt=0):
        return self.derivative("jacobian", f, args, wrt)

    def gradient(self, f, args, wrt=0):
        return self.derivative("gradient", f, args, wrt)

    def hessian(self, f, args, wrt=0):
        return self.derivative("hessian", f, args, wrt)

    def hvp(self, f, args, wrt, v):
        return self.derivative("hvp", f, args, wrt)
