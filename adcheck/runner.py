"""Run identities × engines × examples and collect one record per identity and engine.

Inputs are drawn deterministically: identity ``id`` with seed ``S`` uses the numpy Generator
seeded by (S, crc32(id)), so a case depends only on the seed, the identity and its index, never
on which engines or other identities were selected. Work is split by identity over ``jobs``
processes and merged back in selection order. One failing, raising or hanging case never
stops the run: it becomes that engine's outcome on that case.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import threading
import time
import zlib
from contextlib import contextmanager

import numpy as np

from . import errmodel as em
from .cases import Accumulator, CaseVerdict, identity_errors, judge_claim
from .pipeline import applicability, compute, judge_case, run_engine_case  # noqa: F401
from .shrink import shrink_failures


class CaseTimeout(Exception):
    """A single case ran past the per-case time limit."""


@contextmanager
def deadline(seconds: float | None):
    """Raise CaseTimeout in this block after ``seconds`` (main thread only; else no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise CaseTimeout(f"no result within the {seconds:g} s per-case limit (--timeout)")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def case_rng(seed: int, identity_id: str) -> np.random.Generator:
    """The Generator of one identity's cases (independent of the rest of the selection)."""
    return np.random.default_rng([int(seed), zlib.crc32(identity_id.encode())])


def draw_cases(rec, examples: int, seed: int) -> list[tuple]:
    """``examples`` argument tuples of ``rec``, deterministic for ``seed``."""
    rng = case_rng(seed, rec.id)
    return [tuple(rec.sample(rng)) for _ in range(examples)]


def run_identity(rec, engines, examples: int, seed: int, timeout: float | None) -> list[dict]:
    """Every selected engine on ``examples`` cases of ``rec``: one record dict per engine."""
    accs = {e.name: Accumulator(rec, e.name, seed, examples) for e in engines}
    live = []
    for e in engines:
        why = applicability(rec, e)
        if why:
            accs[e.name].not_applicable(why)
        else:
            live.append(e)
    if rec.kind in ("cost", "property"):
        for e in live:
            accs[e.name].add_claim(judge_claim(rec, e, timeout))
        return [a.record() for a in accs.values()]
    if live:
        _run_cases(rec, live, accs, examples, seed, timeout)
        shrink_failures(rec, live, accs, timeout)
    return identity_errors([a.record() for a in accs.values()])


def examples_for(engine, examples: int) -> int:
    """How many of the drawn cases an engine runs: an expensive engine (sympy, a library
    that compiles per shape) declares ``max_examples``; its record counts what it ran."""
    cap = getattr(engine, "max_examples", None)
    return examples if cap is None else min(examples, cap)


def _run_cases(rec, live, accs, examples, seed, timeout):
    try:
        cases = draw_cases(rec, examples, seed)
    except Exception as exc:  # noqa: BLE001
        for e in live:
            accs[e.name].add(-1, (), CaseVerdict("error", note=f"drawing inputs failed: "
                                                 f"{type(exc).__name__}: {exc}"))
        return
    for i, args in enumerate(cases):
        case = judge_case(rec, [e for e in live if i < examples_for(e, examples)], args, timeout)
        verdicts = case.verdicts
        for name, v in verdicts.items():
            accs[name].add(i, args, v, n_failed=sum(x.outcome == "fail" for x in verdicts.values()),
                           n_judged=sum(x.outcome in ("pass", "fail") for x in verdicts.values()))


# ----------------------------------------------------------------------------- many identities

def _work(task):
    rec_id, names, examples, seed, timeout = task
    import engines
    from identities import IDENTITIES
    t0 = time.perf_counter()
    recs = run_identity(IDENTITIES[rec_id], [engines.get(n) for n in names], examples, seed,
                        timeout)
    return rec_id, recs, time.perf_counter() - t0


def run(identity_ids, engine_names, examples, seed, timeout=None, jobs=1, progress=None):
    """Run the selection; returns (records in selection order, per-identity seconds)."""
    tasks = [(i, list(engine_names), examples, seed, timeout) for i in identity_ids]
    out: dict[str, list] = {}
    seconds: dict[str, float] = {}
    if jobs > 1 and len(tasks) > 1:
        ctx = mp.get_context("fork")
        with ctx.Pool(min(jobs, len(tasks))) as pool:
            for rec_id, recs, s in pool.imap_unordered(_work, _costly_first(tasks)):
                out[rec_id], seconds[rec_id] = recs, s
                if progress:
                    progress(rec_id)
    else:
        for t in tasks:
            rec_id, recs, s = _work(t)
            out[rec_id], seconds[rec_id] = recs, s
            if progress:
                progress(rec_id)
    return [r for i in identity_ids for r in out[i]], seconds


def _costly_first(tasks):
    """Hand network and second-order identities out first so the pool ends together."""
    from identities import IDENTITIES

    def weight(t):
        rec = IDENTITIES[t[0]]
        return -(em.ORDER.get(rec.kind, 1) + 2 * ("network" in rec.tags))
    return sorted(tasks, key=weight)
