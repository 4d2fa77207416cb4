"""Number and text formatting for the page: one place, so every cell reads the same."""

from __future__ import annotations

import json
import math

DASH = "\u2014"


def sci(x, digits: int = 2) -> str:
    """A float in short scientific form (``2.2e-16``); 0 as ``0``; missing as a dash."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return DASH
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "\u221e" if x > 0 else "-\u221e"
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e3:
        return f"{x:.{digits}g}"
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def count(x) -> str:
    """An integer with thin grouping (``12 345``); missing as a dash."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return DASH
    return f"{int(x):,}".replace(",", "\u2009")


def cost(c: dict | None) -> str:
    """The cost fields that say most, in words: passes, sweeps, evaluations, flops."""
    if not c:
        return DASH
    parts = []
    for key, one, many in (("passes", "pass", "passes"), ("sweeps", "sweep", "sweeps"),
                           ("evaluations", "eval", "evals"), ("flops", "flop", "flops")):
        v = c.get(key)
        if isinstance(v, (int, float)) and v:
            parts.append(f"{count(v)} {one if v == 1 else many}")
    return " \u00b7 ".join(parts) or DASH


def factor(x) -> str:
    """A growth factor (now / before): ``x1.3``; infinite growth from an exact 0."""
    if x is None:
        return DASH
    if math.isinf(x):
        return "from 0"
    return f"\u00d7{x:.2g}"


def value_json(value, limit: int = 4000) -> str:
    """A worst input as compact, readable JSON, cut at ``limit`` characters."""
    text = json.dumps(value, indent=None, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[:limit] + f" \u2026 ({len(text)} characters)"


def when(iso) -> str:
    """An ISO-8601 time as ``2026-01-01 00:00:00 UTC`` (as given when it does not parse)."""
    from datetime import UTC, datetime

    if not iso:
        return DASH
    try:
        t = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    if t.tzinfo is not None:
        t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if t.tzinfo is not None else "")
