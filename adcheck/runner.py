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

from engines.errors import NotAnalytic, UnsupportedOperation

from . import errmodel as em
from .cases import Accumulator, CaseVerdict, judge_claim, judge_engine_case
from .judge import outliers
from .reference import derivative_kw, prepare
from .residual import NotApplicable


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


def applicability(rec, engine) -> str:
    """Why ``engine`` does not apply to ``rec`` ("" when it does)."""
    if rec.engines and engine.name not in rec.engines:
        return f"the record applies to {', '.join(rec.engines)} only"
    order = em.ORDER.get(rec.kind, 1)
    if order > getattr(engine, "max_order", 2):
        return f"{rec.kind} needs order {order}; {engine.name} computes up to {engine.max_order}"
    if rec.kind not in ("cost", "property") and order > rec.smoothness:
        return (f"{rec.kind} needs a C^{order} function; the identity is only "
                f"C^{rec.smoothness}")
    if not rec.analytic and _needs_analytic(engine):
        return f"{engine.name} needs an analytic function; this identity is not analytic"
    return ""


def _needs_analytic(engine) -> bool:
    return bool(getattr(engine, "analytic_only", False)) or "complex" in engine.name


def compute(rec, engine, args, timeout):
    """The engine's derivative for the record's kind (a Result), under the time limit."""
    with deadline(timeout):
        if rec.kind == "residual":
            return _residual(rec, engine, args)
        return engine.derivative(rec.kind, rec.f, args, rec.wrt, **derivative_kw(rec, args))


def _residual(rec, engine, args):
    """Evaluate the residual with derivatives from ``engine``, with its rounding bound."""
    from engines.base import Cost, Result

    from .residual import residual_with_bound
    return residual_with_bound(rec, engine, args, Cost, Result)


def run_engine_case(rec, engine, ctx, timeout) -> CaseVerdict:
    """One engine on one prepared case: never raises."""
    t0 = time.perf_counter()
    try:
        # A stencil point past a domain edge gives NaN, which the judge sees and reports;
        # numpy's RuntimeWarnings would only scatter the same news over the terminal.
        with np.errstate(all="ignore"):
            result = compute(rec, engine, ctx.args, timeout)
    except (NotAnalytic, UnsupportedOperation, NotApplicable) as exc:
        return CaseVerdict("not-applicable", note=str(exc), seconds=time.perf_counter() - t0)
    except CaseTimeout as exc:
        return CaseVerdict("error", note=str(exc), seconds=time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001  an engine that raises is an outcome, not a crash
        return CaseVerdict("error", note=f"{engine.name} raised {type(exc).__name__}: {exc}",
                           seconds=time.perf_counter() - t0)
    try:
        with np.errstate(all="ignore"):
            verdict = judge_engine_case(rec, engine, ctx, result)
    except Exception as exc:  # noqa: BLE001  never lose the run over one case
        verdict = CaseVerdict("error", note=f"judging {engine.name}'s result raised "
                                            f"{type(exc).__name__}: {exc}")
    verdict.seconds = time.perf_counter() - t0
    return verdict


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
    return [a.record() for a in accs.values()]


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
        ctx = prepare(rec, args)
        verdicts = {e.name: run_engine_case(rec, e, ctx, timeout) for e in live
                    if i < examples_for(e, examples)}
        odd = outliers({n: v.outcome for n, v in verdicts.items()})
        for name, v in verdicts.items():
            if name in odd:
                v.outlier = name
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
