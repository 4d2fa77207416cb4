"""How decisive the acceptance cases are: verdicts and inconclusive engine verdicts.

Every (function, signature) case of ``tests/acceptance`` is checked twice, as its test does
(the default engines plus the exact oracle, every engine run) and with ``check()``'s own
default (two stages): the verdicts of each, and how many engine verdicts were inconclusive, by
engine. ``python -m benchmarks acceptance_counts`` runs it from the repository root.
"""

from __future__ import annotations

import collections
import sys
import warnings


def counts() -> dict:
    sys.path.insert(0, ".")
    from tests.acceptance import test_numpy_functions as T
    verdicts, engines, default = (collections.Counter() for _ in range(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in T.CASES:
            rep = T._run(case, engines=T._engines(case))
            verdicts[rep.verdict] += 1
            engines.update(n for n, ev in rep.engines.items() if ev.outcome == "inconclusive")
            default[T._run(case).verdict] += 1
    return {"cases": len(T.CASES), "verdicts": dict(verdicts),
            "inconclusive engine verdicts": dict(engines), "default engines": dict(default)}


def main() -> None:
    c = counts()
    print(f"{c['cases']} acceptance cases")
    print(f"  every engine: verdicts {c['verdicts']}; inconclusive engine verdicts "
          f"{c['inconclusive engine verdicts']} "
          f"(total {sum(c['inconclusive engine verdicts'].values())})")
    print(f"  check()'s default engines: verdicts {c['default engines']}")


if __name__ == "__main__":
    main()
