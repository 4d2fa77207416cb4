"""The run's payload on every Dask worker, including workers started after a death.

A scattered payload lives on the workers that hold it: when every one of them dies (user code
that exits, a hang ended by the watchdog), the tasks that depend on it are cancelled for "lost
dependencies". A worker plugin is kept by the scheduler and set up on each worker that joins,
so a replaced worker has the payload before its first task.
"""

from __future__ import annotations

from distributed import WorkerPlugin, get_worker


class PayloadPlugin(WorkerPlugin):
    """Holds one run's pickled payload; installed into the worker by its first task."""

    def __init__(self, payload: bytes):
        self.payload = payload

    def setup(self, worker) -> None:  # importing the payload's modules here would block the
        pass                          # worker's event loop: the first task installs it


def run_task_on_worker(name: str, task):
    """Install the payload of plugin ``name`` (once per process), then run ``task``."""
    from .worker import install, run_task
    install(get_worker().plugins[name].payload)
    return run_task(task)
