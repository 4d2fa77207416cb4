"""The one case pipeline: check() and adcheck run agree, and verdicts can be trusted."""

import numpy as np
import pytest
from adcheck_helpers import Engine, Result, quadratic, temporary

import adcheck
import adcheck.identities.catalogue
import adcheck.judging.judge
from adcheck import (
    engines,
    identities,  # noqa: F401  (registers the built-in records)
)
from adcheck.identities import IDENTITIES, Identity
from adcheck.judging import errmodel as em
from adcheck.judging.cases import judged_count
from adcheck.judging.pipeline import judge_case
from adcheck.running import runner

# What is judged, not where: every run of this module executes in the test's process.
pytestmark = pytest.mark.usefixtures("in_process")


class _Off(Engine):
    """The reverse engine's result times ``factor``; ``family`` and an estimate chosen."""

    category, max_order = "ad", 2

    def __init__(self, name, factor, family="", estimate=None, category="ad"):
        self.name, self.factor, self.estimate, self.category = name, factor, estimate, category
        if family:
            self.family = family

    def derivative(self, kind, f, args, wrt=0, **kw):
        r = engines.get("reverse").derivative(kind, f, args, wrt, **kw)
        v = np.asarray(r.value, dtype=float) * self.factor
        est = None if self.estimate is None else np.abs(v) * self.estimate
        return Result(v, r.cost, est, self.name)


class _NaN(Engine):
    """Returns NaN in the first component, as a 0·inf inside a rule would."""

    name, category, max_order = "t-nan", "ad", 2

    def derivative(self, kind, f, args, wrt=0, **kw):
        r = engines.get("reverse").derivative(kind, f, args, wrt, **kw)
        v = np.array(r.value, dtype=float)
        v.flat[0] = np.nan
        return Result(v, r.cost, None, self.name)


def _quad(xp, x, q):
    return x @ (q @ x)


X, Q = np.array([0.3, -1.2, 0.7]), np.array([[2.0, 0.5, 0.0], [0.1, 1.0, 0.3], [0.0, 0.2, 3.0]])


# ----------------------------------------------------------------------------- one pipeline

CATALOGUE_CASES = ["B1.gram-gradient", "B1.jacobian-linear", "B1.quadratic-hessian-general",
                   "B3.black-scholes-gamma", "B3.laplacian-sines"]


@pytest.mark.parametrize("rec_id", CATALOGUE_CASES)
def test_check_gives_the_same_verdicts_as_adcheck_run(rec_id):
    if rec_id not in IDENTITIES:
        pytest.skip(f"{rec_id} not in this catalogue")
    rec = IDENTITIES[rec_id]
    names = [n for n in ("reverse", "forward", "richardson", "central", "exact")
             if not runner.applicability(rec, engines.get(n))]
    records, _ = runner.run([rec_id], names, 1, seed=5)
    (args,) = runner.draw_cases(rec, 1, seed=5)
    v = rec.v(*args) if rec.kind == "hvp" else None
    rep = adcheck.check(rec.f, args, wrt=rec.wrt, kind=rec.kind, engines=names,
                        expected=rec.closed_form, v=v)
    for r in records:
        ev = rep.engines[r["engine"]]
        assert ev.outcome == r["outcome"], (r["engine"], ev.note, r["message"])
        judged = ev.outcome in ("pass", "fail")
        assert (ev.verified_to if judged else None) == r["verified_to"]
        assert (ev.worst or {}).get("rel_error") == (r["worst"] or {}).get("rel_error")


# ----------------------------------------------------------------------------- non-finite

@pytest.mark.usefixtures("no_shrink")
def test_nan_where_the_reference_is_finite_fails_as_non_finite():
    rec = quadratic("T.nan-engine")
    with temporary(identities=[rec], engines=[_NaN()]):
        recs, _ = runner.run([rec.id], ["reverse", "t-nan"], 2, 0)
    by = {r["engine"]: r for r in recs}
    assert by["reverse"]["outcome"] == "pass"
    assert by["t-nan"]["outcome"] == "fail" and by["t-nan"]["diagnosis"] == "non-finite result"


def test_an_engine_returning_nan_is_never_the_consensus_reference():
    with temporary(engines=[_NaN()]):
        rep = adcheck.check(_quad, (X, Q), engines=["t-nan", "richardson"])
    assert rep.engines["t-nan"].outcome != "pass"
    assert "consensus reference" not in rep.engines["t-nan"].note
    assert not rep.ok
    rep = adcheck.check(_quad, (X, Q), engines=[_NaN(), "reverse", "richardson", "central"])
    assert rep.engines["t-nan"].outcome == "fail" and rep.outliers == ["t-nan"]
    assert rep.engines["t-nan"].diagnosis == "non-finite result"


def test_power_at_zero_no_nan_passes():
    f = lambda xp, x: x[0] ** x[1]  # noqa: E731  0^y: y·x^(y-1) and x^y·log x meet 0·inf
    rep = adcheck.check(f, (np.array([0.0, 2.0]),))
    for name, ev in rep.engines.items():
        if ev.result is not None and not np.all(np.isfinite(ev.result)):
            assert ev.outcome != "pass", name


def test_expected_with_a_non_finite_bound_is_judged():
    f = lambda xp, x: x[0] ** x[1]  # noqa: E731
    rep = adcheck.check(f, (np.array([0.0, 2.0]),), engines=["reverse", "forward"],
                        expected=[0.0, 0.0])
    assert rep.verdict != "inconclusive", rep.message
    assert "not finite" not in rep.message.replace("non-finite result", "")


def test_non_finite_route_bound_takes_another_route():
    ref = np.array([1.0, 2.0])
    nan_route = em.Bound(ref, np.array([np.nan, 3.0]))
    allow = em.allowance(ref, [nan_route])
    assert np.all(np.isfinite(allow.total)) and allow.fallback
    assert allow.total[0] == pytest.approx(em.ROUTE_FACTOR * em.U * 3.0 + em.U * 1.0)
    other = em.Bound(ref, np.array([5.0, 1.0]))
    assert em.allowance(ref, [nan_route, other]).total[0] == \
        pytest.approx(em.ROUTE_FACTOR * em.U * 5.0 + em.U * 1.0)
    assert adcheck.judging.judge.compare(ref, ref, allow).outcome == "pass"


# ----------------------------------------------------------------------------- allowances

def _linear():
    return Identity(id="T.linear", section="T", title="t", citation="t", kind="jacobian",
                    f=lambda xp, a, x: a @ x, closed_form=lambda xp, a, x: a, wrt=1,
                    arg_names=("A", "x"),
                    inputs=lambda d: (d.reals((3, 4)), d.reals((4,))))


@pytest.mark.parametrize("name", ["exact", "symbolic"])
def test_exact_and_symbolic_are_judged_at_their_own_precision(name):
    rec = _linear()
    rng = np.random.default_rng(1)
    args = rec.sample(rng)
    v = judge_case(rec, [engines.get(name)], args).verdicts[name]
    assert v.outcome == "pass"
    assert v.verified_to < 1e-14 and v.worst["allowance"] < 1e-14 * np.max(np.abs(args[0]))


def test_a_large_estimate_never_buys_a_pass():
    wrong = _Off("t-vague-fd", 1.5, estimate=0.05, category="finite-difference")
    rec = quadratic("T.vague")
    with temporary(identities=[rec], engines=[wrong]):
        recs, _ = runner.run([rec.id], ["t-vague-fd"], 2, 0)
    assert recs[0]["outcome"] == "inconclusive" and judged_count(recs) == 0
    assert "cannot resolve the derivative here better than" in recs[0]["message"]
    rep = adcheck.check(_quad, (X, Q), engines=[wrong], expected=(Q + Q.T) @ X)
    assert rep.engines["t-vague-fd"].verified_to > em.CEILING[1] and not rep.ok


@pytest.mark.usefixtures("no_shrink")
@pytest.mark.parametrize("name", ["central", "richardson"])
def test_tiny_inputs_do_not_pass_a_wrong_closed_form(name):
    rec = Identity(id="T.tiny", section="T", title="t", citation="t", kind="gradient",
                   f=lambda xp, x: xp.sum(x * x), closed_form=lambda xp, x: 3.0 * x,
                   arg_names=("x",), inputs=lambda d: (1e-20 * d.reals((3,), 0.5, 1.0),))
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], [name], 3, 0)
    assert recs[0]["outcome"] != "pass", recs[0]["message"]


def test_every_pass_is_under_the_ceiling():
    rec = quadratic("T.ceiling")
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], ["reverse", "central", "richardson", "exact"], 3, 0)
    for r in recs:
        assert r["outcome"] == "pass" and r["verified_to"] <= em.CEILING[1], r


# ----------------------------------------------------------------------------- nothing judged

def test_an_identity_no_engine_can_compute_is_an_error():
    rec = quadratic("T.unsupported")
    object.__setattr__(rec, "f", lambda xp, x, q: xp.sum(xp.cbrtx(x)))
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], ["reverse", "forward", "central"], 2, 0)
    assert {r["outcome"] for r in recs} == {"error"}
    assert "no engine could compute it" in recs[0]["message"] and "cbrtx" in recs[0]["message"]
    assert judged_count(recs) == 0


@pytest.mark.usefixtures("no_shrink")
def test_a_hessian_record_is_judged_by_default_and_a_wrong_one_fails():
    rec = Identity(id="T.hess", section="T", title="t", citation="t", kind="hessian",
                   f=lambda xp, x: xp.sum(x * x * x), closed_form=lambda xp, x: xp.diag(3.0 * x),
                   arg_names=("x",), inputs=lambda d: (d.reals((3,), 0.5, 1.0),))
    assert rec.smoothness == 2
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], ["forward-over-reverse", "reverse-over-reverse"], 2, 0)
    assert {r["outcome"] for r in recs} == {"fail"}
    assert judged_count(recs) == 4


# ----------------------------------------------------------------------------- witnesses

def test_two_engines_of_one_family_do_not_outvote_another():
    pair = [_Off("t-lib", 2.0, family="t-library"), _Off("t-lib-fwd", 2.0, family="t-library")]
    with temporary(engines=pair):
        rep = adcheck.check(_quad, (X, Q), engines=["t-lib", "t-lib-fwd", "richardson"])
    assert rep.verdict == "inconclusive" and rep.outliers == []
    assert "no majority" in rep.message
    assert all(ev.outcome == "inconclusive" for ev in rep.engines.values())


@pytest.mark.parametrize("order", [0, 1])
def test_two_engines_that_disagree_blame_nobody(order):
    names = ["t-half", "reverse"][:: 1 if order == 0 else -1]
    with temporary(engines=[_Off("t-half", 0.5)]):
        rep = adcheck.check(_quad, (X, Q), engines=names)
    assert rep.verdict == "inconclusive" and rep.outliers == [], rep.message
    assert "no majority" in rep.message and "value [" in rep.message


def test_default_engines_span_three_families():
    from adcheck.api.check import DEFAULT_ENGINES
    from adcheck.engines.registry import ENGINES, family_of
    for order in (1, 2):
        assert len({family_of(ENGINES[n]) for n in DEFAULT_ENGINES[order]}) >= 3
    rep = adcheck.check(_quad, (X, Q), engines=list(DEFAULT_ENGINES[1]))
    assert len({ev.family for ev in rep.engines.values()}) >= 3 and rep.ok, rep.message


@pytest.mark.parametrize("kind", ["gradient", "hessian"])
def test_a_default_check_stops_when_the_first_two_families_agree(kind):
    rep = adcheck.check(_quad, (X, Q), kind=kind)
    assert rep.ok and {ev.family for ev in rep.engines.values()} == {"adcheck-ad", "central"}
    assert "not run, the first two families agreed" in rep.message
    # the claim is the one every default engine would have made: central's, the loosest
    full = adcheck.check(_quad, (X, Q), kind=kind, engines=[e for e in rep.engines] + [
        "richardson"])
    assert full.ok and rep.verified_to == pytest.approx(full.verified_to)


def test_a_default_check_calls_every_engine_when_the_first_two_are_not_decisive():
    g = (Q + Q.T) @ X
    allowed = adcheck.check(_quad, (X, Q), expected=g).engines["central"].worst["allowance"]
    # an error central alone would pass: adcheck's AD (exact to rounding) fails it, and
    # the rest of the default engines then judge it too
    near = g.copy()
    near[1] += 0.5 * allowed
    rep = adcheck.check(_quad, (X, Q), expected=near)
    assert not rep.ok and set(rep.engines) == {"reverse", "forward", "richardson", "central"}
    assert rep.engines["central"].outcome == "pass" and rep.engines["reverse"].outcome == "fail"
    # where central cannot resolve the derivative (exp over a wide range: its estimate is
    # unreliable), richardson is called and decides
    wide = np.array([-60.0, 3.0, 80.0, 95.0])
    rep = adcheck.check(lambda xp, a: xp.sum(xp.exp(a)), (wide,))
    assert rep.engines["central"].outcome != "pass", rep.message
    assert rep.ok and rep.engines["richardson"].outcome == "pass", rep.message


# ----------------------------------------------------------------------------- kinks

def test_a_finite_difference_near_a_kink_is_inconclusive_whatever_its_estimate():
    rec = Identity(id="T.kink-h", section="T", title="t", citation="t", kind="hessian",
                   f=lambda xp, a: xp.abs(a[0] - 0.04) + a[1] * a[1],
                   closed_form=lambda xp, a: xp.asarray([[0.0, 0.0], [0.0, 2.0]]),
                   arg_names=("a",), analytic=False,
                   inputs=lambda d: (np.array([0.0, 1.0]),))
    honest = _Off("t-fd-right", 1.0, estimate=1e-12, category="finite-difference")
    with temporary(identities=[rec], engines=[honest]):
        recs, _ = runner.run([rec.id], ["richardson", "central", "t-fd-right"], 1, 0)
    by = {r["engine"]: r for r in recs}
    # an engine that does not look at its own stencil is refused near any kink
    assert by["t-fd-right"]["outcome"] == "inconclusive" and "kink" in by["t-fd-right"]["message"]
    # the difference engines check their actual steps: inconclusive when a step crosses the
    # kink, else a right value (0.04 away, their steps stay on one side)
    for name in ("richardson", "central"):
        r = by[name]
        assert ("kink" in r["message"] and r["outcome"] == "inconclusive") or (
            r["outcome"] == "pass" and r["worst"]["rel_error"] <= 1e-8), r["message"]


# ----------------------------------------------------------------------------- several outputs

class _Leafwise(Engine):
    """The reverse engine applied to each output of a tuple-valued function (the contract)."""

    name, category, max_order = "t-leafwise", "ad", 2

    def __init__(self, zeros=False):
        self.zeros = zeros
        self.name = "t-leafwise-zeros" if zeros else "t-leafwise"

    def derivative(self, kind, f, args, wrt=0, **kw):
        from adcheck.judging.pytree import leaf_fn
        out = f(engines.numpy_ns, *args)
        leaves = [engines.get("reverse").derivative(kind, leaf_fn(f, (i,)), args, wrt).value
                  for i in range(len(out))]
        return Result(tuple(0 * v if self.zeros else v for v in leaves), engine=self.name)


def _two_outputs(xp, a):
    return (xp.sin(a), a * a)


def _two_jacobians(xp, a):
    return (xp.diag(xp.cos(a)), xp.diag(2.0 * a))


def test_tuple_outputs_are_judged_leaf_by_leaf():
    a = np.array([0.3, -0.5, 0.9])
    rep = adcheck.check(_two_outputs, (a,), kind="jacobian", expected=_two_jacobians,
                        engines=[_Leafwise(), _Leafwise(zeros=True), "reverse"])
    assert rep.engines["t-leafwise"].outcome == "pass", rep.message
    zeros = rep.engines["t-leafwise-zeros"]
    assert zeros.outcome == "fail" and "zero block" in zeros.diagnosis
    rev = rep.engines["reverse"]  # a stacked array (of zeros, or not) is not the container
    assert isinstance(rev.result, tuple) if rev.outcome == "pass" else rev.outcome == "fail"
    wrong = lambda xp, a: (xp.diag(xp.cos(a)), xp.diag(3.0 * a))  # noqa: E731
    rep = adcheck.check(_two_outputs, (a,), kind="jacobian", expected=wrong,
                        engines=[_Leafwise()])
    assert rep.verdict == "fail" and "output[1]" in rep.engines["t-leafwise"].note


# ----------------------------------------------------------------------------- shrinking

def test_a_failure_shrinks_to_the_smallest_input():
    from adcheck.judging.shrink import MAX_REPLAYS
    rec = quadratic("T.shrink", closed_form=lambda xp, x, q: 2.0 * (q @ x))  # Q not symmetric
    with temporary(identities=[rec]):  # a budget no load can spend: the search ends itself
        recs, _ = runner.run([rec.id], ["reverse"], 3, 0, shrink_budget=3600)
    r = recs[0]
    assert r["outcome"] == "fail" and r["shrunk"] is not None
    assert r["shrink"]["note"] is None and 0 < r["shrink"]["replays"] < MAX_REPLAYS
    n = r["shrunk"]["shapes"]["x"][0]
    assert n == 2 <= len(r["worst_input"]["x"])  # at n = 1 every Q is symmetric: no failure
    q = np.array(r["shrunk"]["input"]["Q"])
    assert np.count_nonzero(q) == 1 and np.count_nonzero(r["shrunk"]["input"]["x"]) == 1
    assert f"Smallest failing input found by shrinking: x ({n},), Q ({n}, {n})" in r["message"]


def test_a_run_that_judged_nothing_exits_4(tmp_path, capsys):
    from adcheck.cli.main import ExitCode, main
    rec = quadratic("T.nothing-judged", analytic=False)  # complex step does not apply
    with temporary(identities=[rec]):
        rc = main(["run", "-i", rec.id, "-e", "complex-step", "--examples", "1", "--no-studies",
                   "--out", str(tmp_path / "r")])
    assert rc == ExitCode.NO_TESTS_JUDGED == 4
    assert "NOTHING JUDGED" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["central", "richardson"])
def test_a_residual_certifies_the_engines_precision_not_the_rounding(name):
    recs, _ = runner.run(["B3.black-scholes-pde"], ["reverse", name], 2, 0)
    by = {r["engine"]: r for r in recs}
    assert by["reverse"]["verified_to"] < 1e-14
    assert by[name]["verified_to"] > 1e3 * by["reverse"]["verified_to"]  # its own estimate
    assert by[name]["verified_to"] <= em.CEILING[2] or by[name]["outcome"] != "pass"


def test_the_exact_engine_on_a_residual_is_judged_at_its_own_precision():
    recs, _ = runner.run(["B3.black-scholes-pde"], ["exact"], 1, 0)
    assert recs[0]["outcome"] == "pass" and recs[0]["verified_to"] < 1e-14


def test_a_first_stage_near_its_allowance_calls_every_engine(monkeypatch):
    import adcheck.api.check as api
    monkeypatch.setattr(api, "SETTLED_RATIO", 0.0)  # every nonzero central error is "near"
    rep = adcheck.check(_quad, (X, Q))
    assert rep.ok and set(rep.engines) == {"reverse", "forward", "richardson", "central"}
