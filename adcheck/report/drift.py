"""Drift against a baseline run: how each worst error moved since an older results.json."""

from __future__ import annotations

import math


def _key(rec: dict) -> tuple[str, str]:
    return str(rec.get("identity")), str(rec.get("engine"))


def _worst(rec: dict | None) -> float | None:
    """The worst relative error of a record, or None when it has none."""
    worst = (rec or {}).get("worst") or {}
    value = worst.get("rel_error")
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def drift_table(results: dict, baseline: dict) -> dict[tuple[str, str], dict]:
    """Per (identity, engine): ``{"now", "before", "factor"}`` (factor None when undefined).

    ``factor`` is now / before; an error that was exactly 0 and is now positive counts as
    infinite growth; records missing from the baseline are absent from the table.
    """
    before = {_key(r): r for r in baseline.get("records", [])}
    table = {}
    for rec in results.get("records", []):
        old = before.get(_key(rec))
        if old is None:
            continue
        now, then = _worst(rec), _worst(old)
        table[_key(rec)] = {"now": now, "before": then, "factor": _factor(now, then)}
    return table


def _factor(now: float | None, then: float | None) -> float | None:
    if now is None or then is None:
        return None
    if then == 0.0:
        return 1.0 if now == 0.0 else math.inf
    return now / then


def drift_failures(results: dict, baseline: dict, factor: float) -> list[dict]:
    """Records whose worst relative error grew by more than ``factor`` since ``baseline``.

    Args:
        results: the current results dict (schema adcheck.results/1).
        baseline: an older results dict of the same schema.
        factor: allowed growth, > 1 (e.g. 10 fails a record whose error grew more than 10x,
            even while it stays inside its allowance).
    Returns:
        A list, in the order of ``results["records"]``, of
        ``{"identity", "engine", "now", "before", "factor", "message"}``; empty when none drifted.
    """
    if not factor > 1.0:
        raise ValueError(f"--fail-on-drift needs a factor > 1, got {factor!r}")
    out = []
    for (ident, engine), row in drift_table(results, baseline).items():
        grew = row["factor"]
        if grew is not None and grew > factor:
            out.append({"identity": ident, "engine": engine, **row, "message": (
                f"{ident} [{engine}]: worst relative error grew {_fmt_factor(grew)} "
                f"({row['before']:.3g} -> {row['now']:.3g}), more than the allowed x{factor:g}")})
    return out


def _fmt_factor(x: float) -> str:
    return "from exactly 0" if math.isinf(x) else f"x{x:.3g}"
