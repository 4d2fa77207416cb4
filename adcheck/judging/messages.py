"""Verdict messages: what failed, where, by how much, against what allowance, how to rerun."""

from __future__ import annotations

import shlex

import numpy as np

SHOWN_ENTRIES = 20
"""An array of more entries is summarized in a message (its shape and worst component), never
printed whole: a 4-D Hessian of zeros is hundreds of lines that say nothing."""


RUN_TIMEOUT_S = 60.0
"""``adcheck run``'s default --timeout (seconds per case): a rerun command leaves it out."""


def rerun(identity: str, engine: str, seed: int, examples: int, plugins=(), *,
          full: bool = False, timeout: float | None = RUN_TIMEOUT_S) -> str:
    """The ``adcheck run`` command that reruns exactly these cases, quoted for a POSIX shell:
    the run's seed and examples, every ``-p`` plugin, ``--full``, and its ``--timeout`` unless
    that is the default (None: ``--timeout none``, no limit)."""
    cmd = ["adcheck", "run", "-i", identity, "-e", engine, "--seed", str(seed),
           "--examples", str(examples)]
    for p in plugins:
        cmd += ["-p", p]
    if full:
        cmd.append("--full")
    if timeout != RUN_TIMEOUT_S:
        cmd += ["--timeout", "none" if timeout is None else f"{timeout:g}"]
    return shlex.join(cmd)


def _where(index) -> str:
    return f"component {tuple(int(i) for i in index)}" if index else "the value"


def message(acc, outcome: str) -> str:
    """One paragraph for a record (``acc`` is a cases.Accumulator)."""
    c, n = acc.counts, sum(acc.counts.values())
    name = f"{acc.engine} on {acc.rec.id}"
    if outcome == "not-applicable":
        why = acc.na_note or (acc.first.get("not-applicable").note
                              if "not-applicable" in acc.first else "nothing to check")
        return f"{name}: not applicable: {why}"
    if outcome == "error":
        v = acc.first["error"]
        return (f"{name}: ERROR on {c['error']} of {n} example(s): {v.note}. "
                f"Rerun: {acc.rerun()}")
    if outcome == "fail":
        return _fail(acc, name, n)
    tail = f" ({c['inconclusive']} inconclusive: {acc.first['inconclusive'].note})" \
        if c["inconclusive"] else ""
    if outcome == "inconclusive":
        return f"{name}: inconclusive on all {n} example(s): {acc.first['inconclusive'].note}"
    w = acc.worst.worst if acc.worst else None
    if not w:
        note = acc.first["pass"].note
        return f"{name}: {c['pass']} of {n} pass" + (f": {note}" if note else "") + tail
    return (f"{name}: {c['pass']} of {n} example(s) within the allowance; worst relative "
            f"error {w['rel_error']:.2e} ({w['ulps']:.3g} ulps), {w['ratio']:.2g} of the "
            f"allowance{tail}")


def _fail(acc, name, n) -> str:
    v = acc.worst if acc.worst and acc.worst.outcome == "fail" else acc.first["fail"]
    cmd = acc.rerun()
    if not v.worst:
        return f"{name}: FAIL on {acc.counts['fail']} of {n}: {v.note}. Rerun: {cmd}"
    w = v.worst
    first = acc.stats.get("first_fail", (acc.worst_case, 0, 0))
    parts = [
        f"{name}: FAIL on {acc.counts['fail']} of {n} example(s) (first: example "
        f"{first[0]}; worst: example {acc.worst_case}).",
        f"At {_where(v.index)}: engine {v.value!r} vs reference {v.ref!r}: |error| "
        f"{w['abs_error']:.3e} (relative {w['rel_error']:.2e}, {w['ulps']:.3g} ulps) > allowed "
        f"{w['allowance']:.3e} [{v.why}], {times_allowance(w)}.",
    ]
    if v.note:
        parts.append(v.note + ".")
    if v.diagnosis:
        parts.append(f"Diagnosis: {v.diagnosis}.")
    if acc.shrunk:
        parts.append(text(acc.shrunk))
    note = (acc.shrink or {}).get("note")
    if note:  # no smaller input, or not the smallest: the budget ran out, or the shrink died
        parts.append(note[0].upper() + note[1:] + ".")
    if v.outlier:
        parts.append(f"Outlier: {v.outlier} disagrees with the other engines, which agree with "
                     f"the reference.")
    elif first[2] >= 2 and first[1] == first[2]:
        parts.append("Every engine judged on this example fails: suspect the closed form or the "
                     "identity's statement rather than one engine.")
    parts.append(f"Rerun: {cmd}")
    return " ".join(parts)


def times_allowance(worst: dict) -> str:
    """'3.2x the allowance', or what an allowance of (nearly) zero means: a ratio to it, such
    as 1.07e+308x, says nothing (an exact zero reference that no rounding reaches)."""
    if worst.get("allowance", 0.0) < np.finfo(float).tiny:
        return "any error is past the allowance of 0 (the reference is exact)"
    return f"{worst['ratio']:.3g}x the allowance"


def text(shrunk: dict) -> str:
    """One sentence for the failure message (inputs of more than SHOWN_ENTRIES entries by
    their shape only; results.json keeps every entry)."""
    shapes = ", ".join(f"{n} {tuple(s)}" for n, s in shrunk["shapes"].items())
    inputs = shrunk["input"]
    if isinstance(inputs, dict):
        inputs = {n: (a if np.size(np.asarray(a, dtype=object)) <= SHOWN_ENTRIES else
                      f"<{np.size(np.asarray(a, dtype=object))} entries: in results.json>")
                  for n, a in inputs.items()}
    return f"Smallest failing input found by shrinking: {shapes}: {inputs}."


def array_text(value, ref=None, ref_name: str = "reference") -> str:
    """``value`` for a message: every entry up to SHOWN_ENTRIES, on one line; beyond, its shape
    and worst component: where it differs most from ``ref`` (named ``ref_name``), with both
    values, or without a ``ref`` of its shape its largest entry."""
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return repr(value)
    if v.size <= SHOWN_ENTRIES:
        return " ".join(np.array2string(v, separator=", ", formatter={
            "float_kind": lambda e: f"{e:.6g}"}).split())
    r = None if ref is None else np.asarray(ref, dtype=float)
    head = f"an array of shape {v.shape} ({v.size} entries, not shown)"
    with np.errstate(invalid="ignore"):
        gap = np.abs(v - r) if r is not None and r.shape == v.shape else None
        score = np.abs(v) if gap is None else gap
        score = np.where(np.isnan(score), np.inf, score)
    i = np.unravel_index(int(np.argmax(score)), v.shape)
    at = tuple(int(k) for k in i)
    if gap is None:
        return f"{head}; largest entry at {at}: {v[i]:.6g}"
    return f"{head}; worst component {at}: {v[i]:.6g} vs {ref_name} {r[i]:.6g}"
