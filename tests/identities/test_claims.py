"""B.2 cost claims and the B.3 regularity property: they hold, and they can fail."""

import dataclasses

import pytest

from adcheck import engines
from adcheck.engines import registry
from adcheck.identities import IDENTITIES
from adcheck.identities import regularity as R


def _holds(rid, engine):
    facts = IDENTITIES[rid].claim(engine)
    assert facts and all({"what", "observed", "bound", "holds"} <= set(f) for f in facts)
    return [f for f in facts if not f["holds"]]


@pytest.mark.parametrize(("rid", "engine"), [
    ("B2.single-sweep", "reverse"), ("B2.cost-ratio", "reverse"),
    ("B2.per-parameter-passes", "reverse"), ("B2.per-parameter-passes", "forward"),
    ("B3.activation-regularity", "reverse-over-reverse"),
])
def test_claim_holds(rid, engine):
    assert _holds(rid, engine) == []


def test_passes_claim_for_central_differences_when_registered():
    if "central" not in engines.ENGINES:
        pytest.skip("central differences not registered")
    assert _holds("B2.per-parameter-passes", "central") == []


def test_claim_of_an_absent_engine_has_nothing_to_check():
    assert IDENTITIES["B2.single-sweep"].claim("no-such-engine") == []


class _TwoSweeps(engines.Engine):
    """A reverse engine that (wrongly) sweeps once per parameter, as a meta-test."""

    name = "meta-two-sweeps"
    category = "ad"

    def gradient(self, f, args, wrt=0):
        r = engines.get("reverse").gradient(f, args, wrt)
        n = int(r.value.size)
        cost = dataclasses.replace(r.cost, sweeps=n, passes=n,
                                   backward_flops=r.cost.backward_flops * n)
        return dataclasses.replace(r, cost=cost)


def test_cost_claims_fail_for_an_engine_that_sweeps_per_parameter(monkeypatch):
    monkeypatch.setitem(registry.ENGINES, _TwoSweeps.name, _TwoSweeps())
    assert _holds("B2.single-sweep", _TwoSweeps.name)
    assert _holds("B2.cost-ratio", _TwoSweeps.name)
    assert _holds("B2.per-parameter-passes", _TwoSweeps.name)


def test_regularity_fails_when_the_table_is_wrong(monkeypatch):
    monkeypatch.setitem(R.APPENDIX_B_CLASSES, "relu", 1)
    bad = [f["what"] for f in R.table_facts() if not f["holds"]]
    assert any(w.startswith("relu: derived C^0") for w in bad)


def test_relu_demo_loses_the_second_order_term():
    facts = R.demo_facts("forward-over-reverse")
    relu = next(f for f in facts if f["what"].startswith("relu"))
    tanh = next(f for f in facts if f["what"].startswith("tanh"))
    assert relu["observed"] == 0.0 and relu["holds"]
    assert tanh["observed"] > 0.0 and tanh["holds"]
