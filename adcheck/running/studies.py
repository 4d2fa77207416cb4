"""The data behind the report's studies (``results["studies"]``), computed by the run.

``collect(seed)`` runs each study; a study whose engine or catalogue piece is missing is left
out and a note says why, so the page renders whatever is there. Everything is counted or
computed at fixed inputs: the same seed gives the same numbers (no clock readings here).
"""

from __future__ import annotations

import numpy as np

from .studies_pde import selftest_study  # noqa: F401  (re-exported for the CLI)

EXPECTED_ORDERS = {"forward": 1, "central": 2, "richardson": 4, "complex-step": 2}
COST_SIZES = (4, 8, 16, 32, 64, 128)


def collect(seed: int = 0, *, selftest: dict | None = None) -> dict:
    """All studies as plain JSON-ready data.

    Args:
        seed: seeds every random input (np.random.default_rng(seed)).
        selftest: the mutation battery's result (see ``selftest_study``) to include, if run.
    Returns:
        {"fd_sweep", "taylor", "cost_scaling", "bs_residual", "activations", "selftest",
        "notes"}; a study that could not run is absent and ``notes`` says why.
    """
    from adcheck.running import studies_pde as pde

    out: dict = {"notes": []}
    for key, fn in (("fd_sweep", fd_sweep), ("taylor", taylor), ("cost_scaling", cost_scaling),
                    ("bs_residual", pde.bs_residual), ("activations", pde.activations)):
        try:
            out[key] = fn(seed)
        except (ImportError, KeyError, AttributeError) as exc:
            out["notes"].append(f"{key}: not available in this installation ({exc}).")
        except Exception as exc:  # noqa: BLE001  one failed study must not lose the report
            out["notes"].append(f"{key}: failed with {type(exc).__name__}: {exc}")
    if selftest:
        out["selftest"] = selftest
    return _json_safe(out)


def _json_safe(obj):
    """Plain JSON data: numpy scalars to Python, NaN/inf to None (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _engine(name: str):
    from adcheck.engines import registry
    return registry.get(name)


def fd_sweep(seed: int) -> dict:
    """Error against step of each finite-difference scheme on Black-Scholes delta at the money."""
    from adcheck.engines.fd.sweep import step_sweep
    from adcheck.identities import pde

    args = (np.array([100.0]), np.array([0.0, 0.2, 0.05]), np.float64(100.0), np.float64(1.0))
    exact = _exact_delta(args)
    sweep = step_sweep(pde.bs_price_in_s, args, 0, np.array([1.0]), exact)
    errors = {k: sweep[k] for k in ("forward", "central", "richardson", "complex-step")
              if sweep.get(k) is not None}
    return {"case": "Black\u2013Scholes delta \u2202C/\u2202S at S = K = 100, T = 1, "
                    "r = 0.05, \u03c3 = 0.2",
            "h": sweep["h"], "errors": errors, "guide": "central",
            "orders": {k: v for k, v in EXPECTED_ORDERS.items() if k in errors}}


def _exact_delta(args) -> float:
    """Delta from the exact oracle when it is registered, else Appendix B's 15-digit value."""
    from adcheck.identities import pde
    try:
        r = _engine("exact").gradient(pde.bs_price_in_s, args, 0)
        return float(np.ravel(r.value)[0])
    except Exception:  # noqa: BLE001  the reference value below is good to 1e-15
        return 0.636830651175619


def _tanh_loss(xp, x, w):
    """A small smooth test function: sum(tanh(W x)) + 0.1 |x|^2."""
    return xp.sum(xp.tanh(w @ x)) + 0.1 * xp.sum(x * x)


def taylor(seed: int) -> dict:
    """Taylor-remainder slopes for the reverse gradient and forward-over-reverse Hessian."""
    from adcheck.engines.fd.sweep import fitted_slope, taylor_remainder

    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(4), rng.standard_normal((4, 4)) / 2
    v = rng.standard_normal(4)
    v /= np.linalg.norm(v)
    grad = np.asarray(_engine("reverse").gradient(_tanh_loss, (x, w), 0).value)
    hess = np.asarray(_engine("forward-over-reverse").hessian(_tanh_loss, (x, w), 0).value)
    right = taylor_remainder(_tanh_loss, (x, w), 0, grad, hess, direction=v)
    # A gradient wrong by one part in a thousand: the remainder stalls at slope 1.
    wrong = taylor_remainder(_tanh_loss, (x, w), 0, grad * (1 + 1e-3), direction=v)
    hs, floor = right["h"], right["floor"]
    # Slopes over the three smallest steps: the asymptotic order, not a blend of regimes.
    tail = slice(-3, None)
    return {"case": "f(x) = \u03a3 tanh(Wx) + 0.1|x|\u00b2, x \u2208 R\u2074, random direction v",
            "h": hs,
            "series": {"gradient term (reverse)": right["first"],
                       "+ Hessian term (forward-over-reverse)": right["second"],
                       "gradient wrong by 0.1 %": wrong["first"]},
            "slopes": {name: fitted_slope(hs[tail], vals[tail], floor) for name, vals in (
                ("gradient term (reverse)", right["first"]),
                ("+ Hessian term (forward-over-reverse)", right["second"]),
                ("gradient wrong by 0.1 %", wrong["first"]))},
            "expected": {"gradient term (reverse)": 2,
                         "+ Hessian term (forward-over-reverse)": 3}}


def _layer_loss(xp, w, x):
    """A loss with n = w.size parameters: sum(tanh(X w)) over a fixed batch X."""
    return xp.sum(xp.tanh(xp.matmul(x, w)))


def cost_scaling(seed: int) -> dict:
    """Counted cost of one gradient against the parameter count n (B.2)."""
    from adcheck.engines import ad, counting

    rng = np.random.default_rng(seed)
    names = [n for n in ("reverse", "forward", "central") if _has(n)]
    series = {n: {"passes": [], "evaluations": [], "sweeps": [], "flops": []} for n in names}
    f_flops = []
    for n in COST_SIZES:
        w, x = rng.standard_normal(n), rng.standard_normal((8, n)) / np.sqrt(n)
        with counting() as c:
            _layer_loss(ad, w, x)
        f_flops.append(c.flops)
        for name in names:
            cost = _engine(name).gradient(_layer_loss, (w, x), 0).cost
            for k in series[name]:
                series[name][k].append(int(getattr(cost, k)))
        _fd_flops(series, names, n, f_flops[-1])
    return {"case": "gradient of \u03a3 tanh(Xw), X 8\u00d7n, w \u2208 R\u207f",
            "n": list(COST_SIZES), "f_flops": f_flops, "series": series}


def time_cost_scaling(seed: int = 0, repeats: int = 5) -> dict:
    """Wall time of one gradient against n, for ``results["timing"]["cost_scaling"]``.

    Times are the one non-deterministic thing in a report, so they live under ``timing``,
    never under ``studies``. Medians of ``repeats`` runs (after one warm-up).
    """
    import time

    from adcheck.engines import numpy_ns

    rng = np.random.default_rng(seed)
    names = [n for n in ("reverse", "forward", "central") if _has(n)]

    def median_s(fn, *args) -> float:
        fn(*args)
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn(*args)
            runs.append(time.perf_counter() - t0)
        return float(np.median(runs))

    out = {"n": list(COST_SIZES), "f_s": [], "series": {n: [] for n in names}}
    for n in COST_SIZES:
        w, x = rng.standard_normal(n), rng.standard_normal((8, n)) / np.sqrt(n)
        out["f_s"].append(median_s(_layer_loss, numpy_ns, w, x))
        for name in names:
            out["series"][name].append(
                median_s(_engine(name).gradient, _layer_loss, (w, x), 0))
    return out


def _fd_flops(series, names, n, f_flops) -> None:
    """Finite differences count evaluations, not flops: each costs one f."""
    if "central" in names and not series["central"]["flops"][-1]:
        series["central"]["flops"][-1] = series["central"]["evaluations"][-1] * f_flops


def _has(name: str) -> bool:
    from adcheck.engines import registry
    return name in registry.ENGINES
