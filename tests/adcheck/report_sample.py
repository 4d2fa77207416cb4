"""A realistic, deterministic results dict for developing and testing the report.

It follows schema adcheck.results/1 with made-up but plausible numbers; it needs neither the
engines nor the catalogue, so the page can be built and tested on its own.
"""

from __future__ import annotations

import numpy as np

from adcheck.running.mathml import statement_mathml

ENGINES = ["forward", "reverse", "forward-over-reverse", "reverse-over-reverse",
           "central", "richardson", "complex-step", "symbolic"]
EPS = float(np.finfo(float).eps)


def _statements() -> dict:
    import sympy as sp
    n, m = sp.symbols("n m", integer=True, positive=True)
    A, x, Q = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("Q", n, n)
    S, tau, sig, r = sp.symbols("S tau sigma r", positive=True)
    V = sp.Function("V")(S, tau)
    u = sp.sin(sp.pi * sp.Symbol("x")) * sp.sin(sp.pi * sp.Symbol("y"))
    return {
        "B1.jacobian-linear": sp.Eq(sp.Derivative(A * x, x), A, evaluate=False),
        "B1.gram-gradient": sp.Eq(sp.Derivative((A * x).T * (A * x), x), 2 * A.T * A * x,
                                  evaluate=False),
        "B1.quadratic-gradient": sp.Eq(sp.Derivative(x.T * Q * x, x), 2 * Q * x, evaluate=False),
        "B3.black-scholes-pde": sp.Eq(-sp.Derivative(V, tau) + sig**2 * S**2 / 2
                                      * sp.Derivative(V, S, 2) + r * S * sp.Derivative(V, S)
                                      - r * V, 0),
        "B3.poisson-laplacian": sp.Eq(sp.Derivative(u, sp.Symbol("x"), 2)
                                      + sp.Derivative(u, sp.Symbol("y"), 2),
                                      -2 * sp.pi**2 * u, evaluate=False),
    }


IDENTITIES = [
    ("B1.jacobian-linear", "B.1", "Jacobian of a linear map", "jacobian", "general"),
    ("B1.gram-gradient", "B.1", "Gradient of the Gram form", "gradient", "general"),
    ("B1.quadratic-gradient", "B.1", "Gradient of a symmetric quadratic form", "gradient",
     "general"),
    ("B2.cost-ratio", "B.2", "Backward/forward flop ratio is bounded", "cost", "numeric"),
    ("B3.black-scholes-pde", "B.3", "Black-Scholes PDE residual of the call", "residual",
     "fixed-size"),
    ("B3.poisson-laplacian", "B.3", "Laplacian of sin(pi x) sin(pi y)", "laplacian", "general"),
    ("user.softmax-jacobian", "my_plugin", "Softmax Jacobian (a user's plugin)", "jacobian",
     "numeric"),
]


def sample_results(seed: int = 0, *, samples: int = 60, studies: bool = True) -> dict:
    """A results dict with every outcome, a failure with diagnosis, and (optionally) studies."""
    rng = np.random.default_rng(seed)
    statements = _statements()
    idents, records = [], []
    for iid, section, title, kind, proof in IDENTITIES:
        st = statements.get(iid)
        idents.append({
            "id": iid, "section": section, "title": title,
            "citation": "Appendix B, " + section if section.startswith("B") else "my_plugin.py",
            "kind": kind, "wrt": 0, "arg_names": ["x", "A"], "smoothness": 2,
            "layout": "numerator layout: d(Ax)/dx = A; gradients shaped like their argument",
            "statement_text": str(st) if st is not None else "",
            "statement_mathml": statement_mathml(st) if st is not None else "",
            "proof": {"status": proof, "detail": "sympy MatrixSymbol, n symbolic"
                      if proof == "general" else ""}})
        for engine in ENGINES:
            records.append(_record(rng, iid, kind, engine, seed, samples))
    return _assemble(idents, records, seed, samples, studies)


def _outcome(iid: str, engine: str, kind: str) -> str:
    if kind == "cost" and engine not in ("forward", "reverse", "central"):
        return "not-applicable"
    if iid == "user.softmax-jacobian" and engine == "reverse":
        return "fail"
    if iid == "B3.black-scholes-pde" and engine == "complex-step":
        return "not-applicable"
    if iid == "B3.black-scholes-pde" and engine == "symbolic":
        return "error"
    if iid == "B3.poisson-laplacian" and engine == "central":
        return "inconclusive"
    return "pass"


def _record(rng, iid: str, kind: str, engine: str, seed: int, samples: int) -> dict:
    outcome = _outcome(iid, engine, kind)
    rerun = f"adcheck run -i {iid} -e {engine} --seed {seed} --examples {samples}"
    rec = {"identity": iid, "engine": engine, "outcome": outcome, "examples": samples,
           "worst": None, "worst_input": None, "diagnosis": None, "outlier": None,
           "message": "", "cost": _cost(engine), "rerun": rerun, "samples": []}
    if outcome in ("not-applicable", "error"):
        rec["examples"] = 0
        rec["message"] = ("complex step needs an analytic function; this one uses abs"
                          if outcome == "not-applicable" else
                          "engine raised TimeoutError after 10 s on example 1")
        return rec
    fd = engine in ("central", "richardson")
    allow = np.exp(rng.normal(np.log(1e-7 if fd else 64 * EPS), 0.5, samples))
    err = allow * np.exp(rng.normal(np.log(0.03), 1.2, samples))
    err = np.minimum(err, 0.9 * allow)
    if engine == "symbolic":
        err[:] = 0.0
    if outcome == "fail":
        err = allow * np.exp(rng.normal(np.log(3e12), 0.3, samples))
    rec["samples"] = [[float(e), float(a)] for e, a in zip(err, allow)]
    k = int(np.argmax(err / allow))
    rec["worst"] = {"rel_error": float(err[k]), "ulps": float(err[k] / EPS),
                    "abs_error": float(err[k] * 3.0), "allowance": float(allow[k]),
                    "ratio": float(err[k] / allow[k])}
    rec["worst_input"] = {"x": np.round(rng.normal(size=3), 6).tolist(),
                          "A": np.round(rng.normal(size=(2, 3)), 6).tolist()}
    rec["message"] = f"worst relative error {err[k]:.2e} against allowance {allow[k]:.2e}"
    if outcome == "fail":
        rec["diagnosis"] = "matches the oracle after transposing: layout (denominator vs " \
                           "numerator) mistake"
        rec["outlier"] = "reverse disagrees with forward, central, richardson and symbolic"
    if outcome == "inconclusive":
        rec["message"] = "left and right difference quotients disagree: a kink inside the stencil"
    return rec


def _cost(engine: str) -> dict:
    fields = dict.fromkeys(("passes", "evaluations", "sweeps", "primitive_calls", "flops",
                            "forward_flops", "backward_flops", "tape_length", "visited"), 0)
    if engine in ("central", "richardson", "complex-step"):
        fields.update(evaluations={"central": 12, "richardson": 48, "complex-step": 6}[engine])
    elif engine != "symbolic":
        fields.update(passes=1 if "reverse" in engine else 6, sweeps=int("reverse" in engine),
                      flops=96 if "reverse" in engine else 240, primitive_calls=18)
    return fields


def _assemble(idents, records, seed, samples, studies) -> dict:
    counts = dict.fromkeys(("pass", "fail", "inconclusive", "error", "not-applicable"), 0)
    for r in records:
        counts[r["outcome"]] += 1
    return {
        "schema": "adcheck.results/1",
        "run": {"command": f"adcheck run --examples {samples} --seed {seed} --out reports",
                "argv": ["run", "--examples", str(samples), "--seed", str(seed)], "seed": seed,
                "examples": samples, "engines": list(ENGINES),
                "identities": [i["id"] for i in idents], "plugins": ["my_plugin"],
                "versions": {"python": "3.11.2", "numpy": "2.1.0", "scipy": "1.14.1",
                             "sympy": "1.14.0", "hypothesis": "6.112.0", "mpmath": "1.3.0",
                             "adcheck": "0.1.0"},
                "machine": {"platform": "Linux-6.1-x86_64", "processor": "x86_64", "cpus": 2}},
        "timing": {"started": "2026-01-01T00:00:00+00:00",
                   "finished": "2026-01-01T00:00:42+00:00", "wall_s": 42.0, "per_record_s": {}},
        "summary": {"verdict": "fail" if counts["fail"] or counts["error"] else "pass",
                    "counts": counts, "pass_rate": counts["pass"] / len(records)},
        "identities": idents, "records": records,
        "studies": synthetic_studies(seed) if studies else {},
    }


def synthetic_studies(seed: int = 0) -> dict:
    """Study data of the right shape, from closed formulas (no engines needed)."""
    from report_sample_studies import studies
    return studies(seed)
