"""Failures shrink: replay a failing (identity, engine) through the identity's strategy.

Like a hypothesis property test, but for ``adcheck run``: the identity's hypothesis strategy is
searched for inputs on which the engine still fails, and hypothesis shrinks the first one found
toward the smallest (fewest dimensions, shallowest network, simplest entries). The failing
record then shows that input beside the original one. The search is bounded (MAX_EXAMPLES
inputs and SECONDS of wall time per failure) and derandomized, so a run stays reproducible.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np

MAX_EXAMPLES = 50
SECONDS = 10.0
_ENABLED = [True]


def enabled() -> bool:
    """Whether failures are shrunk now."""
    return _ENABLED[-1]


@contextmanager
def disabled():
    """No shrinking inside this block (a mutation battery only counts kills)."""
    _ENABLED.append(False)
    try:
        yield
    finally:
        _ENABLED.pop()


def size(args) -> int:
    """Total number of entries of the array arguments (what "smaller" means first)."""
    return sum(int(np.size(a)) for a in args if isinstance(a, (np.ndarray, float, int)))


def shrink(rec, engine, engines, *, original=None, max_examples=MAX_EXAMPLES,
           seconds=SECONDS) -> tuple | None:
    """The smallest input found on which ``engine`` fails (judged beside ``engines``), or None.

    Hypothesis shrinks entries well but a size drawn before the entries less so: after each
    failing input found, the search is repeated below its size until none fails or the time
    is up.

    Args:
        rec: the identity record; its ``strategy`` is replayed.
        engine: the failing engine.
        engines: every engine of the run (a consensus needs the others).
        original: the failing input; only inputs no larger than it are searched.
    """
    if not _ENABLED[-1] or getattr(rec, "strategy", None) is None:
        return None
    from .pipeline import judge_case
    stop = time.monotonic() + seconds
    crowd = [e for e in engines if e.name != engine.name] + [engine]
    best, limit = None, (size(original) if original else None)

    def fails(args) -> bool:
        if time.monotonic() > stop or (limit is not None and size(args) > limit):
            return False
        with np.errstate(all="ignore"):
            case = judge_case(rec, crowd, tuple(args))
        return case.verdicts[engine.name].outcome == "fail"

    while time.monotonic() < stop:
        found = _find(rec.strategy, fails, max_examples)
        if found is None:
            break
        best, limit = found, size(found) - 1
    return best


def _find(strategy, condition, max_examples):
    """Hypothesis's smallest example satisfying ``condition`` (derandomized), or None."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable
    cfg = settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                   suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    try:
        return tuple(find(strategy, condition, settings=cfg))
    except (NoSuchExample, Unsatisfiable):
        return None
    except Exception:  # noqa: BLE001  a shrink is a hint; never let it break the run
        return None


def describe(rec, args) -> dict:
    """The shrunk input for results.json: sizes (shapes) and the entries themselves."""
    from .cases import _serial_args
    names = list(rec.arg_names) + [f"arg{i}" for i in range(len(rec.arg_names), len(args))]
    return {"shapes": {n: list(np.shape(a)) for n, a in zip(names, args)},
            "input": _serial_args(rec, args)}
