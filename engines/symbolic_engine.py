"""The ``symbolic`` engine's record: sympy derivatives, componentwise, evaluated exactly.

The work (the sympy namespace, ``sympy.diff``, exact evaluation) lives in ``engines.symbolic``,
which imports sympy; this class imports it on the first derivative, so registering the engine
at ``import adcheck.engines`` costs nothing (DESIGN: nothing heavy at import).
"""

from __future__ import annotations

import numpy as np

from .base import Cost, KindDispatch, Result
from .core import EPS
from .errors import InputError
from .exact import to_float


class SymbolicEngine(KindDispatch):
    """sympy derivatives, componentwise, evaluated exactly at the float64 input."""

    name = "symbolic"
    category = family = "symbolic"
    description = "sympy.diff componentwise, evaluated exactly at the rational input"
    # A verification run's share (``--full``: all): about 0.2 s a case, seconds for a network
    # (sympy expressions grow with depth).
    max_examples = 1

    def __init__(self, dps: int = 50):
        self.dps = dps

    def warm(self) -> None:
        from . import symbolic  # noqa: F401  (sympy: about a second)

    def exact(self, kind: str, f, args, wrt: int = 0, **kw) -> np.ndarray:
        """The derivative as an object array of mpf (``dps`` digits)."""
        from .symbolic import exact_derivative
        return exact_derivative(kind, f, args, wrt, self.dps, **kw)

    def gradient(self, f, args, wrt=0) -> Result:
        r = self.jacobian(f, args, wrt)
        if r.status == "ok" and np.shape(r.value) != np.shape(args[wrt]):
            raise InputError(f"gradient needs a scalar-valued function; got a Jacobian of "
                             f"shape {np.shape(r.value)}: ask for kind='jacobian'")
        return r

    def _result(self, kind, f, args, wrt, **kw) -> Result:
        from sympy import SympifyError

        from .symbolic import TooLarge, Undefined
        try:
            value = to_float(self.exact(kind, f, args, wrt, **kw))
        except TooLarge as exc:
            return Result(None, engine=self.name, status="not-applicable", note=str(exc))
        except Undefined as exc:  # a kink or branch point: inconclusive, as a difference's
            return Result(None, engine=self.name, status="inconclusive", note=str(exc))
        except (TypeError, SympifyError) as exc:
            return Result(None, engine=self.name, status="not-applicable",
                          note=f"sympy cannot trace this function: {exc}")
        except Exception as exc:
            if str(exc):
                raise
            raise InputError(f"sympy raised {type(exc).__name__} with no message while "
                             f"computing the {kind}") from exc
        return Result(value, Cost(passes=1), np.abs(value) * EPS / 2, self.name)
