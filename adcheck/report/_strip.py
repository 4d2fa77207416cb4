"""A small hand-written SVG for one identity: errors per engine against the allowance range.

Drawn without matplotlib: one per identity adds up, and this keeps each to a few kilobytes and
a millisecond.
"""

from __future__ import annotations

import math
from html import escape

from ._svg import power_of_ten

WIDTH, LEFT, RIGHT, ROW, TOP, BOTTOM = 660, 172, 16, 17, 8, 34
ZERO_GAP = 0.8  # decades between the "exact 0" column and the smallest non-zero value


def _logs(values) -> list[float | None]:
    return [math.log10(v) if isinstance(v, (int, float)) and v > 0 and math.isfinite(v) else None
            for v in values]


def strip(name: str, rows: list[tuple[str, str, list]]) -> str | None:
    """rows: (engine, colour, [[rel_error, allowance], ...]); None when nothing to draw."""
    rows = [r for r in rows if r[2]]
    if not rows:
        return None
    values = [v for _, _, s in rows for pair in s for v in pair[:2]]
    logs = [x for x in _logs(values) if x is not None]
    lo, hi = (math.floor(min(logs)) - 1, math.ceil(max(logs)) + 1) if logs else (-17, 0)
    zero_x, x0, x1 = LEFT + 6, LEFT + 6 + 22, WIDTH - RIGHT
    height = TOP + ROW * len(rows) + BOTTOM

    def x(v: float | None) -> float:
        return zero_x if v is None else x0 + (v - lo) / (hi - lo) * (x1 - x0)

    out = [_open("plot strip", f"error distribution for {escape(name)}", height),
           *_decades(lo, hi, x, TOP, height - BOTTOM)]
    out.append(f'<text x="{zero_x}" y="{height - BOTTOM + 13}" text-anchor="middle" '
               f'fill="#59636e">0</text>')
    for k, (engine, col, samples) in enumerate(rows):
        out.extend(_row(k, engine, col, samples, x))
    out.append(f'<text x="{(x0 + x1) / 2:.0f}" y="{height - 4}" text-anchor="middle" '
               f'fill="#59636e">relative error per example (dots; red: above its allowance) '
               f'against the allowance range (grey bar)</text></svg>')
    return "".join(out)


def _open(cls: str, label: str, height: int) -> str:
    return (f'<svg class="{cls}" role="img" aria-label="{label}" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
            f'font-size="11" font-family="sans-serif">')


def _decades(lo: int, hi: int, x, top, bottom) -> list[str]:
    """A grid line and label per decade (at most about ten); ``x(d)``: the pixel of 10^d."""
    step = max(1, math.ceil((hi - lo) / 10))
    return [f'<line x1="{x(d):.1f}" x2="{x(d):.1f}" y1="{top}" y2="{bottom}" '
            f'stroke="#e3e6ea"/><text x="{x(d):.1f}" y="{bottom + 13}" '
            f'text-anchor="middle" fill="#59636e">{power_of_ten(10.0 ** d)}</text>'
            for d in range(lo, hi + 1, step)]


def _row(k: int, engine: str, col: str, samples: list, x) -> list[str]:
    y = TOP + ROW * k + ROW / 2
    out = [f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#1f2328">'
           f'{escape(engine)}</text>']
    allow = [a for a in _logs([s[1] for s in samples]) if a is not None]
    if allow:
        a0, a1 = x(min(allow)), x(max(allow))
        out.append(f'<rect x="{a0 - 1.5:.1f}" y="{y - 5:.1f}" width="{a1 - a0 + 3:.1f}" '
                   f'height="10" fill="#c9ced6" rx="2"/>')
    # One path per colour, two arcs per dot (~40 bytes). Zero-length round-capped segments
    # would be smaller, but Chromium culls them on long pages (their box has no height).
    dots: dict[str, set] = {"#cf222e": set(), col: set()}
    for err, allowance in (s[:2] for s in samples):
        if not isinstance(err, (int, float)) or not math.isfinite(err):
            continue
        bad = isinstance(allowance, (int, float)) and err > allowance
        dots["#cf222e" if bad else col].add(round(x(_logs([err])[0])))
    for fill, xs in dots.items():
        if xs:
            d = "".join(f"M{cx - 2.7:g} {y:.0f}a2.7 2.7 0 1 0 5.4 0a2.7 2.7 0 1 0-5.4 0"
                        for cx in sorted(xs))
            out.append(f'<path d="{d}" fill="{fill}" fill-opacity="0.7"/>')
    return out


def ratio_strips(strips: list[tuple[str, str, list[float]]]) -> str | None:
    """Every example's error over its allowance, one jittered row of dots per engine, on a log
    axis with the allowance (ratio 1) as a red line and exact zeros in their own column.

    strips: (engine, colour, ratios >= 0). Drawn by hand for the same reason as ``strip``: the
    overview is on every report, and matplotlib's import and layout cost ~0.6 s a page.
    """
    strips = [s for s in strips if s[2]]
    if not strips:
        return None
    logs = [math.log10(r) for _, _, rs in strips for r in rs if r > 0 and math.isfinite(r)]
    lo = math.floor(min(logs)) - 1 if logs else -3
    hi = max(math.ceil(max(logs)) if logs else 0, 0) + 1  # the allowance line is always shown
    zero_x, x0, x1 = LEFT + 6, LEFT + 6 + 22, WIDTH - RIGHT
    height = TOP + 10 + ROW * len(strips) + BOTTOM

    def x(r: float) -> float:
        if not r > 0:
            return zero_x
        v = math.log10(min(r, 10.0 ** hi))
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    top, bottom = TOP + 10, height - BOTTOM
    out = [_open("plot overview", "error over allowance per engine, all identities", height),
           *_decades(lo, hi, lambda d: x(10.0 ** d), top, bottom)]
    out.append(f'<rect x="{zero_x - 8}" y="{top}" width="16" height="{bottom - top}" '
               f'fill="#f3f4f6"/><text x="{zero_x}" y="{bottom + 13}" text-anchor="middle" '
               f'fill="#59636e">0</text>')
    one = x(1.0)
    out.append(f'<line x1="{one:.1f}" x2="{one:.1f}" y1="{top - 8}" y2="{bottom}" '
               f'stroke="#cf222e" stroke-width="1.2"/><text x="{one + 3:.1f}" y="{top - 1}" '
               f'fill="#cf222e" font-size="10">allowance</text>')
    jitter = _jitter()
    for k, (engine, col, ratios) in enumerate(strips):
        y = top + ROW * k + ROW / 2
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#1f2328">'
                   f'{escape(engine)}</text>')
        dots: dict[str, list] = {"#cf222e": [], col: []}
        for r in ratios:
            if math.isfinite(r):
                dots["#cf222e" if r > 1 else col].append((x(r), y + next(jitter)))
        for fill, xy in dots.items():
            if xy:
                d = "".join(f"M{cx - 2.2:.1f} {cy:.1f}a2.2 2.2 0 1 0 4.4 0a2.2 2.2 0 1 0-4.4 0"
                            for cx, cy in xy)
                out.append(f'<path d="{d}" fill="{fill}" fill-opacity="0.6"/>')
    out.append(f'<text x="{(x0 + x1) / 2:.0f}" y="{height - 4}" text-anchor="middle" '
               f'fill="#59636e">observed relative error \u00f7 allowance (left of the red line: '
               f'pass)</text></svg>')
    return "".join(out)


def _jitter():
    """A fixed sequence of vertical offsets in [-5, 5] px: the page is the same every time."""
    k = 0
    while True:
        k += 1
        yield round(((k * 0.6180339887) % 1.0 - 0.5) * 10, 1)
