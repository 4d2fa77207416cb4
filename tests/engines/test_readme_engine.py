"""The README's "Adding an engine" example, run as written: it registers, and its results pass
the judge beside adcheck's reverse mode (its estimate times FD_TRUST is within the ceiling)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from adcheck.api.check import check
from adcheck.engines.registry import ENGINES

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    """The first python block of the README's "Adding an engine" section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Adding an engine", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "the README's 'Adding an engine' section has no python block"
    return blocks[0]


@pytest.fixture(scope="module")
def engine():
    ENGINES.pop("forward-difference", None)
    exec(compile(_example(), str(README), "exec"), {"__name__": "readme_example"})  # noqa: S102
    yield ENGINES["forward-difference"]
    ENGINES.pop("forward-difference", None)


CASES = {
    "sines": (lambda xp, x: xp.sum(xp.sin(x)), "gradient"),
    "sin times exp": (lambda xp, x: xp.sum(xp.sin(x) * xp.exp(x)), "gradient"),
    "tanh network": (lambda xp, x: xp.tanh(xp.outer(x, x)) @ x, "jacobian"),
    "large values": (lambda xp, x: 1e3 * xp.sum(x ** 3), "gradient"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_readme_engine_passes_as_written(engine, name):
    f, kind = CASES[name]
    x = np.random.default_rng(len(name)).standard_normal(4)
    rep = check(f, (x,), kind=kind, engines=["forward-difference", "reverse"])
    assert rep.verdict == "pass", rep.message
    assert rep.engines["forward-difference"].outcome == "pass", rep.message


def test_the_readme_engine_is_caught_when_it_is_wrong(engine):
    x = np.array([0.3, -1.2, 2.0])
    rep = check(lambda xp, x: xp.sum(xp.sin(x)), (x,), engines=["forward-difference"],
                expected=np.cos(x) * 1.01)
    assert rep.engines["forward-difference"].outcome == "fail", rep.message
