"""Identities: what must hold. The Appendix B catalogue as cited records in a registry.

Importing the package registers the built-in catalogue (``identities.catalogue``).
"""

from . import catalogue
from .record import IDENTITIES, RECORD_KINDS, Identity, define, get

__all__ = ["IDENTITIES", "RECORD_KINDS", "Identity", "catalogue", "define", "get"]
