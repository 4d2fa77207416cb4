"""The shrink is bounded: it stops at once when its budget is spent and keeps the best so far;
a run shrinks or notes every failure within its budget; --no-shrink shrinks nothing.

No test here asserts a wall-clock time (the machine is shared): budgets are counted on an
injected clock, in replays, or set so generous that only the search itself can end them."""

import numpy as np
from adcheck_helpers import quadratic, temporary

from adcheck import engines
from adcheck.judging import shrink as S
from adcheck.judging.pipeline import judge_case
from adcheck.running import runner
from adcheck.running.draws import draw_case
from adcheck.running.mutants import mutants

# fails on every input with n >= 2 whose Q is not symmetric (the closed form is Q x + Q x)
ASYMMETRIC = quadratic("T.shrink-asym", closed_form=lambda xp, x, q: 2.0 * (q @ x))


class _Clock:
    """A clock that moves only when a replay runs, one second per replay; it counts how often
    it is read once ``budget`` seconds have passed."""

    def __init__(self, budget=0.0):
        self.now, self.budget, self.reads_after = 0.0, budget, 0

    def __call__(self):
        self.reads_after += self.now >= self.budget > 0
        return self.now

    def replay(self, fn):
        self.now += 1.0
        return fn()


def _fails(rec, args) -> bool:
    rev = engines.get("reverse")
    return judge_case(rec, [rev], args).verdicts["reverse"].outcome == "fail"


def test_the_search_stops_at_once_when_its_budget_is_spent_and_keeps_the_best():
    rev, clock = engines.get("reverse"), _Clock(budget=12)
    original = draw_case(ASYMMETRIC, 0, 0)
    found = S.shrink(ASYMMETRIC, rev, [rev], original=original, budget_s=12, clock=clock,
                     replay=clock.replay)
    assert found.replays == 12
    # the condition ran once past the budget, to stop: hypothesis was not let go on with it
    assert clock.reads_after == 1
    assert found.args is not None and _fails(ASYMMETRIC, found.args)
    assert S.size(found.args) <= S.size(original)
    assert found.note == ("shrinking stopped early (the 12 s shrink budget ran out after 12 "
                          "replays); a smaller failing input may exist")


def test_a_search_spent_before_any_failure_says_not_shrunk():
    rev, clock = engines.get("reverse"), _Clock()
    passes = quadratic("T.shrink-passes")  # the right closed form: nothing fails
    found = S.shrink(passes, rev, [rev], budget_s=3, clock=clock, replay=clock.replay)
    assert found.args is None and found.replays == 3
    assert found.note == "not shrunk: the 3 s shrink budget ran out after 3 replays"


def test_the_replay_cap_binds_whatever_the_clock_says():
    rev = engines.get("reverse")
    found = S.shrink(ASYMMETRIC, rev, [rev], original=draw_case(ASYMMETRIC, 0, 0),
                     budget_s=3600, max_replays=4)
    assert found.replays == 4 and "the 4-replay shrink budget ran out" in found.note


def test_an_unbounded_search_ends_on_its_own_at_the_smallest_input():
    rev = engines.get("reverse")
    found = S.shrink(ASYMMETRIC, rev, [rev], original=draw_case(ASYMMETRIC, 0, 0),
                     budget_s=3600)
    assert found.note == "" and 0 < found.replays < S.MAX_REPLAYS
    x, q = found.args
    assert x.shape == (2,) and np.count_nonzero(q) == 1  # at n = 1 every Q is symmetric


def test_a_record_without_a_strategy_says_why_it_was_not_shrunk():
    rev = engines.get("reverse")

    class NoStrategy:
        strategy = None
    found = S.shrink(NoStrategy(), rev, [rev])
    assert found.args is None and found.note.startswith("not shrunk:")


def test_shrinking_disabled_tries_nothing():
    rev = engines.get("reverse")
    with S.disabled():
        assert S.shrink(ASYMMETRIC, rev, [rev]) is None


# ------------------------------------------------------------------------------- in a run

CATALOGUE_SUBSET = ("B1.quadratic-gradient", "B1.jacobian-linear", "EX.logdet-slogdet",
                    "B3.hjb-merton")


def test_a_run_with_a_wrong_engine_shrinks_or_notes_every_failure_within_bounds():
    wrong = next(m for m in mutants() if m.name == "mutant-sign-flip")
    with temporary(engines=[wrong]):
        records, _ = runner.run(list(CATALOGUE_SUBSET), ["reverse", wrong.name], 2, 0,
                                timeout=60, jobs=1, shrink_budget=2.0)
    failing = [r for r in records if r["outcome"] == "fail"]
    assert {r["engine"] for r in failing} == {wrong.name}
    assert len(failing) == len(CATALOGUE_SUBSET)
    for r in failing:
        s = r["shrink"]
        assert s["budget_s"] == 2.0 and s["replays"] <= S.MAX_REPLAYS
        if r["shrunk"] is None:
            assert s["note"].startswith("not shrunk:") and "Not shrunk:" in r["message"]
        else:
            assert "Smallest failing input found by shrinking" in r["message"]
    assert all(r["shrink"] is None for r in records if r["outcome"] != "fail")


def test_no_shrink_submits_no_shrink_task(tmp_path, monkeypatch, capsys):
    from adcheck.cli.main import main
    from adcheck.running.supervisor import Supervisor
    seen, run = [], Supervisor.run

    def spying(self, tasks, on_wait=None):
        def recorded():
            for t in tasks:
                seen.append(t)
                yield t
        return run(self, recorded(), on_wait)
    monkeypatch.setattr(Supervisor, "run", spying)
    with temporary(identities=[ASYMMETRIC]):
        rc = main(["run", "-i", ASYMMETRIC.id, "-e", "reverse", "--examples", "2",
                   "--no-shrink", "--no-studies", "--out", str(tmp_path / "r")])
    assert rc == 1 and seen and not any(t.shrink for t in seen)
    import json
    rec = json.loads((tmp_path / "r" / "results.json").read_text())["records"][0]
    assert rec["outcome"] == "fail" and rec["shrunk"] is None and rec["shrink"] is None


def test_the_cli_default_budget_is_the_shrinker_s():
    from adcheck.cli.main import SHRINK_BUDGET_S
    assert SHRINK_BUDGET_S == S.BUDGET_S
