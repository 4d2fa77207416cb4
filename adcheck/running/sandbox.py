"""User code the run needs before its workers exist, run first in a process of its own.

`adcheck run` imports its plugins (``-p`` modules and ``adcheck.plugins`` entry points) to learn
their identities, and writes each identity's proof status (a ``prove=`` hook, or the suite's
sympy proof, which calls ``f`` and ``extra["proof"]``). Both are user code, and in the parent a
plugin or a proof that called ``os._exit(0)`` ended the run with exit 0 and no outputs, and one
that slept ignored ``--timeout``. Here each runs in one spawned worker process under the
per-case limit, as the cases do:

- a plugin that raises, exits, crashes or hangs while being imported is a usage error naming it,
  before the parent imports anything (it imports only what imported cleanly here);
- a proof that exits, crashes, hangs or raises SystemExit/KeyboardInterrupt is an error of its
  identity (one that raises an exception is, as before, "numeric" with the reason: sympy could
  not prove it, the numerical checks stand).

A record whose proof status needs none of its code (cached, or no symbolic form applies) is
read here in the parent, and a run that needs neither starts no process.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import TimeoutError as FutureTimeout
from importlib import metadata

from .catalogue import ENTRY_POINT_GROUP, UsageError
from .statements import proof_status
from .supervisor import GRACE_S


def check_imports(plugins, timeout: float | None) -> None:
    """Import ``plugins`` and the entry points in a worker first; raise UsageError naming the
    plugin when that raised, ended the process or ran past ``timeout`` seconds."""
    if not plugins and not list(metadata.entry_points(group=ENTRY_POINT_GROUP)):
        return
    box = _Box()
    try:
        status, value = box.call(_import_plugins, list(sys.path), list(plugins),
                                 limit=timeout)
    finally:
        box.close()
    if status == "raised":
        raise value
    if status != "ok":
        names = ", ".join(map(repr, plugins)) or "the adcheck.plugins entry points"
        raise UsageError(f"plugin {names} {_what(status, value, timeout)} while being "
                         "imported; a plugin module should only define identities")


def proof_statuses(records, plugins, timeout: float | None) -> tuple[dict, dict]:
    """({id: {"status", "detail"}} of every record, {id: note} of each whose proof ended its
    process, ran past ``timeout`` or raised SystemExit/KeyboardInterrupt)."""
    statuses, errors, box = {}, {}, None
    try:
        for rec in records:
            if not needs_its_code(rec):
                statuses[rec.id] = proof_status(rec)
                continue
            box = box or _Box(WARM_PROOFS)
            status, value = box.call(_prove, list(sys.path), list(plugins), _pickled(rec),
                                     limit=timeout)
            if status == "ok" and "error" not in value:
                statuses[rec.id] = value
                continue
            why = value["error"] if status == "ok" else _what(status, value, timeout)
            errors[rec.id] = f"its proof {why}"
            statuses[rec.id] = {"status": "numeric",
                                "detail": f"the proof did not finish: it {why}"}
    finally:
        if box is not None:
            box.close()
    return statuses, errors


def needs_its_code(rec) -> bool:
    """Whether the proof status of ``rec`` runs code of the record's author: a ``prove=``
    hook of theirs, or the suite's sympy proof when no cache already holds it."""
    prove = rec.prove
    if prove is None:
        return False
    if getattr(prove, "default", False):
        from adcheck.identities.proofs import known
        return known(rec) is None
    return not getattr(prove, "__module__", "").startswith("adcheck.")


def mark_errors(records: list[dict], errors: dict) -> None:
    """Each record of an identity whose proof did not finish gets one more case, an error
    saying why: the identity errored, and the run fails, as for a case's own user code."""
    for r in records:
        note = errors.get(r["identity"])
        if not note:
            continue
        counts = r.setdefault("counts", {})
        counts["error"] = int(counts.get("error", 0)) + 1
        r["examples"] = int(r.get("examples", 0)) + 1
        r["outcome"] = "error" if r["outcome"] != "fail" else "fail"
        r["message"] = f"{r['identity']}: ERROR of the identity: {note}\n{r['message']}"


def _what(status: str, value, limit) -> str:
    if status == "timeout":
        return f"gave no result within the {limit:g} s per-case limit (--timeout)"
    return f"ended its process ({value})"


def _pickled(rec) -> bytes:
    import cloudpickle
    return cloudpickle.dumps(rec)


# ----------------------------------------------------------------------------- in the worker

def _setup(sys_path, plugins, entry_points) -> None:
    from .catalogue import load_plugins
    sys.path[:0] = [p for p in sys_path if p not in sys.path]
    load_plugins(plugins, entry_points=entry_points)


def _import_plugins(sys_path, plugins) -> None:
    """Runs in the worker: the imports the parent is about to make."""
    try:
        _setup(sys_path, plugins, entry_points=True)
    except BaseException as exc:  # noqa: BLE001  KeyboardInterrupt too: say which plugin
        if isinstance(exc, UsageError):
            raise
        from .worker import describe
        raise UsageError(f"plugin(s) {', '.join(map(repr, plugins))} raised {describe(exc)} "
                         "while being imported") from None


def _prove(sys_path, plugins, blob: bytes) -> dict:
    """Runs in the worker: one record's proof status, or {"error": what it did}."""
    import cloudpickle

    from .worker import describe
    try:
        _setup(sys_path, plugins, entry_points=False)
        return proof_status(cloudpickle.loads(blob))
    except BaseException as exc:  # noqa: BLE001  SystemExit, KeyboardInterrupt: user code's
        return {"error": f"raised {describe(exc)}"}


# adcheck's own modules that a plugin or a proof imports: loaded when the worker starts, so
# that --timeout measures the user's code, not adcheck's imports (seconds on a loaded machine).
WARM = ("numpy", "adcheck.identities", "adcheck.engines")
WARM_PROOFS = WARM + ("adcheck.identities.proofs", "adcheck.running.statements", "cloudpickle")


def _ready(modules=()) -> bool:
    import importlib
    for name in modules:
        importlib.import_module(name)
    return True


def _ignore_sigint() -> None:
    """Ctrl-C is the parent's to handle (it ends this worker with the run); a parent killed
    outright ends it too (``adcheck.running.orphans``)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .orphans import exit_with_parent
    exit_with_parent()


# ----------------------------------------------------------------------------- the worker

class _Box:
    """One loky worker process, started on first use, replaced after it dies or overruns."""

    def __init__(self, warm=WARM):
        self.pool, self.warm = None, warm

    def call(self, fn, *args, limit: float | None):
        """("ok", value), ("raised", exception), ("died", why) or ("timeout", seconds) of
        ``fn(*args)`` in the worker, given ``limit`` seconds once the worker is up."""
        from concurrent.futures.process import BrokenProcessPool

        from .executors import _exit_text
        t0 = time.monotonic()
        try:
            if self.pool is None:  # start-up and imports are not the user code's time
                self.pool = self._start()
                self.pool.submit(_ready, self.warm).result(timeout=GRACE_S)
            t0 = time.monotonic()
            return "ok", self.pool.submit(fn, *args).result(timeout=limit)
        except FutureTimeout:
            self.close()
            return "timeout", time.monotonic() - t0
        except BrokenProcessPool as exc:
            self.pool = None
            return "died", _exit_text(str(exc))
        except UsageError as exc:
            return "raised", exc

    @staticmethod
    def _start():
        from loky import ProcessPoolExecutor

        from .executors import WORKER_ENV
        return ProcessPoolExecutor(max_workers=1, initializer=_ignore_sigint, env=WORKER_ENV)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, kill_workers=True)
            self.pool = None
