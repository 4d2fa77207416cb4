"""Synthetic study data for the sample report: closed formulas and plain numpy only."""

from __future__ import annotations

import numpy as np

EPS = float(np.finfo(float).eps)


def studies(seed: int) -> dict:
    """All study keys the report draws, filled with plausible numbers."""
    rng = np.random.default_rng(seed)
    return {"fd_sweep": _sweep(), "taylor": _taylor(), "cost_scaling": _cost(),
            "bs_residual": _bs(rng), "activations": _activations(),
            "selftest": _selftest(), "notes": []}


def _sweep() -> dict:
    x, exact = 0.7, 1 - np.tanh(0.7) ** 2
    h = np.logspace(-1, -14, 27)
    central = (np.tanh(x + h) - np.tanh(x - h)) / (2 * h)
    c2 = (np.tanh(x + h / 2) - np.tanh(x - h / 2)) / h
    rich = (4 * c2 - central) / 3
    cstep = np.imag(np.tanh(x + 1j * h)) / h
    rel = {k: (np.abs(v - exact) / exact).tolist()
           for k, v in (("central", central), ("richardson", rich), ("complex-step", cstep))}
    return {"case": "d/dx tanh(x) at x = 0.7", "h": h.tolist(), "errors": rel,
            "orders": {"central": 2, "richardson": 4, "complex-step": 2}}


def _taylor() -> dict:
    h = np.logspace(-1, -4, 7)
    return {"case": "f(x) = sum(tanh(W x)), W 4x4, random direction v",
            "h": h.tolist(),
            "series": {"gradient term": (0.8 * h**2).tolist(),
                       "+ Hessian term": (0.3 * h**3).tolist(),
                       "gradient wrong by 1e-3": (1e-3 * h + 0.8 * h**2).tolist()},
            "slopes": {"gradient term": 2.0, "+ Hessian term": 3.0,
                       "gradient wrong by 1e-3": 1.02},
            "expected": {"gradient term": 2, "+ Hessian term": 3}}


def _cost() -> dict:
    n = np.array([4, 8, 16, 32, 64, 128])
    f = 4 * n + 10
    return {"case": "loss of a one-layer tanh network, n parameters", "n": n.tolist(),
            "f_flops": f.tolist(),
            "series": {"reverse": {"passes": [1] * n.size, "evaluations": [0] * n.size,
                                   "flops": (2.6 * f).tolist()},
                       "forward": {"passes": n.tolist(), "evaluations": [0] * n.size,
                                   "flops": (2 * n * f).tolist()},
                       "central": {"passes": [0] * n.size, "evaluations": (2 * n).tolist(),
                                   "flops": (2 * n * f).tolist()}}}


def _bs(rng) -> dict:
    S, tau = np.linspace(60, 140, 9), np.linspace(0.1, 1.0, 7)
    grids = {e: (EPS * rng.lognormal(1.0, 1.0, (tau.size, S.size))).tolist()
             for e in ("forward-over-reverse", "reverse-over-reverse", "central")}
    grids["central"] = (np.asarray(grids["central"]) * 1e7).tolist()
    return {"S": S.tolist(), "tau": tau.tolist(), "engines": grids,
            "params": {"K": 100, "r": 0.05, "sigma": 0.2}}


def _activations() -> dict:
    table = [("tanh", None), ("sigmoid", None), ("softplus", None), ("sin", None),
             ("SiLU", None), ("GELU", None), ("ELU(1)", 1), ("CELU", 1), ("ReLU\u00b2", 1),
             ("ReLU", 0), ("leaky ReLU", 0), ("SELU", 0), ("hardtanh", 0)]
    rows = [{"name": n, "k": k, "smooth": k is None, "order2_ok": k is None,
             "source": "Appendix B table"} for n, k in table]
    S = np.linspace(60, 140, 41)
    smooth = 0.02 * np.sin(S / 15)
    demo = {"S": S.tolist(), "tau": 0.5,
            "nets": {"tanh": {"with": (smooth * 0.1).tolist(), "without": (-smooth).tolist(),
                              "vss_term": (1.1 * smooth).tolist()},
                     "ReLU": {"with": (0.01 * np.abs(S - 100) / 40).tolist(),
                              "without": (0.01 * np.abs(S - 100) / 40).tolist(),
                              "vss_term": [0.0] * S.size}}}
    return {"rows": rows, "relu_demo": demo}


def _selftest() -> dict:
    names = [("transpose", "transposed Jacobian", "reverse"),
             ("factor-2", "quadratic gradient returns Qx", "reverse"),
             ("sign-flip", "sign of one component flipped", "forward"),
             ("zero-block", "a zeroed Jacobian block", "forward"),
             ("cross-term", "Hessian cross term dropped", "forward-over-reverse"),
             ("float32", "float32 leak (~1e-7 accurate)", "reverse"),
             ("tanh''", "wrong tanh second derivative", "reverse-over-reverse"),
             ("confusion", "perturbation confusion in forward-over-forward",
              "forward-over-forward")]
    muts = [{"mutant": n, "what": d, "killed": True, "blamed": e, "caught by": "B1.gram-gradient"}
            for n, d, e in names]
    return {"mutations": muts, "kill_rate": 1.0,
            "epsilon": {"relative corruption": 3.2e-13, "identity": "B1.gram-gradient"}}
