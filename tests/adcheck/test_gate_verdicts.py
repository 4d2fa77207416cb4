"""The gate's speed-ups change no verdict: a 5-example run of the catalogue, every engine on
every example, against the records of the release before them (``gold/verify-5.json``,
written by ``python tests/adcheck/test_gate_verdicts.py RESULTS_JSON`` from that release's
``adcheck run --examples 5 --jobs 2 --no-studies``).

Compared per (identity, engine): the outcome, the counts of each outcome, and ``verified_to``,
the precision a pass certifies, to 6 significant digits: the differences' and the oracle's last
digits follow numpy's build (a fresh install of numpy 2.4.6 moved central's ``verified_to`` by
1.5e-8 relative on B1.quadratic-hessian), while a change of method moves it by orders. The
engines that share a computation now (a nesting at first order runs its inner mode once) and
the jax engines (compiled on first sight instead of run eagerly) are among those compared.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from adcheck_helpers import in_process

GOLD = Path(__file__).parent / "gold" / "verify-5.json"
EXAMPLES = 5
# adcheck's own engines, the exact oracle and the differences: the run `make test` affords
FAST = ("forward", "reverse", "forward-over-forward", "forward-over-reverse",
        "reverse-over-forward", "reverse-over-reverse", "forward-laplacian", "exact", "central",
        "richardson", "complex-step")


def summary(records) -> dict:
    """What must not change, by "identity|engine"."""
    return {f"{r['identity']}|{r['engine']}": {"outcome": r["outcome"], "counts": r["counts"],
                                               "verified_to": r["verified_to"]}
            for r in records}


def _run(engines) -> dict:
    from adcheck.identities import IDENTITIES
    from adcheck.running.runner import run
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    ids = sorted({k.split("|")[0] for k in gold} & set(IDENTITIES))
    with pytest.MonkeyPatch.context() as mp:
        in_process(mp)
        records, _ = run(ids, list(engines), EXAMPLES, 0, timeout=None, jobs=1, full=True,
                         shrink_budget=None)
    return gold, summary(records)


RTOL = 1e-6


def _same(want: dict, got: dict | None) -> bool:
    if got is None or (got["outcome"], got["counts"]) != (want["outcome"], want["counts"]):
        return False
    a, b = want["verified_to"], got["verified_to"]
    if a is None or b is None:
        return a is b
    return abs(a - b) <= RTOL * max(abs(a), abs(b))


def _compare(gold, now, engines) -> list[str]:
    diffs = []
    for key, want in gold.items():
        if key.split("|")[1] not in engines:
            continue
        got = now.get(key)
        if not _same(want, got):
            diffs.append(f"{key}: was {want}, now {got}")
    return diffs


def test_the_comparison_catches_a_changed_verdict_count_or_precision():
    want = {"outcome": "pass", "counts": {"pass": 5, "fail": 0}, "verified_to": 5.3e-06}
    assert _same(want, dict(want, verified_to=5.3e-06 * (1 + 1e-8)))
    assert not _same(want, dict(want, verified_to=5.3e-05))
    assert not _same(want, dict(want, verified_to=None))
    assert not _same(want, dict(want, outcome="fail"))
    assert not _same(want, dict(want, counts={"pass": 4, "fail": 1}))
    assert not _same(want, None)


def test_a_five_example_run_keeps_every_verdict_and_verified_to():
    gold, now = _run(FAST)
    assert _compare(gold, now, FAST) == []


@pytest.mark.slow
def test_a_five_example_run_of_every_engine_keeps_every_verdict():
    from adcheck import engines as E
    names = [n for n in E.ENGINES if n not in ("symbolic",)] + ["symbolic"]
    gold, now = _run(names)
    assert _compare(gold, now, names) == []


def test_the_comparison_fails_on_a_changed_verdict():
    gold = {"B1.x|reverse": {"outcome": "pass", "counts": {"pass": 5}, "verified_to": 1e-15}}
    changed = {"B1.x|reverse": {"outcome": "pass", "counts": {"pass": 5}, "verified_to": 2e-15}}
    assert _compare(gold, changed, ("reverse",))
    assert _compare(gold, {}, ("reverse",))
    assert not _compare(gold, gold, ("reverse",))


if __name__ == "__main__":  # write the gold file from a results.json
    records = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))["records"]
    GOLD.write_text(json.dumps(summary(records), indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")
