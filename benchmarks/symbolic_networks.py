"""The symbolic engine on the catalogue's network identities: seconds and outcomes per identity.

Each identity's first N cases (``ADCHECK_SYMBOLIC_CASES``, default 100; seed 0, drawn as a run
draws them) go through the symbolic engine in this process, each under a 20 s alarm; printed:
CPU seconds, the slowest case, and how many cases ended ok (judged), not-applicable (declined
past the engine's budgets) or past the alarm. ``python -m benchmarks symbolic_networks``.
"""

from __future__ import annotations

import os
import signal
import time

IDENTITIES = ("B1.backprop-bias", "B1.backprop-per-output", "B1.backprop-weights",
              "B3.grad-of-grad", "B3.laplacian-tanh-network")
ALARM_S = 20


class _Late(BaseException):
    """Past the alarm (a BaseException: the engine's handlers must not swallow it)."""


def _late(*_):
    raise _Late


def main() -> None:
    from adcheck.engines import get
    from adcheck.identities import IDENTITIES as ALL
    from adcheck.judging.pipeline import compute
    from adcheck.running.draws import draw_case
    n = int(os.environ.get("ADCHECK_SYMBOLIC_CASES", "100"))
    engine = get("symbolic")
    signal.signal(signal.SIGALRM, _late)
    print(f"symbolic engine, {n} cases an identity (CPU s)")
    for ident in IDENTITIES:
        rec = ALL[ident]
        outcomes: dict = {}
        total, slowest = 0.0, 0.0
        for i in range(n):
            args = draw_case(rec, i, 0)
            t = time.process_time()
            signal.alarm(ALARM_S)
            try:
                status = compute(rec, engine, args).status
            except _Late:
                status = f"past {ALARM_S} s"
            finally:
                signal.alarm(0)
            dt = time.process_time() - t
            total, slowest = total + dt, max(slowest, dt)
            outcomes[status] = outcomes.get(status, 0) + 1
        said = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        print(f"  {ident:<28} {total:7.1f}  slowest {slowest:5.1f}  {said}")


if __name__ == "__main__":
    main()
