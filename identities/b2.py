"""Appendix B.2: the reverse-mode cost claims, checked on counted costs (never timings).

Each record is a ``cost`` claim: ``claim(engine_name)`` runs the named engine on problems of
growing parameter count and returns facts ``{"what", "observed", "bound", "holds"}``. The
bounds are the appendix's own numbers (one sweep; ratio 3, Baur & Strassen) or exact counts
(n passes, 2n evaluations); flatness is judged against the claim's own data.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from . import networks as nets
from .record import define

SECTION = "B.2"
CITE = ("Appendix B.2; Baur & Strassen (1983), 'The complexity of partial derivatives', "
        "Theor. Comp. Sci. 22; Griewank & Walther (2008), Evaluating Derivatives, ch. 4; "
        "Baydin et al. (2018), JMLR 18(153), sec. 3.2")
WIDTHS = (2, 4, 8, 16, 32)  # hidden widths of the growing networks
PASS_WIDTHS = (2, 4, 8)  # forward mode and central differences cost n passes: keep n small
DEPTH = 3
BATCH = 4  # examples per network loss evaluation
CHEAP_GRADIENT_BOUND = 3  # Baur-Strassen: at most 3x the nonscalar multiplications


def _engine(name):
    from adcheck.engines import (
        registry,  # lazily: identities may from adcheck import engines, at call time
    )

    return registry.ENGINES.get(name)


def network_problem(width: int, seed: int = 0, activation: str = "tanh"):
    """A depth-3 network of the given width and its loss arguments on a batch (deterministic)."""
    rng = np.random.default_rng(seed)
    arch = nets.encode_arch([width] * (DEPTH + 1), [activation] * DEPTH)
    spec = nets.decode_arch(arch)
    w = rng.uniform(-1, 1, spec.n_weights()) / np.sqrt(width)
    b = rng.uniform(-0.5, 0.5, spec.n_biases())
    # a batch of examples: the biases broadcast over it, as in training
    x, y = rng.uniform(-1, 1, (BATCH, width)), rng.uniform(-1, 1, (BATCH, width))
    return (w, b, x, y, arch)


def _gram(xp, x, a):
    return xp.sum((a @ x) * (a @ x))


def _quadratic(xp, x, q):
    return x @ (q @ x)


def problems(widths=WIDTHS):
    """(label, f, args-by-size) families: networks and the B.1 scalar functions."""
    def b1(n, seed=0):
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, n), rng.uniform(-1, 1, (n, n))
    return [("tanh network (loss)", nets.loss, [network_problem(w) for w in widths]),
            ("gram |Ax|^2", _gram, [b1(n) for n in widths]),
            ("quadratic x^T Q x", _quadratic, [b1(n) for n in widths])]


def _fact(what, observed, bound, holds):
    return {"what": what, "observed": float(observed), "bound": float(bound),
            "holds": bool(holds)}


def single_sweep_claim(engine_name: str) -> list[dict]:
    """One taped forward pass and one backward sweep visiting each tape entry once."""
    eng = _engine(engine_name)
    if eng is None:
        return []
    facts = []
    for label, f, sizes in problems():
        for args in sizes:
            c = eng.gradient(f, args, 0).cost
            n = np.size(args[0])
            facts += [_fact(f"{label}, n={n}: forward passes", c.passes, 1, c.passes == 1),
                      _fact(f"{label}, n={n}: backward sweeps", c.sweeps, 1, c.sweeps == 1),
                      _fact(f"{label}, n={n}: tape entries visited (bound: tape length)",
                            c.visited, c.tape_length, c.visited == c.tape_length > 0)]
    return facts


def cost_ratio_claim(engine_name: str) -> list[dict]:
    """backward flops / forward flops <= 3 at every size, and it converges (the increase over
    the last doubling is no larger than over the first)."""
    eng = _engine(engine_name)
    if eng is None:
        return []
    facts = []
    for label, f, sizes in problems():
        ratios, counts = [], []
        for args in sizes:
            c = eng.gradient(f, args, 0).cost
            ratios.append(c.backward_flops / max(c.forward_flops, 1))
            counts.append(np.size(args[0]))
            facts.append(_fact(f"{label}, n={counts[-1]}: backward/forward flops",
                               ratios[-1], CHEAP_GRADIENT_BOUND,
                               c.forward_flops > 0 and ratios[-1] <= CHEAP_GRADIENT_BOUND))
        first, last = ratios[1] - ratios[0], ratios[-1] - ratios[-2]
        facts.append(_fact(f"{label}: ratio increase over the last size step (bound: over the "
                           f"first, n={counts[0]}->{counts[1]})", last, max(first, 0.0),
                           last <= max(first, 0.0)))
    return facts


def passes_claim(engine_name: str) -> list[dict]:
    """Forward mode: n passes; central differences: 2n evaluations; reverse: one pass."""
    eng = _engine(engine_name)
    if eng is None:
        return []
    facts = []
    for label, f, sizes in problems(PASS_WIDTHS):
        for args in sizes:
            c = eng.gradient(f, args, 0).cost
            n = int(np.size(args[0]))
            if engine_name == "reverse":
                facts.append(_fact(f"{label}, n={n}: reverse passes", c.passes, 1,
                                   c.passes == 1 and c.sweeps == 1))
            elif engine_name == "forward":
                facts.append(_fact(f"{label}, n={n}: forward passes", c.passes, n, c.passes == n))
            else:
                facts.append(_fact(f"{label}, n={n}: {engine_name} evaluations",
                                   c.evaluations, 2 * n, c.evaluations == 2 * n))
    return facts


_cost = sp.Symbol("cost")
_n = sp.Symbol("n", integer=True, positive=True)

define(
    id="B2.single-sweep", section=SECTION,
    title="reverse mode: the whole gradient in one forward and one backward sweep",
    citation=CITE, kind="cost", f=nets.loss, claim=single_sweep_claim, engines=("reverse",),
    statement=sp.Eq(sp.Symbol("sweeps"), 1), smoothness=1, tags=("cost",),
    extra={"sizes": WIDTHS},
)

define(
    id="B2.cost-ratio", section=SECTION,
    title="cheap gradient: backward flops <= 3 x forward flops, flat in the parameter count",
    citation=CITE, kind="cost", f=nets.loss, claim=cost_ratio_claim, engines=("reverse",),
    statement=sp.Le(sp.Symbol("flops_backward") / sp.Symbol("flops_forward"),
                    CHEAP_GRADIENT_BOUND), smoothness=1, tags=("cost",),
    extra={"sizes": WIDTHS},
)

define(
    id="B2.per-parameter-passes", section=SECTION,
    title="n forward passes or 2n evaluations (central) for n parameters; reverse needs one",
    citation=CITE, kind="cost", f=nets.loss, claim=passes_claim,
    engines=("forward", "reverse", "central"),
    statement=sp.Eq(sp.Symbol("passes_forward"), _n), smoothness=1, tags=("cost",),
    extra={"sizes": PASS_WIDTHS},
)
