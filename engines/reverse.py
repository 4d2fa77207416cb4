"""Reverse mode: one forward evaluation onto a tape, then one backward sweep per cotangent.

The tape is in evaluation order, which is a topological order, so the sweep is a single
reversed loop that visits each entry at most once (Appendix B.2; Griewank & Walther 2008, ch. 3).
"""

from __future__ import annotations

from .core import Box, bind, new_level


class VJPBox(Box):
    """A primal value and the index of the tape entry that made it."""

    __slots__ = ("idx",)

    def __init__(self, value, trace, idx):
        self.value, self.trace, self.level, self.idx = value, trace, trace.level, idx


class ReverseTrace:
    """Records each primitive applied to this level's boxes; ``backward`` sweeps the record."""

    __slots__ = ("level", "tape", "visited")

    def __init__(self):
        self.level = new_level()
        # entry: (primitive, ((arg position, parent entry), ...), ans, primals, params)
        self.tape: list[tuple] = []
        self.visited = 0

    def input(self, value) -> VJPBox:
        """Box an input: a tape entry with no parents."""
        self.tape.append((None, (), value, (), {}))
        return VJPBox(value, self, len(self.tape) - 1)

    def process(self, prim, args, params):
        primals = []
        parents = []
        for i, a in enumerate(args):
            if isinstance(a, VJPBox) and a.trace is self:
                primals.append(a.value)
                parents.append((i, a.idx))
            else:
                primals.append(a)
        ans = bind(prim, *primals, **params)
        tape = self.tape
        tape.append((prim, parents, ans, primals, params))
        return VJPBox(ans, self, len(tape) - 1)

    def backward(self, out_idx: int, ct, wanted: list[int]) -> list:
        """Sweep the tape from ``out_idx`` down; return the cotangents of entries ``wanted``."""
        tape = self.tape
        cts: list = [None] * (out_idx + 1)
        cts[out_idx] = ct
        keep = set(wanted)
        for k in range(out_idx, -1, -1):
            g = cts[k]
            if g is None:
                continue
            prim, parents, ans, primals, params = tape[k]
            if prim is None:
                continue
            self.visited += 1
            vjps = prim.vjps
            for i, p in parents:
                c = vjps[i](g, ans, *primals, **params)
                cts[p] = c if cts[p] is None else cts[p] + c
            if k not in keep:
                cts[k] = None  # free the memory as the sweep moves on
        return [cts[i] if i <= out_idx else None for i in wanted]

    @property
    def length(self) -> int:
        """Number of primitive entries on the tape (inputs excluded)."""
        return sum(1 for e in self.tape if e[0] is not None)
