"""Scaling of one campaign over the catalogue: 1 vs 2 local workers, and Dask with 2 workers.

``python -m benchmarks scaling`` runs 500 examples per identity with adcheck's own engines
(set ``ADCHECK_SCALING_EXAMPLES`` for another size, ``ADCHECK_SCALING_ENGINES`` for another
comma-separated engine list). It prints the wall time, the speed-up over one worker, the
peak resident memory of each worker process (sampled) and of the supervising process, and
checks that every configuration produced the same records. The memory line runs a light
selection at 50 and 500 examples: with cases drawn lazily and folded as they stream, the
peaks should not grow with the number of examples.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time

OWN = ("forward", "reverse", "forward-over-reverse", "reverse-over-reverse", "central",
       "richardson", "complex-step", "forward-laplacian")


class RssSampler:
    """Peak RSS (MiB) of every descendant process, sampled every ``every_s`` seconds."""

    def __init__(self, every_s: float = 1.0):
        import psutil
        # Sampling costs the supervising process CPU that the workers compete for: once a
        # second, and each process's command line read once.
        self.me, self.every_s, self.peak, self.names = psutil.Process(), every_s, {}, {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        import psutil
        while not self.stop.wait(self.every_s):
            for p in self.me.children(recursive=True):
                try:
                    if p.pid not in self.names:
                        self.names[p.pid] = " ".join(p.cmdline()[1:4])
                    name = self.names[p.pid]
                    rss = p.memory_info().rss / 2**20
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                if "resource_tracker" in name:
                    continue
                self.peak[p.pid] = max(self.peak.get(p.pid, 0.0), rss)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def campaign(ids, engines, examples, executor, jobs) -> dict:
    """One run; wall time, records, and peak RSS of the workers."""
    from adcheck.running.runner import run
    with RssSampler() as rss:
        t0 = time.perf_counter()
        records, _ = run(ids, engines, examples, 0, timeout=600, jobs=jobs, executor=executor)
        wall = time.perf_counter() - t0
    peaks = sorted(rss.peak.values(), reverse=True)
    strip = [{k: v for k, v in r.items() if k != "_seconds"} for r in records]
    return {"wall": wall, "records": strip, "worker_peaks": peaks[: max(jobs, 1) + 1]}


def parent_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def configurations():
    yield "local", 1
    yield "local", 2
    try:
        import distributed  # noqa: F401
        yield "dask", 2
    except ImportError:
        print("dask: skipped (pip install 'adcheck[dask]')")


def main() -> None:
    import adcheck.engines as E
    from adcheck.running.catalogue import load_catalogue
    examples = int(os.environ.get("ADCHECK_SCALING_EXAMPLES", "500"))
    wanted = os.environ.get("ADCHECK_SCALING_ENGINES")
    engines = wanted.split(",") if wanted else [n for n in OWN if n in E.ENGINES]
    ids = list(load_catalogue())
    print(f"campaign: {len(ids)} identities x {len(engines)} engines x {examples} examples, "
          f"{os.cpu_count()} CPUs")
    base, first = None, None
    for executor, jobs in configurations():
        r = campaign(ids, engines, examples, executor, jobs)
        base = base or r["wall"]
        first = first or r["records"]
        same = "same records" if r["records"] == first else "RECORDS DIFFER"
        peaks = ", ".join(f"{p:.0f}" for p in r["worker_peaks"])
        print(f"{executor:>5} x{jobs}: {r['wall']:7.1f} s  speed-up {base / r['wall']:.2f}  "
              f"peak RSS per worker process (MiB): {peaks}  [{same}]", flush=True)
    memory_line()
    print(f"supervising process peak RSS: {parent_peak_mib():.0f} MiB")


def memory_line(ids=("B1.quadratic-gradient", "B1.gram-gradient", "B1.jacobian-linear")):
    """Worker peak RSS at 50 and 500 examples on a light selection."""
    from adcheck.running.catalogue import load_catalogue
    load_catalogue()
    for n in (50, 500):
        r = campaign(list(ids), ["reverse", "central"], n, "local", 1)
        print(f"memory: {n:>4} examples x {len(ids)} identities: {r['wall']:.1f} s, worker peak "
              f"RSS {max(r['worker_peaks'] or [0]):.0f} MiB, supervisor so far "
              f"{parent_peak_mib():.0f} MiB", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--examples":
        os.environ["ADCHECK_SCALING_EXAMPLES"] = sys.argv[2]
    main()
