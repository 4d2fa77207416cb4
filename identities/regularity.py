"""B3.activation-regularity: smoothness classes derived symbolically, the pre-computation
flag, and the ReLU demonstration (a ReLU network's input Hessian is 0 almost everywhere, so a
Black-Scholes residual built on it loses its sigma^2 S^2 V_SS / 2 term)."""

from __future__ import annotations

import warnings

import numpy as np
import sympy as sp

from . import networks as nets
from .activations import (
    APPENDIX_B_CLASSES,
    MAX_ORDER,
    RegularityWarning,
    class_label,
    flag_regularity,
    smoothness_class,
)
from .record import define

RESIDUAL_ORDER = 2  # Black-Scholes is second order in S
DEMO_SEED = 7


def _order(k: float) -> float:
    """A class as a JSON-safe number: C^inf is reported as MAX_ORDER + 1."""
    return float(min(k, MAX_ORDER + 1))


def table_facts() -> list[dict]:
    """One fact per activation: derived class equals Appendix B's table; the flag fires for an
    order-2 residual exactly when the class is below C^2."""
    facts = []
    for name, expected in APPENDIX_B_CLASSES.items():
        k = smoothness_class(name)
        facts.append({"what": f"{name}: derived {class_label(k)}, Appendix B "
                              f"{class_label(expected)}", "observed": _order(k),
                      "bound": _order(expected), "holds": k == expected})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RegularityWarning)
            flagged = bool(flag_regularity(RESIDUAL_ORDER, [name]))
        facts.append({"what": f"{name}: order-{RESIDUAL_ORDER} residual flagged before "
                              f"computing", "observed": float(flagged),
                      "bound": float(k < RESIDUAL_ORDER), "holds": flagged == (k < RESIDUAL_ORDER)})
    return facts


def demo_network(activation: str, seed: int = DEMO_SEED):
    """A depth-2 network R^1 -> R^1 (input S/100), as (s, weights, biases, arch)."""
    rng = np.random.default_rng(seed)
    arch = nets.encode_arch([1, 8, 1], [activation, "identity"])
    spec = nets.decode_arch(arch)
    return (np.array([1.0]), rng.uniform(-1, 1, spec.n_weights()),
            rng.uniform(-0.5, 0.5, spec.n_biases()), arch)


def demo_facts(engine_name: str) -> list[dict]:
    """With the named AD engine: the V_SS term of the BS residual on a ReLU network is exactly
    0 at every sample point, while on a tanh network it is not."""
    from adcheck.engines import registry

    eng = registry.ENGINES.get(engine_name)
    if eng is None or eng.category != "ad":
        return []
    facts = []
    for act, zero in (("relu", True), ("tanh", False)):
        s0, w, b, arch = demo_network(act)
        hs = [float(np.ravel(eng.hessian(nets.scalar_output, (np.array([s]), w, b, arch),
                                         0).value)[0]) for s in np.linspace(0.5, 1.5, 7)]
        worst = max(abs(h) for h in hs)
        facts.append({
            "what": f"{act} network: |sigma^2 S^2 V_SS / 2| term of the BS residual "
                    f"({'0: the term is silently lost' if zero else 'nonzero'}), max over "
                    f"7 points", "observed": worst, "bound": 0.0,
            "holds": (worst == 0.0) if zero else (worst > 0.0)})
    return facts


def regularity_claim(engine_name: str) -> list[dict]:
    """Every fact of the record (the table facts do not depend on the engine)."""
    return table_facts() + demo_facts(engine_name)


define(
    id="B3.activation-regularity", section="B.3",
    title="activation smoothness classes; order-k residuals over non-C^k activations flagged",
    citation="Appendix B.3; Raissi, Perdikaris & Karniadakis (2019), J. Comput. Phys. 378 "
             "(PINN residuals need C^k networks)",
    kind="property", f=nets.scalar_output, claim=regularity_claim,
    statement=sp.Implies(sp.Symbol("g in C^k"), sp.Symbol("residual of order k defined")),
    smoothness=RESIDUAL_ORDER, analytic=False, tags=("network", "pde"),
    extra={"table": {n: class_label(k) for n, k in APPENDIX_B_CLASSES.items()},
           "note": "sufficient, not necessary; kind 'property' is judged like 'cost'"},
)
