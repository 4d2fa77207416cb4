"""Worker processes end with the process that started them.

A killed ``adcheck run`` (SIGKILL, the out-of-memory killer, a CI runner ending the step) has no
chance to end its loky workers. Left alone they went on with their tasks and then waited for
more, for 700 s and longer, and they and loky's resource trackers (which end when the workers
do) held the caller's stdout and stderr open: a CI step reading them never saw the end. Each
worker calls ``exit_with_parent`` at its start:

- on Linux the kernel kills it when its parent dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``),
  even while user code holds the interpreter in a long call into C;
- everywhere a daemon thread compares ``os.getppid()`` with the parent every second and ends
  the process when it changed (the worker was handed to init or a subreaper).

PR_SET_PDEATHSIG fires when the *thread* that started the worker ends. The pools that start
workers live and close within one call on one thread (a run, a sandbox call), and loky's own
manager thread, which starts a replacement worker, lives as long as its pool.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

POLL_S = 1.0
ORPHANED_EXIT = 88  # the status of a worker that ended because its parent was gone

_WATCHING: dict = {}


def exit_with_parent(poll_s: float = POLL_S) -> None:
    """End this process (at once, no clean-up) when its parent dies. Idempotent: one watch a
    process."""
    if _WATCHING:
        return
    parent = _WATCHING["parent"] = os.getppid()
    _die_with_parent_linux()
    if os.getppid() != parent or not _starter_alive():  # gone before the watch was set
        os._exit(ORPHANED_EXIT)
    threading.Thread(target=_watch, args=(parent, poll_s), name="adcheck-parent-watch",
                     daemon=True).start()


def _starter_alive() -> bool:
    """Whether the process that started this one (multiprocessing and loky record its pid)
    still exists: one that died before the watch was set left this worker to init, whose pid
    os.getppid() then gives."""
    import multiprocessing
    proc = multiprocessing.parent_process()
    if proc is None or not proc.pid:
        return True
    try:
        os.kill(proc.pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _die_with_parent_linux() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import ctypes.util
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no libc or no prctl: the thread below still watches
        pass


def _watch(parent: int, poll_s: float) -> None:
    import time
    while True:
        time.sleep(poll_s)
        if os.getppid() != parent:
            os._exit(ORPHANED_EXIT)
