"""The Appendix B catalogue: the modules whose records are built in, imported explicitly.

Importing this module registers every built-in record once (``define`` rejects duplicates,
and Python imports a module once). Users' modules add records with the same ``define`` call.
"""

from __future__ import annotations

from . import b1, b2, b3, extra, regularity  # noqa: F401  (each registers its records)
from .record import IDENTITIES

MODULES = ("identities.b1", "identities.b2", "identities.b3", "identities.regularity",
           "identities.extra")

APPENDIX_B_IDS = (
    "B1.jacobian-linear", "B1.gram-gradient", "B1.quadratic-gradient",
    "B1.quadratic-gradient-general", "B1.quadratic-hessian", "B1.quadratic-hessian-general",
    "B1.backprop-weights", "B1.backprop-bias", "B1.backprop-per-output",
    "B2.single-sweep", "B2.cost-ratio", "B2.per-parameter-passes",
    "B3.grad-of-grad", "B3.black-scholes-greeks", "B3.black-scholes-gamma",
    "B3.black-scholes-pde", "B3.poisson-laplacian", "B3.laplacian-quadratic",
    "B3.laplacian-norm", "B3.laplacian-sines", "B3.laplacian-tanh-network", "B3.hjb-lqg",
    "B3.hjb-merton", "B3.activation-regularity",
)
"""Every built-in id, in the appendix's order."""


def builtin() -> list:
    """The built-in records in the appendix's order."""
    return [IDENTITIES[i] for i in APPENDIX_B_IDS]
