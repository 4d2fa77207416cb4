"""Failures shrink: replay a failing (identity, engine) through the identity's strategy.

Like a hypothesis property test, but for ``adcheck run``: the identity's hypothesis strategy is
searched for inputs on which the engine still fails, and hypothesis shrinks the first one found
toward the smallest (fewest dimensions, shallowest network, simplest entries). The failing
record then shows that input beside the original one.

The failing path must cost no more than a stated budget, so the search is bounded: BUDGET_S
seconds of wall time per failure (``adcheck run --shrink-budget``), MAX_REPLAYS replays and
MAX_EXAMPLES inputs per hypothesis search. Each replay runs through ``replay`` (a worker arms
its watchdog there with one case's limit, ``--timeout``). Once the budget is spent the search
stops at once, not after hypothesis has finished its own search, and keeps the smallest failing
input found so far; a search that found none says so in its note. The search is derandomized,
so a run whose budget does not bind stays reproducible.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

BUDGET_S = 10.0  # seconds of searching per failing (identity, engine)
MAX_REPLAYS = 500  # replays per failure whatever the clock says (each judges one input)
MAX_EXAMPLES = 50  # inputs drawn per hypothesis search before it gives up finding a failure
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


@dataclass(frozen=True)
class Shrunk:
    """How a search ended: the smallest failing input found (None: none), the replays it took,
    and a note when it found none or was cut short ("" when it ended on its own)."""

    args: tuple | None
    replays: int = 0
    note: str = ""


class _Spent(BaseException):
    """Raised from the condition to stop hypothesis's ``find`` at once: hypothesis lets a
    BaseException that is not an Exception through, without shrinking on it or retrying."""


class _Search:
    """The condition hypothesis searches with, counting replays against the budget."""

    def __init__(self, rec, engine, engines, original, budget_s, max_replays, clock, replay):
        self.rec, self.engine = rec, engine
        self.budget_s, self.max_replays = budget_s, max_replays
        self.crowd = [e for e in engines if e.name != engine.name] + [engine]
        self.limit = size(original) if original else None
        self.clock, self.stop = clock, clock() + budget_s
        self.replay = replay or (lambda fn: fn())
        self.best, self.replays, self.spent = None, 0, ""

    def fails(self, args) -> bool:
        """Does the engine fail on ``args``? Raises _Spent once the budget is used up."""
        if self.replays >= self.max_replays:
            self.spent = f"the {self.max_replays}-replay shrink budget ran out"
        elif self.clock() >= self.stop:
            self.spent = (f"the {self.budget_s:g} s shrink budget ran out after "
                          f"{self.replays} replays")
        if self.spent:
            raise _Spent
        if self.limit is not None and size(args) > self.limit:
            return False
        self.replays += 1
        try:
            with np.errstate(all="ignore"):
                case = self.replay(lambda: self._judge(tuple(args)))
        except Exception:  # noqa: BLE001  an input the reference cannot take is not a failure
            return False
        failed = case.verdicts[self.engine.name].outcome == "fail"
        # hypothesis shrinks toward smaller inputs: the latest failure no larger is the best
        if failed and (self.best is None or size(args) <= size(self.best)):
            self.best = tuple(args)
        return failed

    def _judge(self, args):
        from .pipeline import judge_case
        return judge_case(self.rec, self.crowd, args)

    def result(self) -> Shrunk:
        if self.spent and self.best is not None:
            note = f"shrinking stopped early ({self.spent}); a smaller failing input may exist"
        elif self.spent:
            note = f"not shrunk: {self.spent}"
        elif self.best is None:
            note = f"not shrunk: no failing input among {self.replays} replays of the strategy"
        else:
            note = ""
        return Shrunk(self.best, self.replays, note)


def shrink(rec, engine, engines, *, original=None, budget_s=None, max_replays=MAX_REPLAYS,
           max_examples=MAX_EXAMPLES, clock=time.monotonic, replay=None) -> Shrunk | None:
    """The smallest input found on which ``engine`` fails (judged beside ``engines``).

    Hypothesis shrinks entries well but a size drawn before the entries less so: after each
    failing input found, the search is repeated below its size until none fails or the
    budget is spent.

    Args:
        rec: the identity record; its ``strategy`` is replayed.
        engine: the failing engine.
        engines: every engine of the run (a consensus needs the others).
        original: the failing input; only inputs no larger than it are searched.
        budget_s, max_replays: the search stops once either is used up (budget_s None:
            BUDGET_S as it is at the call).
        clock: seconds, monotonic (a test passes its own).
        replay: ``replay(fn)`` runs one replay ``fn()`` (a worker guards it with the
            per-case limit there); default: calls it.
    Returns:
        A Shrunk (its ``args`` None, and its note saying why, when no failing input was
        found), or None when shrinking is disabled.
    """
    if not _ENABLED[-1]:
        return None
    strategy = rec.search_strategy() if hasattr(rec, "search_strategy") else \
        getattr(rec, "strategy", None)
    if strategy is None:
        return Shrunk(None, 0, "not shrunk: the record has no strategy to replay")
    budget_s = BUDGET_S if budget_s is None else budget_s
    search = _Search(rec, engine, engines, original, budget_s, max_replays, clock, replay)
    try:
        while _find(strategy, search.fails, max_examples) is not None:
            search.limit = size(search.best) - 1
    except _Spent:
        pass
    return search.result()


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


def summary(found: Shrunk, budget_s: float) -> dict:
    """How the search went, for results.json: replays, the budget, and its note (or None)."""
    return {"replays": found.replays, "budget_s": budget_s, "note": found.note or None}
