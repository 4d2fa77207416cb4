"""Identities: what must hold. The Appendix B catalogue as cited records in a registry."""

from .record import IDENTITIES, RECORD_KINDS, Identity, define, get

__all__ = ["IDENTITIES", "RECORD_KINDS", "Identity", "define", "get"]
