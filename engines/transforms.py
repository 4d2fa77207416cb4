"""Composable transforms in the style of JAX, over functions ``f(xp, *args)``.

Each transform returns a function of the same signature, so they nest to any depth:
``hessian = jacfwd(grad(f))``, ``d3 = grad(grad(grad(f)))``. Each call opens a fresh level;
values of older levels are constants inside it (no perturbation confusion).
"""

from __future__ import annotations

import numpy as np

from .forward import ForwardTrace, JVPBox
from .namespace import ad, zeros_like_any
from .primitives._util import shape_of as _shape
from .pytree import LEAF, flatten, is_container, tree_map, unflatten
from .reverse import ReverseTrace, VJPBox


def _check_xp(xp):
    if xp is not ad:
        raise TypeError(
            f"AD transforms trace through the 'ad' namespace, got {xp!r}: call the transformed "
            f"function as g(engines.namespace.ad, *args)."
        )


def jvp(f, xp, primals, tangents, argnum=0):
    """Forward mode: (f(primals), J·tangent) with respect to argument ``argnum``."""
    _check_xp(xp)
    trace = ForwardTrace()
    args = list(primals)
    args[argnum] = JVPBox(args[argnum], tangents, trace)
    return trace.unbox(f(xp, *args))


class Pullback:
    """The result of one forward evaluation on a tape; call it with a cotangent to sweep.

    With one input index it returns that input's cotangent; with a tuple of them (``vjp`` with
    a tuple ``argnum``) a tuple of cotangents, one per input. For a function returning a
    container of arrays the cotangent is a container of the same structure; a leaf given as
    None contributes nothing (a zero cotangent).
    """

    def __init__(self, trace: ReverseTrace, out, inputs: list, many: bool):
        self.trace, self.out, self.inputs, self.many = trace, out, inputs, many
        self.out_leaves, self.treedef = flatten(out)
        self.sweeps = 0
        self.consume = False  # set by one-sweep callers (grad) to free the tape as it goes

    def _seeds(self, ct) -> list:
        """(tape entry, cotangent) for each output leaf that this trace recorded."""
        if self.treedef is LEAF:
            ct_leaves = [ct]
        else:
            ct_leaves, ct_def = flatten(ct)
            if ct_def != self.treedef:
                raise ValueError(f"the cotangent has the structure {ct_def!r} but the function "
                                 f"returned {self.treedef!r}: give one cotangent per output")
        trace = self.trace
        return [(o.idx, c) for o, c in zip(self.out_leaves, ct_leaves)
                if c is not None and isinstance(o, VJPBox) and o.tracer is trace]

    def __call__(self, ct):
        self.sweeps += 1
        inputs = self.inputs
        seeds = self._seeds(ct)
        if seeds:
            gs = self.trace.backward(seeds, [b.idx for b in inputs], self.consume)
        else:
            gs = [None] * len(inputs)
        for k, g in enumerate(gs):
            if g is None:  # the output does not depend on this input
                gs[k] = np.zeros(_shape(inputs[k].value))
        return tuple(gs) if self.many else gs[0]


def _unboxed(out, trace):
    """The primal value of each output leaf this trace recorded."""
    if not is_container(out):
        return out.value if isinstance(out, VJPBox) and out.tracer is trace else out
    return tree_map(lambda o: o.value if isinstance(o, VJPBox) and o.tracer is trace else o, out)


def vjp(f, xp, primals, argnum=0):
    """Reverse mode: (f(primals), pullback) with respect to argument ``argnum``.

    ``argnum`` may be a tuple of argument positions: the pullback then returns a tuple of
    cotangents, all from one backward sweep.
    """
    _check_xp(xp)
    trace = ReverseTrace()
    args = list(primals)
    many = isinstance(argnum, tuple)
    inputs = [trace.input(args[i]) for i in (argnum if many else (argnum,))]
    for i, box in zip(argnum if many else (argnum,), inputs):
        args[i] = box
    out = f(xp, *args)
    return _unboxed(out, trace), Pullback(trace, out, inputs, many)


def grad(f, argnum=0):
    """Gradient of a scalar function by one backward sweep; shaped like the argument.

    A tuple ``argnum`` gives a tuple of gradients, one per argument, from the same sweep.
    """
    value_and = value_and_grad(f, argnum)

    def gradient(xp, *args):
        return value_and(xp, *args)[1]

    return gradient


def _require_scalar(out, what):
    if is_container(out):
        raise ValueError(f"{what} needs one scalar output, got a {type(out).__name__} of "
                         f"{len(flatten(out)[0])} arrays: differentiate each one, or use jacrev "
                         f"(a Jacobian per output)")
    if _shape(out) != ():
        raise ValueError(f"{what} needs a scalar output, got shape {_shape(out)}; use jacrev")


def value_and_grad(f, argnum=0):
    """(f(args), gradient) of a scalar function from one taped pass and one backward sweep."""
    def both(xp, *args):
        out, pullback = vjp(f, xp, args, argnum)
        _require_scalar(out, "grad")
        pullback.consume = True  # one sweep only: free each tape entry once it is swept
        return out, pullback(1.0)

    return both


def _basis(shape):
    """Unit vectors of an input of ``shape``, each reshaped to it."""
    n = int(np.prod(shape, dtype=np.int64))
    eye = np.eye(n)
    return [eye[i].reshape(shape) for i in range(n)]


def _stack_out(xp, parts, out_shape, in_shape, outer_first):
    """Assemble a numerator-layout Jacobian of shape out_shape + in_shape."""
    if not parts:
        return np.zeros(out_shape + in_shape)
    j = xp.stack(parts)  # (n_in, *out) for columns, (n_out, *in) for rows
    if outer_first:
        return xp.reshape(j, out_shape + in_shape)
    n_out = len(out_shape)
    j = xp.reshape(j, in_shape + out_shape)
    n_in = len(in_shape)
    return xp.permute_dims(j, tuple(range(n_in, n_in + n_out)) + tuple(range(n_in)))


def jacfwd(f, argnum=0):
    """Jacobian by forward mode: one pass per input component (numerator layout).

    A function returning a container of arrays gets the same container of Jacobians.
    """
    def jacobian(xp, *args):
        in_shape = _shape(args[argnum])
        cols, out = [], None
        for e in _basis(in_shape):
            out, t = jvp(f, xp, args, e, argnum)
            cols.append(flatten(t)[0])
        leaves, treedef = flatten(f(xp, *args) if not cols else out)
        jacs = [_stack_out(xp, [c[k] for c in cols], _shape(leaf), in_shape, outer_first=False)
                for k, leaf in enumerate(leaves)]
        return unflatten(treedef, jacs)

    return jacobian


def jacobian_rows(xp, pullback, in_shape):
    """The Jacobian (a container of them for container outputs) from one pullback's sweeps:
    one sweep per component of each output leaf."""
    leaves, treedef = pullback.out_leaves, pullback.treedef
    jacs = []
    for k, leaf in enumerate(leaves):
        out_shape = _shape(leaf)
        rows = []
        for e in _basis(out_shape):
            ct = [None] * len(leaves)
            ct[k] = e
            rows.append(pullback(e if treedef is LEAF else unflatten(treedef, ct)))
        jacs.append(_stack_out(xp, rows, out_shape, in_shape, outer_first=True))
    return unflatten(treedef, jacs)


def jacrev(f, argnum=0):
    """Jacobian by reverse mode: one forward pass, one sweep per output component."""
    def jacobian(xp, *args):
        _, pullback = vjp(f, xp, args, argnum)
        return jacobian_rows(xp, pullback, _shape(args[argnum]))

    return jacobian


def hessian(f, argnum=0, outer="forward", inner="reverse"):
    """Hessian of a scalar function by any nesting: outer mode applied to the inner gradient."""
    g = grad(f, argnum) if inner == "reverse" else jacfwd(f, argnum)  # scalar f: the gradient
    return jacfwd(g, argnum) if outer == "forward" else jacrev(g, argnum)


def hvp(f, argnum=0, outer="forward", inner="reverse"):
    """Hessian-vector product H·v of a scalar function (H is symmetric for smooth f)."""
    g = grad(f, argnum) if inner == "reverse" else jacfwd(f, argnum)  # scalar f: the gradient

    def product(xp, v, *args):
        if outer == "forward":
            return jvp(g, xp, args, v, argnum)[1]
        _, pullback = vjp(g, xp, args, argnum)
        return pullback(v)

    return product


__all__ = ["jvp", "vjp", "grad", "value_and_grad", "jacfwd", "jacrev", "hessian", "hvp",
           "zeros_like_any"]
