"""Random-probe checks of a claimed gradient or Hessian-vector product, at O(k) cost.

A gradient check by columns costs one evaluation pair per parameter (torch ``gradcheck``: 2n
function calls). A probe check projects instead: along k random directions v it compares the
claimed ⟨g, v⟩ with an accurate directional derivative D_v f (one forward-mode pass of the
project's AD, or a Richardson-extrapolated difference for black-box code), so its cost does not
grow with the number of parameters.

What it can miss, derived: if the claim is off by e (g = ∇f + e) and v ~ N(0, I), then
⟨e, v⟩ ~ N(0, ‖e‖²), and one probe misses the error only when |⟨e, v⟩| ≤ a, its allowance:
P(miss) = erf(a / (‖e‖ √2)). Independent probes multiply. ``ProbeResult.miss_probability``
evaluates this (with the error model's ``miss_probability``) for an error of a given size
relative to ‖g‖.

Allowances come from the error model (``adcheck.judging.errmodel``, which composes them:
``directional_allowance``, ``probe_allowance``): the running rounding bound E of the gradient
(units of u), projected on v, counted for the reference and for the claim (either may take any
route: ROUTE_FACTOR), plus the rounding of the dot product itself (γ_n Σ|g_i v_i|), plus, for
differences, FD_TRUST times their own error estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from adcheck.engines import get
from adcheck.engines import transforms as T
from adcheck.engines.base import as_float_args
from adcheck.engines.namespace import ad
from adcheck.judging import errmodel as em
from adcheck.judging.errmodel import FD_TRUST, derivative_bound

REFERENCES = ("jvp", "richardson")


@dataclass
class ProbeResult:
    """Outcome of a probe check.

    passed: every probe within its allowance. observed / allowance: per probe, |claim − ref|
    and the allowed error. scale: ‖claimed‖, the size errors are measured against.
    passes: forward passes of ``f`` (AD passes or function evaluations) the check used.
    """

    passed: bool
    what: str
    reference: str
    observed: list = field(default_factory=list)
    allowance: list = field(default_factory=list)
    scale: float = 0.0
    passes: int = 0

    @property
    def probes(self) -> int:
        return len(self.observed)

    @property
    def worst_ratio(self) -> float:
        """Largest observed / allowance over the probes (> 1 means a failure)."""
        return max((o / a if a > 0 else math.inf * (o > 0) for o, a in
                    zip(self.observed, self.allowance)), default=0.0)

    def miss_probability(self, relative: float) -> float:
        """Probability that all probes miss an error of norm ``relative`` · ‖claimed‖."""
        return em.miss_probability(self.allowance, relative * self.scale)

    def detectable(self, p: float = 1e-6) -> float:
        """Smallest relative error size whose miss probability is at most ``p``."""
        return em.detectable(self.allowance, self.scale, p)

    def message(self, relative: float = 1e-8) -> str:
        """One paragraph: verdict, worst probe, cost, and the miss probability."""
        verdict = "consistent with" if self.passed else "DISAGREES with"
        return (f"claimed {self.what} {verdict} the {self.reference} reference on "
                f"{self.probes} random probe(s): worst |claim - reference| / allowance = "
                f"{self.worst_ratio:.3g}; {self.passes} pass(es) of f. An error of relative "
                f"size {relative:g} would escape every probe with probability "
                f"{self.miss_probability(relative):.3g}; errors of relative size >= "
                f"{self.detectable():.2g} are caught with probability >= 1 - 1e-6.")


def _directions(rng: np.random.Generator, shape, k: int) -> list:
    return [rng.standard_normal(shape) for _ in range(k)]


def check_gradient(f: Callable, args, claimed, rng: np.random.Generator, *, wrt: int = 0,
                   probes: int = 4, reference: str = "jvp") -> ProbeResult:
    """Probe a claimed gradient of the scalar ``f(xp, *args)`` with respect to ``args[wrt]``.

    Args:
        f: the function, written against the namespace (for ``reference="richardson"`` any
            numpy code works: wrap it as ``lambda xp, x: user_f(x)``).
        args: the arguments; claimed: the claimed gradient, shaped like ``args[wrt]``.
        rng: the Generator the directions are drawn from (v ~ N(0, I)).
        probes: k, the number of directions. reference: "jvp" (forward-mode AD, one pass per
            probe plus one error-bound pass) or "richardson" (extrapolated differences).
    Returns:
        a ``ProbeResult``.
    """
    args = as_float_args(args, wrt)
    g = np.asarray(claimed, dtype=np.float64)
    if g.shape != args[wrt].shape:
        raise ValueError(f"claimed gradient has shape {g.shape}, argument {wrt} has shape "
                         f"{args[wrt].shape}")
    vs = _directions(rng, g.shape, probes)
    if reference == "jvp":
        bound = derivative_bound("gradient", f, args, wrt)
        refs = [float(T.jvp(f, ad, args, v, wrt)[1]) for v in vs]
        errs = [em.directional_allowance([bound.err], [v]) for v in vs]
        passes = probes + 1
    elif reference == "richardson":
        results = [get("richardson").jvp(f, args, wrt, v) for v in vs]
        refs = [float(r.value) for r in results]
        errs = [FD_TRUST * float(np.max(np.abs(r.error))) for r in results]
        passes = sum(r.cost.evaluations for r in results)
    else:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}")
    claims = [float(np.vdot(g, v)) for v in vs]
    allow = [em.probe_allowance(e, [g], [v], r) for e, v, r in zip(errs, vs, refs)]
    observed = [abs(c - r) for c, r in zip(claims, refs)]
    return ProbeResult(all(o <= a for o, a in zip(observed, allow)), "gradient", reference,
                       observed, allow, float(np.linalg.norm(g)), passes)


def check_hvp(f: Callable, args, claimed: Callable, rng: np.random.Generator, *,
              wrt: int = 0, probes: int = 4, reference: str = "jvp") -> ProbeResult:
    """Probe a claimed Hessian-vector product ``claimed(v) -> H v`` of the scalar ``f``.

    Each probe draws v and u ~ N(0, I) and compares ⟨u, claimed(v)⟩ with ⟨u, H v⟩ from
    forward-over-reverse AD (reference "jvp") or Richardson differences ("richardson").
    The miss probability is then relative to ‖claimed(v)‖ (the last probe's).
    """
    args = as_float_args(args, wrt)
    shape = args[wrt].shape
    hvp = T.hvp(f, wrt, outer="forward", inner="reverse")
    observed, allow, passes, scale = [], [], 0, 0.0
    for v, u in zip(_directions(rng, shape, probes), _directions(rng, shape, probes)):
        c = np.asarray(claimed(v), dtype=np.float64)
        if reference == "jvp":
            ref = np.asarray(hvp(ad, v, *args))
            err = em.two_sided_rounding(derivative_bound("hvp", f, args, wrt, v=v).err)
            passes += 2
        elif reference == "richardson":
            r = get("richardson").hvp(f, args, wrt, v)
            ref, err, passes = np.asarray(r.value), FD_TRUST * np.abs(r.error), \
                passes + r.cost.evaluations
        else:
            raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}")
        proj = float(np.vdot(u, ref))
        observed.append(abs(float(np.vdot(u, c)) - proj))
        allow.append(em.probe_allowance(float(np.sum(np.abs(u) * err)), [c], [u], proj))
        scale = float(np.linalg.norm(c))
    return ProbeResult(all(o <= a for o, a in zip(observed, allow)), "Hessian-vector product",
                       reference, observed, allow, scale, passes)


__all__ = ["REFERENCES", "ProbeResult", "check_gradient", "check_hvp"]
