"""numpy's spellings on traced values: the values numpy gives, and derivatives every own engine
agrees on (append, linspace, gradient, diagflat, r_, c_; list arguments of mean/std/var; clip's
a_min/a_max; cross's axisa/axisb/axisc; einsum's sublist form)."""

from __future__ import annotations

import numpy as np
import pytest

from adcheck.api.check import check
from adcheck.engines import transforms as T
from adcheck.engines.namespace import ad, numpy_ns

R = np.random.default_rng(5)
V, W = R.standard_normal(3), R.standard_normal(3)
M = R.standard_normal((2, 3))
S = R.standard_normal((2, 3, 4))
COORDS = np.array([0.0, 0.5, 1.5, 1.75])

# name -> (xp call, numpy call), both of (v, w, m, s)
PAIRS = {
    "mean(list)": (lambda xp, v, w, m, s: xp.mean([v[0] * w[1], v[2]]),
                   lambda v, w, m, s: np.mean([v[0] * w[1], v[2]])),
    "std(list)": (lambda xp, v, w, m, s: xp.std([v[0], w[1], v[2]], ddof=1),
                  lambda v, w, m, s: np.std([v[0], w[1], v[2]], ddof=1)),
    "var(tuple)": (lambda xp, v, w, m, s: xp.var((v[1], w[2] ** 2)),
                   lambda v, w, m, s: np.var((v[1], w[2] ** 2))),
    "append": (lambda xp, v, w, m, s: xp.append(m, [w[0] * 2.0, 1.0]),
               lambda v, w, m, s: np.append(m, [w[0] * 2.0, 1.0])),
    "append(axis)": (lambda xp, v, w, m, s: xp.append(m, [v], axis=0),
                     lambda v, w, m, s: np.append(m, [v], axis=0)),
    "clip(a_min, a_max)": (lambda xp, v, w, m, s: xp.clip(m, a_min=-0.5, a_max=w),
                           lambda v, w, m, s: np.clip(m, a_min=-0.5, a_max=w)),
    "clip(min)": (lambda xp, v, w, m, s: xp.clip(m, min=-0.5),
                  lambda v, w, m, s: np.clip(m, min=-0.5)),
    "linspace": (lambda xp, v, w, m, s: xp.linspace(v[0], w[1], 6),
                 lambda v, w, m, s: np.linspace(v[0], w[1], 6)),
    "linspace(arrays, axis, no endpoint)": (
        lambda xp, v, w, m, s: xp.linspace(v, w, 4, endpoint=False, axis=1),
        lambda v, w, m, s: np.linspace(v, w, 4, endpoint=False, axis=1)),
    "linspace(retstep)": (lambda xp, v, w, m, s: xp.linspace(v[0], 2.0, 5, retstep=True)[1],
                          lambda v, w, m, s: np.linspace(v[0], 2.0, 5, retstep=True)[1]),
    "gradient": (lambda xp, v, w, m, s: xp.gradient(s[0, 0]),
                 lambda v, w, m, s: np.gradient(s[0, 0])),
    "gradient(axes, spacing)": (lambda xp, v, w, m, s: xp.stack(xp.gradient(s, 0.5, 2.0, 3.0)),
                                lambda v, w, m, s: np.stack(np.gradient(s, 0.5, 2.0, 3.0))),
    "gradient(coordinates, edge 2)": (
        lambda xp, v, w, m, s: xp.gradient(s, COORDS, axis=-1, edge_order=2),
        lambda v, w, m, s: np.gradient(s, COORDS, axis=-1, edge_order=2)),
    "gradient(coordinates, edge 1)": (
        lambda xp, v, w, m, s: xp.gradient(s, COORDS, axis=2),
        lambda v, w, m, s: np.gradient(s, COORDS, axis=2)),
    "gradient(two points)": (lambda xp, v, w, m, s: xp.gradient(v[:2]),
                             lambda v, w, m, s: np.gradient(v[:2])),
    "diagflat": (lambda xp, v, w, m, s: xp.diagflat(m, k=-2),
                 lambda v, w, m, s: np.diagflat(m, k=-2)),
    "r_": (lambda xp, v, w, m, s: xp.r_[v, 2.0, w[:2], 0:3, 0:1:4j],
           lambda v, w, m, s: np.r_[v, 2.0, w[:2], 0:3, 0:1:4j]),
    "r_(directive)": (lambda xp, v, w, m, s: xp.r_["0,2,0", v, w],
                      lambda v, w, m, s: np.r_["0,2,0", v, w]),
    "r_(axis)": (lambda xp, v, w, m, s: xp.r_["1", m, m],
                 lambda v, w, m, s: np.r_["1", m, m]),
    "c_": (lambda xp, v, w, m, s: xp.c_[v, w, m.T], lambda v, w, m, s: np.c_[v, w, m.T]),
    "cross(axisa, axisb, axisc)": (
        lambda xp, v, w, m, s: xp.cross(m.T, s[:, :, 0].T, axisa=0, axisb=0, axisc=0),
        lambda v, w, m, s: np.cross(m.T, s[:, :, 0].T, axisa=0, axisb=0, axisc=0)),
    "cross(axis)": (lambda xp, v, w, m, s: xp.cross(s[:, :, :3], s[:, :, 1:], axis=1),
                    lambda v, w, m, s: np.cross(s[:, :, :3], s[:, :, 1:], axis=1)),
    "cross(3 and 2)": (lambda xp, v, w, m, s: xp.cross(m, w[:2]),
                       lambda v, w, m, s: np.cross(m, np.append(w[:2], 0.0))),
    "cross(2 and 2)": (lambda xp, v, w, m, s: xp.cross(v[:2], w[1:]),
                       lambda v, w, m, s: v[0] * w[2] - v[1] * w[1]),
    "einsum(sublists)": (lambda xp, v, w, m, s: xp.einsum(m, [0, 1], s, [0, 1, 2], [2]),
                         lambda v, w, m, s: np.einsum(m, [0, 1], s, [0, 1, 2], [2])),
    "einsum(sublists, implicit)": (
        lambda xp, v, w, m, s: xp.einsum(s, [Ellipsis, 30, 3], m, [Ellipsis, 30]),
        lambda v, w, m, s: np.einsum(s, [Ellipsis, 30, 3], m, [Ellipsis, 30])),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_numpy_spellings_give_numpys_values_plain_and_traced(name):
    f, reference = PAIRS[name]
    want = np.asarray(reference(V, W, M, S), dtype=float)
    got = np.asarray(f(numpy_ns, V, W, M, S), dtype=float)
    assert got.shape == want.shape and np.allclose(got, want, rtol=1e-14, atol=1e-14)
    traced, _ = T.vjp(lambda xp, v, w, m, s: xp.asarray(f(xp, v, w, m, s)), ad, (V, W, M, S))
    assert np.allclose(traced, want, rtol=1e-14, atol=1e-14)


def _all_spellings(xp, x):
    """Every spelling above at once, smooth (no clip), as one vector."""
    v, w = x[0], x[1]
    return xp.stack([
        xp.mean([v[0] * w[1], v[2]]), xp.std([v[0], w[1] * v[1], v[2]]),
        xp.var((v[1], w[2] ** 2)), xp.sum(xp.append(v, [w[0] * 2.0, 1.0]) ** 2),
        xp.sum(xp.linspace(v[0], w[1], 5) ** 2),
        xp.sum(xp.gradient(v * w, np.array([0.0, 0.5, 1.5]), edge_order=2) ** 2),
        xp.sum(xp.r_[v, 2.0, w[:2] * 3.0, 0:2] ** 2), xp.sum(xp.c_[v, w * v] ** 3),
        xp.sum(xp.diagflat(v, 1) @ xp.diagflat(w, -1)),
        xp.sum(xp.cross(x, x[::-1] * 2.0, axisa=1, axisb=1, axisc=0) ** 2),
        xp.sum(xp.einsum(x, [0, 1], x.T, [1, 2], [0, 2]) ** 2),
    ])


FIRST = ["forward", "reverse", "central", "richardson", "complex-step", "exact"]
SECOND = ["forward-over-reverse", "reverse-over-forward", "forward-over-forward",
          "reverse-over-reverse", "central", "richardson", "complex-step", "exact"]


@pytest.mark.parametrize("kind", ["jacobian", "hessian"])
def test_every_own_engine_differentiates_numpys_spellings(kind):
    x = np.random.default_rng(3).standard_normal((2, 3))
    f = _all_spellings if kind == "jacobian" else (
        lambda xp, x: xp.sum(_all_spellings(xp, x) * np.linspace(0.5, 1.5, 11)))
    rep = check(f, (x,), kind=kind, engines=FIRST if kind == "jacobian" else SECOND)
    assert rep.verdict == "pass", rep.message
    assert all(v.outcome == "pass" for v in rep.engines.values()), rep.message


def test_the_symbolic_engine_reads_lists_of_traced_scalars():
    """sympy's 0-d arrays in a list were kept as opaque objects (numpy does not unwrap a
    subclass), so mean/std/var of a list and append raised there."""
    x = np.random.default_rng(4).standard_normal((2, 3))
    f = lambda xp, x: xp.stack([  # noqa: E731
        xp.mean([x[0, 0] * x[1, 1], x[0, 2]]), xp.std([x[0, 0], x[1, 1], x[0, 2]]),
        xp.var((x[0, 1], x[1, 2] ** 2)), xp.sum(xp.append(x[0], [x[1, 0], 1.0]) ** 2)])
    rep = check(f, (x,), kind="jacobian", engines=["symbolic", "reverse"])
    assert rep.verdict == "pass", rep.message
    assert all(v.outcome == "pass" for v in rep.engines.values()), rep.message


def test_clip_with_numpys_keywords_is_differentiated_by_every_own_engine():
    x = np.array([[0.1, -0.7, 0.3], [0.9, -0.2, 0.45]])
    rep = check(lambda xp, x: xp.sum(xp.clip(x, a_min=-0.5, a_max=0.4) ** 2), (x,),
                engines=["forward", "reverse", "central", "richardson", "exact", "symbolic"])
    assert rep.verdict == "pass", rep.message
    assert all(v.outcome == "pass" for v in rep.engines.values()), rep.message
