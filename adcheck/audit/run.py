"""``adcheck audit TARGET``: every operation × dtype as a task, run on workers, resumable.

Each (operation, dtype) is one task (``core.audit_op``), run on local worker processes (loky)
or a Dask cluster; each finished task is written at once to ``<out>/.audit-<target>/`` so that
an interrupted audit resumes where it stopped (a shard is reused only when it was made with the
same target version, samples, seed, orders and threshold). A task that raises, passes
``timeout`` or kills its worker becomes rows with status ``error`` or ``timed out``; the audit
goes on. The JSON and HTML outputs are written atomically at the end.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import signal
import sys
import threading
import time
from concurrent.futures import as_completed
from pathlib import Path

from adcheck.running.atomic import write_atomic

from . import core
from .ops import OPS, select

SCHEMA = "adcheck-audit/1"
DTYPES = ("float64", "float32")


def versions(target: str) -> dict:
    """The versions an audit's figures belong to."""
    import numpy
    out = {"numpy": numpy.__version__, "python": sys.version.split()[0]}
    try:
        from importlib.metadata import version
        out["adcheck"] = version("adcheck")
    except Exception:  # noqa: BLE001  not installed as a distribution
        out["adcheck"] = "unknown"
    if target == "torch":
        import torch
        out["torch"] = torch.__version__
    elif target == "jax":
        import jax
        import jaxlib
        out["jax"], out["jaxlib"] = jax.__version__, jaxlib.__version__
    import mpmath
    out["mpmath"] = mpmath.__version__
    return out


def _warm(target: str) -> None:
    core.library(target)


class _Late(BaseException):
    """The task's time is up (a BaseException: the broad handlers around a library's or the
    oracle's failures must not swallow it)."""


def _alarm(signum, frame):
    raise _Late()


def task(target, op, dtype, orders, samples, seed, threshold, timeout) -> list[dict]:
    """One task, never raising: its rows, or rows saying why there are none."""
    op = OPS.get(op, op) if isinstance(op, str) else op
    main = threading.current_thread() is threading.main_thread()
    if main and timeout:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return core.audit_op(target, op, dtype, orders, samples, seed, threshold)
    except _Late:
        return _failed(target, op, dtype, orders, "timed out",
                       f"not finished within --timeout {timeout:g} s")
    except Exception as e:  # noqa: BLE001  one operation failing never stops an audit
        return _failed(target, op, dtype, orders, "error", f"{type(e).__name__}: {e}"[:400])
    finally:
        if main and timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def _failed(target, op, dtype, orders, status, note) -> list[dict]:
    return [{"target": target, "op": op.name, "dtype": dtype, "order": o, "status": status,
             "kind": "elementwise" if op.elementwise else "array",
             "spelling": op.spelling(target), "domain": ", ".join(op.domains), "note": note}
            for o in orders if o <= op.order]


MEASURING = ("core.py", "draws.py", "measure.py", "oracle.py", "quantities.py")
"""The modules whose code decides a row's figures (the pages and reproducers are made from
the rows at the end, so a change there keeps the shards). An operation's own definition is
part of its shard's key (``_definition``): adding an operation keeps the others' shards."""


def _code() -> str:
    """A fingerprint of the measuring code (a shard made by other code is not reused)."""
    h = hashlib.sha256()
    for name in MEASURING:
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()[:16]


def _key(target, ver, samples, seed, orders, threshold) -> str:
    text = json.dumps([target, ver.get(target, ver.get("adcheck")), samples, seed,
                       list(orders), threshold, _code()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _shard_path(shards: Path, op_name: str, dtype: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in op_name)
    return shards / f"{safe}@{dtype}.json"


def _definition(op) -> str:
    """What of an operation decides its rows (its spellings, domains, shapes, kinks)."""
    return repr((op.name, op.domains, op.ns, op.torch, op.jax, op.shapes, op.kinks, op.order))


def _load_shard(path: Path, key: str, op):
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(
            data.get("rows"), list) or data.get("op") != _definition(op):
        return None
    return data["rows"]


def run_audit(target: str, *, ops: str = "*", dtypes=DTYPES, orders=(1, 2),
              samples: int = 1000, seed: int = 0, jobs: int = 2, executor: str = "loky",
              scheduler: str | None = None, out="reports/audit", baseline: dict | None = None,
              threshold: float = core.THRESHOLD, timeout: float | None = 900.0,
              extra_ops=(), progress=None, command: str = "") -> dict:
    """Audit ``target`` and write ``<out>/audit-<target>.json`` and ``.html``; returns the
    results dictionary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ver = versions(target)
    key = _key(target, ver, samples, seed, orders, threshold)
    shards = out / f".audit-{target}"
    shards.mkdir(exist_ok=True)
    chosen = select(target, ops) + list(extra_ops)
    todo, rows = [], []
    for op in chosen:
        for dt in dtypes:
            got = _load_shard(_shard_path(shards, op.name, dt), key, op) \
                if not extra_ops else None
            if got is not None:
                rows += got
            else:
                todo.append((op, dt))
    say = progress or (lambda text: print(text, file=sys.stderr, flush=True))
    total, done = len(chosen) * len(dtypes), len(chosen) * len(dtypes) - len(todo)
    if done:
        say(f"audit {target}: {done} of {total} tasks resumed from {shards}")
    t0 = time.perf_counter()
    for (op, dt), got in _execute(target, todo, orders, samples, seed, threshold, timeout,
                                  jobs, executor, scheduler):
        done += 1
        rows += got
        if op.name in OPS and OPS[op.name] is op:
            write_atomic(_shard_path(shards, op.name, dt), json.dumps(
                {"key": key, "op": _definition(op), "rows": got}))
        say(f"audit {target}: {done}/{total} {op.name} {dt}: {_brief(got)}")
    results = {
        "schema": SCHEMA, "target": target, "versions": ver, "command": command,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "parameters": {"ops": ops, "dtypes": list(dtypes), "orders": list(orders),
                       "samples": samples, "seed": seed, "threshold": threshold,
                       "jobs": jobs, "executor": executor},
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "resumed": total - len(todo),
        "rows": sorted(rows, key=_rank),
    }
    if baseline is not None:
        compare(results, baseline)
    from .report import write
    write(results, out)
    return results


def _rank(row) -> tuple:
    x = row.get("max_excess")
    return (-(x if isinstance(x, (int, float)) else -1.0), row["op"], row["order"],
            row["dtype"])


def _brief(rows) -> str:
    parts = []
    for r in rows:
        if r.get("status") != "measured":
            parts.append(f"order {r['order']} {r.get('status')}")
        elif r.get("max_ulps") is None:
            parts.append(f"order {r['order']} no finite result")
        else:
            parts.append(f"order {r['order']} max {r['max_ulps']:.3g} ulps "
                         f"({r['max_excess']:.3g} beyond conditioning)")
    return "; ".join(parts)


def _execute(target, todo, orders, samples, seed, threshold, timeout, jobs, executor,
             scheduler):
    """Yield ((op, dtype), rows) as tasks finish."""
    args = [(target, op if op.name not in OPS or OPS[op.name] is not op else op.name, dt,
             tuple(orders), samples, seed, threshold, timeout) for op, dt in todo]
    if not todo:
        return
    if executor == "dask":
        yield from _dask(todo, args, jobs, scheduler)
        return
    if jobs <= 1:
        for (op, dt), a in zip(todo, args):
            yield (op, dt), task(*a)
        return
    from loky import get_reusable_executor
    pool = get_reusable_executor(max_workers=jobs, initializer=_warm, initargs=(target,),
                                 timeout=60)
    futures = {pool.submit(task, *a): (op, dt) for (op, dt), a in zip(todo, args)}
    finished = False
    try:
        for fut in as_completed(futures):
            op, dt = futures[fut]
            try:
                got = fut.result()
            except Exception as e:  # noqa: BLE001  a worker died (a crash in the library)
                got = _failed(target, op, dt, orders, "error",
                              f"the worker running it died: {type(e).__name__}: {e}"[:400])
            yield (op, dt), got
        finished = True
    finally:
        if not finished:  # interrupted: no worker goes on computing for nobody
            pool.shutdown(wait=False, kill_workers=True)


def _dask(todo, args, jobs, scheduler):
    from dask.distributed import Client, LocalCluster, as_completed
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = {client.submit(task, *a, pure=False): item for item, a in zip(todo, args)}
        for fut in as_completed(list(futures)):
            op, dt = futures[fut]
            try:
                got = fut.result()
            except Exception as e:  # noqa: BLE001
                got = _failed(args[0][0], op, dt, args[0][3], "error",
                              f"the worker running it died: {type(e).__name__}: {e}"[:400])
            yield (op, dt), got
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ------------------------------------------------------------------------------- baseline

def compare(results: dict, baseline: dict) -> None:
    """Add to each row its baseline's figures and the change of its worst error."""
    old = {(r["op"], r["order"], r["dtype"]): r for r in baseline.get("rows", [])}
    results["baseline"] = {"versions": baseline.get("versions", {}),
                           "created": baseline.get("created")}
    for row in results["rows"]:
        b = old.get((row["op"], row["order"], row["dtype"]))
        if b is None:
            row["baseline"] = None
            continue
        row["baseline"] = {k: b.get(k) for k in ("status", "max_ulps", "max_excess")}
        now, then = row.get("max_excess"), b.get("max_excess")
        if isinstance(now, (int, float)) and isinstance(then, (int, float)):
            row["baseline"]["ratio"] = (now / then) if then else (1.0 if not now else "inf")
