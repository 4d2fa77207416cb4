"""A killed ``adcheck run`` leaves no worker behind: its loky workers (the cases' and the
sandbox's) notice the parent is gone and exit within seconds, and with them loky's resource
trackers, so the caller's stdout and stderr pipes reach their end (a CI step reading them
blocked for 700 s and more)."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GONE_WITHIN_S = 10.0

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="finds the run's processes in /proc")

# "case": each case's closed form says it started, then sleeps (under the default 60 s limit).
# "import": the plugin's import (run first in the sandbox's worker) says so, then sleeps.
PLUGIN = textwrap.dedent("""\
    import time
    from pathlib import Path
    from adcheck.identities import define
    HERE, WHERE = Path(__file__).parent, {where!r}
    if WHERE == "import" and not (HERE / "imported").exists():
        (HERE / "imported").touch()
        time.sleep(45)
    def slow(xp, x):
        (HERE / "working").touch()
        time.sleep(45)
        return 2 * x
    define(id='U.slow', section='user', title='t', citation='user', kind='gradient',
           f=lambda xp, x: xp.sum(x * x), closed_form=slow, inputs=lambda d: (d.reals((2,)),))
    """)


def _ppids() -> dict[int, int]:
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            out[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def _descendants(pid: int) -> set[int]:
    ppids, found, todo = _ppids(), set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in ppids.items() if pp == p} - found
        found |= kids
        todo.extend(kids)
    return found


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie (an orphan's zombie waits for init)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] \
            != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def _drain(stream, done: threading.Event) -> None:
    while stream.read(65536):
        pass
    done.set()


@pytest.mark.parametrize("where", ["case", "import"])
def test_sigkill_of_the_run_ends_its_workers_and_frees_the_pipes(tmp_path, where):
    (tmp_path / "slow_ids.py").write_text(PLUGIN.format(where=where))
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "adcheck", "run", "-p", "slow_ids", "-i", "U.slow", "-e",
         "reverse", "--examples", "4", "--jobs", "2", "--no-studies", "--out",
         str(tmp_path / "out")],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    marker = tmp_path / ("working" if where == "case" else "imported")
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never reached the slow code"
            time.sleep(0.05)
        time.sleep(0.5)  # every worker of the pool started
        workers = _descendants(proc.pid)
        assert workers
        proc.kill()
        proc.wait()
        t0 = time.monotonic()
        ends = []
        for stream in (proc.stdout, proc.stderr):
            done = threading.Event()
            threading.Thread(target=_drain, args=(stream, done), daemon=True).start()
            ends.append(done)
        for done in ends:
            assert done.wait(max(0.0, t0 + GONE_WITHIN_S - time.monotonic())), \
                f"a pipe of the killed run still open after {GONE_WITHIN_S} s: {workers}"
        while any(map(_alive, workers)) and time.monotonic() < t0 + GONE_WITHIN_S:
            time.sleep(0.05)
        left = sorted(p for p in workers if _alive(p))
        assert not left, f"still running {GONE_WITHIN_S} s after the run was killed: {left}"
        print(f"{where}: {len(workers)} process(es) gone, pipes closed "
              f"{time.monotonic() - t0:.2f} s after SIGKILL")
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in workers:  # a failing test leaves nothing behind (only the run's own)
            if _alive(p) and b"python" in _cmdline(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        proc.stdout.close()
        proc.stderr.close()


# A process started by a parent that is then killed: with the portable watch alone (prctl
# off; it sleeps, so the watch thread runs), or on Linux with the kernel's signal while it
# holds the interpreter (a catastrophic regular expression: no other thread runs).
CHILD = textwrap.dedent("""\
    import re, sys, time
    import adcheck.running.orphans as o
    if sys.argv[1] == "poll":
        o._die_with_parent_linux = lambda: None
    o.exit_with_parent()
    print("ready", flush=True)
    if sys.argv[1] == "poll":
        time.sleep(60)
    else:
        re.match(r"(a+)+$", "a" * 64 + "b")
    """)
PARENT = ("import subprocess, sys, time; "
          "c = subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]]); "
          "print(c.pid, flush=True); time.sleep(60)")


@pytest.mark.parametrize("how", ["poll", pytest.param("pdeathsig", marks=pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="prctl is Linux's"))])
def test_a_worker_exits_when_its_parent_is_killed(how):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD, how], env=env,
                              stdout=subprocess.PIPE, text=True)
    lines = {parent.stdout.readline().strip() for _ in range(2)}  # its pid; "ready"
    assert "ready" in lines, lines
    child = int((lines - {"ready"}).pop())
    try:
        parent.kill()
        parent.wait()
        t0 = time.monotonic()
        while _alive(child) and time.monotonic() < t0 + GONE_WITHIN_S:
            time.sleep(0.02)
        assert not _alive(child), f"{how}: the child outlived its parent by {GONE_WITHIN_S} s"
        print(f"{how}: the child exited {time.monotonic() - t0:.2f} s after its parent")
    finally:
        if _alive(child) and b"python" in _cmdline(child):
            os.kill(child, signal.SIGKILL)
        parent.stdout.close()
