"""Run identities x engines x examples and collect one record per identity and engine.

Inputs are drawn deterministically and lazily: case ``i`` of identity ``id`` with seed ``S``
uses the numpy Generator seeded by (S, crc32(id), i), so a case depends only on the seed, the
identity and its index, never on which engines, identities, workers or chunks were involved.
Work is split into tasks of (identity, engines, chunk of cases) run by supervised workers
(``adcheck.running.supervisor``); verdicts stream back and are folded case by case in index
order, so the records are the same whatever the executor, the worker count or the completion
order. A failing, raising, exiting or hanging case never stops the run: it becomes that case's
outcome.
"""

from __future__ import annotations

import shutil
import tempfile

from adcheck.judging import errmodel as em
from adcheck.judging.cases import identity_errors
from adcheck.judging.pipeline import applicability
from adcheck.judging.shrink import BUDGET_S

from .catalogue import UsageError
from .draws import case_rng, draw_case, draw_cases, examples_for  # noqa: F401  (public here too)
from .executors import CHUNK  # cases per task unless the executor says

# ----------------------------------------------------------------------------- many identities

def weight(rec) -> int:
    """Rough relative cost of an identity's case (second order and networks cost most)."""
    return em.order_of(rec) + 2 * ("network" in rec.tags)


def shard_ids(identity_ids, shard: tuple[int, int] | None) -> list[str]:
    """The identities of shard ``(k, n)``: whole identities, balanced by weight, deterministic.

    Greedy by decreasing weight onto the lightest shard (ties: selection order), so every
    shard's share is known from the selection alone and the n shards cover it exactly once.
    """
    if shard is None:
        return list(identity_ids)
    from adcheck.identities import IDENTITIES
    k, n = shard
    load = [0] * n
    mine = set()
    order = sorted(range(len(identity_ids)), key=lambda j: -weight(IDENTITIES[identity_ids[j]]))
    for j in order:
        s = min(range(n), key=lambda i: (load[i], i))
        load[s] += weight(IDENTITIES[identity_ids[j]]) * 1
        if s == k - 1:
            mine.add(identity_ids[j])
    return [i for i in identity_ids if i in mine]


def plan(identity_ids, live: dict, examples: int, chunk: int = CHUNK, full: bool = False):
    """Tasks, costly identities first (so the workers end together); yielded lazily."""
    from adcheck.identities import IDENTITIES

    from .worker import Task
    for rid in sorted(identity_ids, key=lambda i: -weight(IDENTITIES[i])):
        names = tuple(e.name for e in live[rid])
        if IDENTITIES[rid].kind in ("cost", "property"):
            yield Task(f"{rid}#claim", rid, names, (), claim=True)
            continue
        n = cases_for(live[rid], examples, full)
        for a in range(0, n, chunk):
            yield Task(f"{rid}#{a}", rid, names, tuple(range(a, min(a + chunk, n))))


def cases_for(live, examples: int, full: bool = False) -> int:
    """How many cases an identity needs: as many as its most generous engine runs."""
    return max((examples_for(e, examples, full) for e in live), default=0)


class Fold:
    """Folds one identity's case results into its records, strictly in case order."""

    def __init__(self, rec, engines, examples, seed, run_options=None):
        """``run_options``: the run's ``plugins``, ``full`` and ``timeout``, which the records'
        rerun commands carry (``adcheck.judging.messages.rerun``)."""
        from adcheck.judging.cases import Accumulator
        self.rec, self.examples = rec, examples
        self.accs = {e.name: Accumulator(rec, e.name, seed, examples,
                                         run_options=dict(run_options or {}))
                     for e in engines}
        self.pending: dict = {}
        self.next = 0

    def add(self, result, claim: bool) -> bool:
        """Take one CaseResult; True once every case is folded."""
        if claim:
            for name, v in result.verdicts.items():
                self.accs[name].add_claim(v)
            return True
        self.pending[result.index] = result
        while self.next in self.pending:
            self._fold(self.pending.pop(self.next))
            self.next += 1
        return self.next >= self.examples

    def _fold(self, r) -> None:
        # Blame (v.outlier) was settled with the case, by families, in the worker.
        failed = sum(v.outcome == "fail" for v in r.verdicts.values())
        judged = sum(v.outcome in ("pass", "fail") for v in r.verdicts.values())
        for name in self.accs:
            v = r.verdicts.get(name)
            if v is None:
                continue
            self.accs[name].add(r.index, r.args, v, n_failed=failed, n_judged=judged)

    def failing(self) -> list[tuple[str, int]]:
        """(engine, worst failing case) of every failing record: what to shrink."""
        return [(n, a.worst_case) for n, a in self.accs.items()
                if a.counts.get("fail") and a.worst is not None and a.worst.outcome == "fail"]

    def records(self) -> list[dict]:
        return identity_errors([a.record() for a in self.accs.values()])


def payload(identity_ids, engine_names, *, seed, timeout, examples, plugins, trace_dir,
            full=False, compile_cache=None) -> bytes:
    """What every worker needs, pickled once: the selected records and engines by value (so
    identities and engines registered at run time reach the workers too) and the plugins;
    ``compile_cache``: the run's folder where the workers share compiled programs (jax's)."""
    import pickle
    import sys

    import cloudpickle

    from adcheck import engines
    from adcheck.identities import IDENTITIES
    blob = cloudpickle.dumps({
        "identities": {i: IDENTITIES[i] for i in identity_ids},
        "engines": {n: engines.get(n) for n in engine_names}, "plugins": list(plugins),
        "seed": seed, "timeout": timeout, "examples": examples, "trace_dir": trace_dir,
        "full": full})
    # The trace folder outside the blob: a worker notes that it loads the blob (user code)
    # before it does (``worker.install``).
    return pickle.dumps({"sys_path": list(sys.path), "blob": blob, "trace_dir": trace_dir,
                         "compile_cache": compile_cache, "timeout": timeout})


def run(identity_ids, engine_names, examples, seed, timeout=None, jobs=1, progress=None, *,
        executor="local", scheduler=None, shard=None, plugins=(), shrink_budget=BUDGET_S,
        full=False, refuse_unloadable=False):
    """Run the selection; returns (records in selection order, per-identity seconds).

    Args:
        identity_ids, engine_names: the selection (names known to the registries).
        examples, seed: cases 0..examples-1 of every identity, drawn from ``seed``.
        timeout: seconds allowed for everything done for one case (None: no limit).
        jobs: worker processes (local) or LocalCluster workers (dask without a scheduler).
        progress: an object with ``start(total)``, ``advance(n)``, ``tick()``, ``say(text)``
            and ``close()``.
        executor, scheduler: "local" or "dask", and a Dask scheduler address.
        shard: ``(k, n)`` runs only the k-th of n shards (whole identities).
        full: every engine runs every case, its ``max_examples`` share ignored.
        shrink_budget: seconds per failing (identity, engine) to search for a smaller failing
            input, each replay under ``timeout``; None: no shrinking. The shrinks add at
            most (budget + timeout) x failing pairs / workers, plus scheduling.
        refuse_unloadable: when the workers cannot load the run's code (a plugin that raises,
            exits, hangs or holds the interpreter only there), raise UsageError naming the
            plugins and what happened; otherwise every case is an error saying so.
    """
    from adcheck import engines
    from adcheck.identities import IDENTITIES

    from .executors import make_executor
    from .supervisor import Supervisor
    ids = shard_ids(identity_ids, shard)
    live, folds, out = {}, {}, {}
    options = {"plugins": tuple(plugins), "full": full, "timeout": timeout}
    for rid in ids:
        rec, engs = IDENTITIES[rid], [engines.get(n) for n in engine_names]
        folds[rid] = Fold(rec, engs, examples, seed, options)
        live[rid] = [e for e in engs if not _not_applicable(folds[rid], rec, e)]
        folds[rid].examples = cases_for(live[rid], examples, full)
        if not live[rid]:
            out[rid] = folds.pop(rid).records()
    for rid in [i for i in ids if i in folds]:
        why = unshippable(IDENTITIES[rid], executor)
        if why:  # an error of this identity; the rest of the run goes on
            fold = folds.pop(rid)
            _error_every_case(fold, live[rid], why)
            out[rid] = fold.records()
    trace_dir = tempfile.mkdtemp(prefix="adcheck-trace-")
    compiled = tempfile.mkdtemp(prefix="adcheck-compiled-")
    blob = payload([i for i in ids if i in folds], engine_names, seed=seed, timeout=timeout,
                   examples=examples, plugins=plugins, trace_dir=trace_dir, full=full,
                   compile_cache=compiled)
    ex = make_executor(executor, blob, jobs, scheduler)
    try:
        tasks = list(plan([i for i in ids if i in folds], live, examples, ex.chunk, full))
        if progress:
            progress.start(sum(max(1, len(t.cases)) for t in tasks))
        sup, done = Supervisor(ex, timeout, trace_dir, plugins=plugins), {}
        for task, results in sup.run(tasks, on_wait=progress.tick if progress else None):
            for r in results:
                if folds[task.identity].add(r, task.claim):
                    done[task.identity] = folds.pop(task.identity)
            if progress:
                progress.advance(len(results))
        if sup.load_failure and refuse_unloadable:
            raise UsageError(unloadable(plugins, sup.load_failure))
        _shrink(sup, done, live, shrink_budget, progress)
        out.update((rid, fold.records()) for rid, fold in done.items())
    finally:
        ex.close()
        shutil.rmtree(trace_dir, ignore_errors=True)
        shutil.rmtree(compiled, ignore_errors=True)
        if progress:
            progress.close()
    records = [r for i in ids for r in out[i]]
    seconds = {i: round(sum(r.get("_seconds", 0.0) for r in out[i]), 6) for i in ids}
    return records, seconds


def unloadable(plugins, how: str) -> str:
    """The usage error of a run whose workers could not load its code."""
    names = ", ".join(map(repr, plugins))
    what = (f"plugin {names}" if len(plugins) == 1 else f"plugins {names}" if plugins
            else "the modules the selected identities come from")
    advice = "" if "should only define identities" in how else \
        "; a plugin module should only define identities, the same way in every process"
    return (f"{what} could not be loaded in the run's worker processes, before any case ran: "
            f"{how}{advice}")


def _shrink(sup, folds, live, budget_s, progress=None) -> None:
    """Replay each failing (identity, engine) through its strategy, in the workers, to the
    smallest failing input (``adcheck.judging.shrink``) within ``budget_s`` seconds each; the
    records show it beside the original, or a note saying why there is none."""
    from adcheck.judging.shrink import enabled

    from .worker import Task
    if not budget_s or not enabled():
        return
    tasks = [Task(f"{rid}#shrink-{name}", rid, tuple(e.name for e in live[rid]), (index,),
                  shrink=name, budget_s=budget_s)
             for rid, fold in folds.items() for name, index in fold.failing()]
    if progress and tasks:  # every case is counted: say why the run is not over yet
        progress.say(f"shrinking {len(tasks)} failure(s) for up to {budget_s:g} s each "
                     "(--shrink-budget; --no-shrink skips this)")
    for task, results in sup.run(tasks):
        for r in results:
            acc = folds[task.identity].accs[task.shrink]
            v = r.verdicts.get(task.shrink)
            if isinstance(v, dict):
                acc.shrunk, acc.shrink = v["shrunk"], v["shrink"]
            else:  # the shrink raised, or its worker died or overran: say so, keep the failure
                why = getattr(v, "note", "") or "the shrink returned nothing"
                acc.shrink = {"replays": None, "budget_s": budget_s, "note": f"not shrunk: {why}"}


def unshippable(rec, executor: str = "local") -> str:
    """Why the identity cannot be sent to the worker processes ("" if it can): its functions
    are pickled by value, and one that holds a lock, an open file or a connection in its
    closure cannot be."""
    import cloudpickle
    try:
        cloudpickle.dumps(rec)
    except Exception as exc:  # noqa: BLE001  any pickling failure: the identity's own objects
        where = "Dask's" if executor == "dask" else "the run's"
        return (f"the identity cannot be sent to {where} worker processes: pickling it raised "
                f"{type(exc).__name__}: {str(exc)[:200]}. Its functions (f, closed form, "
                f"sampler) carry what their closures hold; create objects such as locks, open "
                f"files or connections inside the function, or hold them in a module-level "
                f"global, which is pickled by reference")
    return ""


def _error_every_case(fold, live, why: str) -> None:
    from adcheck.judging.cases import CaseVerdict
    for engine in live:
        for i in range(max(fold.examples, 1)):
            fold.accs[engine.name].add(i, (), CaseVerdict("error", note=why, engine=engine.name))


def _not_applicable(fold, rec, engine) -> bool:
    why = applicability(rec, engine)
    if why:
        fold.accs[engine.name].not_applicable(why)
    return bool(why)
