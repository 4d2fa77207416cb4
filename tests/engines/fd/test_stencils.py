"""Where the richardson tableau starts: relative to the input, grown where f asks for it."""

import numpy as np

from adcheck.engines.fd import Richardson
from adcheck.engines.fd._common import Call
from adcheck.engines.fd.stencils import FIRST, SECOND, choose, start_step


def first_step(f, x, stencils, v=None):
    call = Call(f, (np.asarray(x, dtype=float),), 0)
    line = call.line(np.ones_like(call.x) if v is None else v)
    stencil, h0 = choose(stencils, line)
    return h0, start_step(stencil, line, h0), call


def test_steps_start_at_half_the_input_at_every_magnitude():
    for scale in (1e-150, 1e-20, 1.0, 1e20, 1e150):
        h0, _, _ = first_step(lambda xp, x: x * x, scale * 0.75, FIRST)
        assert scale * 0.75 / 4 < h0 <= scale * 0.75 / 2


def test_a_function_smooth_on_a_larger_scale_than_x_starts_higher():
    """sin(pi x) at x = 0.3 varies on the scale 1/pi > x: the second-difference tableau
    starts at 0.5 rather than 0.125, where extrapolation gains most."""
    h0, start, _ = first_step(lambda xp, x: xp.sin(np.pi * x), 0.3, SECOND)
    assert (h0, start) == (0.125, 0.5)


def test_a_chance_agreement_of_two_quotients_does_not_raise_the_step():
    """tanh' at 0.7: D(0.5) and D(0.25) agree by accident (h² and h⁴ terms cancel), but the
    finer pair does not shrink accordingly; the start stays where the asymptotic regime is."""
    _, start, _ = first_step(lambda xp, x: xp.tanh(x), 0.7, FIRST)
    assert start == 0.5


def test_noise_swamping_the_first_quotient_raises_the_step():
    """A component of 1e-6 beside one of 1: a second difference at steps of 1e-6 is noise;
    the step grows until it is not, and the curvature comes out to 1e-8."""
    f = lambda xp, x: xp.cos(x[0]) + x[1]  # noqa: E731
    x = np.array([1e-6, 1.0])
    h0, start, _ = first_step(f, x, SECOND, v=np.array([1.0, 0.0]))
    assert start > 1e3 * h0
    r = Richardson().hessian(f, (x,))
    assert abs(r.value[0, 0] + np.cos(1e-6)) <= min(r.error[0, 0], 1e-8)
