"""The drawing interface over a numpy Generator: what a run draws its cases with.

Kept apart from ``identities.strategies`` (hypothesis, the activations' sympy forms) so that a
worker drawing the cases of a user's own identity imports numpy only.
"""

from __future__ import annotations

import numpy as np


class RngDraw:
    """The drawing interface over a numpy Generator (deterministic for a seed)."""

    def __init__(self, rng: np.random.Generator):
        self._rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return int(self._rng.integers(lo, hi + 1))

    def real(self, lo: float, hi: float) -> float:
        return float(self._rng.uniform(lo, hi))

    def reals(self, shape, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
        return self._rng.uniform(lo, hi, size=tuple(shape))

    def choice(self, options):
        options = list(options)
        return options[int(self._rng.integers(len(options)))]
