"""One-line reproducers: a row's worst input, in the library's own code, with the true value.

``line(row)`` writes, for an elementwise operation's worst point beyond conditioning, one line
of Python that computes the same derivative with the library's public API and prints it; a
comment gives the exact value to 30 digits. ``order_of(row)`` says which partial derivative the
line computes (the tests confirm each flagged row's value with mpmath, independently of
adcheck's oracle).
"""

from __future__ import annotations


def order_of(at: dict, arity: int) -> tuple:
    """The partial derivative a point record names: derivative counts per argument."""
    mode, *along = at["mode"].split()
    counts = [0] * arity
    counts[at["piece"]] += 1
    if mode in ("rev-rev", "fwd-rev"):
        counts[int(along[0][1:])] += 1
    return tuple(counts)


def _one_hot(lib: str, xs, k: int) -> str:
    """Tangents of ones on argument ``k`` and zeros on the others, in ``lib``'s spelling."""
    return ", ".join(f"{lib}{'ones' if i == k else 'zeros'}_like({x})" for i, x in enumerate(xs))


def _names(arity):
    return [f"x{i}" for i in range(arity)]


def line(target: str, spelling: str, dtype: str, at: dict) -> str | None:
    """The reproducer of the point record ``at``."""
    values = at["input"]
    if "directions" in at:
        return _array_line(target, spelling, dtype, at)
    arity = len(values)
    xs = _names(arity)
    expr = spelling.format(*xs)
    counts = order_of(at, arity)
    first = [i for i, c in enumerate(counts) for _ in range(c)]
    mode = at["mode"].split()[0]
    lam = f"lambda {', '.join(xs)}: {expr}"
    if target == "torch":
        setup = "import torch; " + "; ".join(
            f"{x} = torch.tensor({v!r}, dtype=torch.{dtype}, requires_grad=True)"
            for x, v in zip(xs, values))
        allx = f"[{', '.join(xs)}]"
        if mode in ("grad", "vjp"):
            body = f"torch.autograd.grad({expr}, {allx})[{first[0]}]"
        elif mode == "jvp":
            tang = _one_hot("torch.", xs, first[0])
            body = f"torch.func.jvp({lam}, ({', '.join(xs)},), ({tang},))[1]"
        elif mode == "rev-rev":
            along = int(at["mode"].split()[1][1:])
            other = at["piece"]
            body = (f"torch.autograd.grad(torch.autograd.grad({expr}, {allx}, "
                    f"create_graph=True)[{along}], {allx}, allow_unused=True)[{other}]")
        else:
            tang = _one_hot("torch.", xs, int(at["mode"].split()[1][1:]))
            argnums = tuple(range(arity)) if arity > 1 else 0
            pick = f"[{at['piece']}]" if arity > 1 else ""
            body = (f"torch.func.jvp(torch.func.grad({lam}, argnums={argnums}), "
                    f"({', '.join(xs)},), ({tang},))[1]{pick}")
        return f"{setup}; print({body}.item())  # exact: {at['exact']}"
    if target == "jax":
        setup = ("import jax; jax.config.update('jax_enable_x64', True); import jax.numpy, "
                 "jax.scipy.special, jax.nn; " + "; ".join(
                     f"{x} = jax.numpy.{dtype}({v!r})" for x, v in zip(xs, values)))
        args = ", ".join(xs)
        if mode in ("grad", "vjp"):
            body = f"jax.grad({lam}, argnums={first[0]})({args})"
        elif mode == "jvp":
            tang = _one_hot("jax.numpy.", xs, first[0])
            body = f"jax.jvp({lam}, ({args},), ({tang},))[1]"
        else:
            i, j = (int(at["mode"].split()[1][1:]), at["piece"]) if mode == "rev-rev" else \
                (at["piece"], int(at["mode"].split()[1][1:]))
            body = f"jax.grad(jax.grad({lam}, argnums={i}), argnums={j})({args})"
        return f"{setup}; print(float({body}))  # exact: {at['exact']}"
    setup = ("import numpy as np; from adcheck.engines import transforms as T; "
             "from adcheck.engines.namespace import ad; " + "; ".join(
                 f"{x} = np.float64({v!r})" for x, v in zip(xs, values)))
    lam = f"lambda xp, {', '.join(xs)}: {expr}"
    args = ", ".join(xs)
    if sum(counts) == 1:
        body = f"T.grad({lam}, argnum={first[0]})(ad, {args})"
    else:
        i, j = first[0], first[-1]
        body = f"T.grad(lambda xp, {args}: T.grad({lam}, argnum={i})(xp, {args}), " \
               f"argnum={j})(ad, {args})"
    return f"{setup}; print(float({body}))  # exact: {at['exact']}"


def _array_line(target, spelling, dtype, at) -> str | None:
    """An array operation's draw (its leading axis of length 1 kept), its directions, the
    quantity in the library's code, and the component that errs."""
    n = len(at["input"])
    xs = _names(n)
    expr = spelling.format(*xs)
    lam = f"lambda {', '.join(xs)}: {expr}"
    mode = at["mode"].split()[0]
    d = at["directions"]

    def arr(v, lib):
        body = repr([v])
        return (f"torch.tensor({body}, dtype=torch.{dtype})" if lib == "torch" else
                f"jax.numpy.asarray({body}, dtype=jax.numpy.{dtype})")
    us = [f"u{i}" for i in range(n)]
    vs = [f"v{i}" for i in range(n)]
    allx, X = f"[{', '.join(xs)}]", ", ".join(xs)
    if target == "torch":
        setup = "import torch; " + "; ".join(
            [f"{x} = {arr(v, 'torch')}.requires_grad_()" for x, v in zip(xs, at["input"])] +
            [f"w = {arr(d['w'], 'torch')}"] +
            [f"{u} = {arr(v, 'torch')}" for u, v in zip(us, d["u"])] +
            [f"{v} = {arr(t, 'torch')}" for v, t in zip(vs, d["v"])])
        q = {
            "grad": f"torch.autograd.grad({expr}, {allx}, w)[{at['piece']}]",
            "vjp": f"torch.autograd.grad({expr}, {allx}, w)[{at['piece']}]",
            "jvp": f"torch.func.jvp({lam}, ({X},), ({', '.join(vs)},))[1]",
            "rev-rev": f"torch.autograd.grad(sum((g * u).sum() for g, u in zip("
                       f"torch.autograd.grad({expr}, {allx}, w, create_graph=True), "
                       f"[{', '.join(us)}])), {allx})[{at['piece']}]",
            "fwd-rev": f"torch.func.jvp(lambda {X}: torch.func.vjp({lam}, {X})[1](w), "
                       f"({X},), ({', '.join(vs)},))[1][{at['piece']}]",
        }[mode]
        return f"{setup}; print({q}.reshape(-1)[{at['index']}].item())  # exact: {at['exact']}"
    if target == "jax":
        setup = ("import jax; jax.config.update('jax_enable_x64', True); import jax.numpy, "
                 "jax.scipy.special, jax.scipy.linalg, jax.nn; " + "; ".join(
                     [f"{x} = {arr(v, 'jax')}" for x, v in zip(xs, at["input"])] +
                     [f"w = {arr(d['w'], 'jax')}"] +
                     [f"{u} = {arr(v, 'jax')}" for u, v in zip(us, d["u"])] +
                     [f"{v} = {arr(t, 'jax')}" for v, t in zip(vs, d["v"])]))
        q = {
            "grad": f"jax.vjp({lam}, {X})[1](w)[{at['piece']}]",
            "vjp": f"jax.vjp({lam}, {X})[1](w)[{at['piece']}]",
            "jvp": f"jax.jvp({lam}, ({X},), ({', '.join(vs)},))[1]",
            "rev-rev": f"jax.grad(lambda {X}: sum(jax.numpy.sum(g * u) for g, u in zip("
                       f"jax.vjp({lam}, {X})[1](w), [{', '.join(us)}])), "
                       f"argnums={at['piece']})({X})",
            "fwd-rev": f"jax.jvp(lambda {X}: jax.vjp({lam}, {X})[1](w), ({X},), "
                       f"({', '.join(vs)},))[1][{at['piece']}]",
        }[mode]
        return f"{setup}; print(float({q}.reshape(-1)[{at['index']}]))  # exact: {at['exact']}"
    return None
