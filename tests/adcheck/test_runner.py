import time

import numpy as np
import pytest
from adcheck_helpers import Engine, Raising, Scaled, quadratic, temporary

from adcheck.engines import registry
from adcheck.running import runner


def test_cases_are_deterministic_and_independent_of_the_selection():
    rec = quadratic()
    a = runner.draw_cases(rec, 5, seed=3)
    b = runner.draw_cases(rec, 5, seed=3)
    c = runner.draw_cases(rec, 3, seed=3)
    assert all(np.array_equal(x, y) for u, v in zip(a, b) for x, y in zip(u, v))
    assert all(np.array_equal(x, y) for u, v in zip(a[:3], c) for x, y in zip(u, v))
    d = runner.draw_cases(rec, 5, seed=4)
    assert not all(np.array_equal(u[0], v[0]) for u, v in zip(a, d))


class HangsOnPositive(Engine):
    """Sleeps past any limit when the first input component is positive (in any process)."""

    name, family, max_order = "t-hangs-on-positive", "ad", 2

    def derivative(self, kind, f, args, wrt=0, **kw):
        if np.ravel(args[0])[0] > 0:
            time.sleep(60)
        return registry.get("reverse").derivative(kind, f, args, wrt, **kw)


def test_raising_and_hanging_engines_are_recorded_and_the_run_goes_on():
    rec = quadratic()
    hangs = sum(np.ravel(a[0])[0] > 0 for a in runner.draw_cases(rec, 4, 0))
    assert 0 < hangs < 4
    with temporary(identities=[rec], engines=[Raising(), HangsOnPositive()]):
        recs, _ = runner.run([rec.id], ["reverse", "t-raising", "t-hangs-on-positive"], 4, 0,
                             timeout=2)
    by = {r["engine"]: r for r in recs}
    assert by["reverse"]["outcome"] == "pass"  # only the hanging engine is blamed
    assert by["t-raising"]["outcome"] == "error" and "boom" in by["t-raising"]["message"]
    hung = by["t-hangs-on-positive"]
    assert hung["outcome"] == "error" and "2 s per-case limit" in hung["message"]
    assert hung["counts"] == {**hung["counts"], "error": hangs, "pass": 4 - hangs}


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_wrong_closed_form_fails_every_engine_and_says_so():
    rec = quadratic("T.wrong", closed_form=lambda xp, x, q: 2.0 * (q @ x))
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], ["reverse", "forward", "central"], 3, 0)
    assert {r["outcome"] for r in recs} == {"fail"}
    assert "suspect the closed form" in recs[0]["message"]
    # the run had no per-case limit (timeout=None), so neither has its rerun
    assert recs[0]["rerun"] == ("adcheck run -i T.wrong -e reverse --seed 0 --examples 3 "
                                "--timeout none")


@pytest.mark.usefixtures("in_process", "no_shrink")
def test_outlier_engine_is_named():
    rec = quadratic()
    with temporary(identities=[rec], engines=[Scaled(2.0)]):
        recs, _ = runner.run([rec.id], ["reverse", "forward", "central", "t-scaled"], 2, 0)
    bad = [r for r in recs if r["outcome"] == "fail"]
    assert [r["engine"] for r in bad] == ["t-scaled"]
    assert bad[0]["outlier"] == "t-scaled" and "x2" in bad[0]["diagnosis"]


def test_jobs_give_the_same_records_in_the_same_order():
    recs = [quadratic("T.q1"), quadratic("T.q2"), quadratic("T.q3")]
    ids = [r.id for r in recs]
    with temporary(identities=recs):
        one, _ = runner.run(ids, ["reverse", "forward"], 2, 0, jobs=1)
        two, _ = runner.run(ids, ["reverse", "forward"], 2, 0, jobs=2)
    strip = [{k: v for k, v in r.items() if k != "_seconds"} for r in one]
    assert strip == [{k: v for k, v in r.items() if k != "_seconds"} for r in two]


@pytest.mark.usefixtures("in_process")
def test_nan_input_is_inconclusive():
    rec = quadratic("T.nan")
    object.__setattr__(rec, "inputs", lambda d: (np.array([np.nan, 1.0]), np.eye(2)))
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], ["reverse"], 1, 0)
    assert recs[0]["outcome"] == "inconclusive" and "NaN" in recs[0]["message"]


@pytest.mark.usefixtures("in_process")
def test_not_applicable_engines():
    rec = quadratic("T.nonanalytic", analytic=False)
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], ["complex-step"], 1, 0)
    assert recs[0]["outcome"] == "not-applicable" and "analytic" in recs[0]["message"]


@pytest.mark.usefixtures("in_process")
def test_cost_claims_are_judged_fact_by_fact():
    from adcheck.identities import Identity

    def claim(engine_name):
        return [{"what": "backward/forward flops", "observed": 4.0, "bound": 3.0,
                 "holds": False}, {"what": "sweeps", "observed": 1.0, "bound": 1.0,
                                   "holds": True}]
    rec = Identity(id="T.cost", section="T", title="t", citation="t", kind="cost",
                   f=lambda xp, x: x, claim=claim, engines=("reverse",))
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], ["reverse", "forward"], 5, 0)
    by = {r["engine"]: r for r in recs}
    assert by["reverse"]["outcome"] == "fail"
    assert "violated: backward/forward flops: 4 (bound 3)" in by["reverse"]["message"]
    assert by["forward"]["outcome"] == "not-applicable"


@pytest.mark.usefixtures("in_process")
def test_an_engine_runs_its_share_of_the_examples_and_full_gives_it_all():
    """A witness declaring ``max_examples`` runs that many cases an identity, its record says
    so, and ``full=True`` (``adcheck run --full``) gives it every case."""
    rec = quadratic("T.share")
    witness = Scaled(1.0, name="t-witness")
    witness.max_examples = 2
    with temporary(identities=[rec], engines=[witness]):
        shared, _ = runner.run([rec.id], ["reverse", "t-witness"], 5, 0)
        full, _ = runner.run([rec.id], ["reverse", "t-witness"], 5, 0, full=True)
    ran = {r["engine"]: r["examples"] for r in shared}
    assert ran == {"reverse": 5, "t-witness": 2}
    assert {r["engine"]: r["examples"] for r in full} == {"reverse": 5, "t-witness": 5}
    assert all(r["outcome"] == "pass" for r in shared + full)
