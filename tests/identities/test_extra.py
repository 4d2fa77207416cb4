"""Section "extra": each closed form passes the AD engines and fails when it is wrong."""

from __future__ import annotations

import numpy as np
import pytest

import identities.catalogue  # noqa: F401  (registers the records)
from adcheck.check import check
from identities import IDENTITIES

EXTRA = sorted(i for i, r in IDENTITIES.items() if r.section == "extra")
ENGINES = ["reverse", "forward", "richardson", "exact"]


@pytest.mark.parametrize("rid", EXTRA)
def test_closed_form_passes(rid):
    rec = IDENTITIES[rid]
    args = rec.sample(np.random.default_rng(3))
    rep = check(rec.f, args, wrt=rec.wrt, kind=rec.kind, expected=rec.closed_form,
                engines=ENGINES)
    assert rep.verdict == "pass", rep.message


@pytest.mark.parametrize("rid", EXTRA)
def test_a_scaled_closed_form_fails(rid):
    rec = IDENTITIES[rid]
    args = rec.sample(np.random.default_rng(4))
    rep = check(rec.f, args, wrt=rec.wrt, kind=rec.kind,
                expected=lambda xp, *a: 1.01 * rec.closed_form(xp, *a), engines=ENGINES)
    assert rep.verdict == "fail", rep.message


def test_the_section_is_registered():
    assert len(EXTRA) >= 8
    assert "identities.extra" in identities.catalogue.MODULES
