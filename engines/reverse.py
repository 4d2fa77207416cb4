"""Reverse mode: one forward evaluation onto a tape, then one backward sweep per cotangent.

The tape is in evaluation order, which is a topological order, so the sweep is a single
reversed loop that visits each entry at most once (Appendix B.2; Griewank & Walther 2008, ch. 3).
"""

from __future__ import annotations

import numpy as np

from .core import _COUNTERS, Box, new_level, ops

_new = object.__new__

RESIDUAL_MIN_SIZE = 1 << 14
"""Arrays at least this large that a rule never reads are kept on the tape as shapes only."""


class VJPBox(Box):
    """A primal value and the index of the tape entry that made it."""

    __slots__ = ("idx",)

    def __init__(self, value, trace, idx):
        self.value, self.tracer, self.level, self.idx = value, trace, trace.level, idx


class ShapeOnly:
    """What the tape keeps of an array whose value no rule reads: its shape (and ndim, dtype)."""

    __slots__ = ("shape", "ndim", "dtype")

    def __init__(self, a: np.ndarray):
        self.shape, self.ndim, self.dtype = a.shape, a.ndim, a.dtype

    def __repr__(self) -> str:
        return f"<shape-only {self.shape}>"


def _slim(x):
    """``x`` itself, or its shape when it is a large plain array."""
    return ShapeOnly(x) if type(x) is np.ndarray and x.size >= RESIDUAL_MIN_SIZE else x


class ReverseTrace:
    """Records each primitive applied to this level's boxes; ``backward`` sweeps the record."""

    __slots__ = ("level", "tape", "visited", "length")

    def __init__(self):
        self.level = new_level()
        # entry: (VJP rules, ((arg position, parent entry), ...), ans, primals, params);
        # inputs are entries with rules None.
        self.tape: list[tuple | None] = []
        self.visited = 0
        self.length = 0  # primitive entries on the tape (inputs excluded)

    def input(self, value) -> VJPBox:
        """Box an input: a tape entry with no parents."""
        self.tape.append((None, (), value, (), {}))
        return VJPBox(value, self, len(self.tape) - 1)

    def process(self, prim, args, params):
        """Evaluate ``prim`` on the primals and record one tape entry."""
        primals = list(args)
        parents = []
        older = False
        for i, a in enumerate(args):
            if isinstance(a, Box):
                if a.tracer is self:
                    parents.append((i, a.idx))
                    a = primals[i] = a.value
                if isinstance(a, Box):
                    older = True
        # evaluate() inlined: this is the hottest path of the engine
        if older:
            ans = prim.bind(*primals, **params)
        else:
            ans = prim.impl(*primals, **params)
            if _COUNTERS:
                for c in _COUNTERS:
                    c.record(prim, ans, primals, params)
        tape = self.tape
        idx = len(tape)
        large = False
        if not prim.keeps_all:  # (_holds_large inlined: a call per entry shows at small sizes)
            large = type(ans) is np.ndarray and ans.size >= RESIDUAL_MIN_SIZE
            if not large:
                for p in primals:
                    if type(p) is np.ndarray and p.size >= RESIDUAL_MIN_SIZE:
                        large = True
                        break
        if not large:
            tape.append((prim.vjps, parents, ans, primals, params))
        else:  # let large values the rules never read be freed now, not after the sweep
            uses = prim.uses
            tape.append((prim.vjps, parents, ans if "ans" in uses else _slim(ans),
                         primals if "primals" in uses else [_slim(p) for p in primals], params))
        self.length += 1
        box = _new(VJPBox)  # cheaper than VJPBox(...): no __init__ frame on the hot path
        box.value, box.tracer, box.level, box.idx = ans, self, self.level, idx
        return box

    def backward(self, seeds: list[tuple[int, object]], wanted: list[int],
                 consume: bool = False) -> list:
        """Sweep the tape down from the seeded entries; return the cotangents of ``wanted``.

        ``seeds`` pairs tape entries with their cotangents: one per output leaf, so a function
        returning several arrays is swept once for all of them. Cotangents are accumulated
        with ``ops.add`` so that the sweep is counted and is itself differentiable (reverse
        over reverse). ``consume`` frees each entry once swept (for a single sweep, such as a
        gradient): the tape cannot be swept again.
        """
        tape = self.tape
        add = ops.add
        out_idx = max((i for i, _ in seeds), default=-1)
        cts: list = [None] * (out_idx + 1)
        for i, ct in seeds:
            cts[i] = ct if cts[i] is None else add(cts[i], ct)
        keep = set(wanted)
        visited = 0
        for k in range(out_idx, -1, -1):
            g = cts[k]
            if g is None:
                continue
            entry = tape[k]
            if entry is None:
                raise RuntimeError("this tape was consumed by an earlier sweep; record it again")
            vjps, parents, ans, primals, params = entry
            if vjps is None:
                continue
            if k not in keep:
                cts[k] = None  # free the memory as the sweep moves on
            if consume:
                tape[k] = None
            visited += 1
            for i, p in parents:
                if params:
                    c = vjps[i](g, ans, *primals, **params)
                else:  # most entries: skip building an empty keyword dict per call
                    c = vjps[i](g, ans, *primals)
                old = cts[p]
                cts[p] = c if old is None else add(old, c)
        self.visited += visited
        return [cts[i] if i <= out_idx else None for i in wanted]
