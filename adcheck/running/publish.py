"""Publishing a run's outputs as one set: results.json, junit.xml and index.html together.

The three files carry one run id. They are written into a fresh sibling folder and swapped in
for ``--out`` by one rename (an atomic exchange where the OS has one), so a reader sees the old
set or the new one, never a mix. A lock beside the folder refuses a second run into the same
``--out`` while the first is at work, and a folder holding files adcheck did not write is
refused before any work: swapping it would hide them.

An ``--out`` that is a symlink is followed: the set is published into its target (the swap
happens beside the target) and the link stays. Whether this user may write the folder and its
parent (the staging folder and the lock live there) is checked before any work. A staging
folder is named after its run and its process (``.NAME.staging-RUNID-PID``); one whose process
is gone (a run killed while publishing) is removed by the next publish into the same folder.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import sys
import time
from pathlib import Path

from . import results as R  # looked up per call: each step can be interrupted in a test
from .catalogue import UsageError

OUTPUTS = {"index.html", "results.json", "junit.xml", ".gitignore"}


def check_out(text: str) -> Path:
    """The --out folder, refused up front when it cannot be published as one set."""
    out = Path(text)
    for p in (out, *out.parents):
        if p.exists() and not p.is_dir():
            raise UsageError(
                f"--out {text}: {p} is an existing file, not a folder; adcheck writes "
                "results.json, junit.xml and index.html into a folder: pass a folder path "
                "(created if missing) or move the file away")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in OUTPUTS)
        if foreign:
            raise UsageError(
                f"--out {text} holds files adcheck did not write ({', '.join(foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''}); the report is published by replacing "
                "the whole folder, so give it a folder of its own, e.g. --out reports")
    if out.resolve() == Path.cwd().resolve() or out.resolve() == Path(out.anchor).resolve():
        raise UsageError(f"--out {text} is the current or root folder; give the report a "
                         "folder of its own, e.g. --out reports")
    _writable(text, real_out(out))
    return out


def real_out(out) -> Path:
    """The folder ``out`` names, symlinks followed: where the set is published (a symlink
    ``--out`` stays a link to it)."""
    return Path(os.path.realpath(out))


def _writable(text: str, real: Path) -> None:
    """Refuse, before any work, an --out this user cannot publish into: the folder itself (its
    previous files are removed) and the folder it is in (or its nearest existing ancestor, where
    the missing folders are created), which holds the staging folder and the lock."""
    where = real.parent
    while not where.exists() and where != where.parent:
        where = where.parent
    for folder, why in ((real, "the previous report's files in it are replaced"),
                        (where, f"the report is built in a new folder beside {real.name} and "
                                "swapped in, next to a lock file")):
        if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
            shown = "" if str(real) == os.path.abspath(text) else f" (that is, {real})"
            raise UsageError(
                f"--out {text}{shown}: cannot write to {folder} ({why}); make it writable "
                "for this user or pass an --out in a folder it can write to, e.g. "
                "--out ./adcheck-report")


class OutLock:
    """An exclusive lock on ``--out`` for the whole run (a clear refusal if already held)."""

    def __init__(self, out: Path):
        real = real_out(out)  # one lock for a folder, whichever link names it
        self.out, self.path = out, real.parent / f".{real.name}.adcheck-lock"
        self.fh = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # no flock (Windows): runs into one --out are not serialised
            return self
        try:  # check_out said it may; a folder changed since (or never checked) says why
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115  held for the run
        except OSError as exc:
            raise UsageError(f"cannot write to {self.path.parent} (the lock of --out "
                             f"{self.out}): {exc.strerror or exc}; make it writable or pass an "
                             "--out in a folder you can write to") from None
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.seek(0)
            holder = self.fh.read().strip() or "another process"
            self.fh.close()
            raise UsageError(f"another adcheck run ({holder}) is writing to {self.out}; wait "
                             "for it to finish or pass another --out") from None
        self.fh.truncate(0)
        self.fh.write(f"pid {os.getpid()}")
        self.fh.flush()
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()  # closing releases the lock; the file stays (unlinking would race)
        return False


def publish(results: dict, out, baseline: dict | None = None, *, render=None) -> dict:
    """Write the three outputs of ``results`` into a staging folder and swap it in for ``out``.

    ``render(results, folder, baseline=...)`` writes the page (index.html) into the folder and
    returns its path, or None when it wrote none; the report layer passes it in (running
    produces results, the report renders them), and without it no page is written.
    Returns the final paths {"results", "junit", "html"?}. An interruption before the swap
    leaves the previous set untouched (the staging folder is removed).
    """
    if not results.get("run_id"):  # a file from before run ids: the set gets one now
        results = {**results, "run_id": R.new_run_id()}
    shown, out = Path(out), real_out(out)  # a symlink's target: the link stays
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    stage = out.parent / f"{_stage_prefix(out)}{results['run_id']}-{os.getpid()}"
    try:
        stage.mkdir()
        (stage / "results.json").write_text(R.dumps(results), encoding="utf-8")
        (stage / "junit.xml").write_text(R.junit(results), encoding="utf-8")
        html = render(results, stage, baseline=baseline) if render is not None else None
        if html:
            _stamp(Path(html), results["run_id"])
        _readable(stage)
        _swap(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    paths = {"results": shown / "results.json", "junit": shown / "junit.xml"}
    if (out / "index.html").exists():
        paths["html"] = shown / "index.html"
    return paths


def _stage_prefix(out: Path) -> str:
    return f".{out.name}.staging-"


# A staging folder without its process in its name (earlier versions named them
# .NAME.staging-RUNID) is taken as stale once it is this old: a publish takes seconds.
UNNAMED_STALE_S = 3600.0


def remove_stale(out: Path) -> list[Path]:
    """Remove the staging folders of ``out`` (a real path) whose process is gone: a run killed
    while publishing left them. One whose process lives (another publish at work) stays."""
    prefix, removed = _stage_prefix(out), []
    try:
        found = [p for p in out.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    for p in found:
        tail = p.name[len(prefix):].split("-")
        if len(tail) == 2 and tail[1].isdigit():
            if _alive(int(tail[1])):
                continue
        else:
            try:
                if time.time() - p.lstat().st_mtime < UNNAMED_STALE_S:
                    continue
            except OSError:
                continue
        try:
            if p.is_symlink() or not p.is_dir():
                p.unlink()
            else:
                shutil.rmtree(p)
            removed.append(p)
        except OSError:
            pass  # not ours to remove (another user's): it stays, as before
    return removed


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: a process of another user holds the pid
        return True
    return True


def _stamp(html: Path, run_id: str) -> None:
    """Put the run id into the page's head (once), so the page names the set it belongs to."""
    text = html.read_text(encoding="utf-8")
    meta = f'<meta name="adcheck-run-id" content="{run_id}">'
    if meta not in text:
        text = text.replace("<head>", "<head>\n" + meta, 1) if "<head>" in text \
            else f"<!-- adcheck run {run_id} -->\n" + text
        html.write_text(text, encoding="utf-8")


def _readable(folder: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(folder, 0o777 & ~mask)
    for p in folder.iterdir():
        os.chmod(p, 0o666 & ~mask)


def _swap(stage: Path, out: Path) -> None:
    """Make ``stage`` the folder ``out``; the old contents end up in ``stage`` (to delete)."""
    if not out.exists():
        os.rename(stage, out)
        return
    if _exchange(stage, out):
        return
    old = out.parent / f".{out.name}.old-{stage.name.split('.staging-', 1)[-1]}"
    os.rename(out, old)
    try:
        os.rename(stage, out)
    except BaseException:
        os.rename(old, out)
        raise
    os.rename(old, stage)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with Linux's renameat2(RENAME_EXCHANGE); False if absent."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0
