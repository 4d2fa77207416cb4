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

    out = [f'<svg class="plot strip" role="img" aria-label="error distribution for '
           f'{escape(name)}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">']
    step = max(1, math.ceil((hi - lo) / 10))
    for d in range(lo, hi + 1, step):
        out.append(f'<line x1="{x(d):.1f}" x2="{x(d):.1f}" y1="{TOP}" y2="{height - BOTTOM}" '
                   f'stroke="#e3e6ea"/><text x="{x(d):.1f}" y="{height - BOTTOM + 13}" '
                   f'text-anchor="middle" fill="#59636e">{power_of_ten(10.0 ** d)}</text>')
    out.append(f'<text x="{zero_x}" y="{height - BOTTOM + 13}" text-anchor="middle" '
               f'fill="#59636e">0</text>')
    for k, (engine, col, samples) in enumerate(rows):
        out.extend(_row(k, engine, col, samples, x))
    out.append(f'<text x="{(x0 + x1) / 2:.0f}" y="{height - 4}" text-anchor="middle" '
               f'fill="#59636e">relative error per example (dots; red: above its allowance) '
               f'against the allowance range (grey bar)</text></svg>')
    return "".join(out)


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
