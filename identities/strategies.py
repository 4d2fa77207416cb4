"""Input strategies: vectors, structured matrices, random networks, PDE parameters.

Each input family is written once as a *builder* ``build(d, ...)`` over a small drawing
interface ``d`` (``integer``, ``real``, ``reals``, ``choice``). The same builder gives a
hypothesis strategy (``as_strategy``: sizes and values shrink toward small) and a deterministic
draw from a numpy Generator (``sample``), which the command line uses with ``--seed``.
Valid inputs are constructed (SPD as B B^T + n I, orthogonal as products of reflections, ...),
never filtered. The public strategy functions take keyword-only, validated arguments.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .activations import NAMES, SMOOTH_NAMES
from .draw import RngDraw
from .networks import encode_arch

MATRIX_KINDS = ("general", "symmetric", "spd", "orthogonal", "ill-conditioned",
                "rank-deficient")
_SATURATING_GAIN = 8.0  # weight gain that pushes tanh/sigmoid units into saturation
_GRID = 2.0**20  # hypothesis reals are multiples of 2^-20: no underflowing products of tiny
# values (an input of 1e-308 is a different problem than the identity's), shrinking to 0


def _st():
    """hypothesis's strategies, imported when a strategy is built or drawn from: a worker that
    draws its cases with numpy (``identities.draw``) never imports hypothesis."""
    from hypothesis import strategies as st
    return st


def _grid(lo: float, hi: float):
    """Floats k / 2^20 in [lo, hi], shrinking toward 0 (or the end nearest to it)."""
    return _st().integers(int(np.ceil(lo * _GRID)), int(np.floor(hi * _GRID))).map(
        lambda k: k / _GRID)


class HypothesisDraw:
    """The drawing interface over hypothesis's ``draw``."""

    def __init__(self, draw):
        self._draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self._draw(_st().integers(lo, hi))

    def real(self, lo: float, hi: float) -> float:
        return self._draw(_grid(lo, hi))

    def reals(self, shape, lo: float = -1.0, hi: float = 1.0) -> np.ndarray:
        from hypothesis.extra import numpy as hnp
        return self._draw(hnp.arrays(np.float64, tuple(shape), elements=_grid(lo, hi)))

    def choice(self, options):
        return self._draw(_st().sampled_from(list(options)))


def as_draw(source):
    """A drawing interface from a Generator, a hypothesis ``draw`` or an interface."""
    if isinstance(source, (HypothesisDraw, RngDraw)):
        return source
    if isinstance(source, np.random.Generator):
        return RngDraw(source)
    return HypothesisDraw(source)


def as_strategy(builder, *args, **kwargs):
    """The hypothesis strategy of ``builder(d, *args, **kwargs)``."""
    @_st().composite
    def strategy(draw):
        return builder(HypothesisDraw(draw), *args, **kwargs)
    return strategy()


def sample(builder, rng: np.random.Generator, *args, **kwargs):
    """One deterministic draw of ``builder`` from ``rng``."""
    return builder(RngDraw(rng), *args, **kwargs)


# ----------------------------------------------------------------------------- builders

def build_vector(d, n: int, *, bound: float = 1.0) -> np.ndarray:
    """A vector of length n, entries in [-bound, bound]."""
    return d.reals((n,), -bound, bound)


def _orthogonal(d, n: int) -> np.ndarray:
    """A product of n Householder reflections; v = 2 e_k + u never vanishes."""
    q = np.eye(n)
    for k in range(n):
        v = d.reals((n,))
        v[k] += 2.0
        q = q - 2.0 * np.outer(q @ v, v) / (v @ v)
    return q


def _with_singular_values(d, m: int, n: int, s: np.ndarray) -> np.ndarray:
    return _orthogonal(d, m)[:, : len(s)] @ np.diag(s) @ _orthogonal(d, n)[:, : len(s)].T


def build_matrix(d, m: int, n: int, *, kind: str = "general", max_cond: float = 1e4):
    """An m x n matrix of the given structure (square kinds use m)."""
    if kind == "general":
        return d.reals((m, n))
    if kind == "symmetric":
        b = d.reals((m, m))
        return 0.5 * (b + b.T)
    if kind == "spd":
        b = d.reals((m, m))
        return b @ b.T + m * np.eye(m)
    if kind == "orthogonal":
        return _orthogonal(d, m)
    r = min(m, n)
    if kind == "ill-conditioned":
        cond = 10.0 ** d.real(0.0, np.log10(max_cond))
        return _with_singular_values(d, m, n, np.logspace(0.0, -np.log10(cond), r))
    if kind == "rank-deficient":
        rank = d.integer(0, r - 1)
        s = np.concatenate([np.linspace(1.0, 0.5, rank), np.zeros(r - rank)])
        return _with_singular_values(d, m, n, s)
    raise ValueError(f"kind={kind!r}; choose one of {MATRIX_KINDS}")


def build_network(d, *, depth=(1, 5), width=(1, 16), n_in=None, n_out=None,
                  activations=NAMES, saturate=False):
    """A random network (weights, biases, arch); weights scaled by 1/sqrt(fan_in) so
    pre-activations stay O(1) (unsaturated) unless ``saturate``."""
    depth_ = d.integer(*depth)
    widths = [n_in if n_in is not None else d.integer(*width)]
    widths += [d.integer(*width) for _ in range(depth_ - 1)]
    widths.append(n_out if n_out is not None else d.integer(*width))
    acts = [d.choice(activations) for _ in range(depth_)]
    gain = _SATURATING_GAIN if saturate else 1.0
    ws = [d.reals((widths[i + 1], widths[i])) * gain / np.sqrt(widths[i])
          for i in range(depth_)]
    bs = [0.5 * d.reals((widths[i + 1],)) for i in range(depth_)]
    return (np.concatenate([w.ravel() for w in ws]), np.concatenate(bs),
            encode_arch(widths, acts))


# Domains of the B.3 PDE parameters (Appendix B.3 and its references).
PDE_DOMAINS = {
    "black-scholes": {"S": (50.0, 150.0), "tau": (0.05, 1.0), "sigma": (0.05, 0.8),
                      "r": (0.0, 0.1), "K": (50.0, 150.0)},
    "merton": {"t": (0.0, 0.9), "x": (0.1, 10.0), "r": (0.0, 0.08), "excess": (0.01, 0.1),
               "sigma": (0.1, 0.5), "gamma": (1.5, 6.0)},
    "hjb": {"t": (0.0, 0.9), "x": (-1.0, 1.0), "d": (1, 8)},
}


def build_pde_params(d, name: str) -> dict:
    """One point of the named PDE's parameter domain, as a dict of floats."""
    if name not in PDE_DOMAINS:
        raise ValueError(f"name={name!r}; choose one of {sorted(PDE_DOMAINS)}")
    return {k: (d.integer(*v) if isinstance(v[0], int) else d.real(*v))
            for k, v in PDE_DOMAINS[name].items()}


# ----------------------------------------------------------------- public hypothesis API

def _check_size(name, value, lo=1, hi=64):
    if not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name}={value!r}: expected an int in [{lo}, {hi}]")


def vectors(*, size: int | None = None, min_size: int = 1, max_size: int = 8,
            bound: float = 1.0):
    """Vectors of a given or drawn length (shrinking toward ``min_size``)."""
    for nm, v in (("min_size", min_size), ("max_size", max_size)):
        _check_size(nm, v)
    if not bound > 0:
        raise ValueError(f"bound={bound!r}: must be positive")
    st = _st()
    sizes = st.just(size) if size is not None else st.integers(min_size, max_size)
    return sizes.flatmap(lambda n: as_strategy(build_vector, n, bound=bound))


def matrices(*, kind: str = "general", rows: int | None = None, cols: int | None = None,
             max_size: int = 6, max_cond: float = 1e4):
    """Matrices of one structure; ``max_cond`` (up to 1e8) bounds ill-conditioned ones."""
    if kind not in MATRIX_KINDS:
        raise ValueError(f"kind={kind!r}; choose one of {MATRIX_KINDS}")
    _check_size("max_size", max_size)
    if not 1.0 <= max_cond <= 1e8:
        raise ValueError(f"max_cond={max_cond!r}: expected a value in [1, 1e8]")
    square = kind in ("symmetric", "spd", "orthogonal")
    st = _st()
    m = st.just(rows) if rows is not None else st.integers(1, max_size)
    n = st.just(cols) if cols is not None else st.integers(1, max_size)
    pairs = m.map(lambda k: (k, k)) if square else st.tuples(m, n)
    if kind == "rank-deficient":
        pairs = pairs.map(lambda p: (max(p[0], 1), max(p[1], 1)))
    return pairs.flatmap(lambda p: as_strategy(partial(build_matrix, kind=kind,
                                                       max_cond=max_cond), *p))


def networks(*, min_depth: int = 1, max_depth: int = 5, min_width: int = 1,
             max_width: int = 16, activations=NAMES, saturate: bool = False):
    """Random networks as (weights, biases, arch); depth and widths shrink toward small."""
    _check_size("min_depth", min_depth, 1, 5)
    _check_size("max_depth", max_depth, min_depth, 16)
    _check_size("min_width", min_width, 1, 64)
    _check_size("max_width", max_width, min_width, 64)
    unknown = [a for a in activations if a not in NAMES]
    if unknown or not activations:
        raise ValueError(f"activations={activations!r}: choose from {NAMES}")
    return as_strategy(build_network, depth=(min_depth, max_depth),
                       width=(min_width, max_width), activations=tuple(activations),
                       saturate=saturate)


def pde_params(*, name: str):
    """Parameters inside the domain of the named PDE (see ``PDE_DOMAINS``)."""
    if name not in PDE_DOMAINS:
        raise ValueError(f"name={name!r}; choose one of {sorted(PDE_DOMAINS)}")
    return as_strategy(build_pde_params, name)


__all__ = ["MATRIX_KINDS", "PDE_DOMAINS", "SMOOTH_NAMES", "as_draw", "as_strategy",
           "build_matrix", "build_network", "build_pde_params", "build_vector", "matrices",
           "networks", "pde_params", "sample", "vectors"]
