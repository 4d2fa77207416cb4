"""Fixtures of the judge's tests.

``in_process``: ``adcheck run`` (``runner.run``, ``main(["run", ...])``, the selftest) runs its
tasks in the test's own process instead of starting loky workers. A worker process costs about
a second of CPU to start (it imports the catalogue); most tests are about what is judged, not
where. The tests about processes (dying, hanging, several workers, Dask) keep real workers:
``test_supervisor``, ``test_executors`` and the process tests of ``test_runner`` and ``test_cli``.
"""

from __future__ import annotations

import pickle
from concurrent.futures import Future

import pytest


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
                      "seed": data["seed"], "timeout": None, "examples": data["examples"]}
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


@pytest.fixture
def in_process(monkeypatch):
    """Every run of the test executes in this process; yields the executors it made."""
    from adcheck.running import executors
    made = []

    def make(kind, payload, jobs, scheduler=None):
        assert kind == "local", "in_process replaces local workers only"
        made.append(InProcessExecutor(payload, jobs, scheduler))
        return made[-1]
    monkeypatch.setattr(executors, "make_executor", make)
    return made


@pytest.fixture
def no_shrink():
    """Failures are not shrunk: for tests about a verdict, not about its smallest input (a
    failing record's shrink searches for up to its budget, ``adcheck.judging.shrink``)."""
    from adcheck.judging.shrink import disabled
    with disabled():
        yield
