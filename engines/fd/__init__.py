"""Finite-difference engines: ``central``, ``richardson`` and ``complex-step``, plus the step
sweep and Taylor-remainder data the report plots.

Every engine method takes an optional keyword ``domain``: a ``Domain(lower, upper)`` (bounds as
scalars or arrays shaped like the differentiated argument; None = unbounded), a ``(lower, upper)``
pair or a ``{"lower": ..., "upper": ...}`` dict. Stencil points other than x stay strictly inside;
near an edge steps shrink with the distance to it (the scale on which log, sqrt, 1/σ change);
at a point on the edge the stencil is one-sided into the domain and the note says so. Example:
``richardson.hessian(price, (S, K, T, r, sigma), 0, domain=Domain(lower=0))``.
"""

from ._common import Domain, as_domain
from .central import Central
from .complex_step import ComplexNamespace, ComplexStep
from .richardson import Richardson
from .sweep import fitted_slope, step_sweep, taylor_remainder


def fd_engines():
    """One instance of each finite-difference engine, for registration."""
    return [Central(), Richardson(), ComplexStep()]


__all__ = [
    "Central", "ComplexNamespace", "ComplexStep", "Domain", "Richardson", "as_domain",
    "fd_engines", "fitted_slope", "step_sweep", "taylor_remainder",
]
