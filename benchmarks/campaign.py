"""False-alarm campaign over the catalogue: every identity is true, so every ``fail`` is a
false alarm, and every ``inconclusive`` case is counted with its reason.

``python -m benchmarks campaign`` runs 20 examples per identity on adcheck's own engines (a few
minutes); ``python -m benchmarks.campaign N [OUT]`` runs N (the campaign of the figures used
2000) and keeps the run's files in OUT; ``python -m benchmarks.campaign --read RESULTS_JSON``
summarizes a results.json written earlier by ``adcheck run``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

DEFAULT_N = 20
OWN = ("forward", "reverse", "forward-over-forward", "forward-over-reverse",
       "reverse-over-forward", "reverse-over-reverse", "central", "richardson", "complex-step",
       "symbolic", "exact", "forward-laplacian")

# The reason of an inconclusive case, from the record's message, by its first words.
REASONS = (
    ("cannot resolve the derivative here better than", "allowance above the ceiling"),
    ("a kink", "a kink inside the stencil"),
    ("estimate is unreliable", "error beyond 100x the estimate, within u^(1/4)"),
    ("no majority", "no majority of families"),
)


def reason(message: str) -> str:
    """The short reason of a record's inconclusive cases (the text in its parenthesis)."""
    m = re.search(r"\((\d+) inconclusive: (.*)\)$", message or "")
    text = m.group(2) if m else (message or "")
    return next((short for key, short in REASONS if key in text), text[:80] or "unstated")


def summarize(results: dict) -> dict:
    """Counts per outcome, per engine, and the inconclusive cases by engine and by the reason
    each record states (a record names one reason for all of its inconclusive cases)."""
    total, per_engine = Counter(), defaultdict(Counter)
    why = defaultdict(Counter)
    for r in results["records"]:
        counts = r.get("counts") or {}
        for k, v in counts.items():
            total[k] += v
            per_engine[r["engine"]][k] += v
        if counts.get("inconclusive"):
            why[r["engine"]][reason(r.get("message", ""))] += counts["inconclusive"]
    worst = max(((r["verified_to"], r["identity"], r["engine"]) for r in results["records"]
                 if r["outcome"] == "pass" and r.get("verified_to") is not None), default=None)
    return {"total": total, "per_engine": per_engine, "why": why, "loosest_pass": worst,
            "summary": results["summary"], "wall_s": results["timing"].get("wall_s")}


def report(results: dict) -> int:
    """Print the campaign's figures; return the number of false alarms (failed cases)."""
    s = summarize(results)
    t = s["total"]
    print(f"verdict {s['summary']['verdict']}: {t['pass']} cases pass, {t['fail']} fail, "
          f"{t['inconclusive']} inconclusive, {t['error']} errors, {t['not-applicable']} "
          f"not applicable; run {s['wall_s']:.0f} s")
    for engine, c in s["per_engine"].items():
        reasons = "; ".join(f"{n} {w}" for w, n in s["why"][engine].most_common())
        print(f"  {engine:<22} pass {c['pass']:>7}  fail {c['fail']:>3}  inconclusive "
              f"{c['inconclusive']:>5}" + (f"  ({reasons})" if reasons else ""))
    if s["loosest_pass"]:
        v, ident, engine = s["loosest_pass"]
        print(f"loosest pass: verified to {v:.2g} ({engine} on {ident})")
    return t["fail"] + t["error"]


def run(examples: int, out: str | None = None) -> dict:
    """``adcheck run`` over the catalogue on adcheck's own engines; its results."""
    folder = Path(out or tempfile.mkdtemp(prefix="adcheck-campaign-"))
    cmd = [sys.executable, "-m", "adcheck", "run", "--examples", str(examples), "--jobs", "2",
           "--no-studies", "--out", str(folder)]
    for e in OWN:
        cmd += ["-e", e]
    subprocess.run(cmd, check=False)
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def main(examples: int = DEFAULT_N, out: str | None = None) -> None:
    alarms = report(run(examples, out))
    print(f"false alarms: {alarms}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--read":
        report(json.loads(Path(sys.argv[2]).read_text(encoding="utf-8")))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_N,
             sys.argv[2] if len(sys.argv) > 2 else None)
