"""The batched schemes (``engines.fd.batch``) give every coordinate line bit for bit what the
one-line schemes give, from the same evaluations, on and off their common path."""

import numpy as np
import pytest

from adcheck.engines.fd import Central, Domain, Richardson

FUNCTIONS = {
    "smooth": lambda xp, a: xp.sum(xp.tanh(a) ** 2),
    "linear": lambda xp, a: xp.mean(a),
    "vector": lambda xp, a: xp.sin(a) * xp.sum(a) + xp.exp(a / 3),
    "kink": lambda xp, a: xp.sum(xp.abs(a - 0.3)),
    "where": lambda xp, a: xp.sum(xp.where(a > 0, a**2, -a)),
    "log": lambda xp, a: xp.sum(xp.log(a)),  # not finite below 0: smaller steps, one-sided
    "floor": lambda xp, a: xp.sum(xp.floor(a * 3) + a**2),  # branches not recorded
}
POINTS = {
    "random": np.random.default_rng(3).standard_normal((3, 4)),
    "signed zeros": np.array([0.0, -0.0, 1.0, 1e-12, 3.0]),
    "scalar": np.array(0.7),
    "huge": np.array([2e10, -3e10, 1e9]),
}


def _both(engine_type, f, x, domain):
    """(value, error, status, note, evaluations) batched and one line at a time."""
    out = []
    for batched in (True, False):
        engine = engine_type()
        if not batched:
            engine.first_many = None  # the one-line scheme for every coordinate
        r = engine.jacobian(f, (x,), 0, domain=domain)
        out.append((r.value, r.error, r.status, r.note, r.cost.evaluations))
    return out


@pytest.mark.parametrize("engine_type", [Central, Richardson], ids=["central", "richardson"])
@pytest.mark.parametrize("fname", sorted(FUNCTIONS))
@pytest.mark.parametrize("pname", sorted(POINTS))
@pytest.mark.parametrize("domain", [None, Domain(lower=0.0)], ids=["free", "x>0"])
def test_batched_lines_match_one_line_schemes(engine_type, fname, pname, domain):
    x = POINTS[pname]
    if domain is not None and np.any(x < 0):
        x = np.abs(x)
    many, one = _both(engine_type, FUNCTIONS[fname], x, domain)
    np.testing.assert_array_equal(many[0], one[0])
    np.testing.assert_array_equal(many[1], one[1])
    assert many[2:] == one[2:]
