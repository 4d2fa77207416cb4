"""Hand tasks to an executor, watch them, and turn a dead or hung worker into error verdicts.

Normal tasks run side by side. When a worker dies (its user code called ``os._exit``, aborted,
segfaulted, ran past the per-case limit, or the machine ran out of memory), every task that was
in flight becomes a suspect: its cases are rerun one at a time, alone, so the death is pinned
on one case. The worker's note of its phase then blames one engine (the case is rerun without
it) or, when it died drawing inputs or preparing the reference, the whole case.
"""

from __future__ import annotations

import collections
import time
from dataclasses import replace

from .worker import CaseResult, read_marks

GRACE_S = 60.0  # worker start-up and imports, on top of the per-case limits of a task


class Supervisor:
    """Run ``tasks`` (an iterable, consumed lazily) on ``executor``; yield CaseResults."""

    def __init__(self, executor, timeout: float | None, trace_dir=None, poll_s: float = 1.0):
        self.ex, self.timeout, self.trace_dir, self.poll_s = executor, timeout, trace_dir, poll_s
        self.suspects: collections.deque = collections.deque()
        self.blamed: dict = {}  # (task identity, case) -> {engine: CaseVerdict} already decided
        self.inflight: dict = {}  # future -> (task, started, suspect?)

    def run(self, tasks, on_wait=None):
        """Yield ``(task, [CaseResult])`` as tasks finish, in completion order."""
        self._it, self._more = iter(tasks), True
        while self._more or self.inflight or self.suspects:
            self._fill()
            if not self.inflight:
                continue
            done = self.ex.wait(list(self.inflight), self.poll_s)
            if on_wait:
                on_wait()
            for fut in done:
                task, _, suspect = self.inflight.pop(fut)
                yield from self._finished(task, suspect, *self.ex.result(fut))
            yield from self._check_deadlines()

    def _fill(self) -> None:
        """Submit work up to the executor's width; suspects run one at a time, alone."""
        if self.suspects:
            if not self.inflight:
                task = self.suspects.popleft()
                self.inflight[self.ex.submit(task)] = (task, time.monotonic(), True)
            return
        # Tasks queued beyond the workers (the executor's ``ahead``) keep each one busy across
        # the round trip from a finished task to the next: one for local processes, more for
        # Dask, whose results and submissions pass through a scheduler.
        while self._more and len(self.inflight) < self.ex.slots + self.ex.ahead:
            task = next(self._it, None)
            if task is None:
                self._more = False
                return
            self.inflight[self.ex.submit(task)] = (task, time.monotonic(), False)

    def _finished(self, task, suspect, status, value):
        if status == "ok":
            yield task, [self._with_blamed(task, r) for r in value]
            return
        if not suspect:
            self._suspect_all([task])
            return
        yield from self._blame(task, value)

    def _suspect_all(self, tasks) -> None:
        """Split ``tasks`` into one-case suspects (claims stay whole)."""
        for task in tasks:
            if task.claim or len(task.cases) <= 1:
                self.suspects.append(task)
            else:
                self.suspects.extend(replace(task, key=f"{task.key}.{i}", cases=(i,))
                                     for i in task.cases)

    def _blame(self, task, why):
        """A suspect died alone: error verdicts for the phase it died in, rerun the rest."""
        from adcheck.judging.cases import CaseVerdict
        index = task.cases[0] if task.cases else 0
        mark = read_marks(self.trace_dir, task.key) if self.ex.share_files else None
        phase, timed_out = (mark[1], mark[2]) if mark else ("", why == "timeout")
        note = self._note(phase, timed_out, why)
        slot = self.blamed.setdefault((task.identity, index), {})
        engines = list(task.engines)
        if phase in engines:
            slot[phase] = CaseVerdict("error", note=note)
            engines.remove(phase)
            if engines:
                self.suspects.appendleft(replace(task, key=task.key + "-", engines=tuple(engines)))
                return
        else:
            slot.update({e: CaseVerdict("error", note=note) for e in engines})
        yield task, [self._with_blamed(task, CaseResult(index, ()))]

    def _note(self, phase, timed_out, why) -> str:
        where = f" in {phase}" if phase else ""
        if timed_out or why == "timeout":
            return f"no result within the {self.timeout:g} s per-case limit (--timeout){where}"
        return f"{why}{where} (the case's user code ended its process)"

    def _with_blamed(self, task, result: CaseResult) -> CaseResult:
        earlier = self.blamed.pop((task.identity, result.index), None)
        if earlier:
            result.verdicts = {**earlier, **result.verdicts}
        return result

    def _check_deadlines(self):
        """A task past every case's limit holds its interpreter: end all workers, isolate."""
        if not self.timeout or not self.inflight:
            return
        now = time.monotonic()
        # A task's own budget, plus that of the tasks it may wait behind before it starts:
        # with ``ahead`` tasks queued over ``slots`` workers, ceil(ahead / slots) per worker.
        waits = -(-self.ex.ahead // self.ex.slots)
        biggest = max(max(1, len(t.cases)) for t, _, _ in self.inflight.values())
        late = [t for t, started, _ in self.inflight.values()
                if now - started > GRACE_S + self.timeout * (max(1, len(t.cases))
                                                             + waits * biggest)]
        if not late:
            return
        stuck = list(self.inflight.values())
        self.inflight.clear()
        self.ex.restart()
        if len(stuck) == 1 and stuck[0][2]:  # a lone suspect: it is the one
            yield from self._blame(stuck[0][0], "timeout")
        else:
            self._suspect_all([t for t, _, _ in stuck])
