"""The derivative kinds: one table, read by the engines, the catalogue and the error model.

It lives in the lowest layer so that every user may import it (the engines cannot import the
judging code); ``adcheck.judging.errmodel`` re-exports it, and the order of each kind is the
error model's to use.
"""

from __future__ import annotations

from typing import NamedTuple


class Kind(NamedTuple):
    """What a kind of derivative claim is.

    order: the order of the derivative a claim of this kind is judged at (the error model's
        ceiling and finite-difference floor, ``check``'s engines); ``"derivative"`` carries its
        own order (1 when it does not say), and a cost claim judges no derivative (0).
    smoothness: the order k of continuity (C^k) a claim of this kind needs of f when its record
        does not say (a default below the order would make the claim unjudgeable); it is the
        order, except for a cost claim, which counts the passes of a gradient and so needs a
        C^1 function.
    engine: whether ``Engine.derivative`` computes it; the others are judged specially: a
        "residual" is built from derivatives an engine computes, a "cost" or "property" claim
        lists its checked facts.
    """

    order: int
    smoothness: int
    engine: bool


KIND_TABLE: dict[str, Kind] = {
    "gradient": Kind(1, 1, True),
    "jacobian": Kind(1, 1, True),
    "hessian": Kind(2, 2, True),
    "hvp": Kind(2, 2, True),
    "laplacian": Kind(2, 2, True),
    "derivative": Kind(1, 1, True),
    "jvp": Kind(1, 1, True),
    "vjp": Kind(1, 1, True),
    # ``f`` is a PDE/ODE residual built from derivatives the engine computes
    # (``f(derive, xp, *args)``); the closed form is the exact residual (0).
    "residual": Kind(2, 2, False),
    # a claim about counted costs (Appendix B.2), checked by ``claim``.
    "cost": Kind(0, 1, False),
    # a claim about the catalogue's own material (B.3 activation regularity), judged exactly
    # like "cost": ``claim(engine_name)`` returns the list of checked facts.
    "property": Kind(1, 1, False),
}

KINDS = tuple(name for name, k in KIND_TABLE.items() if k.engine)
"""The kinds an engine computes (and ``adcheck.check`` takes)."""

RECORD_KINDS = tuple(KIND_TABLE)
"""The kinds a catalogue record may claim: the engine kinds and the three judged specially."""

ORDER = {name: k.order for name, k in KIND_TABLE.items()}
"""The order of derivative each kind is judged at."""

SMOOTHNESS = {name: k.smoothness for name, k in KIND_TABLE.items()}
"""The smoothness (C^k) each kind needs of f by default."""

__all__ = ["KINDS", "KIND_TABLE", "ORDER", "RECORD_KINDS", "SMOOTHNESS", "Kind"]
