"""B.3 studies: the Black-Scholes residual per engine, activation regularity, the ReLU demo."""

from __future__ import annotations

import numpy as np

BS_S = tuple(np.linspace(60.0, 140.0, 8))
BS_TAU = tuple(np.linspace(0.1, 1.0, 6))
BS_PARAMS = {"K": 100.0, "r": 0.05, "sigma": 0.2}
# The package's own second-order engines. The torch/jax adapters are judged in the matrix; here
# their import and per-call tracing would cost more than the whole study budget.
SPREAD = 4.0  # network input (S/100 - 1) * SPREAD: the ReLU kinks fall inside the S range
SECOND_ORDER = ("forward-over-forward", "forward-over-reverse", "reverse-over-forward",
                "reverse-over-reverse", "central", "richardson")


def _derive(engine):
    def derive(kind, fn, args, wrt=0, **kw):
        r = engine.derivative(kind, fn, args, wrt, **kw)
        if r.status != "ok" or r.value is None:
            raise ValueError(f"{engine.name}: {r.status} {r.note}")
        return np.asarray(r.value, dtype=float)
    return derive


def _relative_residual(terms) -> float:
    terms = [float(np.ravel(t)[0]) for t in terms]
    return abs(sum(terms)) / max(max(abs(t) for t in terms), 1e-300)


def bs_residual(seed: int) -> dict:
    """|V_t + sigma^2 S^2 V_SS / 2 + r S V_S - r V| / max |term| over an (S, tau) grid."""
    from adcheck.engines import numpy_ns, registry
    from adcheck.identities import pde

    q = np.array([BS_PARAMS["sigma"], BS_PARAMS["r"]])
    k, big_t = np.float64(BS_PARAMS["K"]), np.float64(1.0)
    grids = {}
    for name in (n for n in SECOND_ORDER if n in registry.ENGINES):
        derive = _derive(registry.ENGINES[name])
        try:
            with np.errstate(all="ignore"):
                grids[name] = [[_relative_residual(pde.bs_pde_terms(
                    derive, numpy_ns, np.array([s, big_t - tau]), q, k, big_t)) for s in BS_S]
                    for tau in BS_TAU]
        except (ValueError, NotImplementedError):
            continue  # this engine cannot take the Hessian here: leave its panel out
    if not grids:
        raise KeyError("no second-order engine is registered")
    return {"S": list(BS_S), "tau": list(BS_TAU), "engines": grids, "params": BS_PARAMS}


def activations(seed: int) -> dict:
    """Derived smoothness class per activation (vs Appendix B) and the ReLU demonstration."""
    from adcheck.identities.activations import APPENDIX_B_CLASSES, class_label, smoothness_class

    rows = []
    for name, claimed in APPENDIX_B_CLASSES.items():
        k = smoothness_class(name)
        rows.append({"name": name, "class": class_label(k), "order2_ok": bool(k >= 2),
                     "source": "derived symbolically"
                     + ("; agrees with Appendix B" if k == claimed
                        else f"; Appendix B says {class_label(claimed)}")})
    return {"rows": rows, "relu_demo": relu_demo(seed)}


def relu_demo(seed: int, tau: float = 0.5) -> dict:
    """The BS residual of a random (S, tau) network, with and without its V_SS term."""
    from adcheck.engines import numpy_ns, registry
    from adcheck.identities import networks as nets

    engine = registry.get("forward-over-reverse")
    S = np.linspace(60.0, 140.0, 41)
    sigma, r = BS_PARAMS["sigma"], BS_PARAMS["r"]
    out = {}
    for act in ("tanh", "relu"):
        rng = np.random.default_rng(seed)  # the same weights for both activations
        arch = nets.encode_arch([2, 16, 1], [act, "identity"])
        spec = nets.decode_arch(arch)
        w = rng.uniform(-1, 1, spec.n_weights())
        b = rng.uniform(-0.5, 0.5, spec.n_biases())
        with_, without, term = [], [], []
        for s in S:
            z = np.array([(s / 100.0 - 1.0) * SPREAD, tau])  # inputs scaled to O(1)
            args = (z, w, b, arch)
            v = float(nets.scalar_output(numpy_ns, *args))
            g = np.ravel(engine.gradient(nets.scalar_output, args, 0).value)
            h = np.asarray(engine.hessian(nets.scalar_output, args, 0).value).reshape(2, 2)
            v_s, v_tau, v_ss = g[0] * SPREAD / 100.0, g[1], h[0, 0] * (SPREAD / 100.0) ** 2
            rest = -v_tau + r * s * v_s - r * v
            vss = 0.5 * sigma**2 * s**2 * v_ss
            with_.append(rest + vss)
            without.append(rest)
            term.append(vss)
        out["ReLU" if act == "relu" else act] = {"with": with_, "without": without,
                                                 "vss_term": term}
    return {"S": S.tolist(), "tau": tau, "nets": out}


def selftest_study(examples: int = 3, seed: int = 0, epsilon: bool = True,
                   jobs: int = 1) -> dict:
    """The mutation battery for ``results["studies"]["selftest"]`` (slow: runs the catalogue)."""
    from adcheck.running.selftest import kill_table, sensitivity

    rows = kill_table(examples, seed, jobs)
    study = {"mutations": rows, "kill_rate": sum(r["killed"] for r in rows) / max(len(rows), 1)}
    if epsilon:
        study["sensitivity"] = sensitivity(examples, seed, jobs=jobs)
    return study
