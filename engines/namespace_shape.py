"""Shape names (flip, roll, tile, pad, split, tril, ...) and contractions (einsum, tensordot,
kron, cross) as composites: index maps go through ``getitem``/``scatter_add`` (whose adjoints
are each other), masks through ``where`` with a constant condition, contractions through
transpose, reshape, multiply and sum.
"""

from __future__ import annotations

import numpy as np

from .namespace_more import _axes, _shape


def _index_on(axis, ndim, idx):
    return (slice(None),) * (axis % ndim) + (idx,)


class ShapeNames:
    """Shape and contraction names; mixed into ``Namespace``."""

    def _gather(self, x, axis, idx):
        """x indexed along ``axis`` by the integer array ``idx`` (repeats accumulate back)."""
        return self._p["getitem"](x, index=_index_on(axis, len(_shape(x)), np.asarray(idx)))

    def flip(self, x, axis=None):
        # an index array per axis, not a negative step: torch tensors refuse negative steps
        for a in _axes(axis, len(_shape(x))):
            x = self._gather(x, a, np.arange(_shape(x)[a] - 1, -1, -1))
        return x

    def roll(self, x, shift, axis=None):
        if axis is None:
            return self.reshape(self.roll(self.reshape(x, (-1,)), shift, 0), _shape(x))
        shifts = shift if isinstance(shift, (tuple, list)) else (shift,) * (
            len(axis) if isinstance(axis, (tuple, list)) else 1)
        for s, a in zip(shifts, axis if isinstance(axis, (tuple, list)) else (axis,)):
            x = self._gather(x, a, np.roll(np.arange(_shape(x)[a]), s))
        return x

    def moveaxis(self, x, source, destination):
        nd = len(_shape(x))
        src = [a % nd for a in (source if isinstance(source, (tuple, list)) else [source])]
        dst = [a % nd for a in (destination if isinstance(destination, (tuple, list))
                                else [destination])]
        perm = [a for a in range(nd) if a not in src]
        for d, s in sorted(zip(dst, src)):
            perm.insert(d, s)
        return self.permute_dims(x, perm)

    def swapaxes(self, x, axis1, axis2):
        perm = list(range(len(_shape(x))))
        perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
        return self.permute_dims(x, perm)

    def ravel(self, x):
        return self.reshape(x, (-1,))

    def atleast_1d(self, x):
        return self.reshape(x, (1,)) if len(_shape(x)) == 0 else x

    def atleast_2d(self, x):
        s = _shape(x)
        return self.reshape(x, (1,) * (2 - len(s)) + s) if len(s) < 2 else x

    def tile(self, x, reps):
        reps = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
        s = _shape(x)
        nd = max(len(s), len(reps))
        s, reps = (1,) * (nd - len(s)) + s, (1,) * (nd - len(reps)) + reps
        spread = self.reshape(x, [d for n in s for d in (1, n)])
        big = self.broadcast_to(spread, [d for r, n in zip(reps, s) for d in (r, n)])
        return self.reshape(big, [r * n for r, n in zip(reps, s)])

    def repeat(self, x, repeats, axis=None):
        if axis is None:
            x, axis = self.reshape(x, (-1,)), 0
        n = _shape(x)[axis]
        return self._gather(x, axis, np.repeat(np.arange(n), repeats))

    def pad(self, x, pad_width, mode="constant", constant_values=0.0):
        nd = len(_shape(x))
        width = np.broadcast_to(np.asarray(pad_width, dtype=int), (nd, 2))
        if mode != "constant":  # every other mode is an index map along each axis
            for a in range(nd):
                idx = np.pad(np.arange(_shape(x)[a]), tuple(width[a]), mode=mode)
                x = self._gather(x, a, idx)
            return x
        for a in range(nd):  # constant blocks concatenated on each side, axis by axis
            parts = []
            for width_a in (int(width[a][0]), int(width[a][1])):
                shape = list(_shape(x))
                shape[a] = width_a
                parts.append(self.full(shape, constant_values) if width_a else None)
            pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
            x = self.concat(pieces, axis=a) if len(pieces) > 1 else x
        return x

    def tril(self, x, k=0):
        s = _shape(x)
        return self.where(np.tril(np.ones(s[-2:], dtype=bool), k), x, 0.0)

    def triu(self, x, k=0):
        s = _shape(x)
        return self.where(np.triu(np.ones(s[-2:], dtype=bool), k), x, 0.0)

    def diff(self, x, n=1, axis=-1, prepend=None, append=None):
        a = axis % len(_shape(x))
        parts = [p for p in (prepend, x, append) if p is not None]
        if len(parts) > 1:
            x = self.concat([self._like_along(p, x, a) for p in parts], axis=a)
        for _ in range(n):
            m = _shape(x)[a]
            hi = self._p["getitem"](x, index=_index_on(a, len(_shape(x)), slice(1, m)))
            lo = self._p["getitem"](x, index=_index_on(a, len(_shape(x)), slice(0, m - 1)))
            x = self.subtract(hi, lo)
        return x

    def _like_along(self, p, x, a):
        """A prepend/append value as an array fitting x except along axis a."""
        if len(_shape(p)) == len(_shape(x)):
            return p
        s = list(_shape(x))
        s[a] = 1
        return self.broadcast_to(self.asarray(p), s)

    def hstack(self, arrays):
        arrays = [self.atleast_1d(a) for a in arrays]
        return self.concat(arrays, axis=0 if len(_shape(arrays[0])) == 1 else 1)

    def vstack(self, arrays):
        return self.concat([self.atleast_2d(a) for a in arrays], axis=0)

    def column_stack(self, arrays):
        cols = [self.reshape(a, (-1, 1)) if len(_shape(a)) == 1 else a for a in arrays]
        return self.concat(cols, axis=1)

    def split(self, x, indices_or_sections, axis=0):
        a = axis % len(_shape(x))
        n = _shape(x)[a]
        if isinstance(indices_or_sections, int):
            if n % indices_or_sections:
                raise ValueError(f"split: {n} entries along axis {a} do not divide into "
                                 f"{indices_or_sections} equal parts; pass split points")
            cuts = list(range(0, n, n // indices_or_sections))[1:]
        else:
            cuts = list(indices_or_sections)
        bounds = zip([0] + cuts, cuts + [n])
        return [self._p["getitem"](x, index=_index_on(a, len(_shape(x)), slice(lo, hi)))
                for lo, hi in bounds]

    def unstack(self, x, axis=0):
        a = axis % len(_shape(x))
        return tuple(self._p["getitem"](x, index=_index_on(a, len(_shape(x)), i))
                     for i in range(_shape(x)[a]))

    def diagonal(self, x, offset=0, axis1=0, axis2=1):
        """numpy.diagonal: the offset diagonal of axes (axis1, axis2), as the last axis."""
        y = self.moveaxis(x, (axis1, axis2), (-2, -1))
        n, m = _shape(y)[-2:]
        k = max(0, min(n + min(offset, 0), m - max(offset, 0)))
        rows = np.arange(k) - min(offset, 0)
        return self._p["getitem"](y, index=(Ellipsis, rows, rows + offset))

    def broadcast_arrays(self, *arrays):
        shape = np.broadcast_shapes(*(_shape(a) for a in arrays))
        return [self.broadcast_to(a, shape) for a in arrays]

    # -- contractions
    def einsum(self, subscripts, *operands, optimize=False):
        """Einstein summation: each operand's axes lined up by letter, multiplied, summed.

        Also numpy's sublist form, ``einsum(a, [0, 1], b, [1, 2], [0, 2])``: operands each
        followed by its axes' labels (integers, or ``...``), then optionally the output's."""
        if not isinstance(subscripts, str):
            subscripts, operands = _sublists_to_subscripts((subscripts, *operands))
        ins, out = _parse_einsum(subscripts, [len(_shape(o)) for o in operands])
        letters = sorted(set("".join(ins)), key=lambda c: (c not in out, out.find(c), c))
        sizes = {}
        total = None
        for spec, op in zip(ins, operands):
            op, spec = self._einsum_diagonal(op, spec)
            own = dict(zip(spec, _shape(op)))
            for c, n in own.items():  # an ellipsis axis of size 1 broadcasts
                sizes[c] = max(sizes.get(c, 1), n)
            order = sorted(range(len(spec)), key=lambda i: letters.index(spec[i]))
            op = self.permute_dims(op, order)
            have = [spec[i] for i in order]
            op = self.reshape(op, [own[c] if c in have else 1 for c in letters])
            total = op if total is None else self.multiply(total, op)
        summed = tuple(i for i, c in enumerate(letters) if c not in out)
        if summed:
            total = self.sum(total, axis=summed)
        kept = [c for c in letters if c in out]
        total = self.reshape(total, [sizes[c] for c in kept])
        return self.permute_dims(total, [kept.index(c) for c in out]) if out else total

    def _einsum_diagonal(self, op, spec):
        """A letter repeated within one operand takes that operand's diagonal."""
        while len(set(spec)) < len(spec):
            c = next(ch for ch in spec if spec.count(ch) > 1)
            i, j = spec.index(c), spec.index(c, spec.index(c) + 1)
            n = _shape(op)[i]
            grids = [slice(None)] * len(spec)
            grids[i] = grids[j] = np.arange(n)
            op = self._p["getitem"](op, index=tuple(grids))
            # numpy puts the advanced (diagonal) axis first when the two are not adjacent
            rest = [spec[k] for k in range(len(spec)) if k not in (i, j)]
            spec = (c + "".join(rest)) if j != i + 1 else spec[:i] + c + spec[j + 1:]
        return op, spec

    def tensordot(self, a, b, axes=2):
        na, nb = len(_shape(a)), len(_shape(b))
        if isinstance(axes, int):
            ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
        else:
            ax_a, ax_b = ([x] if isinstance(x, int) else list(x) for x in axes)
        ax_a, ax_b = [x % na for x in ax_a], [x % nb for x in ax_b]
        la = [chr(97 + i) for i in range(na)]
        lb = [chr(97 + na + i) for i in range(nb)]
        for i, j in zip(ax_a, ax_b):
            lb[j] = la[i]
        out = [c for i, c in enumerate(la) if i not in ax_a] + \
              [c for j, c in enumerate(lb) if j not in ax_b]
        return self.einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)

    def kron(self, a, b):
        sa, sb = _shape(a), _shape(b)
        nd = max(len(sa), len(sb))
        sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
        ea = self.reshape(a, [d for n in sa for d in (n, 1)])
        eb = self.reshape(b, [d for n in sb for d in (1, n)])
        return self.reshape(self.multiply(ea, eb), [m * n for m, n in zip(sa, sb)])

    def cross(self, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
        """numpy.cross: the vectors along ``axisa`` of a and ``axisb`` of b (``axis`` sets all
        three), 2 or 3 components each (a missing third is 0), broadcast over the other axes;
        the product's components along ``axisc``, or its z component alone for two 2-vectors."""
        if axis is not None:
            axisa = axisb = axisc = axis
        a, b = self.moveaxis(a, axisa, -1), self.moveaxis(b, axisb, -1)
        na, nb = _shape(a)[-1], _shape(b)[-1]
        if na not in (2, 3) or nb not in (2, 3):
            raise ValueError(f"cross: vectors have 2 or 3 components, not {na} and {nb}")

        def comp(x, i, n):
            return self._p["getitem"](x, index=(Ellipsis, i)) if i < n else None

        a0, a1, a2 = (comp(a, i, na) for i in range(3))
        b0, b1, b2 = (comp(b, i, nb) for i in range(3))
        z = self.subtract(self.multiply(a0, b1), self.multiply(a1, b0))
        if a2 is None and b2 is None:
            return z
        x = self._cross_term(a1, b2, a2, b1)
        y = self._cross_term(a2, b0, a0, b2)
        x, y, z = self.broadcast_arrays(x, y, z)
        return self.moveaxis(self.stack([x, y, z], axis=-1), -1, axisc)

    def _cross_term(self, p, q, r, s):
        """p q − r s, where a factor that is None (a 2-vector's third component) is 0."""
        left = None if p is None or q is None else self.multiply(p, q)
        right = None if r is None or s is None else self.multiply(r, s)
        if right is None:
            return left
        return self.negative(right) if left is None else self.subtract(left, right)

    def inner(self, a, b):
        """numpy.inner: the last axes contracted; the others of a, then of b (no broadcast)."""
        if len(_shape(a)) == 0 or len(_shape(b)) == 0:
            return self.multiply(a, b)
        return self.tensordot(a, b, axes=([-1], [-1]))

    def dot(self, a, b):
        """numpy.dot: a's last axis with b's second to last (matmul only up to 2-d b)."""
        if len(_shape(a)) == 0 or len(_shape(b)) == 0:
            return self.multiply(a, b)
        if len(_shape(b)) <= 2 or len(_shape(a)) == 1:
            return self.matmul(a, b)
        return self.tensordot(a, b, axes=([-1], [-2]))

    def vdot(self, a, b):
        return self.sum(self.multiply(self.reshape(a, (-1,)), self.reshape(b, (-1,))))


def _sublists_to_subscripts(args):
    """numpy's sublist form of einsum as (subscripts, operands)."""
    operands, specs = list(args[0::2]), [_labels(s) for s in args[1::2]]
    if len(args) % 2:  # operand, labels, ..., then the output's labels
        operands = operands[:-1]
        return ",".join(specs) + "->" + _labels(args[-1]), operands
    return ",".join(specs), operands


def _labels(sublist) -> str:
    """One sublist of einsum (integers 0-51, Ellipsis) as letters: 0-25 A-Z, 26-51 a-z."""
    out = []
    for s in sublist:
        if s is Ellipsis:
            out.append("...")
        elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
            out.append(chr(ord("A") + s) if s < 26 else chr(ord("a") + s - 26))
        else:
            raise ValueError(f"einsum: a sublist holds integers 0 to 51 or ..., not {s!r}")
    return "".join(out)


def _parse_einsum(subscripts: str, ndims):
    """Input specs and output spec of an einsum string (implicit mode: sorted single letters)."""
    s = subscripts.replace(" ", "")
    lhs, arrow, rhs = s.partition("->")
    ins = lhs.split(",")
    ins, dots = _expand_ellipsis(s, ins, ndims)
    if arrow and "..." in rhs:
        rhs = rhs.replace("...", dots)
    elif not arrow:
        counts = {c: "".join(ins).count(c) for c in set("".join(ins)) if c not in dots}
        rhs = dots + "".join(sorted(c for c, k in counts.items() if k == 1))
    if len(ins) != len(ndims) or any(len(i) != n for i, n in zip(ins, ndims)):
        raise ValueError(f"einsum: {subscripts!r} does not match operands with "
                         f"{list(ndims)} axes")
    return ins, rhs


def _expand_ellipsis(s: str, ins, ndims):
    """Each operand's '...' as letters unused in ``s``, right-aligned as numpy broadcasts."""
    if "." not in s or len(ins) != len(ndims):
        return ins, ""
    widths = [n - (len(spec) - 3) if "..." in spec else 0 for spec, n in zip(ins, ndims)]
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in s]
    dots = "".join(free[:max(widths)])
    return [spec.replace("...", dots[len(dots) - w:] if w else "")
            for spec, w in zip(ins, widths)], dots


NAMES: dict[str, str] = {
    "flip": "getitem", "roll": "getitem", "moveaxis": "transpose", "swapaxes": "transpose",
    "ravel": "reshape", "atleast_1d": "reshape", "atleast_2d": "reshape",
    "tile": "reshape+broadcast_to", "repeat": "getitem", "pad": "concat or getitem",
    "tril": "where (constant mask)", "triu": "where (constant mask)", "diff": "getitem+subtract",
    "hstack": "concat", "vstack": "concat", "column_stack": "concat", "split": "getitem",
    "unstack": "getitem", "broadcast_arrays": "broadcast_to", "diagonal": "getitem",
    "einsum": "transpose+reshape+multiply+sum", "tensordot": "einsum", "kron": "multiply",
    "cross": "getitem+multiply+stack", "inner": "multiply+sum", "dot": "matmul",
    "vdot": "multiply+sum",
}
