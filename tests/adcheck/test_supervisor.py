"""User code that exits, aborts, crashes, raises KeyboardInterrupt, allocates 1e10 elements or
hangs, inside one case: that case is an error with the reason, and the run goes on."""

import os
import time

import numpy as np
import pytest
from adcheck_helpers import Engine, Result, quadratic, temporary
from hostile import HOSTILE

from adcheck.running import runner


@pytest.fixture(scope="module")
def hostile_run():
    """One run over every hostile closed form and two well-behaved identities, 2 workers;
    with the key of every task handed to the workers and every reason a worker gave for dying."""
    from adcheck.running.executors import LocalExecutor
    bad = [quadratic(f"T.hostile-{k}", closed_form=fn) for k, (fn, _) in HOSTILE.items()]
    good = [quadratic("T.fine-1"), quadratic("T.fine-2")]
    recs = bad + good
    submitted, died = [], []
    submit, result = LocalExecutor.submit, LocalExecutor.result

    def counting_submit(self, task):
        submitted.append(task.key)
        return submit(self, task)

    def noting_result(self, future):
        status, value = result(self, future)
        if status == "died":
            died.append(value)
        return status, value
    with pytest.MonkeyPatch.context() as mp, temporary(identities=recs):
        mp.setattr(LocalExecutor, "submit", counting_submit)
        mp.setattr(LocalExecutor, "result", noting_result)
        records, _ = runner.run([r.id for r in recs], ["reverse", "forward"], 2, 0,
                                timeout=3, jobs=2)
    return {(r["identity"], r["engine"]): r for r in records}, submitted, died


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_closed_form_is_an_error_of_its_case(hostile_run, kind):
    by, _, _ = hostile_run
    for engine in ("reverse", "forward"):
        r = by[(f"T.hostile-{kind}", engine)]
        assert HOSTILE[kind][1] in r["message"], r["message"]
        if kind == "allocates-1e10":  # refused allocation: the oracle reports it unreliable
            assert r["outcome"] == "inconclusive" and r["counts"]["inconclusive"] == 2
            continue
        assert r["outcome"] == "error" and r["counts"]["error"] == 2, r["message"]
        assert "preparing the reference" in r["message"]


def test_the_run_goes_on_past_hostile_code(hostile_run):
    by, submitted, died = hostile_run
    for i in ("T.fine-1", "T.fine-2"):
        assert {by[(i, e)]["outcome"] for e in ("reverse", "forward")} == {"pass"}
    # No waiting for ever: the hanging cases were ended by their worker at the per-case limit
    # (a worker's exit that reads "timeout"; the supervisor's own deadline, 60 s later, ends a
    # task without a result): each of its two cases, rerun alone, at least; and no task was
    # handed out twice: 10 tasks of 2 cases, each case rerun alone at most once.
    assert died.count("timeout") >= 2, died
    assert len(submitted) == len(set(submitted)) <= 10 + 10 * 2, submitted


def test_exiting_engine_blames_only_itself():
    from adcheck_helpers import Engine

    from adcheck.engines import registry

    class Exits(Engine):
        name, family, max_order = "t-exits", "ad", 2

        def derivative(self, kind, f, args, wrt=0, **kw):
            os._exit(3)
    rec = quadratic("T.exits")
    with temporary(identities=[rec], engines=[Exits()]):
        recs, _ = runner.run([rec.id], ["reverse", "t-exits"], 2, 0, timeout=30)
    by = {r["engine"]: r for r in recs}
    assert by["reverse"]["outcome"] == "pass" and by["reverse"]["counts"]["pass"] == 2
    assert by["t-exits"]["outcome"] == "error" and "status 3" in by["t-exits"]["message"]
    assert registry.get("reverse")  # the parent process is untouched


class _DiesOnZeros(Engine):
    """Reverse mode times 2 (so every drawn case fails), ending its process, or hanging, at an
    all-zero input: where a shrink's first replay goes, and never a drawn case."""

    name, family, max_order = "t-dies-on-zeros", "ad", 2

    def __init__(self, how):
        self.how = how

    def derivative(self, kind, f, args, wrt=0, **kw):
        from adcheck import engines
        if not np.any(args[0]):
            os._exit(3) if self.how == "exits" else time.sleep(600)
        r = engines.get("reverse").derivative(kind, f, args, wrt, **kw)
        return Result(2.0 * np.asarray(r.value), r.cost, None, self.name)


@pytest.mark.parametrize("how, why", [("exits", "exited with status 3 while shrinking"),
                                      ("hangs", "ran past its 2 s budget (and 3 s a replay")])
def test_a_shrink_that_dies_or_hangs_is_noted_once_and_the_failure_stands(how, why,
                                                                          monkeypatch):
    from adcheck.running.executors import LocalExecutor
    submitted, submit = [], LocalExecutor.submit

    def counting(self, task):
        submitted.append(task)
        return submit(self, task)
    monkeypatch.setattr(LocalExecutor, "submit", counting)
    rec, bad = quadratic("T.shrink-dies"), _DiesOnZeros(how)
    with temporary(identities=[rec], engines=[bad]):
        recs, _ = runner.run([rec.id], ["reverse", bad.name], 2, 0, timeout=3,
                             shrink_budget=2.0)
    r = {x["engine"]: x for x in recs}[bad.name]
    assert r["outcome"] == "fail" and r["counts"]["fail"] == 2 and r["shrunk"] is None
    assert r["shrink"]["note"].startswith("not shrunk: ") and why in r["shrink"]["note"]
    assert "Not shrunk: " in r["message"]
    assert sum(bool(t.shrink) for t in submitted) == 1  # it was not rerun, alone or not


class _Loky:
    """An executor without processes, dying as loky does: a task whose user code ends its
    worker ends every task in flight with it; otherwise the oldest task in flight finishes,
    at every other wait (a worker takes longer than one poll to start)."""

    slots, ahead, share_files = 2, 0, False

    def __init__(self, deadly):
        from concurrent.futures import Future
        self.deadly, self.inflight, self.Future, self.polls = deadly, {}, Future, 0

    def submit(self, task):
        fut = self.Future()
        self.inflight[fut] = task
        return fut

    def wait(self, futures, seconds):
        from adcheck.running.worker import CaseResult
        if any(t.identity in self.deadly for t in self.inflight.values()):
            for fut in self.inflight:
                fut.set_result(("died", "its worker process exited with status 0"))
            done, self.inflight = list(self.inflight), {}  # in the order they were handed out
            return done
        self.polls += 1
        if self.polls % 2:
            return set()
        fut, task = next(iter(self.inflight.items()))
        del self.inflight[fut]
        fut.set_result(("ok", [CaseResult(i, (), {e: "pass" for e in task.engines})
                               for i in task.cases]))
        return {fut}

    def result(self, future):
        return future.result()

    def restart(self):
        self.inflight = {}


def test_a_suspect_runs_alone_even_the_last_one():
    """An innocent task that died with a guilty one is rerun alone: no new task may start
    beside it (one that ends its worker would take the innocent one down, and get it blamed)."""
    from adcheck.running.supervisor import Supervisor
    from adcheck.running.worker import Task
    tasks = [Task(f"{i}#0", i, ("reverse",), (0,)) for i in ("guilty", "innocent", "guilty-2")]
    sup = Supervisor(_Loky(deadly={"guilty", "guilty-2"}), timeout=None)
    verdicts = {task.identity: r.verdicts["reverse"] for task, rs in sup.run(tasks) for r in rs}
    assert verdicts["innocent"] == "pass"
    assert verdicts["guilty"].outcome == verdicts["guilty-2"].outcome == "error"


def test_a_case_its_own_watchdog_ended_is_blamed_without_a_rerun(hostile_run):
    by, submitted, died = hostile_run
    # the task of two hanging cases: its worker's watchdog names the case it ended; only the
    # other case runs again (alone), and it hangs in turn
    hangs = [k for k in submitted if k.startswith("T.hostile-hangs#")]
    assert hangs == ["T.hostile-hangs#0", "T.hostile-hangs#0.r"], hangs
    assert by[("T.hostile-hangs", "reverse")]["counts"]["error"] == 2


def test_code_holding_the_interpreter_is_ended_at_its_deadline_and_said_so():
    # its worker's watchdog cannot run: a regex under --timeout 2 once ran 128 s, and the note
    # said "no result within the 2 s per-case limit"
    from hostile import holds_the_interpreter
    rec = quadratic("T.holds-the-interpreter", closed_form=holds_the_interpreter)
    t0 = time.monotonic()
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], ["reverse"], 1, 0, timeout=1, jobs=1, shrink_budget=None)
    took = time.monotonic() - t0
    r = recs[0]
    assert r["outcome"] == "error", r["message"]
    assert "no result after" in r["message"] and "held the interpreter" in r["message"]
    assert "preparing the reference" in r["message"]
    assert took < 1 + 2 + 20, took  # the limit, HELD_GRACE_S, a worker's start and a poll
