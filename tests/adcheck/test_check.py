import subprocess
import sys

import numpy as np
import pytest
from adcheck_helpers import Scaled, temporary

import adcheck

RNG = np.random.default_rng(0)
Q = RNG.normal(size=(3, 3))
X = RNG.normal(size=3)


def quad(xp, x, q):
    return x @ (q @ x)


def test_consensus_passes_for_correct_engines():
    rep = adcheck.check(quad, (X, Q))
    assert rep.ok and bool(rep) and "PASS" in str(rep)


def test_consensus_names_the_outlier():
    with temporary(engines=[Scaled(0.5, "t-half")]):
        rep = adcheck.check(quad, (X, Q), engines=["reverse", "forward", "richardson", "t-half"])
    assert not rep.ok and rep.outliers == ["t-half"]
    assert "1/2" in rep.engines["t-half"].diagnosis


def test_expected_value_and_closed_form():
    assert adcheck.check(quad, (X, Q), expected=(Q + Q.T) @ X).ok
    assert adcheck.check(quad, (X, Q), expected=lambda xp, x, q: (q + q.T) @ x).ok
    rep = adcheck.check(quad, (X, Q), expected=2 * Q @ X)  # Q is not symmetric
    assert not rep.ok and rep.outliers == ["expected"]
    assert "expected value is the outlier" in rep.message


def test_assert_helpers_raise_with_the_explanation():
    with pytest.raises(AssertionError, match="allowed"):
        adcheck.assert_derivative(quad, (X, Q), expected=2 * Q @ X)
    adcheck.assert_derivative(quad, (X, Q), kind="hessian", expected=Q + Q.T)
    with pytest.raises(AssertionError):
        adcheck.assert_check(adcheck.check(quad, (X, Q), expected=np.zeros(3)))


# ----------------------------------------------------------------------------- usage errors

@pytest.mark.parametrize("kw, exc, words", [
    ({"wrt": 5}, ValueError, "wrt=5 is out of range"),
    ({"wrt": "0"}, TypeError, "wrt must be an int"),
    ({"kind": "gradiant"}, ValueError, "did you mean 'gradient'"),
    ({"engines": ["revers"]}, ValueError, "no engine named 'revers'.*available: .*reverse"),
    ({"kind": "hvp"}, ValueError, "needs the direction v="),
])
def test_usage_errors_raise_naming_the_argument(kw, exc, words):
    with pytest.raises(exc, match=words):
        adcheck.check(quad, (X, Q), **kw)


def test_a_bare_array_as_args_is_a_type_error():
    with pytest.raises(TypeError, match="args must be a tuple"):
        adcheck.check(lambda xp, x: xp.sum(x * x), X)


def test_an_engine_object_is_accepted_where_a_name_is():
    from adcheck import engines
    rep = adcheck.check(quad, (X, Q), engines=[engines.get("reverse"), "richardson"])
    assert rep.ok and set(rep.engines) == {"reverse", "richardson"}


def test_a_transposed_expected_jacobian_fails_with_the_diagnosis():
    a = RNG.normal(size=(2, 3))
    x = RNG.normal(size=3)
    rep = adcheck.check(lambda xp, x, a: a @ x, (x, a), kind="jacobian", expected=a.T,
                        engines=["reverse", "forward"])
    assert rep.verdict == "fail"
    assert all("transpose" in ev.diagnosis for ev in rep.engines.values()), rep.message


def test_a_failing_check_shrinks_through_its_strategy(monkeypatch):
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from adcheck.judging import shrink
    monkeypatch.setattr(shrink, "BUDGET_S", 3600.0)  # no load can spend it: the search ends

    def pairs(n):
        grid = st.integers(-8, 8).map(lambda k: k / 8)
        return st.tuples(hnp.arrays(float, (n,), elements=grid),
                         hnp.arrays(float, (n, n), elements=grid))
    strategy = st.integers(1, 4).flatmap(pairs)
    rep = adcheck.check(quad, (X, Q), expected=lambda xp, x, q: 2.0 * (q @ x),
                        engines=["reverse", "forward"], strategy=strategy)
    assert not rep.ok and rep.shrunk is not None
    assert rep.shrunk["shapes"]["x"] == [2]  # at n = 1 every Q is symmetric
    assert "Smallest failing input found by shrinking" in rep.message
    assert "shrink budget" not in rep.message  # it ended on its own, at the smallest


def test_a_one_engine_check_evaluates_the_function_four_times_at_most():
    """The preflight (usage errors), the output's structure, the rounding bound (which bounds
    f itself on the way) and the engine's own pass: no phase evaluates f a second time."""
    calls = []

    def f(xp, x):
        calls.append(1)
        return xp.sum(xp.tanh(x) ** 2)

    rep = adcheck.check(f, (np.array([0.3, -1.2, 0.7]),), engines=["reverse"])
    assert rep.engines["reverse"].outcome != "error", rep.message
    assert len(calls) <= 4


def test_checking_a_function_loads_no_heavy_library_it_does_not_need():
    code = ("import sys, numpy as np, adcheck; "
            "adcheck.check(lambda xp, x: xp.sum(xp.tanh(x) ** 2), (np.array([0.3, -1.2]),)); "
            "print([m for m in ('sympy', 'hypothesis', 'scipy.special', 'matplotlib') "
            "if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("scale", [1e-200, 1e-160])
def test_a_correct_gradient_at_tiny_magnitudes_never_fails(scale):
    # Σx² underflows (to 0 at 1e-200, to subnormals at 1e-160): differences of those values
    # cannot resolve the gradient, so they are inconclusive; they once failed the correct 2x
    # ("zero block"), and without expected the consensus of the two differences failed AD
    x = scale * np.array([1.3, 0.7, 2.2])
    rep = adcheck.check(_squares, (x,), expected=2 * x)
    assert rep.ok, rep.message
    assert adcheck.check(_squares, (x,)).verdict != "fail"
    assert adcheck.check(_squares, (x,), expected=3 * x).verdict == "fail"


def _squares(xp, x):
    return xp.sum(x * x)


def _guarded(xp, x):
    """x³ guarded by an ``x == 0`` test, as user code writes to avoid a division."""
    return xp.sum(xp.where(x == 0, 0.0, x * x * x))


def test_a_guard_at_zero_leaves_the_other_components_judged():
    # the guard puts x_0 = 0 on a kink; every other partial is unique, and a wrong expected
    # there must fail (it was inconclusive on every engine)
    x = np.array([0.0, 0.7, 1.3])
    assert adcheck.check(_guarded, (x,), expected=3 * x * x).ok
    wrong = adcheck.check(_guarded, (x,), expected=4 * x * x)
    assert wrong.verdict == "fail" and wrong.engines["reverse"].index != (0,), wrong.message
    # a claim that differs only on the kink is not a failure: the derivative there is not unique
    at_zero = 3 * x * x
    at_zero[0] = 1.0
    assert adcheck.check(_guarded, (x,), expected=at_zero).verdict == "inconclusive"
    h = np.diag(6 * x)
    h[2, 1] = 1.0  # a wrong Hessian entry off the kink's row and column
    assert adcheck.check(_guarded, (x,), kind="hessian", expected=h).verdict == "fail"


@pytest.mark.parametrize("f, why", [
    (lambda xp, x: xp.sum(x) * (1 + 1j), "complex"),  # its imaginary part was dropped: a pass
    (lambda xp, x: None, "returned None"),  # read as 0: a pass of expected=zeros
], ids=["complex", "none"])
def test_a_value_that_is_not_real_numbers_is_refused(f, why):
    with pytest.raises(TypeError, match=why):
        adcheck.check(f, (X,), expected=np.zeros(3))


def test_an_empty_input_is_never_a_pass():
    # once "verified to 0": nothing judged is never a pass
    for expected in (None, np.zeros(0)):
        rep = adcheck.check(_squares, (np.zeros(0),), expected=expected)
        assert rep.verdict == "inconclusive" and rep.verified_to is None, rep.message
        assert "nothing to judge" in rep.message


def test_a_zero_slope_inside_the_rules_warns_nobody():
    """std of one value runs through sqrt's zero-slope convention (x/0 and 0·inf inside the
    rules, resolved to the true 0): check() and its rounding bound printed numpy's
    RuntimeWarnings to the user for a correct function."""
    import warnings
    x = np.array([[0.3, -1.2], [0.7, 2.0]])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        rep = adcheck.check(lambda xp, x: xp.sum(xp.std(x[:, :1], axis=1) + x ** 2), (x,),
                            kind="hessian",
                            engines=["forward-over-reverse", "reverse-over-reverse", "central"])
    assert rep.verdict == "pass", rep.message
    assert not [w for w in seen if issubclass(w.category, RuntimeWarning)], \
        [str(w.message) for w in seen]


def test_a_ratio_to_an_allowance_of_zero_is_said_in_words():
    from adcheck.judging.messages import times_allowance
    assert times_allowance({"ratio": 3.21, "allowance": 1e-12}) == "3.21x the allowance"
    # once: '1.07e+308x the allowance' for an exact zero reference
    said = times_allowance({"ratio": 1.07e308, "allowance": 0.0})
    assert "e+308" not in said and "allowance of 0" in said


def test_a_vacuous_rounding_bound_never_passes_a_wrong_derivative():
    """Newton's method unrolled 60 times: the running rounding bound of its derivative grows to
    ~1e36 units of u, and a claim off by 9x once passed 'verified to 4.4e-16 relative'."""
    def root(xp, x):
        y = x / 2
        for _ in range(60):
            y = y - (y**3 + y - x) / (3 * y**2 + 1)
        return xp.sum(y)
    x = np.array([0.7, -1.3, 0.2])
    y = x / 2
    for _ in range(60):
        y = y - (y**3 + y - x) / (3 * y**2 + 1)
    right, wrong = 1 / (3 * y**2 + 1), 1 / (3 * y**2)
    bad = adcheck.check(root, (x,), expected=wrong)
    assert bad.verdict != "pass" and "vacuous" in bad.message, bad.message
    assert adcheck.check(root, (x,), expected=right).verdict != "fail"
    assert adcheck.check(root, (x,)).verdict != "fail"


def test_a_check_of_many_inputs_warns_first_with_the_way_out():
    """10^6 inputs with the default engines ran for over 20 minutes without a word (issue 22,
    M9): central differences evaluate f twice an input. The check now warns before it starts,
    with an estimate and the cheaper checks; a small one does not warn."""
    import warnings

    from adcheck.api.check import LongCheckWarning

    def f(xp, x):
        return xp.sum(x * x)

    small = (np.linspace(0.1, 1.0, 50),)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LongCheckWarning)
        assert adcheck.check(f, small)
    big = (np.linspace(0.1, 1.0, 10**6),)
    with pytest.raises(LongCheckWarning, match=r"1,000,000 inputs.*estimated.*adcheck\.probe"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", LongCheckWarning)  # raised: the check is not run
            adcheck.check(f, big)
