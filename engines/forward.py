"""Forward mode: each box carries a primal and a tangent; one pass per direction."""

from __future__ import annotations

from .core import Box, evaluate, new_level, ops


class JVPBox(Box):
    """A primal value with its tangent, at one level."""

    __slots__ = ("tangent",)

    def __init__(self, value, tangent, trace):
        self.value, self.tangent, self.tracer, self.level = value, tangent, trace, trace.level


class ForwardTrace:
    """Interprets primitives by pushing tangents through their JVP rules."""

    __slots__ = ("level",)

    def __init__(self):
        self.level = new_level()

    def process(self, prim, args, params):
        """Evaluate ``prim`` and the sum of its JVP rules over this level's boxes."""
        primals = []
        boxed = []
        older = False
        for i, a in enumerate(args):
            if isinstance(a, Box):
                if a.tracer is self:
                    boxed.append((i, a.tangent))
                    a = a.value
                if isinstance(a, Box):
                    older = True
            primals.append(a)
        ans = evaluate(prim, primals, params, older)
        jvps = prim.jvps
        tangent = None
        for i, t in boxed:
            t = jvps[i](t, ans, *primals, **params)
            tangent = t if tangent is None else ops.add(tangent, t)
        return JVPBox(ans, tangent, self)

    def unbox(self, out):
        """Split an output into (primal, tangent); an output that ignores the input gets zeros.

        A container of outputs splits leaf by leaf into two containers of its structure.
        """
        if isinstance(out, JVPBox) and out.tracer is self:
            return out.value, out.tangent
        if isinstance(out, (tuple, list, dict)):
            from .pytree import flatten, unflatten

            leaves, treedef = flatten(out)
            pairs = [self.unbox(leaf) for leaf in leaves]
            return (unflatten(treedef, [p for p, _ in pairs]),
                    unflatten(treedef, [t for _, t in pairs]))
        from .namespace import zeros_like_any

        return out, zeros_like_any(out)
