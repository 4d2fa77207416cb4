"""Where tasks run: supervised local worker processes (loky) or a Dask cluster.

Both offer the same small interface to the supervisor (``adcheck.supervisor``):
``submit(task) -> future``, ``wait(futures, seconds) -> done``, ``result(future)`` which returns
``("ok", value)`` or ``("died", reason)``, ``restart()`` (end every worker, used for a hang that
holds the interpreter) and ``close()``. ``slots`` is how many tasks run at once.
"""

from __future__ import annotations

import re
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import wait as cf_wait

from .worker import TIMEOUT_EXIT


class LocalExecutor:
    """``jobs`` loky worker processes (spawned, so no state leaks from the parent)."""

    name = "local"

    def __init__(self, payload: bytes, jobs: int):
        self.payload, self.slots, self._pool = payload, jobs, None
        self.share_files = True

    def _executor(self):
        if self._pool is None:
            from loky import ProcessPoolExecutor

            from .worker import loky_initializer
            self._pool = ProcessPoolExecutor(max_workers=self.slots,
                                             initializer=loky_initializer,
                                             initargs=(self.payload,))
        return self._pool

    def submit(self, task):
        from .worker import run_task
        try:
            return self._executor().submit(run_task, task)
        except RuntimeError:  # a pool broken by a dead worker refuses work: start a fresh one
            self.restart()
            return self._executor().submit(run_task, task)

    def wait(self, futures, seconds):
        return cf_wait(futures, timeout=seconds, return_when=FIRST_COMPLETED)[0]

    def result(self, future):
        from concurrent.futures.process import BrokenProcessPool
        try:
            return "ok", future.result()
        except BrokenProcessPool as exc:
            self._pool = None  # loky ended the others; the next submit starts fresh workers
            return "died", _exit_text(str(exc))

    def restart(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False, kill_workers=True)
            self._pool = None

    def close(self):
        self.restart()


def _exit_text(message: str) -> str:
    """'exit status 3' / 'killed by signal SIGSEGV' from loky's message about a dead worker."""
    codes = re.findall(r"(EXIT|SIG\w+)\((-?\d+)\)", message)
    if not codes:
        return "its worker process died"
    kind, num = codes[0]
    if kind == "EXIT" and int(num) == TIMEOUT_EXIT:
        return "timeout"
    if kind == "EXIT":
        return f"its worker process exited with status {num}"
    return f"its worker process was killed by {kind}"


class DaskExecutor:
    """Tasks on a Dask cluster: a LocalCluster of ``jobs`` workers, or ``scheduler``'s."""

    name = "dask"

    def __init__(self, payload: bytes, jobs: int, scheduler: str | None = None):
        import dask
        from distributed import Client, LocalCluster
        self.cluster = None
        if scheduler is None:
            # A task on a worker that died is the suspect: retrying it elsewhere would only
            # kill more workers before the supervisor gets to isolate it.
            dask.config.set({"distributed.scheduler.allowed-failures": 0})
            self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            self.client = Client(scheduler, timeout=30)
        self.share_files = scheduler is None
        self.slots = max(1, sum(w.get("nthreads", 1) for w in
                                self.client.scheduler_info()["workers"].values()))
        import uuid
        self._bytes, self._token, self._count = payload, uuid.uuid4().hex[:12], 0
        self._payload = self.client.scatter(payload, broadcast=True, hash=True)

    def submit(self, task):
        from .worker import run_task_with
        # A key per submission: runs sharing a scheduler never share a task, and a task
        # resubmitted after its worker died is not taken for its erred first attempt.
        self._count += 1
        return self.client.submit(run_task_with, self._payload, task, pure=False,
                                  key=f"adcheck-{self._token}-{self._count}-{task.key}")

    def wait(self, futures, seconds):
        from distributed import wait
        from distributed.client import TimeoutError as DaskTimeout
        try:
            return wait(list(futures), timeout=seconds, return_when=FIRST_COMPLETED).done
        except (DaskTimeout, TimeoutError):
            return set()

    def result(self, future):
        from distributed import KilledWorker
        try:
            return "ok", future.result()
        except KilledWorker:
            return "died", "its Dask worker died"

    def restart(self):
        self.client.restart()  # scattered data goes with the workers: hand it out again
        self._payload = self.client.scatter(self._bytes, broadcast=True, hash=True)

    def close(self):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(kind: str, payload: bytes, jobs: int, scheduler: str | None = None):
    """The executor named by ``--executor`` ("local" or "dask")."""
    if kind == "dask":
        return DaskExecutor(payload, jobs, scheduler)
    return LocalExecutor(payload, jobs)
