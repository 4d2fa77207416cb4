"""The catalogue: every Appendix B id, complete records, proofs computed, references kept."""

import dataclasses

import mpmath
import numpy as np
import pytest
import sympy as sp
from identities_helpers import run_engine_case

from adcheck import engines
from adcheck.engines.exact import evaluate_exact
from adcheck.identities import IDENTITIES, RECORD_KINDS, catalogue, pde, proofs
from adcheck.identities.b3 import BS_REFERENCE
from adcheck.judging.reference import prepare

ISSUE_IDS = {
    "B1.jacobian-linear", "B1.gram-gradient", "B1.quadratic-gradient",
    "B1.quadratic-gradient-general", "B1.quadratic-hessian", "B1.backprop-weights",
    "B1.backprop-bias", "B1.backprop-per-output", "B2.single-sweep", "B2.cost-ratio",
    "B2.per-parameter-passes", "B3.grad-of-grad", "B3.black-scholes-greeks",
    "B3.black-scholes-pde", "B3.poisson-laplacian", "B3.laplacian-quadratic", "B3.hjb-lqg",
    "B3.hjb-merton", "B3.activation-regularity",
}
RECORDS = catalogue.builtin()


def test_every_issue_id_is_defined():
    assert ISSUE_IDS <= set(IDENTITIES)
    assert set(catalogue.APPENDIX_B_IDS) <= set(IDENTITIES)


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r.id)
def test_record_is_complete(rec):
    assert rec.kind in RECORD_KINDS and rec.section in ("B.1", "B.2", "B.3")
    assert rec.citation and rec.title and isinstance(rec.statement, sp.Basic)
    assert rec.prove is not None
    if rec.kind in ("cost", "property"):
        assert callable(rec.claim)
        return
    assert rec.closed_form is not None and len(rec.arg_names) >= rec.wrt + 1
    args = rec.sample(np.random.default_rng(0))
    again = rec.sample(np.random.default_rng(0))
    assert len(args) == len(rec.arg_names)
    assert all(np.array_equal(a, b) for a, b in zip(args, again))


def test_proof_status_is_computed_not_typed():
    """The cache is only a cache: recomputing a cheap record gives the stored answer."""
    rec = IDENTITIES["B1.quadratic-gradient-general"]
    fresh = proofs.status(rec, use_cache=False)
    assert fresh.status == "general" == rec.proof().status
    assert proofs.compute(IDENTITIES["B3.laplacian-norm"]).status == "fixed-size"
    assert IDENTITIES["B2.cost-ratio"].proof().status == "numeric"


@pytest.mark.parametrize(("rid", "wrong"), [
    ("B1.quadratic-gradient-general", lambda xp, x, q: q @ x),       # Qx instead of (Q+Q^T)x
    ("B1.jacobian-linear", lambda xp, x, a: xp.matrix_transpose(a)),  # A^T instead of A
    ("B1.quadratic-gradient", lambda xp, x, q: q @ x),                # forgot the 2
])
def test_wrong_closed_form_is_not_proved(rid, wrong):
    bad = dataclasses.replace(IDENTITIES[rid], id="meta.wrong", closed_form=wrong,
                              extra={"proof": {"cases": IDENTITIES[rid].extra["proof"]["cases"]}})
    assert proofs.compute(bad).status == "numeric"


@pytest.mark.parametrize(("rid", "wrong", "engine"), [
    ("B1.quadratic-gradient-general", lambda xp, x, q: q @ x, "reverse"),
    ("B1.quadratic-gradient", lambda xp, x, q: q @ x, "forward"),
    ("B1.jacobian-linear", lambda xp, x, a: xp.matrix_transpose(a), "reverse"),
    ("B1.quadratic-hessian-general", lambda xp, x, q: 2.0 * q, "reverse-over-reverse"),
    ("B3.poisson-laplacian", lambda xp, x: -xp.pi * xp.pi * pde.poisson_u(xp, x),
     "forward-over-reverse"),
])
def test_wrong_closed_form_fails_numerically(rid, wrong, engine):
    rec = dataclasses.replace(IDENTITIES[rid], id="meta.wrong", closed_form=wrong)
    rng = np.random.default_rng(11)
    outcomes = set()
    for _ in range(4):
        args = rec.sample(rng)
        if rid == "B1.jacobian-linear":  # square and non-symmetric, so A^T has A's shape
            args = (args[0][:2], rng.uniform(-1, 1, (2, 2)))
        outcomes.add(run_engine_case(rec, engines.get(engine), prepare(rec, args)).outcome)
    assert "fail" in outcomes


def test_black_scholes_reference_values_reproduced():
    ref = BS_REFERENCE
    p, k, t = IDENTITIES["B3.black-scholes-greeks"].extra["reference_args"]
    price = evaluate_exact(pde.bs_price, (p, k, t))
    greeks = evaluate_exact(pde.bs_greeks, (p, k, t))
    gamma = evaluate_exact(pde.bs_gamma, IDENTITIES["B3.black-scholes-gamma"]
                           .extra["reference_args"])
    got = {"call": np.ravel(price)[0], "delta": greeks[0], "theta": greeks[1], "vega": greeks[2],
           "gamma": np.ravel(gamma)[0]}
    for name, value in got.items():
        # the appendix quotes 15 significant digits: agreement to half a unit in the last
        digits = mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(ref[name]))) - 14)
        assert abs(mpmath.mpf(value) - mpmath.mpf(repr(ref[name]))) <= digits / 2, name


def test_black_scholes_greeks_by_every_ad_engine_at_the_reference_point():
    rec = IDENTITIES["B3.black-scholes-greeks"]
    ctx = prepare(rec, rec.extra["reference_args"])
    for name in ("forward", "reverse", "forward-over-reverse", "reverse-over-reverse"):
        assert run_engine_case(rec, engines.get(name), ctx).outcome == "pass"


def test_hjb_published_value_by_quadrature():
    ref = pde.HJB_REFERENCE["u(0,0)"]
    assert abs(float(pde.hjb_reference_value()) - ref) <= 4 * np.finfo(float).eps * ref


def test_lqg_solution_is_the_cole_hopf_expectation():
    """For lam = -1, u = ln E[exp(g(x + sqrt2 W))]: check by Gauss-Hermite quadrature in d=1."""
    x, t, big_t = 0.3, 0.25, 1.0
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    y = x + np.sqrt(2 * (big_t - t)) * nodes
    expect = np.sum(weights * 0.5 * (1 + y**2)) / np.sqrt(2 * np.pi)
    u = float(pde.hjb_u(engines.numpy_ns, np.array([x]), np.array([t]), big_t))
    assert abs(u - np.log(expect)) <= 8 * np.finfo(float).eps * abs(u)


@pytest.mark.parametrize("bad", [5, "", None])
def test_an_identity_id_is_a_non_empty_string(bad):
    # an int id once passed define() and ended `adcheck run` in a traceback (shlex.quote)
    from adcheck.identities import Identity
    with pytest.raises(TypeError, match="non-empty string"):
        Identity(id=bad, section="U", title="t", citation="t", kind="gradient",
                 f=lambda xp, x: xp.sum(x))


@pytest.mark.parametrize("field, value", [("section", 7), ("title", None),
                                          ("citation", ["a", 1]), ("wrt", True),
                                          ("arg_names", "x"), ("tags", (1,))])
def test_metadata_of_the_wrong_type_is_refused_at_define(field, value):
    """A section of 7 or a citation of ['a', 1] was run, then its results.json was refused by
    `report` and `merge` (issue 22, M8): define() refuses it, naming the field."""
    from adcheck.identities import IDENTITIES, define
    fields = dict(id="U.meta-types", section="U", title="t", citation="c", kind="gradient",
                  f=lambda xp, x: xp.sum(x), inputs=lambda d: (d.reals((2,)),))
    with pytest.raises(TypeError, match=f"identity 'U.meta-types': {field} must be"):
        define(**{**fields, field: value})
    assert "U.meta-types" not in IDENTITIES
