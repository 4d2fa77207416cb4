"""Matplotlib figures to small, deterministic inline SVG."""

from __future__ import annotations

import functools
import io
import re

# One palette for engines across every plot, so a colour means the same engine everywhere; no
# red, which the plots keep for an error above its allowance.
PALETTE = ["#1f77b4", "#6a3d9a", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#7b4173"]
STYLE = {
    "svg.fonttype": "none",          # text stays text: small files, browser fonts
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e6ea",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "lines.linewidth": 1.5,
    "path.simplify": True,
    "text.parse_math": False,        # names are text: an engine called fd$x^$ is not mathtext
}


@functools.cache
def _pyplot():
    """matplotlib.pyplot on Agg, imported when the first figure is drawn: ``adcheck list`` or a
    report without plots never pays for it."""
    import matplotlib

    matplotlib.use("Agg")  # no display, no GUI toolkit: the report renders anywhere
    import matplotlib.pyplot as plt

    return plt


def figure(width: float = 6.4, height: float = 3.2, ncols: int = 1, nrows: int = 1, **kw):
    """A new figure and its axes under the report's style."""
    plt = _pyplot()
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), **kw)
    return fig, axes


def to_svg(fig, name: str, label: str) -> str:
    """The figure as an ``<svg>`` element string; ``name`` salts its ids (unique per page)."""
    buf = io.StringIO()
    plt = _pyplot()
    for text in fig.findobj(lambda a: hasattr(a, "set_parse_math")):  # made outside STYLE
        text.set_parse_math(False)
    with plt.rc_context({**STYLE, "svg.hashsalt": f"adcheck-{name}"}):
        fig.savefig(buf, format="svg", bbox_inches="tight",
                    metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = _scope_ids(svg, name)
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg class="plot" role="img" aria-label="{label}" ', 1)


def _scope_ids(svg: str, name: str) -> str:
    """Prefix every id (and every reference to one) with ``name``: matplotlib numbers its ids
    per figure ("figure_1", "axes_1"), so two figures on one page would share them."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", name) + "-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{prefix}{m.group(1)})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)


def colour(engine: str, engines: list[str]) -> str:
    """The engine's colour: its position in the run's engine list."""
    i = engines.index(engine) if engine in engines else len(engines)
    return PALETTE[i % len(PALETTE)]


_SUPER = str.maketrans("-0123456789",
                       "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def power_of_ten(value: float, _pos=None) -> str:
    """A decade tick as plain text, 10⁻¹⁶ (mathtext is slow to lay out and bloats the SVG)."""
    import math

    if value <= 0:
        return ""
    exp = math.log10(value)
    if abs(exp - round(exp)) > 1e-9:
        return ""
    exp = int(round(exp))
    return {0: "1", 1: "10"}.get(exp, "10" + str(exp).translate(_SUPER))


def log_axes(ax, *, x: bool = False, y: bool = False) -> None:
    """Put ``ax`` on log scale(s) with plain-text decade labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    for on, axis, scale in ((x, ax.xaxis, ax.set_xscale), (y, ax.yaxis, ax.set_yscale)):
        if not on:
            continue
        scale("log")
        axis.set_major_locator(LogLocator(base=10, numticks=8))
        axis.set_major_formatter(FuncFormatter(power_of_ten))
        axis.set_minor_formatter(NullFormatter())
