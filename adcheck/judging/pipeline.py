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

from adcheck.engines.errors import NearlyDegenerate, NotAnalytic, UnsupportedOperation
from adcheck.engines.registry import family_of
from adcheck.judging import errmodel as em

from .cases import CaseVerdict
from .consensus import Pending, blame, consensus, judged, suspect, timed
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
    order = em.order_of(rec)
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


def compute(rec, engine, args):
    """The engine's derivative for the record's kind (a Result). No phase here keeps a clock:
    a run's per-case limit (``--timeout``) is its workers' watchdog and the supervisor's."""
    if rec.kind == "residual":
        from adcheck.engines.base import Cost, Result

        from .residual import residual_with_bound
        return residual_with_bound(rec, engine, args, Cost, Result)
    return engine.derivative(rec.kind, rec.f, args, rec.wrt, **derivative_kw(rec, args))


def run_engine(rec, engine, ctx, call=None):
    """The engine's Result on one prepared case, or the CaseVerdict of why there is none.

    ``call(fn, engine_name)`` runs the computation (a worker notes and guards it there)."""
    tag = {"engine": engine.name, "family": family_of(engine)}
    try:
        # A stencil point past a domain edge gives NaN, which the judge sees and reports;
        # numpy's RuntimeWarnings would only scatter the same news over the terminal.
        with np.errstate(all="ignore"):
            def fn():
                try:
                    return compute(rec, engine, ctx.args)
                except NearlyDegenerate as exc:  # the derivative is ill-defined here
                    return CaseVerdict("inconclusive", note=str(exc), **tag)
                except (NotAnalytic, UnsupportedOperation, NotApplicable) as exc:
                    return CaseVerdict("not-applicable", note=str(exc), **tag)
            r = fn() if call is None else call(fn, engine.name)
        if isinstance(r, CaseVerdict):  # refused, or the guard caught what user code raised
            r.engine, r.family = engine.name, family_of(engine)
        return r
    except Exception as exc:  # noqa: BLE001  an engine that raises is an outcome, not a crash
        return CaseVerdict("error", note=f"{engine.name} raised {type(exc).__name__}: {exc}",
                           **tag)


def judge_case(rec, engines, args, *, expected=None, ctx=None, call=None) -> CaseOutcome:
    """Prepare one case of ``rec``, run ``engines`` on it, judge them, and settle the blame.

    Args:
        rec: an identity record (``identities.Identity``), the catalogue's or a user's.
        engines: Engine objects.
        args: the input.
        expected: a user's claimed value (array) to judge against instead of the closed form.
        ctx: an already prepared case (skips ``prepare``; a function with several outputs
            prepares each output itself).
        call: ``call(fn, engine_name)`` runs each engine's computation (see ``run_engine``);
            a worker notes and guards it there, under the run's per-case limit.
    """
    tree = output_tree(rec, args)
    if tree is not None:
        return _judge_tree(rec, engines, args, expected, tree, call)
    ctx = ctx or prepare(rec, args, expected)
    out, results = _run_all(rec, engines, ctx, call)
    _judge_all(rec, ctx, results, out)
    return out


def _run_all(rec, engines, ctx, call=None):
    out, results, computed = CaseOutcome(ctx, reference=_label(ctx)), {}, {}
    order = em.order_of(rec)
    for e in engines:
        t0 = time.perf_counter()
        # Engines that run the same code (a nesting at first order runs its inner mode) share
        # one computation of the case: the value is the same to the bit.
        key = e.computation(rec.kind, order) if hasattr(e, "computation") else None
        if key is not None and key in computed:
            r = _as_engine(computed[key], e)
        else:
            r = run_engine(rec, e, ctx, call)
            if key is not None:
                computed[key] = r
        seconds = time.perf_counter() - t0
        if isinstance(r, CaseVerdict):
            r.seconds, out.verdicts[e.name] = seconds, r
        else:  # judged below; the placeholder keeps the engine order and the time spent
            results[e.name], out.verdicts[e.name] = (e, r), Pending(seconds)
    return out, results


def _as_engine(r, engine):
    """Another engine's Result (or refusal) of the same computation, as ``engine``'s own."""
    if isinstance(r, CaseVerdict):
        return replace(r, engine=engine.name, family=family_of(engine))
    return replace(r, engine=engine.name)


ORACLE_FAMILY = "exact"


def _oracle_reference(rec, ctx, results, out) -> str | None:
    """With no closed form or expected value, and too few independent families for a majority
    that can outvote one (fewer than three), the exact engine's result (high-precision
    differences, right far below float64 rounding) is the reference rather than one vote."""
    if ctx.has_reference or rec.kind == "residual":
        return None
    if len({family_of(e) for e, _ in results.values()}) >= 3:
        return None
    for name, (e, r) in results.items():
        if family_of(e) != ORACLE_FAMILY or r.status != "ok":
            continue
        value = np.asarray(r.value, dtype=float)
        if value.dtype == object or not np.all(np.isfinite(value)):
            continue
        # its error: rounding its digits to float64 (half an ulp per entry), and its own
        # truncation (a few units of 10^-dps of the computation's scale)
        own = 0.0 if r.error is None else np.abs(np.asarray(r.error, dtype=float))
        # an entry within the oracle's own error of zero is zero as far as it can tell
        value = np.where(np.abs(value) <= own, 0.0, value)
        ctx.ref, ctx.ref_err = value, 0.5 * np.spacing(np.abs(value)) + own
        ctx.oracle = f"the exact engine ({e.name}: high-precision differences of f)"
        out.reference = ctx.oracle
        return name
    return None


def _as_reference(e, r) -> CaseVerdict:
    """The verdict of the engine whose value is the case's reference: compared with itself it
    would pass at 0 ulps and certify nothing, so it is not counted as a pass."""
    return CaseVerdict("not-applicable", engine=e.name, family=family_of(e), reference=True,
                       result=r.value,
                       note=f"{e.name} was this case's reference (no closed form, and too few "
                            "other families for a majority); compared with itself it certifies "
                            "nothing")


def _judge_all(rec, ctx, results, out) -> None:
    """Judge the finished results against the reference, or their consensus; settle blame."""
    oracle = _oracle_reference(rec, ctx, results, out)
    if ctx.has_reference or rec.kind == "residual":
        for name, (e, r) in results.items():
            v = _as_reference(e, r) if name == oracle else judged(rec, e, ctx, r)
            out.verdicts[name] = timed(v, out.verdicts[name])
    else:
        out.reference = consensus(rec, ctx, results, out.verdicts)
    blame(out.verdicts)
    out.suspect_reference = suspect(rec, ctx, results, out.verdicts)


def _judge_tree(rec, engines, args, expected, tree, call=None) -> CaseOutcome:
    """Several outputs: every leaf is its own case (reference, bounds, consensus); an engine's
    verdict is its worst leaf's, and a result of another structure fails."""
    out, results = _run_all(rec, engines, Context(tuple(args)), call)
    good, leaves = {}, {n: [] for n in results}
    for n, (e, r) in results.items():
        why = mismatch(r.value, tree)
        if why:
            out.verdicts[n] = timed(CaseVerdict("fail", note=why, diagnosis="structure mismatch",
                                                 engine=n, family=family_of(e), result=r.value),
                                     out.verdicts[n])
        else:
            good[n] = (e, r)
    for p in paths(tree):
        rec_p = replace(rec, id=rec.id + label(p), f=leaf_fn(rec.f, p),
                        closed_form=leaf_fn(rec.closed_form, p))
        ctx_p = prepare(rec_p, args, None if expected is None else get(expected, p))
        sub = CaseOutcome(ctx_p, {n: Pending(0.0) for n in good}, _label(ctx_p))
        _judge_all(rec_p, ctx_p, {n: (e, _leaf(r, p)) for n, (e, r) in good.items()}, sub)
        out.ctx, out.reference = ctx_p, f"{sub.reference} (leaf by leaf)"
        out.suspect_reference |= sub.suspect_reference
        for n in good:
            leaves[n].append((p, sub.verdicts[n]))
    for n in good:
        out.verdicts[n] = timed(_worst_leaf(leaves[n], good[n][1].value), out.verdicts[n])
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


def _label(ctx) -> str:
    return {"exact": "the closed form (exact oracle)",
            "float64 closed form": "the closed form (float64)"}.get(ctx.oracle, ctx.oracle)
