"""Hand tasks to an executor, watch them, and turn a dead or hung worker into error verdicts.

Normal tasks run side by side. When a worker dies (its user code called ``os._exit``, aborted,
segfaulted, ran past the per-case limit, or the machine ran out of memory), every task that was
in flight becomes a suspect: its cases are rerun one at a time, alone, so the death is pinned
on one case. The worker's note of its phase then blames one engine (the case is rerun without
it) or, when it died drawing inputs or preparing the reference, the whole case.

A shrink task (a failure replayed to a smaller input) is never split or blamed: it may take its
budget plus one case's limit, and one that dies or overruns ends with a note saying so. It runs
once more, alone, only when its worker may have been ended by another task's death.

A worker's watchdog thread ends a case at its deadline, unless the case holds the interpreter
(a long call into C, such as a catastrophic regular expression): then no other thread of that
process runs, and the supervisor ends the worker itself, HELD_GRACE_S after the deadline its
note gives (a hung regex under --timeout 2 once ran 128 s, said to be "within the 2 s limit").

Loading the run's code in a worker (its plugins, the modules its records come from) runs user
code before any case. A worker whose loading raised, exited or ran past the per-case limit, or
that died or held the interpreter while loading (ended then by the supervisor, as a case that
holds it), means the run's code cannot be loaded: the whole run is answered with that reason,
every case an error saying so (``load_failure``), instead of each case being rerun alone and
blamed on its own code (a plugin ending the workers at import once blamed every case of the
catalogue's identities too; one holding the interpreter ran the 60 s start-up grace twice).
"""

from __future__ import annotations

import collections
import os
import signal
import time
from dataclasses import replace

from .worker import (
    LOADING,
    CaseResult,
    died_loading,
    loading_failed,
    note_held,
    overdue,
    read_marks,
)

GRACE_S = 60.0  # worker start-up and imports, on top of the per-case limits of a task
# Past a case's deadline, what its worker's watchdog (polling every 50 ms) has to end it before
# the supervisor concludes that the case holds the interpreter and ends the worker itself.
HELD_GRACE_S = 2.0


class Supervisor:
    """Run ``tasks`` (an iterable, consumed lazily) on ``executor``; yield CaseResults."""

    def __init__(self, executor, timeout: float | None, trace_dir=None, poll_s: float = 1.0,
                 plugins=()):
        self.ex, self.timeout, self.trace_dir, self.poll_s = executor, timeout, trace_dir, poll_s
        self.plugins = tuple(plugins)
        self.load_failure = ""  # what loading the run's code did in a worker, if it failed
        self._restarted = 0.0  # when the supervisor last ended every worker (wall clock)
        self.suspects: collections.deque = collections.deque()
        self.blamed: dict = {}  # (task identity, case) -> {engine: CaseVerdict} already decided
        self.inflight: dict = {}  # future -> (task, started, suspect?)

    def run(self, tasks, on_wait=None):
        """Yield ``(task, [CaseResult])`` as tasks finish, in completion order."""
        self._it, self._more = iter(tasks), True
        while self._more or self.inflight or self.suspects:
            if self.load_failure:
                yield from self._unloadable()
                return
            self._fill()
            if not self.inflight:
                continue
            done = self.ex.wait(list(self.inflight), self.poll_s)
            if on_wait:
                on_wait()
            got = {fut: self.ex.result(fut) for fut in done}
            self._check_loading(got.values())
            if self.load_failure:
                continue
            for fut, (status, value) in got.items():
                task, _, suspect = self.inflight.pop(fut)
                yield from self._finished(task, suspect, status, value)
            self._end_held()
            yield from self._check_deadlines()

    def _check_loading(self, got) -> None:
        """Set ``load_failure`` when ``got`` (the (status, value) of tasks just ended) shows a
        worker unable to load the run's code: it answered so itself (loading raised or ran
        past the limit), or it died while loading. A worker ended by the pool beside another
        one's death may also leave a note of loading: a death counts as loading's only when no
        task in flight had begun a case (its note would say so), or when the supervisor ended
        the worker because its loading held the interpreter. Notes of workers loading when the
        supervisor ended them all (``_check_deadlines``) are not theirs to blame."""
        for status, value in got:
            if status == "ok" and value and getattr(value[0], "loading", ""):
                self.load_failure = value[0].loading
                return
        died = [value for status, value in got if status == "died"]
        if not died or not (self.ex.share_files and self.trace_dir):
            return
        every = list(died_loading(self.trace_dir))
        notes = [n for n in every if n.held or n.since > self._restarted]
        held = [n for n in notes if n.held]
        if held:
            self.load_failure = (
                f"loading it held the interpreter (a long call into C) for {held[0].elapsed:.0f}"
                f" s, past the {self.timeout:g} s per-case limit (--timeout), so the worker's "
                "own limit could not end it, and the supervisor ended the worker")
        elif notes and not any(read_marks(self.trace_dir, t.key)
                               for t, _, _ in self.inflight.values()):
            self.load_failure = f"loading it ended the worker process: {died[0]}"
        for note in every:  # read: a later death is judged by its own notes
            try:
                note.path.unlink()
            except OSError:
                pass

    def _unloadable(self):
        """Every task still to run, in flight or queued, answered with the load failure."""
        from adcheck.judging.cases import CaseVerdict
        note = loading_failed(self.plugins, self.load_failure)
        pending = [t for t, _, _ in self.inflight.values()] + list(self.suspects)
        pending += list(self._it)
        if self.inflight:
            self.ex.restart()  # a worker may still hold the interpreter, or wait to load
        self.inflight.clear()
        self.suspects.clear()
        self._more = False
        for task in pending:
            names = (task.shrink,) if task.shrink else task.engines
            yield task, [self._with_blamed(task, CaseResult(i, (), {
                e: CaseVerdict("error", note=note) for e in names}))
                for i in (task.cases[:1] if task.shrink else task.cases or (0,))]

    def _fill(self) -> None:
        """Submit work up to the executor's width; suspects run one at a time, alone (the
        last one too: no task starts beside a suspect still in flight)."""
        if self.suspects or any(suspect for _, _, suspect in self.inflight.values()):
            if self.suspects and not self.inflight:
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
        if task.shrink:
            yield from self._shrink_died(task, suspect, value)
            return
        if not suspect:
            mark = read_marks(self.trace_dir, task.key) if self.ex.share_files else None
            if mark and mark[2] and not task.claim and mark[0] in task.cases:
                # The worker's own watchdog ended it (its note says so, whatever the executor
                # reports: loky an exit status, Dask a dead worker), on the case the note
                # names: that case is the one, no rerun alone needed to find it (a death can
                # be another worker's doing; a watchdog's exit is not). The task's other cases
                # are rerun alone.
                index = mark[0]
                yield from self._blame(replace(task, cases=(index,)), "timeout", mark)
                rest = tuple(i for i in task.cases if i != index)
                self._suspect_all([replace(task, key=f"{task.key}.r", cases=rest)]
                                  if rest else [])
                return
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

    def _blame(self, task, why, mark=None):
        """A suspect died alone (or its worker's watchdog ended it: ``mark``): error verdicts
        for the phase it died in, rerun the rest."""
        from adcheck.judging.cases import CaseVerdict
        index = task.cases[0] if task.cases else 0
        if mark is None and self.ex.share_files:
            mark = read_marks(self.trace_dir, task.key)
        phase, timed_out = (mark[1], mark[2]) if mark else ("", why == "timeout")
        note = self._note(phase, timed_out, why, mark)
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

    def _shrink_died(self, task, suspect, why):
        """A shrink's worker died. It was the shrink's doing when it ran alone, when its worker
        noted a timeout, or when it had started on the only worker: it ends with a note.
        Otherwise another task's death may have ended it, and it runs again, alone."""
        mark = read_marks(self.trace_dir, task.key) if self.ex.share_files else None
        if suspect or (mark and (mark[2] or self.ex.slots == 1)):
            yield self._shrink_lost(task, "timeout" if mark and mark[2] else why)
        else:
            self.suspects.append(task)

    def _shrink_lost(self, task, why):
        """The (task, [CaseResult]) of a shrink that ended without a result."""
        from adcheck.judging.cases import CaseVerdict
        if why == "timeout":
            limit = f" (and {self.timeout:g} s a replay, --timeout)" if self.timeout else ""
            note = f"the search ran past its {task.budget_s:g} s budget{limit}"
        else:
            note = f"{why} while shrinking"
        return task, [CaseResult(task.cases[0], (), {task.shrink: CaseVerdict("error",
                                                                              note=note)})]

    def _note(self, phase, timed_out, why, mark=None) -> str:
        where = f" in {phase}" if phase else ""
        if mark is not None and mark.held:
            return (f"no result after {mark.elapsed:.0f} s, past the {self.timeout:g} s "
                    f"per-case limit (--timeout){where}: the code held the interpreter (a long "
                    "call into C, such as a regular expression), so its worker's watchdog could "
                    "not stop it, and the supervisor ended the worker")
        if timed_out or why == "timeout":
            return f"no result within the {self.timeout:g} s per-case limit (--timeout){where}"
        return f"{why}{where} (the case's user code ended its process)"

    def _end_held(self) -> None:
        """End the worker of a case that runs past its deadline while its own watchdog, which
        would have ended it, cannot run: the case holds the interpreter."""
        if not (self.timeout and self.ex.share_files and self.trace_dir and self.inflight):
            return
        keys = {t.key for t, _, _ in self.inflight.values()} | {LOADING}
        for pid, path, fields in list(overdue(self.trace_dir, keys, HELD_GRACE_S)):
            if _our_child(pid):
                note_held(path, fields)  # first: the death is read as this timeout
                try:
                    os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
                except OSError:
                    pass  # it ended on its own meanwhile

    def _with_blamed(self, task, result: CaseResult) -> CaseResult:
        earlier = self.blamed.pop((task.identity, result.index), None)
        if earlier:
            result.verdicts = {**earlier, **result.verdicts}
        return result

    def _allowance(self, task) -> float | None:
        """Seconds a task may run: one case's limit per case, plus a shrink's budget (which
        bounds a shrink even without --timeout); None for no limit."""
        per_case = self.timeout * max(1, len(task.cases)) if self.timeout else 0.0
        return (per_case + task.budget_s) or None

    def _check_deadlines(self):
        """A task past its allowance holds its interpreter: end all workers, isolate."""
        if not self.inflight:
            return
        now = time.monotonic()
        # A task's own allowance, plus that of the tasks it may wait behind before it starts:
        # with ``ahead`` tasks queued over ``slots`` workers, ceil(ahead / slots) per worker.
        waits = -(-self.ex.ahead // self.ex.slots)
        allowed = {t: self._allowance(t) for t, _, _ in self.inflight.values()}
        biggest = max((a for a in allowed.values() if a), default=0.0)
        late = [t for t, started, _ in self.inflight.values()
                if allowed[t] and now - started > GRACE_S + allowed[t] + waits * biggest]
        if not late:
            return
        stuck = list(self.inflight.values())
        self.inflight.clear()
        self._restarted = time.time()
        self.ex.restart()
        for t in late:  # a shrink past its budget is the one at fault: it ends, unrun again
            if t.shrink:
                yield self._shrink_lost(t, "timeout")
        rest = [s for s in stuck if not (s[0].shrink and s[0] in late)]
        if len(rest) == 1 and rest[0][2]:  # a lone suspect: it is the one
            yield from self._blame(rest[0][0], "timeout")
        else:
            self._suspect_all([t for t, _, _ in rest])


def _our_child(pid: int) -> bool:
    """Whether ``pid`` is a live process this one started (a worker; on systems without /proc,
    any live process the note names)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1]) == os.getpid()
    except FileNotFoundError:  # gone, or no /proc on this system
        return not os.path.isdir("/proc/self") and _alive(pid)
    except (OSError, ValueError, IndexError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
