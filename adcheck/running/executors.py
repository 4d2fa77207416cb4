"""Where tasks run: supervised local worker processes (loky) or a Dask cluster.

Both offer the same small interface to the supervisor (``adcheck.running.supervisor``):
``submit(task) -> future``, ``wait(futures, seconds) -> done``, ``result(future)`` which returns
``("ok", value)`` or ``("died", reason)``, ``restart()`` (end every worker, used for a hang that
holds the interpreter) and ``close()``. ``slots`` is how many tasks run at once; ``ahead`` how
many more the supervisor keeps queued so that no worker idles between two tasks; ``chunk`` how
many cases make one task (larger where each task costs more to hand out).
"""

from __future__ import annotations

import copy
import os
import re
import uuid
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import wait as cf_wait

from .worker import TIMEOUT_EXIT

CHUNK = 4  # cases per task on local workers: small enough to spread one identity widely

# loky replaces a worker that grew 300 MB past its size after its first task, taking it for a
# leak; a worker running torch and jax grows that much by their compiled-program caches alone,
# and each replacement imported them again (36 of 581 cases in 20 minutes). 2 GB still ends a
# true leak.
WORKER_ENV = {"LOKY_MAX_MEMORY_LEAK_SIZE": str(int(2e9))}


# --jobs asks for worker processes; the machine decides how many make sense. Each worker is a
# Python process holding numpy, sympy and the catalogue (a few hundred MB, more with torch or
# jax), and more than two a core only queue for the same cores: --jobs 1000 on 2 cores started
# 109 workers for one case, took 2.6 GiB and did not end within 60 s of Ctrl-C.
JOBS_PER_CORE = 2
WORKER_BYTES = 300 * 2**20  # what one worker is allowed of the available memory


def usable_cpus() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def available_memory() -> int | None:
    """Bytes of memory available to new processes (MemAvailable, lowered by a cgroup v2
    limit); None where the OS does not say."""
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            return None
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = int(f.read().strip())
        if limit != "max":
            avail = min(avail, max(0, int(limit) - used))
    except (OSError, ValueError):
        pass
    return avail


def cap_jobs(requested: int, cpus: int | None = None,
             memory: int | None | bool = True) -> tuple[int, str]:
    """(workers, why) for ``--jobs requested``: at most JOBS_PER_CORE a core and one per
    WORKER_BYTES of available memory, at least one. ``why`` is "" when nothing was capped, else
    the sentence saying what capped it. ``cpus``/``memory`` default to this machine's figures
    (``memory=None``: unknown, no memory cap)."""
    cpus = usable_cpus() if cpus is None else max(1, int(cpus))
    memory = available_memory() if memory is True else memory
    limits = [(JOBS_PER_CORE * cpus, f"{cpus} CPU core(s) allow {JOBS_PER_CORE * cpus} "
                                     f"({JOBS_PER_CORE} a core)")]
    if memory is not None:
        n = max(1, int(memory // WORKER_BYTES))
        limits.append((n, f"{memory / 2**30:.1f} GiB of available memory allows {n} (about "
                          f"{WORKER_BYTES // 2**20} MB a worker)"))
    jobs = min([requested] + [n for n, _ in limits])
    if jobs >= requested:
        return requested, ""
    why = "; ".join(text for n, text in limits if n == jobs)
    return jobs, f"--jobs {requested} capped to {jobs} worker(s): {why}"


class LocalExecutor:
    """``jobs`` loky worker processes (spawned, so no state leaks from the parent)."""

    name = "local"
    ahead = 1  # loky hands a finished worker the next queued task itself
    chunk = CHUNK
    share_files = True

    def __init__(self, payload: bytes, jobs: int):
        self.payload, self.slots, self._pool = payload, jobs, None

    def _executor(self):
        if self._pool is None:
            from loky import ProcessPoolExecutor

            from .worker import loky_initializer
            self._pool = ProcessPoolExecutor(max_workers=self.slots,
                                             initializer=loky_initializer,
                                             initargs=(self.payload,), env=WORKER_ENV)
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


# A LocalCluster shares the machine with its workers: its scheduler and nannies run in this
# process. Dask's default housekeeping (a 20 ms event-loop tick in every process, a 100 ms
# memory poll per nanny, 0.5 s system monitor, work stealing, which queued root tasks do not
# need) took 37 ms of CPU a second idle, 12 ms with these settings (idle 30 s, 2 workers).
QUIET_LOCAL = {"distributed.admin.tick.interval": "200ms",
               "distributed.worker.memory.monitor-interval": "1s",
               "distributed.admin.system-monitor.interval": "2s",
               "distributed.scheduler.work-stealing": False}


class DaskExecutor:
    """Tasks on a Dask cluster: a LocalCluster of ``jobs`` workers, or ``scheduler``'s."""

    name = "dask"
    # Each task also costs the scheduler, the client and the worker a few ms of CPU (on a
    # LocalCluster, the machine the workers run on): 8 cases a task halve it.
    chunk = 2 * CHUNK

    def __init__(self, payload: bytes, jobs: int, scheduler: str | None = None):
        import dask
        from distributed import Client, LocalCluster
        self.cluster = None
        if scheduler is None:
            # No retries: a task on a worker that died is the suspect, and retrying it elsewhere
            # would only kill more workers before the supervisor gets to isolate it.
            # The settings are read when the scheduler and nannies start, and the nannies hand
            # their copy (a deep one: the ``with`` puts Dask's own tree back on leaving) to
            # every worker they start or restart; the caller's Dask settings stay as they were.
            with dask.config.set({"distributed.scheduler.allowed-failures": 0, **QUIET_LOCAL}):
                mine = copy.deepcopy(dask.config.config)
                self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1,
                                            processes=True, dashboard_address=None, config=mine)
                self.client = Client(self.cluster)
        else:
            self.client = Client(scheduler, timeout=30)
        self.share_files = scheduler is None
        self.slots = max(1, sum(w.get("nthreads", 1) for w in
                                self.client.scheduler_info()["workers"].values()))
        # A result and the next submission each cross the scheduler: with one task queued,
        # a LocalCluster of 2 on 2 cores idled a worker per round trip (100 examples of the
        # catalogue: 73 s, against 59-60 s with 2 to 8 queued and 59 s for local processes).
        self.ahead = max(2, self.slots)

        from .daskplugin import PayloadPlugin
        # The payload reaches every worker, including those that replace a dead one, as a
        # plugin: one name per run, so runs sharing a scheduler keep their own.
        self._token, self._count = uuid.uuid4().hex[:12], 0
        self._plugin = f"adcheck-payload-{self._token}"
        self.client.register_plugin(PayloadPlugin(payload), name=self._plugin)

    def submit(self, task):
        from .daskplugin import run_task_on_worker
        # A key per submission: runs sharing a scheduler never share a task, and a task
        # resubmitted after its worker died is not taken for its erred first attempt.
        self._count += 1
        return self.client.submit(run_task_on_worker, self._plugin, task, pure=False,
                                  key=f"adcheck-{self._token}-{self._count}-{task.key}")

    def wait(self, futures, seconds):
        from distributed import wait
        from distributed.client import FuturesCancelledError
        from distributed.client import TimeoutError as DaskTimeout
        try:
            return wait(list(futures), timeout=seconds, return_when=FIRST_COMPLETED).done
        except (DaskTimeout, TimeoutError):
            return set()
        except FuturesCancelledError:  # the scheduler gave up on some: they are done, as dead
            return {f for f in futures if f.cancelled()}

    def result(self, future):
        from concurrent.futures import CancelledError

        from distributed import KilledWorker
        try:
            return "ok", future.result()
        except KilledWorker:
            return "died", "its Dask worker died"
        except CancelledError:
            return "died", "its Dask task was cancelled by the scheduler"

    def restart(self):
        self.client.restart()  # the plugin, kept by the scheduler, reaches the new workers

    def close(self):
        try:
            self.client.unregister_worker_plugin(self._plugin)
        except Exception:  # noqa: BLE001  (a scheduler already gone keeps nothing to remove)
            pass
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(kind: str, payload: bytes, jobs: int, scheduler: str | None = None):
    """The executor named by ``--executor`` ("local" or "dask")."""
    if kind == "dask":
        return DaskExecutor(payload, jobs, scheduler)
    return LocalExecutor(payload, jobs)
