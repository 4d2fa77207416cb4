"""Judging engines against each other: the consensus of independent families, and blame.

Engines of one family share code (the AD nestings one primitive table, a library's two modes
its rules), so a family is one witness: a value needs the agreement of a majority of the
families that computed one, two at least. Blame is settled once per case: failing engines are
outliers when the families that pass are a majority of those judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from adcheck.engines.registry import family_of
from adcheck.judging import errmodel as em

from .cases import CaseVerdict, engine_estimate, judge_engine_case, kink_blind, kinked


def judged(rec, engine, ctx, result, ref=None, ref_err=None) -> CaseVerdict:
    """``judge_engine_case``, with a judge that raises turned into an error verdict."""
    try:
        with np.errstate(all="ignore"):
            return judge_engine_case(rec, engine, ctx, result, ref, ref_err)
    except Exception as exc:  # noqa: BLE001  never lose the run over one case
        return CaseVerdict("error", note=f"judging {engine.name}'s result raised "
                                         f"{type(exc).__name__}: {exc}", engine=engine.name,
                           family=family_of(engine))


@dataclass
class Pending:
    """The place of an engine's verdict while it waits to be judged: the time it took."""

    seconds: float


def timed(v: CaseVerdict, pending) -> CaseVerdict:
    """The verdict, charged the time its engine took."""
    v.seconds = getattr(pending, "seconds", 0.0) + v.seconds
    return v


# ----------------------------------------------------------------------------- consensus

def _own_error(rec, engine, result, ctx):
    """A consensus candidate's own allowance term, charged as the reference's error."""
    return engine_estimate(engine, result, em.order_of(rec), ctx)


def _voters(rec, ctx, results) -> dict:
    """The results that witness a value: finished ("ok"), and not a difference across a kink
    (which says nothing there). A NaN is a witness, one that disagrees with every value."""
    return {n: (e, r) for n, (e, r) in results.items() if r.status == "ok" and
            not (kink_blind(e, r) and kinked(rec, ctx))}


def consensus(rec, ctx, all_results, verdicts) -> str:
    """Judge every engine against the value a majority of families agrees on; returns the
    reference's label. Without a majority the witnesses are inconclusive, nobody blamed."""
    results = _voters(rec, ctx, all_results)
    for n, (e, r) in all_results.items():  # abstainers say why, in their own words
        if n not in results:
            verdicts[n] = timed(judged(rec, e, ctx, r, r.value), verdicts[n])
    if results and all(_empty(r.value) for _, r in results.values()):
        for n, (e, r) in results.items():  # each says so in its own verdict
            verdicts[n] = timed(judged(rec, e, ctx, r, r.value), verdicts[n])
        return "nothing to judge (an empty derivative)"
    fam = {n: family_of(e) for n, (e, _) in results.items()}
    support, seen = {}, {}
    for c, (ce, cr) in results.items():
        if not _finite(cr.value):
            continue  # a NaN is never anybody's reference
        err = _own_error(rec, ce, cr, ctx)
        seen[c] = {n: judged(rec, e, ctx, r, cr.value, err) for n, (e, r) in results.items()
                   if n != c}
        support[c] = {fam[c]} | {fam[n] for n, v in seen[c].items() if v.outcome == "pass"}
    best = max(support, key=lambda c: len(support[c]), default=None)
    families = set(fam.values())
    if best is None or len(support[best]) < 2 or len(support[best]) <= len(families) / 2:
        short = _agreeing_short(seen, fam)
        if short:
            _no_majority(results, verdicts, families, _short_note(short, support, fam))
            return UNRESOLVED
        _no_majority(results, verdicts, families)
        return "no majority"
    best = _tightest(rec, ctx, results, support, families, fam) or best
    ce, cr = results[best]
    err = _own_error(rec, ce, cr, ctx)
    for n, (e, r) in results.items():
        verdicts[n] = timed(judged(rec, e, ctx, r, cr.value, err), verdicts[n])
    verdicts[best].note = (verdicts[best].note + "; " if verdicts[best].note else "") + \
        "consensus reference"
    return (f"the consensus of {len(support[best])} of {len(families)} families "
            f"({', '.join(sorted(support[best]))}; reference engine {best})")


def _tightest(rec, ctx, results, support, families, fam):
    """The most precise candidate a majority supports, when it agrees with every other such
    candidate; else None.

    The widest agreement is reached by the loosest candidate (a finite difference's allowance
    admits everyone), and judging against it would certify only its precision: an engine off
    by 1e-10 would pass beside a 50-digit value that resolves the error. So the reference is
    the tightest value that still has a majority, provided no other majority value disagrees
    with it (two precise values that disagree leave the wide agreement as the reference).
    """
    majority = [c for c, s in support.items() if len(s) >= 2 and len(s) > len(families) / 2]
    if not majority:
        return None
    tight = min(majority, key=lambda c: _spread(rec, ctx, *results[c]))
    return tight if all(fam[c] in support[tight] for c in majority) else None


def _spread(rec, ctx, engine, result) -> float:
    """A candidate's own error relative to its magnitude; float64 AD's is its rounding."""
    err = _own_error(rec, engine, result, ctx)
    if err is None:
        return em.route_rounding(1.0)
    try:
        scale = float(np.max(np.abs(np.asarray(result.value, dtype=float)), initial=0.0))
        return float(np.max(np.asarray(err, dtype=float), initial=0.0)) / (scale or 1.0)
    except (TypeError, ValueError):  # a container's leaves: no ranking
        return float("inf")


UNRESOLVED = "families that agree, short of the precision a pass certifies"
"""The reference's label when no family contradicts another, but those that would confirm a
value cannot resolve it to the ceiling (a finite difference's noise beside a vanishing
Hessian): inconclusive for that reason, which the engines' notes state, not for want of a
majority."""


def _agreeing_short(seen, fam):
    """A candidate no other family contradicts, with the verdicts of those that agree with it
    within their allowances but fall short of the ceiling; None when there is none."""
    for c, others in seen.items():
        rest = {n: v for n, v in others.items() if fam[n] != fam[c]}
        short = {n: v for n, v in rest.items() if _within_but_short(v)}
        if short and all(v.outcome == "pass" or n in short for n, v in rest.items()):
            return c, short
    return None


def _within_but_short(v) -> bool:
    """Inconclusive only because its allowance, which the value is within, is above the
    ceiling a pass must certify."""
    return v.outcome == "inconclusive" and bool(v.worst) and v.worst["ratio"] <= 1.0 and \
        "cannot resolve" in v.note


def _short_note(short, support, fam) -> str:
    c, verdicts = short
    names = ", ".join(sorted(verdicts))
    why = next(iter(verdicts.values())).note
    return (f"inconclusive: the families agree (no engine differs from {c}'s value beyond "
            f"its allowance), but {names} cannot confirm it to the precision a pass "
            f"certifies ({why}), and {', '.join(sorted(support[c]))} alone cannot confirm "
            f"itself; every value is shown")


def _no_majority(results, verdicts, families, why: str = "") -> None:
    """Every witness inconclusive, nobody blamed, for the reason ``why`` (by default: no value
    has a majority of the families)."""
    if not why and len(families) < 2:
        why = (f"inconclusive: no majority: one family of engines ({', '.join(families)}) gave "
               f"a result, and code cannot confirm itself; every value is shown")
    elif not why:
        why = (f"inconclusive: no majority: no value is shared by more than half of the "
               f"{len(families)} independent families ({', '.join(sorted(families))}); every "
               f"value is shown, nobody is blamed")
    for n, (e, r) in results.items():
        note = why + ("; its value is not finite (an infinite slope, or an overflow)"
                      if not _finite(r.value) else "")
        verdicts[n] = timed(CaseVerdict("inconclusive", note=note, engine=n,
                                         family=family_of(e), result=r.value), verdicts[n])


def _empty(value) -> bool:
    """A derivative with no components (a container: never, its leaves are judged)."""
    try:
        return np.asarray(value, dtype=float).size == 0
    except (TypeError, ValueError):
        return False


def _finite(value) -> bool:
    """No NaN or inf in ``value``; a container passes (its leaves are judged one by one)."""
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return True  # a container: its leaves are judged one by one


# ----------------------------------------------------------------------------- blame

def blame(verdicts) -> list[str]:
    """Name the outliers, once per case: failing engines are blamed when the families that
    pass are a majority of the families judged (engines sharing code are one witness)."""
    judged = [v for v in verdicts.values() if v.outcome in ("pass", "fail")]
    families = {v.family for v in judged}
    passing = {v.family for v in judged if v.outcome == "pass"}
    failed = [v for v in judged if v.outcome == "fail"]
    for v in failed:
        v.outlier = v.engine if len(passing) > len(families) / 2 else None
    return [v.engine for v in failed if v.outlier]


def suspect(rec, ctx, results, verdicts) -> bool:
    """Is the reference itself suspect? Every judged family fails, and they agree."""
    judged = [v for v in verdicts.values() if v.outcome in ("pass", "fail")]
    failed = [v.engine for v in judged if v.outcome == "fail" and v.engine in results]
    if not failed or len(failed) < len(judged) or len({v.family for v in judged}) < 2:
        return False
    return _agree(rec, ctx, results, failed)


def _agree(rec, ctx, results, names) -> bool:
    """Do two families at least agree with the first engine's result, and none disagree?
    (An engine that cannot resolve the value to the ceiling neither agrees nor disagrees.)"""
    ce, cr = results[names[0]]
    if not _finite(cr.value):
        return False
    err = _own_error(rec, ce, cr, ctx)
    seen = {n: judged(rec, results[n][0], ctx, results[n][1], cr.value, err).outcome
            for n in names[1:]}
    agreeing = {family_of(ce)} | {family_of(results[n][0]) for n, o in seen.items()
                                  if o == "pass"}
    return "fail" not in seen.values() and len(agreeing) >= 2
