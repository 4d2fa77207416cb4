"""Section "extra": each closed form passes the AD engines and fails when it is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from adcheck import identities  # noqa: F401  (registers the records)
from adcheck.api.check import check
from adcheck.identities import IDENTITIES

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
    assert set(EXTRA) <= set(identities.IDENTITIES)  # registered by importing the package
