"""The report's plots: data in, inline SVG string out (None when there is nothing to draw).

Each function takes plain data (records or a study from ``results["studies"]``), so a plot can
be redrawn from results.json alone.
"""

from __future__ import annotations

import math

import numpy as np

from ._svg import colour, figure, log_axes, to_svg

FLOOR = 1e-18  # where an exactly-zero error is drawn on a log axis (labelled "0")
EPS = float(np.finfo(float).eps)


def _finite_pos(values) -> np.ndarray:
    a = np.asarray([v if isinstance(v, (int, float)) else np.nan for v in values], dtype=float)
    return np.where(np.isfinite(a), np.maximum(a, FLOOR), np.nan)


def _thin(rows: list, cap: int) -> list:
    """At most ``cap`` rows, evenly spaced, always keeping the worst (largest first entry)."""
    if len(rows) <= cap:
        return rows
    worst = max(rows, key=lambda r: r[0] if isinstance(r[0], (int, float)) else -1)
    step = len(rows) / (cap - 1)
    return [rows[int(i * step)] for i in range(cap - 1)] + [worst]


def _samples(rec: dict) -> list:
    rows = [s for s in rec.get("samples") or [] if isinstance(s, (list, tuple)) and len(s) >= 2]
    if not rows and (rec.get("worst") or {}).get("allowance") is not None:
        rows = [[rec["worst"].get("rel_error"), rec["worst"].get("allowance")]]
    return rows


def error_overview(records: list[dict], engines: list[str], cap: int = 150) -> str | None:
    """Every sample's error as a multiple of its allowance, one strip per engine."""
    from ._strip import ratio_strips

    strips = []
    for e in engines:
        rows = [s for r in records if str(r.get("engine")) == e for s in _samples(r)]
        # An exact zero is a zero ratio whatever its allowance (which may itself be 0).
        ratios = [0.0 if s[0] == 0 else s[0] / s[1] for s in rows
                  if _num(s[0]) and _num(s[1]) and (s[0] == 0 or s[1] > 0)]
        if ratios:
            strips.append((e, colour(e, engines),
                           [x[0] for x in _thin([[x] for x in ratios], cap)]))
    return ratio_strips(strips)


def _num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def identity_errors(name: str, records: list[dict], engines: list[str],
                    cap: int = 80) -> str | None:
    """One identity: errors per engine (dots) against the span of allowances (grey bar)."""
    from ._strip import strip

    rows = [(str(r.get("engine")), colour(str(r.get("engine")), engines),
             _thin(_samples(r), cap)) for r in records]
    return strip(name, rows)


def fd_sweep(study: dict) -> str | None:
    """Error against step h for each finite-difference scheme, with its slope guides."""
    h = np.asarray(study.get("h") or [], dtype=float)
    series = study.get("errors") or {}
    if h.size < 3 or not series:
        return None
    fig, ax = figure(9.0, 3.6)
    names = list(series)
    guide = study.get("guide") if study.get("guide") in series else names[0]
    for scheme, errs in series.items():
        err = _finite_pos(errs)
        ax.plot(h, err, "o-", ms=3, label=scheme, color=colour(scheme, names),
                zorder=3 if scheme == guide else 2, alpha=1.0 if scheme == guide else 0.8)
        order = (study.get("orders") or {}).get(scheme)
        if order and scheme == guide:
            _guides(ax, h, err, order)
    log_axes(ax, x=True, y=True)
    every = np.concatenate([_finite_pos(v) for v in series.values()])
    ax.set_ylim(max(np.nanmin(every) / 5, 1e-17), min(np.nanmax(every) * 5, 1e2))
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error")
    ax.set_title(str(study.get("case", "")), loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return to_svg(fig, "fd-sweep", "finite-difference error against step size")


def _guides(ax, h, err, order: float) -> None:
    """Dashed lines: truncation ~ h^order through the largest h, rounding ~ 1/h through the
    smallest (where rounding dominates)."""
    big, small = np.argmax(h), np.argmin(h)
    ax.plot(h, err[big] * (h / h[big]) ** order, "--", color="#57606a", lw=0.9,
            label=f"truncation \u221d h{_sup(order)}")
    ax.plot(h, err[small] * h[small] / h, ":", color="#57606a", lw=1.1,
            label="rounding \u221d \u03b5/h")


def _sup(order: float) -> str:
    from ._svg import _SUPER
    return f"{order:g}".translate(_SUPER)


def taylor(study: dict) -> str | None:
    """Taylor remainders against h, with their fitted slopes in the legend."""
    h = np.asarray(study.get("h") or [], dtype=float)
    series = study.get("series") or {}
    if h.size < 3 or not series:
        return None
    fig, ax = figure(9.0, 3.4)
    slopes, expected = study.get("slopes") or {}, study.get("expected") or {}
    for name, vals in series.items():
        s, x = slopes.get(name), expected.get(name)
        label = name + (f": slope {s:.2f}" if _num(s) else "") + (f" (theory {x})" if x else "")
        ax.plot(h, _finite_pos(vals), "o-", ms=3, label=label, color=colour(name, list(series)))
    log_axes(ax, x=True, y=True)
    ax.set_xlabel("h  (x + h\u00b7v)")
    ax.set_ylabel("|remainder|")
    ax.set_title(str(study.get("case", "")), loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return to_svg(fig, "taylor", "Taylor remainder slopes")


def cost_scaling(study: dict, times: dict | None = None) -> str | None:
    """Passes/evaluations, flops (and, if timed, seconds) per gradient against n (log-log)."""
    n = np.asarray(study.get("n") or [], dtype=float)
    series = study.get("series") or {}
    if n.size < 2 or not series:
        return None
    timed = bool(times and times.get("series") and times.get("n") == study.get("n"))
    fig, axes = figure(13.5 if timed else 10.0, 3.4, ncols=3 if timed else 2)
    left, right = axes[0], axes[1]
    if timed:
        _time_panel(axes[2], times, list(series))
    names = list(series)
    f_flops = np.asarray(study.get("f_flops") or [np.nan] * n.size, dtype=float)
    for name, c in series.items():
        passes = np.asarray(c.get("passes") or [0] * n.size, dtype=float) + \
            np.asarray(c.get("evaluations") or [0] * n.size, dtype=float)
        left.plot(n, passes, "o-", ms=3, label=name, color=colour(name, names))
        ratio = np.asarray(c.get("flops") or [np.nan] * n.size, dtype=float) / f_flops
        right.plot(n, ratio, "o-", ms=3, label=name, color=colour(name, names))
    left.set_title("passes + evaluations per gradient", loc="left")
    right.set_title("flops per gradient \u00f7 flops of f", loc="left")
    for ax in axes:
        log_axes(ax, x=True, y=True)
        ax.set_xlabel("parameter count n")
    left.legend(loc="upper left")
    fig.tight_layout()
    return to_svg(fig, "cost", "gradient cost against parameter count")


def _time_panel(ax, times: dict, names: list[str]) -> None:
    """Seconds per gradient divided by seconds per f (from results["timing"])."""
    n = np.asarray(times["n"], dtype=float)
    f_s = np.asarray(times.get("f_s") or [np.nan] * n.size, dtype=float)
    for name, secs in times["series"].items():
        ax.plot(n, np.asarray(secs, dtype=float) / f_s, "o-", ms=3, label=name,
                color=colour(name, names))
    ax.set_title("time per gradient \u00f7 time of f", loc="left")


def bs_residual(study: dict) -> str | None:
    """|Black–Scholes PDE residual| over (S, tau), one panel per engine, shared colour scale."""
    S, tau = (np.asarray(study.get(k) or [], dtype=float) for k in ("S", "tau"))
    grids = {e: np.asarray(g, dtype=float) for e, g in (study.get("engines") or {}).items()}
    grids = {e: g for e, g in grids.items() if g.shape == (tau.size, S.size)}
    if not grids or S.size < 2 or tau.size < 2:
        return None
    logs = {e: np.log10(np.maximum(np.abs(g), FLOOR)) for e, g in grids.items()}
    lo, hi = min(float(v.min()) for v in logs.values()), max(float(v.max()) for v in logs.values())
    cols = min(3, len(logs))
    rows = math.ceil(len(logs) / cols)
    fig, axes = figure(3.0 * cols + 1.0, 2.4 * rows + 0.3, ncols=cols, nrows=rows,
                       squeeze=False, sharex=True, sharey=True)
    mesh = None
    for ax, (e, v) in zip(axes.ravel(), logs.items()):
        mesh = ax.pcolormesh(S, tau, v, vmin=lo, vmax=max(hi, lo + 1), cmap=_cmap(),
                             shading="nearest", edgecolors="none", antialiased=False)
        ax.set_title(e, fontsize=9, loc="left")
        ax.grid(False)
    for ax in axes.ravel()[len(logs):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("S")
    for ax in axes[:, 0]:
        ax.set_ylabel("\u03c4 = T \u2212 t")
    fig.colorbar(mesh, ax=axes, label="log\u2081\u2080 |relative residual|", shrink=0.9)
    return to_svg(fig, "bs", "Black-Scholes PDE residual per engine")


def _cmap():
    """The residual colour map, built when a residual plot is drawn (matplotlib loads then)."""
    import matplotlib
    # Grey: an engine that returned no value there.
    return matplotlib.colormaps["viridis"].with_extremes(bad="#d0d7de")


def relu_demo(study: dict) -> str | None:
    """The BS residual with and without its V_SS term, for a tanh and a ReLU network."""
    S = np.asarray(study.get("S") or [], dtype=float)
    nets = study.get("nets") or {}
    if S.size < 2 or not nets:
        return None
    fig, axes = figure(4.6 * len(nets), 3.0, ncols=len(nets), squeeze=False, sharey=False)
    for ax, (name, d) in zip(axes[0], nets.items()):
        for key, style, col, label in (
                ("with", "-", "#1f77b4", "residual with \u00bd\u03c3\u00b2S\u00b2V_SS"),
                ("without", "--", "#d62728", "residual without it"),
                ("vss_term", ":", "#2ca02c", "the \u00bd\u03c3\u00b2S\u00b2V_SS term")):
            ax.plot(S, d.get(key) or [np.nan] * S.size, style, color=col, label=label, lw=1.8)
        ax.set_title(f"{name} network", loc="left")
        ax.set_xlabel("S")
    axes[0][0].set_ylabel("value at \u03c4 = " + str(study.get("tau", "")))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=3, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return to_svg(fig, "relu", "ReLU demonstration: the V_SS term vanishes")
