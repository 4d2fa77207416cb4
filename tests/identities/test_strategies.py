"""Input strategies: structure is constructed, arguments validated, draws deterministic."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adcheck.identities import strategies as S
from adcheck.identities.networks import decode_arch

EPS = np.finfo(float).eps


@settings(max_examples=20, deadline=None)
@given(S.matrices(kind="symmetric"), S.matrices(kind="spd"), S.matrices(kind="orthogonal"))
def test_structured_square_matrices(sym, spd, q):
    assert np.array_equal(sym, sym.T)
    n = spd.shape[0]
    # B B^T + n I has every eigenvalue >= n (Weyl), up to rounding of the eigensolver
    assert np.linalg.eigvalsh(spd).min() >= n - 8 * n * EPS * np.abs(spd).max()
    resid = np.abs(q.T @ q - np.eye(q.shape[0])).max()
    assert resid <= 8 * q.shape[0] ** 2 * EPS * 4


@settings(max_examples=20, deadline=None)
@given(S.matrices(kind="ill-conditioned", max_cond=1e8, rows=5, cols=5),
       S.matrices(kind="rank-deficient", rows=4, cols=6))
def test_conditioning_and_rank(ill, low):
    assert np.linalg.cond(ill) <= 1e8 * (1 + 1e-6)
    assert np.linalg.matrix_rank(low) < 4


@settings(max_examples=20, deadline=None)
@given(S.networks(max_depth=3, max_width=5, activations=("tanh", "relu")))
def test_networks_respect_bounds(net):
    w, b, arch = net
    spec = decode_arch(arch)
    assert 1 <= spec.depth <= 3 and all(1 <= n <= 5 for n in spec.widths)
    assert set(spec.activations) <= {"tanh", "relu"}
    assert w.size == spec.n_weights() and b.size == spec.n_biases()


def test_unsaturated_unless_asked():
    rng = np.random.default_rng(0)
    pre = []
    for saturate in (False, True):
        w, b, arch = S.sample(S.build_network, rng, depth=(1, 1), width=(16, 16),
                              activations=("tanh",), saturate=saturate)
        x = rng.uniform(-1, 1, 16)
        pre.append(np.abs(w.reshape(16, 16) @ x + b).mean())
    assert pre[0] < 1.0 < pre[1]


def test_sample_is_deterministic_per_seed():
    a = S.sample(S.build_network, np.random.default_rng(5))
    b = S.sample(S.build_network, np.random.default_rng(5))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize(("call", "name"), [
    (lambda: S.matrices(kind="hermitian"), "kind"),
    (lambda: S.matrices(max_cond=1e12), "max_cond"),
    (lambda: S.vectors(max_size=0), "max_size"),
    (lambda: S.networks(activations=("swish9",)), "activations"),
    (lambda: S.pde_params(name="heat"), "name"),
])
def test_arguments_validated_eagerly_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_keyword_only():
    with pytest.raises(TypeError):
        S.vectors(3)


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_pde_params_inside_domains(data):
    p = data.draw(S.pde_params(name="black-scholes"))
    for k, (lo, hi) in S.PDE_DOMAINS["black-scholes"].items():
        assert lo <= p[k] <= hi


def test_sizes_shrink_to_small():
    """Shrinking reaches the smallest network, and the smallest one a condition allows. The
    bounds are kept small: a default draw (up to 5 layers of 16) costs ~55 ms of hypothesis
    draws, and shrinking toward small is the same at any bound."""
    from hypothesis import find
    nets = S.networks(max_depth=3, max_width=6)
    net = find(nets, lambda n: True)
    assert decode_arch(net[2]).widths == (1, 1) and decode_arch(net[2]).depth == 1
    arch = decode_arch(find(nets, lambda n: decode_arch(n[2]).depth >= 2
                            and max(decode_arch(n[2]).widths) >= 3)[2])
    assert arch.depth == 2 and sorted(arch.widths) == [1, 1, 3], arch.widths
