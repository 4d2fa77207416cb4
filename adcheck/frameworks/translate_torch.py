"""A user's PyTorch program, traced by torch itself, replayed in adcheck's namespace ``xp``.

``translate(func, leaves)`` traces ``func`` with ``make_fx`` (torch's own tracer: the forward of
a custom ``autograd.Function`` is recorded as the aten operations it runs; its hand-written
backward is not) and returns ``f(xp, *arrays)``, the same program written with the namespace's
names. adcheck's AD engines, its magnitude bound and its exact oracle then apply to exactly the
program the user wrote, and the user's backward is judged against that. An aten operation
without a counterpart raises ``Untranslatable`` naming it; the caller falls back to
independent references and says why.
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from .aten_more import OPS
from .aten_ops import Untranslatable, constant


class Program:
    """The translated program: ``program(xp, *arrays)`` returns the flat tuple of outputs."""

    def __init__(self, graph, consts: dict, n_inputs: int):
        self.graph, self.consts, self.n_inputs = graph, consts, n_inputs
        self.ops = sorted({_name(n) for n in graph.nodes if n.op == "call_function"})
        self.dtypes = sorted({str(v.dtype).replace("torch.", "") for n in graph.nodes
                              for v in _vals(n.meta.get("val"))
                              if getattr(v, "is_floating_point", lambda: False)()})

    def __call__(self, xp, *arrays):
        env = {}
        it = iter(arrays)
        for node in self.graph.nodes:
            if node.op == "placeholder":
                env[node] = next(it)
            elif node.op == "get_attr":
                env[node] = self.consts[node.target]
            elif node.op == "call_function":
                _step(xp, node, env)
            elif node.op == "output":
                out = node.args[0]
                return tuple(_load(env, o) for o in (out if isinstance(out, (list, tuple))
                                                      else [out]))
        raise Untranslatable(["(a graph without an output)"])


def _vals(v) -> list:
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _name(node) -> str:
    if node.target is operator.getitem:
        return "getitem"
    packet = getattr(node.target, "overloadpacket", None)
    return getattr(packet, "__name__", str(node.target))


def _load(env, a):
    from torch.fx import Node
    if isinstance(a, Node):
        return env[a]
    if isinstance(a, (list, tuple)):
        return type(a)(_load(env, x) for x in a)
    return a


def _step(xp, node, env) -> None:
    """Evaluate one node; an in-place op also rebinds the tensor it changed."""
    args = _load(env, node.args)
    kwargs = {k: _load(env, v) for k, v in node.kwargs.items()}
    name = _name(node)
    if name == "getitem":
        env[node] = args[0][args[1]]
        return
    inplace = name.endswith("_") and not name.startswith("_") and name[:-1] in OPS
    fn = OPS[name[:-1] if inplace else name]
    val = node.meta.get("val")
    shape = tuple(val.shape) if hasattr(val, "shape") else None
    if getattr(fn, "takes_dtype", False):  # constants computed in the tensors' precision
        first = node.args[0].meta.get("val") if hasattr(node.args[0], "meta") else None
        kwargs["_dtype"] = str(getattr(first, "dtype", "torch.float64")).removeprefix("torch.")
    out = fn(xp, *args, _shape=shape, **kwargs)
    if inplace and shape is not None and np.shape(out) != shape:
        out = xp.broadcast_to(out, shape)
    env[node] = out
    if inplace:
        from torch.fx import Node
        if isinstance(node.args[0], Node):
            env[node.args[0]] = out


def translate(func, leaves, backward_ops: bool = False) -> Program:
    """Trace ``func(*leaves)`` (tensors in, a tensor or a flat tuple of tensors out).

    ``backward_ops``: decompose torch's own backward operations (softplus_backward, ...) into
    plain aten operations, for tracing a derivative computation.
    Raises ``Untranslatable`` naming every aten operation without a counterpart in ``xp``.
    """
    from torch.fx.experimental.proxy_tensor import make_fx

    table = _backward_decompositions() if backward_ops else None
    gm = make_fx(func, decomposition_table=table, tracing_mode="real")(*leaves)
    missing = sorted({_name(n) for n in gm.graph.nodes if n.op == "call_function"
                      and _name(n) != "getitem" and not _known(_name(n))})
    if missing:
        raise Untranslatable(missing)
    consts = {n.target: constant(getattr(gm, n.target)) for n in gm.graph.nodes
              if n.op == "get_attr"}
    return Program(gm.graph, consts, len(leaves))


@functools.lru_cache(maxsize=1)
def _backward_decompositions() -> dict:
    from torch._decomp import core_aten_decompositions
    return {op: fn for op, fn in core_aten_decompositions().items()
            if "backward" in str(op)}


def _known(name: str) -> bool:
    return name in OPS or (name.endswith("_") and name[:-1] in OPS)


__all__ = ["Program", "Untranslatable", "translate"]
