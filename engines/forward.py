"""Forward mode: each box carries a primal and a tangent; one pass per direction."""

from __future__ import annotations

from .core import Box, bind, new_level


class JVPBox(Box):
    """A primal value with its tangent, at one level."""

    __slots__ = ("tangent",)

    def __init__(self, value, tangent, trace):
        self.value, self.tangent, self.trace, self.level = value, tangent, trace, trace.level


class ForwardTrace:
    """Interprets primitives by pushing tangents through their JVP rules."""

    __slots__ = ("level",)

    def __init__(self):
        self.level = new_level()

    def process(self, prim, args, params):
        primals = [a.value if isinstance(a, JVPBox) and a.trace is self else a for a in args]
        ans = bind(prim, *primals, **params)
        tangent = None
        for i, a in enumerate(args):
            if isinstance(a, JVPBox) and a.trace is self:
                t = prim.jvps[i](a.tangent, ans, *primals, **params)
                tangent = t if tangent is None else tangent + t
        return JVPBox(ans, tangent, self)

    def unbox(self, out):
        """Split an output into (primal, tangent); an output that ignores the input gets zeros."""
        if isinstance(out, JVPBox) and out.trace is self:
            return out.value, out.tangent
        from .namespace import zeros_like_any

        return out, zeros_like_any(out)
