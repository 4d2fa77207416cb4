"""Progress of a run on stderr: a bar on a terminal, a plain line every few seconds otherwise
(CI logs stay alive without filling with carriage returns)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Counts finished cases; ``tick`` is called while waiting, so a quiet run still reports."""

    def __init__(self, stream=None, every_s: float = 10.0, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.every_s = every_s
        self.tty = self.stream.isatty() if tty is None else tty
        self.total = self.done = 0
        self.bar = None
        self.t0 = self.last = time.monotonic()

    def start(self, total: int) -> None:
        self.total = total
        if self.tty:
            try:
                from tqdm import tqdm
            except ImportError:
                self.tty = False
                return
            self.bar = tqdm(total=total, unit="case", file=self.stream, leave=False,
                            dynamic_ncols=True)

    def advance(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        self.tick()

    def tick(self) -> None:
        now = time.monotonic()
        if self.bar is None and now - self.last >= self.every_s:
            self.last = now
            pct = 100.0 * self.done / self.total if self.total else 100.0
            self.stream.write(f"adcheck: {self.done}/{self.total} cases ({pct:.0f}%), "
                              f"{now - self.t0:.0f} s\n")
            self.stream.flush()

    def say(self, text: str) -> None:
        """One line about the run (what it does now, when that is not counted in cases)."""
        if self.bar is not None:
            self.bar.write(f"adcheck: {text}", file=self.stream)
        else:
            self.stream.write(f"adcheck: {text}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
