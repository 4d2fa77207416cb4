"""Standard output that cannot change the exit code.

A run's verdict is its exit code. Printing the summary is a courtesy: a reader that stopped
reading (``adcheck run | head -n 1``: BrokenPipeError), a full disk (``>/dev/full``: ENOSPC) or
any other error writing stdout must neither turn a failing gate into exit 0 nor into a
traceback. ``tolerant_stdout()`` puts a thin wrapper in front of ``sys.stdout`` for the
command's lifetime: the first write or flush that fails points the stdout file descriptor at
the null device (what Python's documentation advises for SIGPIPE, and what keeps the
interpreter's own flush at exit from failing again and exiting 120), says so once on stderr
if stderr can still be written, and drops every later write. The command goes on and returns
its gate's code.
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import contextmanager


class TolerantStream:
    """A text stream that forwards to ``stream`` until a write fails, then drops output."""

    def __init__(self, stream, name: str = "stdout"):
        self._stream, self._name = stream, name
        self.failed: BaseException | None = None

    def write(self, text: str) -> int:
        if self.failed is None:
            try:
                return self._stream.write(text)
            except (OSError, ValueError) as exc:  # ValueError: a stream already closed
                self._fail(exc)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.failed is None:
            try:
                self._stream.flush()
            except (OSError, ValueError) as exc:
                self._fail(exc)

    def __getattr__(self, name):  # encoding, isatty, fileno, ... of the real stream
        return getattr(self._stream, name)

    def _fail(self, exc: BaseException) -> None:
        self.failed = exc
        _to_devnull(self._stream)
        what = ("was closed by its reader" if isinstance(exc, BrokenPipeError)
                else f"could not be written ({type(exc).__name__}: {exc})")
        try:
            print(f"adcheck: {self._name} {what}; the rest of the output is dropped, the exit "
                  "code is unaffected", file=sys.stderr, flush=True)
        except (OSError, ValueError, AttributeError):
            pass  # stderr is gone too: the exit code is all that is left to say it


def _to_devnull(stream) -> None:
    """Point ``stream``'s file descriptor at the null device, so that the data still in its
    buffer (flushed at exit) and later writes go nowhere instead of failing again."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return  # not a file (a test's capture, a StringIO): nothing will be flushed at exit
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
    except OSError:
        pass


@contextmanager
def tolerant_stdout():
    """``sys.stdout`` and ``sys.stderr`` are ``TolerantStream``s inside the block, flushed on
    leaving it (the summary's last lines are still in the buffer: they fail here, not at
    exit)."""
    saved = {}
    for name in ("stdout", "stderr"):
        real = getattr(sys, name)
        if real is not None and not isinstance(real, TolerantStream):
            saved[name] = (real, TolerantStream(real, name))
            setattr(sys, name, saved[name][1])
    try:
        yield sys.stdout
    finally:
        for _, wrapper in saved.values():
            wrapper.flush()
        for name, (real, wrapper) in saved.items():
            if getattr(sys, name) is wrapper:
                setattr(sys, name, real)
