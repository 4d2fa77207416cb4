"""One case through the one pipeline: prepare the reference, run the engines, judge, settle.

``adcheck run`` (through the runner), ``check()`` and the pytest plugin all call
``judge_case``, so a user's function gets the same floors, kink handling, consensus, blame and
messages as a catalogue record. With a reference (the exact oracle of a closed form, or a
user's expected value) every engine is judged against it. Without one the engines are judged
against their consensus, which needs a majority of independent families (engines sharing code
are one witness); with none, nobody is blamed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from engines.errors import NotAnalytic, UnsupportedOperation
from engines.registry import family_of

from . import errmodel as em
from .cases import CaseVerdict, engine_estimate, judge_engine_case
from .pytree import get, is_tree, label, leaf_fn, mismatch, output_tree, paths
from .reference import Context, derivative_kw, prepare
from .residual import NotApplicable


@dataclass
class CaseOutcome:
    """Every engine's verdict on one input, and what they were judged against."""

    ctx: Context
    verdicts: dict = field(default_factory=dict)  # engine name -> CaseVerdict, in engine order
    reference: str = ""
    suspect_reference: bool = False  # every judged family fails, and they agree with each other

    @property
    def outliers(self) -> list[str]:
        return [n for n, v in self.verdicts.items() if v.outlier]


def applicability(rec, engine) -> str:
    """Why ``engine`` does not apply to ``rec`` ("" when it does)."""
    if rec.engines and engine.name not in rec.engines:
        return f"the record applies to {', '.join(rec.engines)} only"
    order = em.ORDER.get(rec.kind, 1)
    if order > getattr(engine, "max_order", 2):
        return f"{rec.kind} needs order {order}; {engine.name} computes up to {engine.max_order}"
    if rec.kind not in ("cost", "property") and order > rec.smoothness:
        return (f"{rec.kind} needs a C^{order} function; the identity is only "
                f"C^{rec.smoothness}")
    if not rec.analytic and _needs_analytic(engine):
        return f"{engine.name} needs an analytic function; this identity is not analytic"
    return ""


def _needs_analytic(engine) -> bool:
    return bool(getattr(engine, "analytic_only", False)) or "complex" in engine.name


def compute(rec, engine, args, timeout=None):
    """The engine's derivative for the record's kind (a Result). The time limit of a run is
    the supervisor's (its workers' watchdog), not this function's."""
    if rec.kind == "residual":
        from engines.base import Cost, Result

        from .residual import residual_with_bound
        return residual_with_bound(rec, engine, args, Cost, Result)
    return engine.derivative(rec.kind, rec.f, args, rec.wrt, **derivative_kw(rec, args))


def run_engine(rec, engine, ctx, timeout, call=None):
    """The engine's Result on one prepared case, or the CaseVerdict of why there is none.

    ``call(fn, engine_name)`` runs the computation (a worker notes and guards it there)."""
    tag = {"engine": engine.name, "family": family_of(engine)}
    try:
        # A stencil point past a domain edge gives NaN, which the judge sees and reports;
        # numpy's RuntimeWarnings would only scatter the same news over the terminal.
        with np.errstate(all="ignore"):
            def fn():
                try:
                    return compute(rec, engine, ctx.args, timeout)
                except (NotAnalytic, UnsupportedOperation, NotApplicable) as exc:
                    return CaseVerdict("not-applicable", note=str(exc), **tag)
            r = fn() if call is None else call(fn, engine.name)
        if isinstance(r, CaseVerdict):  # refused, or the guard caught what user code raised
            r.engine, r.family = engine.name, family_of(engine)
        return r
    except Exception as exc:  # noqa: BLE001  an engine that raises is an outcome, not a crash
        return CaseVerdict("error", note=f"{engine.name} raised {type(exc).__name__}: {exc}",
                           **tag)


def _judged(rec, engine, ctx, result, ref=None, ref_err=None) -> CaseVerdict:
    try:
        with np.errstate(all="ignore"):
            return judge_engine_case(rec, engine, ctx, result, ref, ref_err)
    except Exception as exc:  # noqa: BLE001  never lose the run over one case
        return CaseVerdict("error", note=f"judging {engine.name}'s result raised "
                                         f"{type(exc).__name__}: {exc}", engine=engine.name,
                           family=family_of(engine))


def run_engine_case(rec, engine, ctx, timeout) -> CaseVerdict:
    """One engine on one prepared case, judged against the case's reference: never raises."""
    return judge_case(rec, [engine], ctx.args, timeout, ctx=ctx).verdicts[engine.name]


def judge_case(rec, engines, args, timeout=None, *, expected=None, ctx=None,
               call=None) -> CaseOutcome:
    """Prepare one case of ``rec``, run ``engines`` on it, judge them, and settle the blame.

    Args:
        rec: an identity record (``identities.Identity``), the catalogue's or a user's.
        engines: Engine objects.
        args: the input.
        timeout: per-engine time limit in seconds (None: none).
        expected: a user's claimed value (array) to judge against instead of the closed form.
        ctx: an already prepared case (skips ``prepare``; a function with several outputs
            prepares each output itself).
        call: ``call(fn, engine_name)`` runs each engine's computation (see ``run_engine``).
    """
    tree = output_tree(rec, args)
    if tree is not None:
        return _judge_tree(rec, engines, args, timeout, expected, tree, call)
    ctx = ctx or prepare(rec, args, expected)
    out, results = _run_all(rec, engines, ctx, timeout, call)
    _judge_all(rec, ctx, results, out)
    return out


def _run_all(rec, engines, ctx, timeout, call=None):
    out, results = CaseOutcome(ctx, reference=_label(ctx)), {}
    for e in engines:
        t0 = time.perf_counter()
        r = run_engine(rec, e, ctx, timeout, call)
        seconds = time.perf_counter() - t0
        if isinstance(r, CaseVerdict):
            r.seconds, out.verdicts[e.name] = seconds, r
        else:  # judged below; the placeholder keeps the engine order and the time spent
            results[e.name], out.verdicts[e.name] = (e, r), _Pending(seconds)
    return out, results


def _judge_all(rec, ctx, results, out) -> None:
    """Judge the finished results against the reference, or their consensus; settle blame."""
    if ctx.has_reference or rec.kind == "residual":
        for name, (e, r) in results.items():
            out.verdicts[name] = _timed(_judged(rec, e, ctx, r), out.verdicts[name])
    else:
        out.reference = _consensus(rec, ctx, results, out.verdicts)
    blame(out.verdicts)
    out.suspect_reference = _suspect(rec, ctx, results, out.verdicts)


def _judge_tree(rec, engines, args, timeout, expected, tree, call=None) -> CaseOutcome:
    """Several outputs: every leaf is its own case (reference, bounds, consensus); an engine's
    verdict is its worst leaf's, and a result of another structure fails."""
    out, results = _run_all(rec, engines, Context(tuple(args)), timeout, call)
    good, leaves = {}, {n: [] for n in results}
    for n, (e, r) in results.items():
        why = mismatch(r.value, tree)
        if why:
            out.verdicts[n] = _timed(CaseVerdict("fail", note=why, diagnosis="structure mismatch",
                                                 engine=n, family=family_of(e), result=r.value),
                                     out.verdicts[n])
        else:
            good[n] = (e, r)
    for p in paths(tree):
        rec_p = replace(rec, id=rec.id + label(p), f=leaf_fn(rec.f, p),
                        closed_form=leaf_fn(rec.closed_form, p))
        ctx_p = prepare(rec_p, args, None if expected is None else get(expected, p))
        sub = CaseOutcome(ctx_p, {n: _Pending(0.0) for n in good}, _label(ctx_p))
        _judge_all(rec_p, ctx_p, {n: (e, _leaf(r, p)) for n, (e, r) in good.items()}, sub)
        out.ctx, out.reference = ctx_p, f"{sub.reference} (leaf by leaf)"
        out.suspect_reference |= sub.suspect_reference
        for n in good:
            leaves[n].append((p, sub.verdicts[n]))
    for n in good:
        out.verdicts[n] = _timed(_worst_leaf(leaves[n], good[n][1].value), out.verdicts[n])
    out.ctx = Context(tuple(args))
    blame(out.verdicts)
    return out


def _leaf(r, p):
    err = get(r.error, p) if is_tree(r.error) else r.error
    return replace(r, value=get(r.value, p), error=err)


_RANK = {"fail": 4, "error": 3, "inconclusive": 2, "not-applicable": 1, "pass": 0}


def _worst_leaf(leaf_verdicts, whole) -> CaseVerdict:
    p, v = max(leaf_verdicts, key=lambda pv: (_RANK.get(pv[1].outcome, 0),
                                              (pv[1].worst or {}).get("ratio", 0.0)))
    v = replace(v, note=f"output{label(p)}" + (f": {v.note}" if v.note else ""), result=whole,
                outlier=None)
    got = [x.verified_to for _, x in leaf_verdicts if x.verified_to is not None]
    v.verified_to = max(got) if got else None
    return v


@dataclass
class _Pending:
    seconds: float


def _timed(v: CaseVerdict, pending) -> CaseVerdict:
    v.seconds = getattr(pending, "seconds", 0.0) + v.seconds
    return v


def _label(ctx) -> str:
    return {"exact": "the closed form (exact oracle)",
            "float64 closed form": "the closed form (float64)"}.get(ctx.oracle, ctx.oracle)


# ----------------------------------------------------------------------------- consensus

def _finite(value) -> bool:
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return False


def _own_error(rec, engine, result, ctx):
    """A consensus candidate's own allowance term, charged as the reference's error."""
    return engine_estimate(engine, result, em.ORDER.get(rec.kind, 1), ctx)


def _voters(rec, ctx, results) -> dict:
    """The results that witness a value: finished ("ok"), and not a difference across a kink
    (which says nothing there). A NaN is a witness, one that disagrees with every value."""
    from .cases import kinked, numerical
    return {n: (e, r) for n, (e, r) in results.items() if r.status == "ok" and
            not (numerical(e, r) and kinked(rec, ctx))}


def _consensus(rec, ctx, all_results, verdicts) -> str:
    """Judge every engine against the value a majority of families agrees on; returns the
    reference's label. Without a majority the witnesses are inconclusive, nobody blamed."""
    results = _voters(rec, ctx, all_results)
    for n, (e, r) in all_results.items():  # abstainers say why, in their own words
        if n not in results:
            verdicts[n] = _timed(_judged(rec, e, ctx, r, r.value), verdicts[n])
    fam = {n: family_of(e) for n, (e, _) in results.items()}
    support = {}
    for c, (ce, cr) in results.items():
        if not _finite(cr.value):
            continue  # a NaN is never anybody's reference
        err = _own_error(rec, ce, cr, ctx)
        support[c] = {fam[c]} | {fam[n] for n, (e, r) in results.items() if n != c and
                                 _judged(rec, e, ctx, r, cr.value, err).outcome == "pass"}
    best = max(support, key=lambda c: len(support[c]), default=None)
    families = set(fam.values())
    if best is None or len(support[best]) < 2 or len(support[best]) <= len(families) / 2:
        _no_majority(results, verdicts, families)
        return "no majority"
    ce, cr = results[best]
    err = _own_error(rec, ce, cr, ctx)
    for n, (e, r) in results.items():
        verdicts[n] = _timed(_judged(rec, e, ctx, r, cr.value, err), verdicts[n])
    verdicts[best].note = (verdicts[best].note + "; " if verdicts[best].note else "") + \
        "consensus reference"
    return (f"the consensus of {len(support[best])} of {len(families)} families "
            f"({', '.join(sorted(support[best]))}; reference engine {best})")


def _no_majority(results, verdicts, families) -> None:
    if len(families) < 2:
        why = (f"inconclusive: no majority: one family of engines ({', '.join(families)}) gave "
               f"a result, and code cannot confirm itself; every value is shown")
    else:
        why = (f"inconclusive: no majority: no value is shared by more than half of the "
               f"{len(families)} independent families ({', '.join(sorted(families))}); every "
               f"value is shown, nobody is blamed")
    for n, (e, r) in results.items():
        verdicts[n] = _timed(CaseVerdict("inconclusive", note=why, engine=n,
                                         family=family_of(e), result=r.value), verdicts[n])


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


def _suspect(rec, ctx, results, verdicts) -> bool:
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
    seen = {n: _judged(rec, results[n][0], ctx, results[n][1], cr.value, err).outcome
            for n in names[1:]}
    agreeing = {family_of(ce)} | {family_of(results[n][0]) for n, o in seen.items()
                                  if o == "pass"}
    return "fail" not in seen.values() and len(agreeing) >= 2
