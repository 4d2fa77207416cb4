"""The README's extension example runs: it registers, draws inputs, and passes the judge."""

import sys
from pathlib import Path

import numpy as np
import pytest
from identities_helpers import run_engine_case

from adcheck import engines
from adcheck.identities import IDENTITIES
from adcheck.judging.reference import prepare
from adcheck.running.catalogue import load_plugins

HERE = Path(__file__).parent


@pytest.fixture
def plugin(monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    sys.modules.pop("example_plugin", None)
    IDENTITIES.pop("user.bilinear", None)
    load_plugins(["example_plugin"], entry_points=False)
    yield IDENTITIES["user.bilinear"]
    IDENTITIES.pop("user.bilinear", None)
    sys.modules.pop("example_plugin", None)


def test_example_is_ten_lines():
    lines = (HERE / "example_plugin.py").read_text().splitlines()
    assert len([ln for ln in lines if ln.strip()]) <= 10


def test_example_registers_and_evaluates(plugin):
    assert plugin.section == "user" and plugin.kind == "gradient"
    rng = np.random.default_rng(0)
    for name in ("reverse", "forward", "richardson", "central"):
        for _ in range(3):
            args = plugin.sample(rng)
            v = run_engine_case(plugin, engines.get(name), prepare(plugin, args))
            if name == "central":  # one difference: it may not resolve 1e-6, never a fail
                assert v.outcome == "pass" or "cannot resolve" in v.note, (name, v.note)
            else:
                assert v.outcome == "pass", (name, v.note)


def test_example_with_a_wrong_closed_form_fails(plugin):
    import dataclasses
    bad = dataclasses.replace(plugin, id="user.bad",
                              closed_form=lambda xp, X, a, b: xp.outer(b, a).T)
    args = (np.arange(6.0).reshape(2, 3), np.array([1.0, -2.0]), np.array([0.5, 1.0, 2.0]))
    assert run_engine_case(bad, engines.get("reverse"), prepare(bad, args)).outcome == \
        "pass"  # outer(b, a)^T = a b^T: a correct rewrite passes too
    bad = dataclasses.replace(plugin, id="user.bad", closed_form=lambda xp, X, a, b:
                              xp.outer(a, b) * 2.0)
    assert run_engine_case(bad, engines.get("reverse"), prepare(bad, args)).outcome == \
        "fail"
