"""Property: at every magnitude from 1e-150 to 1e150, a correct closed form never fails and a
wrong one (x (1 + 1e-6), transposed, sign flipped) never passes, on any engine."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import adcheck
import adcheck.judging.errmodel
from adcheck import engines

ENGINES = [n for n in ("reverse", "forward", "exact", "central", "richardson", "complex-step")
           if n in engines.ENGINES]


def f(xp, a, x):
    return a @ (x * x)


def right(xp, a, x):
    return a * (2.0 * x)


WRONG = {
    "1e-6": lambda xp, a, x: a * (2.0 * x) * (1.0 + 1e-6),
    "sign": lambda xp, a, x: -(a * (2.0 * x)),
    "transpose": lambda xp, a, x: xp.matrix_transpose(a * (2.0 * x)),
}


@st.composite
def cases(draw):
    m, n = draw(st.sampled_from([(2, 3), (3, 2), (1, 2)]))
    size = st.floats(0.5, 1.0)
    sign = st.sampled_from([-1.0, 1.0])
    a = np.array([draw(size) * draw(sign) for _ in range(m * n)]).reshape(m, n)
    x = np.array([draw(size) * draw(sign) for _ in range(n)])
    return a, x * 10.0 ** draw(st.integers(-150, 150))


@settings(max_examples=12, deadline=None)
@given(cases())
def test_correct_never_fails_and_wrong_never_passes_at_any_magnitude(case):
    a, x = case
    rep = adcheck.check(f, (a, x), wrt=1, kind="jacobian", engines=ENGINES, expected=right)
    for name, ev in rep.engines.items():
        assert ev.outcome != "fail", (x, name, ev.note, ev.worst)
        if ev.outcome == "pass":
            assert ev.verified_to <= adcheck.judging.errmodel.CEILING[1]
    assert rep.engines["reverse"].outcome == "pass"
    for what, g in WRONG.items():
        rep = adcheck.check(f, (a, x), wrt=1, kind="jacobian", engines=ENGINES, expected=g)
        for name, ev in rep.engines.items():
            assert ev.outcome != "pass", (x, what, name, ev.worst)
        assert rep.engines["reverse"].outcome == "fail", (what, rep.message)
