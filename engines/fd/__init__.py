"""Finite-difference engines: ``central``, ``richardson`` and ``complex-step``, plus the step
sweep and Taylor-remainder data the report plots.

Every engine method takes an optional keyword ``domain``: a ``Domain(lower, upper)`` (open
bounds, scalars or arrays shaped like the differentiated argument), a ``(lower, upper)`` pair or a
``{"lower": ..., "upper": ...}`` dict. Stencils stay strictly inside it, going one-sided near an
edge. Example: ``richardson.hessian(price, (S, K, T, r, sigma), 0, domain=Domain(lower=0))``.
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
