"""The gate's cost table: CPU seconds per engine and per phase, per 100 cases, and the wall time.

``python -m benchmarks gate`` does two things:

1. An in-process driver walks the catalogue case by case, the way a worker does, and charges
   the process CPU time of each phase to it: drawing the inputs, the rounding bounds, the
   reference (the exact oracle of the closed form), each engine's own computation, and the
   judge (consensus, comparison, blame). Each engine runs the cases the gate gives it
   (``max_examples``), so the table says what an engine costs per 100 of its cases and what it
   costs the gate.
2. The gate itself (``adcheck run`` with the options of ``make verify``) in a subprocess: its
   wall time, and the overhead: the workers' CPU (wall x jobs) against the sum of the engines'
   own compute from the table.

Environment: ``ADCHECK_GATE_EXAMPLES`` (cases per identity of the in-process table, default 10;
figures are projected to 100), ``ADCHECK_GATE_RUN=0`` skips the subprocess,
``ADCHECK_GATE_ARGS`` replaces the subprocess's options (default: those of ``make verify``).
"""

from __future__ import annotations

import collections
import os
import shlex
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

VERIFY_ARGS = "--examples 100 --jobs 2 --selftest"


@contextmanager
def _charged(module, names, phases, phase):
    """Charge the CPU time of ``module.<names>`` calls to ``phases[phase]`` (benchmark only)."""
    saved = {n: getattr(module, n) for n in names}

    def wrap(fn):
        def timed(*a, **k):
            t0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                phases[phase] += time.process_time() - t0
        return timed
    for n, fn in saved.items():
        setattr(module, n, wrap(fn))
    try:
        yield
    finally:
        for n, fn in saved.items():
            setattr(module, n, fn)


def table(examples: int, seed: int = 0) -> dict:
    """CPU seconds per phase and per engine over ``examples`` cases of every identity."""
    import numpy as np

    from adcheck import engines as E
    from adcheck.identities import IDENTITIES
    from adcheck.judging import errmodel as em
    from adcheck.judging import pipeline, reference
    from adcheck.running.draws import draw_case, examples_for
    phases: dict = collections.Counter()
    per_engine: dict = collections.Counter()
    cases: dict = collections.Counter()
    names = list(E.ENGINES)
    judged_ids = [i for i, r in IDENTITIES.items() if r.kind not in ("cost", "property")]

    def call(fn, name):
        t0 = time.process_time()
        try:
            return fn()
        finally:
            per_engine[name] += time.process_time() - t0
            cases[name] += 1

    with _charged(em, ("derivative_bound", "function_bound"), phases, "bound"):
        for rid in judged_ids:
            rec = IDENTITIES[rid]
            live = [E.get(n) for n in names if not pipeline.applicability(rec, E.get(n))]
            for i in range(max((examples_for(e, examples) for e in live), default=0)):
                here = [e for e in live if i < examples_for(e, examples)]
                t0 = time.process_time()
                args = draw_case(rec, i, seed)
                t1 = time.process_time()
                phases["draw"] += t1 - t0
                bound0 = phases["bound"]
                with np.errstate(all="ignore"):
                    ctx = reference.prepare(rec, args)
                    t2 = time.process_time()
                    phases["reference"] += t2 - t1 - (phases["bound"] - bound0)
                    spent0 = sum(per_engine.values())
                    bound1 = phases["bound"]
                    pipeline.judge_case(rec, here, args, ctx=ctx, call=call)
                t3 = time.process_time()
                phases["judge"] += (t3 - t2 - (sum(per_engine.values()) - spent0)
                                    - (phases["bound"] - bound1))
                phases["cases"] += 1
    phases["engines"] = sum(per_engine.values())
    return {"phases": dict(phases), "engines": dict(per_engine), "cases": dict(cases),
            "identities": len(judged_ids)}


def gate_run(args: str) -> dict:
    """Wall and CPU time of one ``adcheck run`` in a fresh process (its workers included)."""
    out = tempfile.mkdtemp(prefix="adcheck-gate-")
    cmd = [sys.executable, "-m", "adcheck", "run", *shlex.split(args), "--out", out + "/r"]
    t0, c0 = time.perf_counter(), os.times()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    c1 = os.times()
    cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    return {"wall": time.perf_counter() - t0, "cpu": cpu, "exit": proc.returncode,
            "tail": proc.stdout.strip().splitlines()[-1:] + proc.stderr.strip().splitlines()[-2:],
            "command": "adcheck run " + args}


def report(t: dict, examples: int) -> list[str]:
    """The table's lines: per 100 cases of each engine, and what the gate spends on it."""
    scale = 100.0 / max(1, t["phases"]["cases"])
    lines = [f"in-process table: {t['identities']} identities x {examples} examples, "
             f"{t['phases']['cases']:.0f} cases; CPU seconds per 100 cases"]
    lines.append(f"{'phase':<22}{'CPU s/100 cases':>16}")
    for ph in ("draw", "bound", "reference", "engines", "judge"):
        lines.append(f"{ph:<22}{t['phases'].get(ph, 0.0) * scale:>16.2f}")
    lines.append(f"{'engine':<22}{'cases':>7}{'CPU s/100 of its cases':>24}")
    for name, sec in sorted(t["engines"].items(), key=lambda kv: -kv[1]):
        n = t["cases"][name]
        lines.append(f"{name:<22}{n:>7}{100.0 * sec / max(1, n):>24.2f}")
    return lines


def main() -> None:
    examples = int(os.environ.get("ADCHECK_GATE_EXAMPLES", "10"))
    t = table(examples)
    for line in report(t, examples):
        print(line)
    if os.environ.get("ADCHECK_GATE_RUN", "1") == "0":
        return
    args = os.environ.get("ADCHECK_GATE_ARGS", VERIFY_ARGS)
    g = gate_run(args)
    jobs = 2 if "--jobs" not in args else int(shlex.split(args)[shlex.split(args).index("--jobs")
                                                              + 1])
    print(f"gate: `{g['command']}`: wall {g['wall']:.1f} s, CPU {g['cpu']:.1f} s "
          f"(all processes), exit {g['exit']}")
    own = projected(t, examples, _gate_examples(args))
    print(f"engines' own compute projected to the gate: {own:.1f} CPU s; "
          f"overhead (CPU of the whole run / engines' compute): {g['cpu'] / max(own, 1e-9):.2f}; "
          f"wall x jobs / engines' compute: {g['wall'] * jobs / max(own, 1e-9):.2f}")
    for line in g["tail"]:
        print("  " + line)


def projected(t: dict, examples: int, gate_examples: int) -> float:
    """The engines' own CPU seconds in a gate of ``gate_examples`` per identity (each engine
    capped at its ``max_examples``, as in the run)."""
    from adcheck import engines as E
    total = 0.0
    for name, sec in t["engines"].items():
        cap = getattr(E.get(name), "max_examples", None) or 10**9
        total += sec * min(gate_examples, cap) / min(examples, cap)
    return total


def _gate_examples(args: str) -> int:
    parts = shlex.split(args)
    return int(parts[parts.index("--examples") + 1]) if "--examples" in parts else 100


if __name__ == "__main__":
    main()
