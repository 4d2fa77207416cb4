"""Run every benchmark (``python -m benchmarks``) or the named ones (``python -m benchmarks mlp``).

Threads are pinned to one before numpy is imported, so BLAS timings compare like with like.
"""

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import importlib  # noqa: E402
import pkgutil  # noqa: E402
import sys  # noqa: E402

import benchmarks  # noqa: E402


def discover() -> list[str]:
    """Names of the benchmark modules: public modules of this package defining ``main``."""
    names = []
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        if callable(getattr(module, "main", None)):
            names.append(info.name)
    return sorted(names)


def run(argv: list[str]) -> int:
    """Run the benchmarks named in ``argv`` (all when empty); return an exit code."""
    known = discover()
    wanted = argv or known
    unknown = [n for n in wanted if n not in known]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(known)}",
              file=sys.stderr)
        return 2
    for name in wanted:
        print(f"== benchmarks.{name}")
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
