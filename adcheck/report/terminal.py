"""The end-of-run summary for a terminal: identities x outcome counts, for readers of the log.

Plain text (no colour codes), so it reads the same in a CI log, a pipe and a terminal.
"""

from __future__ import annotations

from .verified import fmt_verified, verified_to
from .view import OUTCOMES, outcome_of

HEADS = {"pass": "pass", "fail": "fail", "inconclusive": "inconcl.", "error": "error",
         "not-applicable": "n/a"}


def _rows(results: dict) -> list[tuple[str, dict, float | None]]:
    """Per identity, in run order: its outcome counts over engines and its worst verified_to."""
    order = [str(i.get("id")) for i in results.get("identities") or []]
    counts: dict[str, dict] = {i: dict.fromkeys(OUTCOMES, 0) for i in order}
    worst: dict[str, float | None] = dict.fromkeys(order)
    for rec in results.get("records") or []:
        iid = str(rec.get("identity"))
        row = counts.setdefault(iid, dict.fromkeys(OUTCOMES, 0))
        out = outcome_of(rec)
        row[out] = row.get(out, 0) + 1
        v = verified_to(rec) if out == "pass" else None
        if v is not None and (worst.get(iid) is None or v > worst[iid]):
            worst[iid] = v
    return [(i, counts[i], worst.get(i)) for i in counts]


def summary_table(results: dict) -> str:
    """A fixed-width table: one line per identity, a column per outcome, and a total line.

    The last column is the loosest precision certified by a pass of that identity (the
    largest ``verified_to`` over its engines), so a weak pass stands out without the HTML.
    """
    rows = _rows(results)
    if not rows:
        return "adcheck: no records"
    width = max(len("identity"), *(len(i) for i, _, _ in rows))
    head = f"{'identity':<{width}} " + " ".join(f"{HEADS[o]:>8}" for o in OUTCOMES) \
        + f" {'verified to':>11}"
    lines = [head, "-" * len(head)]
    total = dict.fromkeys(OUTCOMES, 0)
    for iid, c, v in rows:
        lines.append(f"{iid:<{width}} " + " ".join(f"{_n(c[o]):>8}" for o in OUTCOMES)
                     + f" {fmt_verified(v):>11}")
        for o in OUTCOMES:
            total[o] += c[o]
    lines.append("-" * len(head))
    lines.append(f"{'total':<{width}} " + " ".join(f"{total[o]:>8}" for o in OUTCOMES))
    return "\n".join(lines)


def _n(k: int) -> str:
    return str(k) if k else "."
