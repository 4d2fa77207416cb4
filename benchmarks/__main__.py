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


def module_names() -> list[str]:
    """Public modules of this package (found without importing them)."""
    return sorted(info.name for info in pkgutil.iter_modules(benchmarks.__path__)
                  if not info.name.startswith("_"))


def discover() -> list[str]:
    """Names of the benchmark modules: public modules of this package defining ``main``."""
    names = []
    for name in module_names():
        module = importlib.import_module(f"benchmarks.{name}")
        if callable(getattr(module, "main", None)):
            names.append(name)
    return names


def run(argv: list[str]) -> int:
    """Run the benchmarks named in ``argv`` (all when empty); return an exit code.

    Only the named modules are imported, so one benchmark's missing dependency cannot stop
    another; in a full run a module that fails to import is reported and skipped.
    """
    known = module_names()
    unknown = [n for n in argv if n not in known]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(known)}",
              file=sys.stderr)
        return 2
    status = 0
    for name in argv or known:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ImportError as e:
            print(f"== benchmarks.{name}: skipped, cannot import it ({e})")
            status = 1
            continue
        if not callable(getattr(module, "main", None)):
            continue  # a helper module, not a benchmark
        print(f"== benchmarks.{name}", flush=True)
        module.main()
    return status


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
