"""The PyTorch side of the drop-in checks: inputs, claims through the user's rules, the trace.

Imported only when torch is (``adcheck.torch`` imports it lazily).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adcheck.frameworks.check import Problem
from adcheck.frameworks.refs import unflatten

from .translate_torch import Untranslatable, translate


@dataclass
class Setup:
    """The differentiable leaves of a call and a function of exactly those leaves."""

    names: list
    leaves: list  # detached tensors, the user's dtype and device
    run: object  # run(*leaves) -> flat tuple of the float output tensors
    dtype: str


def setup(torch, func, inputs) -> Setup:
    """Flatten ``inputs`` (and a module's parameters) into the leaves to differentiate."""
    import torch.utils._pytree as pytree

    if isinstance(inputs, torch.Tensor):
        inputs = (inputs,)
    flat, spec = pytree.tree_flatten_with_path(inputs)
    paths = [pytree.keystr(p) for p, _ in flat]
    values = [v for _, v in flat]
    floats = [i for i, v in enumerate(values) if isinstance(v, torch.Tensor)
              and v.is_floating_point()]
    chosen = [i for i in floats if values[i].requires_grad] or floats
    module = func if isinstance(func, torch.nn.Module) else None
    params = dict(module.named_parameters()) if module is not None else {}
    params = {k: p for k, p in params.items() if p.requires_grad}
    if not chosen and not params:
        raise ValueError("nothing to differentiate: pass floating-point tensors in `inputs` "
                         "(or a module with parameters)")
    names = [f"inputs{paths[i]}" for i in chosen] + [f"module.{k}" for k in params]
    leaves = [values[i].detach() for i in chosen] + [p.detach() for p in params.values()]
    treedef = pytree.tree_structure(inputs)

    def run(*xs):
        vals = list(values)
        for i, x in zip(chosen, xs):
            vals[i] = x
        args = pytree.tree_unflatten([v for v in vals], treedef)
        if module is not None:
            state = {**dict(module.named_buffers()), **params}
            state.update(dict(zip(params, xs[len(chosen):])))
            out = torch.func.functional_call(module, state, tuple(args))
        else:
            out = func(*args)
        outs = pytree.tree_leaves(out)
        return tuple(o for o in outs if isinstance(o, torch.Tensor) and o.is_floating_point())

    worst = min((x.dtype for x in leaves), key=lambda d: torch.finfo(d).bits)
    return Setup(names, leaves, run, str(worst).replace("torch.", ""))


def _np(t) -> np.ndarray:
    return t.detach().cpu().double().numpy()


def _split(torch, vec, like) -> list:
    """A flat float64 vector as tensors shaped (and typed, placed) like ``like``."""
    out, k = [], 0
    for t in like:
        n = t.numel()
        out.append(torch.as_tensor(np.asarray(vec[k:k + n]).reshape(t.shape), dtype=t.dtype,
                                   device=t.device))
        k += n
    return out


def _grads(torch, outs, xs, cts, create_graph=False):
    live = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]  # a detached rule: zeros
    if not live:
        return [torch.zeros_like(x) for x in xs]
    gs = torch.autograd.grad([o for o, _ in live], xs, [c for _, c in live], retain_graph=True,
                             allow_unused=True, create_graph=create_graph)
    return [torch.zeros_like(x) if g is None else g for x, g in zip(xs, gs)]


def problem(torch, s: Setup, order: int, seed: int, grad_outputs=None,
            trace: bool = True) -> Problem:
    """The framework's claim, its float64 function and (``trace``) the translated program."""
    from adcheck.frameworks.refs import flat, second_order

    xs = [x.clone().requires_grad_(True) for x in s.leaves]
    outs = s.run(*xs)
    rules = custom_rules(torch, outs, xs)
    m = sum(o.numel() for o in outs)
    program, why, traced = _program(s) if trace else (None, "not traced", "")
    F = flat(program) if program is not None else None
    x64 = [_np(x) for x in s.leaves]
    k = len(s.leaves)

    def fn(vals):
        with torch.no_grad():
            return _flat64(s.run(*_as(torch, vals, s.leaves)))
    if order == 1:
        def claim(ct):
            return [_np(g) for g in _grads(torch, outs, xs, _split(torch, ct, outs))]

        def rows(cts):  # every row in one batched backward (vmap over the cotangents)
            parts, at = [], 0
            for o in outs:
                n = o.numel()
                parts.append(torch.as_tensor(cts[:, at:at + n].reshape((len(cts),) + o.shape),
                                             dtype=o.dtype, device=o.device))
                at += n
            gs = torch.autograd.grad(outs, xs, parts, retain_graph=True, allow_unused=True,
                                     is_grads_batched=True)
            return [np.zeros((len(cts),) + tuple(x.shape)) if g is None else _np(g)
                    for x, g in zip(xs, gs)]

        def claim_t(*args):
            ys = [a.detach().requires_grad_(True) for a in args[:k]]
            with torch.enable_grad():
                return tuple(_grads(torch, s.run(*ys), ys, list(args[k:])))
        P, untraced, dts = _claim_program(torch, claim_t, s.leaves, outs) if trace else \
            (None, "not traced", [])
        return Problem(s.names, x64, _narrowest(s.dtype, program, dts), m, claim, fn, F, why,
                       rules, 1, "Jacobian of the user's rules", traced, P, untraced, rows,
                       claim64=_wide(torch, s, None))
    rng = np.random.default_rng(seed)
    ct1 = np.concatenate([_np(g).ravel() for g in grad_outputs]) if grad_outputs is not None \
        else rng.standard_normal(m)
    first = _grads(torch, outs, xs, _split(torch, ct1, outs), create_graph=True)
    n = sum(x.numel() for x in xs)
    inner = custom_rules(torch, first, xs)

    def rules2(i):  # the rules that differentiate the backward, then the backward itself
        return inner(i) + [r for r in rules(i) if r not in inner(i)]

    def claim2(ct):
        return [_np(g) for g in _grads(torch, first, xs, _split(torch, ct, first))]

    def fn2(vals):
        ys = _as(torch, vals, s.leaves, grad=True)
        o = s.run(*ys)
        return _flat64(_grads(torch, o, ys, _split(torch, ct1, o)))
    ct1_t = _split(torch, ct1, outs)

    def claim2_t(*args):
        ys = [a.detach().requires_grad_(True) for a in args[:k]]
        with torch.enable_grad():
            f1 = _grads(torch, s.run(*ys), ys, ct1_t, create_graph=True)
            return tuple(_grads(torch, f1, ys, list(args[k:])))
    P, untraced, dts = _claim_program(torch, claim2_t, s.leaves, s.leaves) if trace else \
        (None, "not traced", [])
    return Problem(s.names, x64, _narrowest(s.dtype, program, dts), n, claim2, fn2,
                   second_order(F, ct1) if F is not None else None, why, rules2, 2,
                   "second derivatives (derivative of the user's backward at a random "
                   "cotangent)", traced, P, untraced, forward=fn, second=("rev", ct1),
                   claim64=_wide(torch, s, ct1))


def _wide(torch, s: Setup, ct1):
    """The claim with the user's rules run on float64 copies of the inputs (first derivatives,
    or with ``ct1`` the derivative of the backward): what the claim is without its own
    rounding. Built on first use."""
    memo: dict = {}

    def claim(ct):
        if not memo:
            ys = _as(torch, [_np(x) for x in s.leaves], s.leaves, grad=True)
            with torch.enable_grad():
                outs = s.run(*ys)
                if ct1 is not None:
                    outs = _grads(torch, outs, ys, _split(torch, ct1, outs), create_graph=True)
            memo.update(ys=ys, outs=outs)
        ys, outs = memo["ys"], memo["outs"]
        return [_np(g) for g in _grads(torch, outs, ys, _split(torch, ct, outs))]
    return claim


def _claim_program(torch, claim_t, leaves, like):
    """The claim's own computation (the user's backward included), traced and translated:
    ``P(xp, *xs, ct)``; or None and why not; and the float dtypes it computes in."""
    templates = [torch.zeros_like(t) for t in like]
    try:
        prog = translate(claim_t, list(leaves) + templates, backward_ops=True)
    except Exception as exc:  # noqa: BLE001  untraceable or untranslatable: say which
        return None, f"{type(exc).__name__}: {exc}", []
    shapes = [tuple(t.shape) for t in like]

    def P(xp, *args):
        *xs, ct = args
        parts = unflatten(ct, shapes)
        return prog(xp, *xs, *parts)
    return P, "", prog.dtypes


def _narrowest(dtype, *programs_or_dtypes) -> str:
    """The least precise float dtype the computation uses (inputs or any traced step)."""
    bits = {"float64": 64, "float32": 32, "bfloat16": 16, "float16": 16}
    names = [dtype]
    for p in programs_or_dtypes:
        names += list(getattr(p, "dtypes", p) or [])
    return min((d for d in names if d in bits), key=lambda d: (bits[d], d != "bfloat16"))


def _as(torch, vals, like, grad=False) -> list:
    return [torch.as_tensor(np.asarray(v), dtype=torch.float64, device=t.device)
            .requires_grad_(grad) for v, t in zip(vals, like)]


def _flat64(ts) -> np.ndarray:
    return np.concatenate([_np(t).ravel() for t in ts]) if ts else np.zeros(0)


def _program(s: Setup):
    try:
        p = translate(s.run, list(s.leaves))
    except Untranslatable as exc:
        return None, str(exc), ""
    except Exception as exc:  # noqa: BLE001  torch could not trace it: say so, fall back
        return None, f"torch could not trace the function ({type(exc).__name__}: {exc})", ""
    return p, "", f" ({len(p.ops)} kinds of aten op: {', '.join(p.ops[:8])}" \
        f"{', ...' if len(p.ops) > 8 else ''})"


def custom_rules(torch, outs, xs):
    """``rules(i)``: the custom ``autograd.Function`` backwards between the outputs and input i."""
    custom = torch.autograd.function.BackwardCFunction
    ids = {id(x): i for i, x in enumerate(xs)}
    order, seen = [], set()
    stack = [(o.grad_fn, False) for o in outs if o.grad_fn is not None]
    while stack:  # iterative post-order: deep graphs must not hit the recursion limit
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((nxt, False) for nxt, _ in node.next_functions if nxt is not None)
    reach: dict = {}
    for node in order:
        var = getattr(node, "variable", None)
        here = {ids[id(var)]} if var is not None and id(var) in ids else set()
        for nxt, _ in node.next_functions:
            here |= reach.get(nxt, set())
        reach[node] = here
    found: dict = {}
    for node in order:
        if isinstance(node, custom):
            name = type(node).__name__.removesuffix("Backward") + ".backward"
            found.setdefault(name, set()).update(reach[node])
    return lambda i: sorted(n for n, hit in found.items() if i in hit)


__all__ = ["Setup", "custom_rules", "problem", "setup"]
