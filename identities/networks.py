"""Feed-forward networks written against ``xp``, and their hand-written derivatives.

A network is carried by plain arrays so every engine and oracle can take it as arguments:
``weights`` (all W_l flattened row-major, concatenated), ``biases`` (all b_l concatenated) and
``arch``, an integer array ``[L, n_0, ..., n_L, c_1, ..., c_L]`` of the depth, the widths and
the index of each layer's activation in ``activations.NAMES`` (integer, so that adapters leave it
untraced). ``z_l = W_l a_{l-1} + b_l``, ``a_l = g_l(z_l)``, ``a_0 = x`` (Appendix B.1, item 4).

``x`` is one input (a vector of width n_0) or a batch of them (shape (B, n_0), one row per
example); the biases then broadcast over the batch, the loss sums over it, and the closed
forms are the appendix's δ formulas summed over the batch: ∂ℓ/∂W_l = Σ_b δ_l,b a_{l-1,b}ᵀ and
∂ℓ/∂b_l = Σ_b δ_l,b. A rule that un-broadcasts a bias over the wrong axis fails them.

The closed forms are recursions written out by hand: the backprop delta recursion for parameter
gradients, and second-order forward propagation for input Hessians. They share no code with
the AD engines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS, NAMES


@dataclass(frozen=True)
class Arch:
    """Depth, widths ``(n_0, ..., n_L)`` and activation names per layer."""

    widths: tuple[int, ...]
    activations: tuple[str, ...]

    @property
    def depth(self) -> int:
        return len(self.activations)

    def weight_shapes(self) -> list[tuple[int, int]]:
        return [(self.widths[i + 1], self.widths[i]) for i in range(self.depth)]

    def n_weights(self) -> int:
        return sum(m * n for m, n in self.weight_shapes())

    def n_biases(self) -> int:
        return sum(self.widths[1:])


def encode_arch(widths, activations) -> np.ndarray:
    """The numeric ``arch`` array of a network (see the module docstring)."""
    if len(widths) != len(activations) + 1:
        raise ValueError(f"{len(widths)} widths need {len(widths) - 1} activations, "
                         f"got {len(activations)}")
    codes = [NAMES.index(a) for a in activations]
    return np.array([len(activations), *widths, *codes], dtype=np.int64)


def decode_arch(arch) -> Arch:
    """Read ``arch`` back; its entries may be floats, mpmath or sympy numbers."""
    vals = [int(round(float(v))) for v in np.ravel(np.asarray(arch, dtype=object))]
    depth = vals[0]
    widths = tuple(vals[1:depth + 2])
    acts = tuple(NAMES[c] for c in vals[depth + 2: 2 * depth + 2])
    return Arch(widths, acts)


def unpack(xp, weights, biases, arch: Arch):
    """The list of (W_l, b_l), sliced out of the flat vectors."""
    layers, sw, sb = [], 0, 0
    for m, n in arch.weight_shapes():
        w = xp.reshape(weights[sw:sw + m * n], (m, n))
        layers.append((w, biases[sb:sb + m]))
        sw, sb = sw + m * n, sb + m
    return layers


def _batched(a) -> bool:
    return len(a.shape) == 2


def forward(xp, weights, biases, x, arch):
    """Network output and the cached (z_l, a_{l-1}) of every layer (rows: batch examples)."""
    spec = decode_arch(arch)
    a, cache = x, []
    for (w, b), act in zip(unpack(xp, weights, biases, spec), spec.activations):
        # a batch multiplies by W^T from the right, so the bias broadcasts over the rows
        z = (a @ xp.matrix_transpose(w) if _batched(x) else w @ a) + b
        cache.append((z, a))
        a = ACTIVATIONS[act].g(xp, z)
    return a, cache


def output(xp, weights, biases, x, arch):
    """The network output y_hat (a vector of width n_L)."""
    return forward(xp, weights, biases, x, arch)[0]


def loss(xp, weights, biases, x, target, arch):
    """The scalar loss l = 1/2 ||y_hat - target||^2."""
    r = output(xp, weights, biases, x, arch) - target
    return 0.5 * xp.sum(r * r)


def deltas(xp, weights, biases, x, arch, seed):
    """The delta recursion: delta_L = seed(y_hat) * g_L'(z_L), delta_l = (W_{l+1}^T delta_{l+1})
    * g_l'(z_l), row by row for a batch. ``seed`` maps y_hat to dl/dy_hat. Returns deltas and
    the (z_l, a_{l-1})."""
    spec = decode_arch(arch)
    y, cache = forward(xp, weights, biases, x, arch)
    layers = unpack(xp, weights, biases, spec)
    out = [None] * spec.depth
    d = seed(y)
    for l in reversed(range(spec.depth)):
        z, _ = cache[l]
        if l < spec.depth - 1:
            w = layers[l + 1][0]
            d = d @ w if _batched(x) else xp.matrix_transpose(w) @ d
        d = d * ACTIVATIONS[spec.activations[l]].d1(xp, z)
        out[l] = d
    return out, cache


def flat_grads(xp, ds, cache):
    """Concatenate dl/dW_l = delta_l a_{l-1}^T (flattened) and dl/db_l = delta_l, each summed
    over the batch when there is one."""
    if ds and _batched(ds[0]):
        gw = [xp.reshape(xp.matrix_transpose(d) @ a, (d.shape[1] * a.shape[1],))
              for d, (_, a) in zip(ds, cache)]
        return xp.concat(gw), xp.concat([xp.sum(d, axis=0) for d in ds])
    gw = [xp.reshape(xp.outer(d, a), (d.shape[0] * a.shape[0],)) for d, (_, a) in zip(ds, cache)]
    return xp.concat(gw), xp.concat(list(ds))


def loss_weight_grad(xp, weights, biases, x, target, arch):
    """Closed form of dl/dW (all layers, flat): delta_l a_{l-1}^T."""
    ds, cache = deltas(xp, weights, biases, x, arch, lambda y: y - target)
    return flat_grads(xp, ds, cache)[0]


def loss_bias_grad(xp, weights, biases, x, target, arch):
    """Closed form of dl/db (all layers, flat): delta_l."""
    ds, cache = deltas(xp, weights, biases, x, arch, lambda y: y - target)
    return flat_grads(xp, ds, cache)[1]


def output_weight_jacobian(xp, weights, biases, x, arch):
    """Closed form of d y_hat_k / dW (flat), one row per output k: delta recursion seeded e_k.

    For a batch, one row per (example, output): shape (B, n_L, n_W).
    """
    n_out = decode_arch(arch).widths[-1]
    if not _batched(x):
        eye = xp.eye(n_out)
        return xp.stack([flat_grads(xp, *deltas(xp, weights, biases, x, arch,
                                                 lambda y, k=k: eye[k]))[0]
                         for k in range(n_out)])
    n_batch = x.shape[0]
    eye = xp.reshape(xp.eye(n_batch * n_out), (n_batch * n_out, n_batch, n_out))
    rows = [flat_grads(xp, *deltas(xp, weights, biases, x, arch, lambda y, k=k: eye[k]))[0]
            for k in range(n_batch * n_out)]
    return xp.reshape(xp.stack(rows), (n_batch, n_out, weights.shape[0]))


def blocks(arch, which: str) -> list[tuple[str, int, int]]:
    """Labelled slices of the flat weights ('W') or biases ('b'): (label, start, stop), in the
    order the delta recursion computes them (last layer first). A wrong delta_l spoils every
    layer below it too, so the first wrong block in this order is where the recursion broke."""
    spec = decode_arch(arch)
    sizes = [m * n for m, n in spec.weight_shapes()] if which == "W" else list(spec.widths[1:])
    out, start = [], 0
    for l, size in enumerate(sizes, start=1):
        out.append((f"{which}_{l}", start, start + size))
        start += size
    return out[::-1]


# ---------------------------------------------------------------- input derivatives (B.3)

def scalar_output(xp, x, weights, biases, arch):
    """The first output of the network as a function of its input (for Hessians)."""
    return output(xp, weights, biases, x, arch)[0]


def input_hessian(xp, x, weights, biases, arch):
    """Closed form of the input Hessian of ``scalar_output``, by second-order forward
    propagation: J_z = W J_a, H_z = W H_a, J_a' = g'(z) J_z, H_a' = g''(z) J_z J_z^T + g'(z) H_z."""
    spec = decode_arch(arch)
    d = spec.widths[0]
    a, jac, hes = x, xp.eye(d), xp.zeros((d, d, d))
    for (w, b), act in zip(unpack(xp, weights, biases, spec), spec.activations):
        n = w.shape[0]
        z = w @ a + b
        jz = w @ jac
        hz = xp.reshape(w @ xp.reshape(hes, (hes.shape[0], d * d)), (n, d, d))
        g = ACTIVATIONS[act]
        g1, g2 = xp.reshape(g.d1(xp, z), (n, 1, 1)), xp.reshape(g.d2(xp, z), (n, 1, 1))
        hes = g2 * xp.reshape(jz, (n, d, 1)) * xp.reshape(jz, (n, 1, d)) + g1 * hz
        jac = xp.reshape(g.d1(xp, z), (n, 1)) * jz
        a = g.g(xp, z)
    return hes[0]


def input_laplacian(xp, x, weights, biases, arch):
    """Closed form of the input Laplacian of ``scalar_output``: the trace of ``input_hessian``."""
    return xp.trace(input_hessian(xp, x, weights, biases, arch))
