"""Bad inputs get a clear message or an inconclusive / not-applicable outcome, never a crash."""

import adcheck_helpers
import numpy as np
import pytest
from adcheck_helpers import quadratic, temporary

import adcheck
from adcheck.running import runner

# Verdicts on bad inputs, not workers: the runs of this module execute in process.
pytestmark = pytest.mark.usefixtures("in_process")


def quad(xp, x, q):
    return x @ (q @ x)


def test_nan_and_inf_inputs_are_inconclusive():
    for bad in (np.nan, np.inf):
        rec = quadratic("T.bad-input")
        object.__setattr__(rec, "inputs", lambda d, b=bad: (np.array([b, 1.0]), np.eye(2)))
        with temporary(identities=[rec]):
            recs, _ = runner.run([rec.id], ["reverse", "central"], 1, 0)
        assert {r["outcome"] for r in recs} == {"inconclusive"}


def test_mismatched_shapes_are_an_error_outcome_with_the_reason():
    rec = quadratic("T.shapes")
    object.__setattr__(rec, "inputs", lambda d: (np.ones(3), np.eye(2)))
    with temporary(identities=[rec]):
        recs, _ = runner.run([rec.id], ["reverse", "forward"], 1, 0)
    assert {r["outcome"] for r in recs} <= {"error", "inconclusive"}
    assert all("matmul" in r["message"] or "shape" in r["message"] or "mismatch" in r["message"]
               for r in recs)


@pytest.mark.parametrize("dtype", [np.int64, np.float32])
def test_int_and_float32_inputs_are_checked_in_float64(dtype):
    x = np.array([1, 2, 3]).astype(dtype)
    q = np.eye(3)
    assert adcheck.check(quad, (x, q), expected=2 * x.astype(float)).ok


def test_complex_input_gets_a_clear_message():
    with pytest.raises(TypeError, match=r"args\[0\] has a complex dtype"):
        adcheck.check(quad, (np.array([1 + 1j, 2.0]), np.eye(2)))


def test_empty_arrays():
    rep = adcheck.check(lambda xp, x: xp.sum(x * x), (np.zeros(0),), expected=np.zeros(0))
    assert rep.verdict in ("pass", "inconclusive")


def test_non_symmetric_q_to_the_symmetric_identity_is_explained():
    q = np.array([[1.0, 2.0], [0.0, 1.0]])
    x = np.array([1.0, -1.0])
    rep = adcheck.check(quad, (x, q), expected=lambda xp, x, q: 2.0 * (q @ x))
    assert not rep.ok and rep.outliers == ["expected"]


def test_point_on_a_kink_is_inconclusive():
    f = lambda xp, x: xp.sum(xp.abs(x))  # noqa: E731
    x = np.array([0.0, 1.0])
    rep = adcheck.check(f, (x,), engines=["reverse", "forward"], expected=np.array([1.0, 1.0]))
    assert rep.verdict == "inconclusive"
    assert "kink" in rep.message


def test_non_analytic_function_to_complex_step_is_not_applicable():
    f = lambda xp, x: xp.sum(xp.abs(x))  # noqa: E731
    rep = adcheck.check(f, (np.array([1.0, -2.0]),), engines=["complex-step", "reverse"],
                        kind="jacobian", expected=np.array([1.0, -1.0]))
    assert rep.engines["complex-step"].outcome == "not-applicable"
    assert rep.engines["reverse"].outcome == "pass"


def test_unknown_engine_name_in_check():
    with pytest.raises(ValueError, match="no engine named 'no-such-engine'.*available: .*reverse"):
        adcheck.check(quad, (np.ones(2), np.eye(2)), engines=["no-such-engine", "reverse"])


class _WrongFD(adcheck_helpers.Engine):
    """A 'finite-difference' engine 1.5x off, claiming a tiny error estimate."""

    name, category, max_order = "t-wrong-fd", "finite-difference", 2

    def derivative(self, kind, f, args, wrt=0, **kw):
        from adcheck.engines import get
        r = get("reverse").derivative(kind, f, args, wrt, **kw)
        v = 1.5 * np.asarray(r.value)
        return adcheck_helpers.Result(v, r.cost, np.full(v.shape, 1e-15), self.name)


@pytest.mark.usefixtures("no_shrink")  # a verdict, not its smallest input
def test_difference_straddling_a_kink_is_inconclusive_but_smooth_failures_fail():
    from adcheck.identities import Identity
    near = lambda d: (0.05 + 0.1 * d.reals((3,), 0.0, 1.0),)  # noqa: E731
    kinked = Identity(id="T.kink", section="T", title="t", citation="t", kind="gradient",
                      f=lambda xp, x: xp.sum(xp.abs(x)), closed_form=lambda xp, x: xp.sign(x),
                      inputs=near, analytic=False, arg_names=("x",))
    smooth = Identity(id="T.smooth", section="T", title="t", citation="t", kind="gradient",
                      f=lambda xp, x: xp.sum(x * x), closed_form=lambda xp, x: 2.0 * x,
                      inputs=near, arg_names=("x",))
    with temporary(identities=[kinked, smooth], engines=[_WrongFD()]):
        recs, _ = runner.run([kinked.id, smooth.id], ["t-wrong-fd"], 2, 0)
    assert [r["outcome"] for r in recs] == ["inconclusive", "fail"]
    assert "kink" in recs[0]["message"]
