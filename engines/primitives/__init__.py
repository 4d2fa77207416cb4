"""The primitive table, one family per module; importing this package fills ``TABLE``.

Add a primitive with ``engines.core.defprim``: implementation, JVP and VJP per positional
argument, flops, citation. No interpreter needs editing.
"""

from ..core import TABLE, PerIndex, Primitive, defprim, ops
from . import (  # noqa: F401  (fill the table)
    arithmetic,
    elementwise,
    elementwise_more,
    linalg,
    linalg_more,
    special,
    structural,
)

__all__ = ["TABLE", "PerIndex", "Primitive", "defprim", "ops"]
