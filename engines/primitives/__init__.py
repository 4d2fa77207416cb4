"""The primitive table, one family per module; importing this package fills ``TABLE``.

A primitive is ONE ``defprim`` block (``engines.core.defprim`` documents every field), and every
interpreter's table is derived from these records: the AD rules, the ``xp`` names, the exact
(mpmath) and sympy forms, the rounding-bound and forward-Laplacian rules, complex-step
admission and the generated tests. An elementwise function needs only::

    defprim(
        "sinh", np.sinh, elementwise=True,
        derivative=lambda xp, x: xp.cosh(x),   # written against xp: differentiable again
        exact=mpmath.sinh, sym=sympy.sinh,     # 50-digit and symbolic forms
    )

and ``xp.sinh`` then works in every engine. Other primitives give ``jvp=``/``vjp=`` rules (one
per positional argument, written with ``ops``), ``magnitude=`` (rounding bound), ``xp=`` (the
names exposing them, e.g. "linalg.inv") and ``examples=`` (inputs for the generated tests).
Users add elementwise primitives with ``adcheck.define_primitive``.
"""

from ..core import TABLE, PerIndex, Primitive, defprim, example, ops
from . import (  # noqa: F401  (fill the table)
    arithmetic,
    bessel,
    elementwise,
    elementwise_more,
    linalg,
    linalg_more,
    special,
    structural,
)

__all__ = ["TABLE", "PerIndex", "Primitive", "defprim", "example", "ops"]
