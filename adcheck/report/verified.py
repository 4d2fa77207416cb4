"""What a pass certifies: a record's ``verified_to``, written short and graded by decade.

``verified_to`` is the allowance relative to the magnitude of the computation, the worst over
the record's judged cases (the run writes it). A results.json from before that field is read
with the same meaning from what it does hold: each sample's relative allowance, else the worst
case's relative error divided by its error/allowance ratio. Where every error was exactly 0 such
a file kept no allowance: the precision is unknown, though the agreement was exact.
"""

from __future__ import annotations

import math

# Grades by decade, tightest first: a pass certified to 1e-15 and one to 1e-5 must not share a
# colour. The bounds are the largest verified_to of each grade.
GRADES = ((1e-13, "vt-1"), (1e-11, "vt-2"), (1e-9, "vt-3"), (1e-7, "vt-4"), (math.inf, "vt-5"))
GRADE_TEXT = {"vt-1": "to 1e-13 or better", "vt-2": "to 1e-11", "vt-3": "to 1e-9",
              "vt-4": "to 1e-7", "vt-5": "looser than 1e-7"}


def _num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def verified_to(rec: dict | None) -> float | None:
    """The relative precision the record certifies; None when nothing was judged."""
    if not rec:
        return None
    if "verified_to" in rec:
        v = rec["verified_to"]
        return float(v) if _num(v) else None
    # An older sample of an exactly-zero error stored 0 for its allowance: unknown, not 0.
    allowances = [s[1] for s in rec.get("samples") or []
                  if isinstance(s, (list, tuple)) and len(s) >= 2 and _num(s[1]) and s[1] > 0]
    if allowances:
        return float(max(allowances))
    return relative_allowance(rec.get("worst"))


def relative_allowance(worst: dict | None) -> float | None:
    """The worst case's allowance in the units of its relative error (None if unknown)."""
    worst = worst or {}
    if _num(worst.get("rel_allowance")):
        return float(worst["rel_allowance"])
    err, ratio = worst.get("rel_error"), worst.get("ratio")
    if _num(err) and _num(ratio) and ratio > 0:
        return float(err) / float(ratio)
    return None


def grade(v: float | None) -> str:
    """The colour class of a pass certified to ``v`` ("vt-none" when unknown)."""
    if v is None or math.isnan(v):
        return "vt-none"
    return next(cls for bound, cls in GRADES if v <= bound)


def fmt_verified(v: float | None) -> str:
    """``2e-16``: one significant digit, the exponent is what a reader compares."""
    if v is None:
        return "\u2014"
    if v == 0:
        return "0"
    if not math.isfinite(v):  # an overflowed error or ratio is shown, not a crash
        return "NaN" if math.isnan(v) else ("\u2212" if v < 0 else "") + "\u221e"
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def exact_zero(rec: dict | None) -> bool:
    """Whether the record's worst error is exactly 0 (every example agreed to the last bit)."""
    worst = (rec or {}).get("worst") or {}
    return worst.get("rel_error") == 0
