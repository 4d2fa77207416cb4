"""Small identities and engines for the judge's tests (registered on demand, then removed)."""

from __future__ import annotations

import pickle
import time
from concurrent.futures import Future
from contextlib import contextmanager

import numpy as np

from adcheck.engines import registry
from adcheck.engines.base import Engine, Result

__all__ = ["Engine", "Hanging", "InProcessExecutor", "Raising", "Result", "Scaled", "in_process",
           "quadratic", "temporary"]
from adcheck.identities import Identity


def _vec_args(d):
    n = d.integer(1, 4)
    return (d.reals((n,)), d.reals((n, n)))


def quadratic(id_="T.quadratic", closed_form=None, **kw) -> Identity:
    """grad x^T Q x = (Q + Q^T) x, with a replaceable closed form."""
    return Identity(
        id=id_, section="T", title="test quadratic", citation="test", kind="gradient",
        f=lambda xp, x, q: x @ (q @ x),
        closed_form=closed_form or (lambda xp, x, q: (q + q.T) @ x),
        arg_names=("x", "Q"), inputs=_vec_args, **kw)


@contextmanager
def temporary(*, identities=(), engines=()):
    """Register identities and engines for one test."""
    from adcheck.identities import IDENTITIES  # the catalogue: not for a worker importing this
    for rec in identities:
        IDENTITIES[rec.id] = rec
    for e in engines:
        registry.register(e, replace=True)
    try:
        yield
    finally:
        for rec in identities:
            IDENTITIES.pop(rec.id, None)
        for e in engines:
            registry.ENGINES.pop(e.name, None)


class Raising(Engine):
    """An engine that raises on every case."""

    name, category, max_order = "t-raising", "ad", 2

    def derivative(self, kind, f, args, wrt=0, **kw):
        raise RuntimeError("boom")


class Hanging(Engine):
    """An engine that sleeps past any per-case limit on its first case only."""

    name, category, max_order = "t-hanging", "ad", 2

    def __init__(self):
        self.calls = 0

    def derivative(self, kind, f, args, wrt=0, **kw):
        self.calls += 1
        if self.calls == 1:
            time.sleep(30)
        return registry.get("reverse").derivative(kind, f, args, wrt, **kw)


class Scaled(Engine):
    """A correct engine times a constant (for outlier and sensitivity tests)."""

    category, max_order = "ad", 2

    def __init__(self, factor, name="t-scaled"):
        self.factor, self.name = factor, name

    def derivative(self, kind, f, args, wrt=0, **kw):
        r = registry.get("reverse").derivative(kind, f, args, wrt, **kw)
        return Result(np.asarray(r.value) * self.factor, r.cost, None, self.name)


# ----------------------------------------------------------------------------- in process

class InProcessExecutor:
    """The executor interface of ``adcheck.running.executors``, run here, one task at a time.

    The task goes through the worker's own ``run_task`` (the same guards, phases and
    verdicts), with the run's seed and examples from the payload; its results cross a pickle
    round trip as they would coming back from a worker. There is no per-case time limit (no
    watchdog may end the test process), so it is only for code that neither hangs nor exits.
    """

    name, ahead, share_files, slots = "in-process", 0, False, 1

    def __init__(self, payload: bytes, jobs: int, scheduler=None):
        import cloudpickle

        from adcheck.running.executors import CHUNK
        data = cloudpickle.loads(pickle.loads(payload)["blob"])
        self.chunk = CHUNK
        self.state = {"payload": None, "trace_dir": None, "deadlines": {}, "watchdog": None,
                      "seed": data["seed"], "timeout": None, "examples": data["examples"],
                      "full": data.get("full", False)}
        self.tasks = 0

    def submit(self, task):
        from adcheck.running import worker
        saved = dict(worker._STATE)
        worker._STATE.clear()
        worker._STATE.update(self.state)
        fut: Future = Future()
        try:
            fut.set_result(pickle.loads(pickle.dumps(worker.run_task(task))))
        except Exception as exc:  # noqa: BLE001  (the supervisor sees it as a worker would)
            fut.set_exception(exc)
        finally:
            worker._STATE.clear()
            worker._STATE.update(saved)
        self.tasks += 1
        return fut

    def wait(self, futures, seconds):
        return {f for f in futures if f.done()}

    def result(self, future):
        return "ok", future.result()

    def restart(self):
        raise AssertionError("a task ran past its limit in process: this test needs workers")

    def close(self):
        pass


def in_process(mp) -> list:
    """Make every ``adcheck run`` under the MonkeyPatch ``mp`` execute in this process
    (``InProcessExecutor``); returns the list of executors it makes."""
    from adcheck.running import executors
    made = []

    def make(kind, payload, jobs, scheduler=None):
        assert kind == "local", "in_process replaces local workers only"
        made.append(InProcessExecutor(payload, jobs, scheduler))
        return made[-1]
    mp.setattr(executors, "make_executor", make)
    return made
