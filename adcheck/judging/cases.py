"""One engine's result on one case judged, and the per-(identity, engine) record of many cases.

``CaseVerdict`` is the one verdict record type: ``adcheck run``, ``check()`` and the pytest
plugin all build it through ``adcheck.judging.pipeline.judge_case`` and ``judge_engine_case``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from adcheck.engines.registry import family_of
from adcheck.judging import errmodel as em

from .branches import kink_mask
from .judge import NON_FINITE, compare, diagnose
from .reference import fd_estimate

OUTCOMES = ("pass", "fail", "inconclusive", "error", "not-applicable")
MAX_SAMPLES = 200  # points of the error-distribution plot per record


@dataclass
class CaseVerdict:
    """The outcome of one engine on one input, with what the message needs."""

    outcome: str
    worst: dict | None = None
    index: tuple = ()
    note: str = ""
    diagnosis: str | None = None
    outlier: str | None = None
    cost: dict | None = None
    why: str = ""
    value: float | None = None
    ref: float | None = None
    seconds: float = 0.0
    engine: str = ""
    family: str = ""
    verified_to: float | None = None  # allowance relative to the magnitude; None: not judged
    result: object = field(default=None, repr=False)  # the engine's whole value
    shrunk: dict | None = None  # the smallest failing input found by replaying the strategy
    reference: bool = False  # the engine served as this case's reference: not judged


KINK_NOTE = ("a kink lies within the finite-difference stencil's reach: no difference quotient "
             "is meaningful here, whatever the engine's own estimate says")


def numerical(engine, result) -> bool:
    """Is the result a numerical (finite-difference-like) estimate with a modelled error?"""
    return result.error is not None and getattr(engine, "category", "") not in (
        "exact", "symbolic")


def kink_blind(engine, result) -> bool:
    """A numerical result whose engine does not check its own stencil for a branch change:
    the judge looks for kinks near the point on its behalf (the fd engines look themselves,
    at their actual steps, and say "inconclusive" when one lies within them)."""
    return numerical(engine, result) and not getattr(engine, "checks_kinks", False)


def engine_estimate(engine, result, order: int, ctx):
    """The engine's own error term of the allowance (already multiplied), or None.

    A finite difference's estimate is a model: trusted FD_TRUST-fold, and never below the
    rounding floor of its differences. An exact or symbolic engine's error is its own float64
    rounding: charged as it is.
    """
    if result.error is None:
        return None
    if not numerical(engine, result):
        return np.abs(np.asarray(result.error, dtype=float))
    return fd_estimate(result.error, order, ctx)


def judge_engine_case(rec, engine, ctx, result, ref=None, ref_err=None) -> CaseVerdict:
    """Compare an engine's Result with the case's reference (or ``ref``) under the error model.

    ``ref``/``ref_err`` replace the case's reference (a consensus candidate's value and its own
    allowance). A pass certifies ``verified_to``; above the ceiling of the kind's order it is
    inconclusive. A finite difference near a kink is inconclusive whatever its estimate.
    """
    cost = result.cost.as_dict() if hasattr(result.cost, "as_dict") else None
    tag = {"engine": engine.name, "family": family_of(engine), "cost": cost,
           "result": result.value}
    if ctx.skip:
        return CaseVerdict("inconclusive", note=ctx.skip, **tag)
    if result.status != "ok":
        return CaseVerdict(result.status, note=result.note or result.status, **tag)
    if rec.kind == "residual":
        ref, allow = np.zeros(np.shape(result.value)), result.error
    else:
        if ref is None:
            ref, ref_err = ctx.ref, ctx.ref_err
        if ref is None:
            return CaseVerdict("inconclusive", note="no reference for this case", **tag)
        est = engine_estimate(engine, result, em.order_of(rec), ctx)
        allow = em.allowance(ref, ctx.bounds, ref_err, est, trust=1.0,
                             estimated=numerical(engine, result))
    cmp = compare(result.value, ref, allow, ctx.kinks,
                  located=lambda: kink_mask(rec, ctx, np.shape(ref)))
    v = CaseVerdict(cmp.outcome, cmp.worst, cmp.index, cmp.note, **tag)
    _locate(v, cmp, allow, result.value, ref)
    if cmp.worst is not None and np.isfinite(cmp.worst["allowance"]):
        v.verified_to = allow.verified_to
    _settle_outcome(v, rec, engine, ctx, result, allow, ref)
    if v.outcome == "fail":
        v.diagnosis = _diagnosis(rec, ctx, result.value, ref, allow.total)
    return v


def _at_natural_scale(v, rec, ctx, allow, top) -> bool:
    """A derivative that vanishes, or is tiny beside the function's own scale (a linear
    function's Hessian), has no relative precision to certify; its allowance, as an absolute
    accuracy at that scale (``errmodel.natural_scale``), is what a pass certifies then."""
    if allow is None or rec.kind == "residual":
        return False
    natural = em.natural_scale(em.order_of(rec), ctx.f_magnitude, ctx.x_scale)
    if not np.isfinite(natural) or natural <= allow.scale:
        return False
    widest = float(np.max(allow.total, initial=0.0))
    if widest / natural <= top:
        v.verified_to = widest / natural
        v.note = ((v.note + "; ") if v.note else "") + (
            f"the derivative is tiny beside the function's scale |f|/max(1,|x|)^k = "
            f"{natural:.2e}: verified to {v.verified_to:.1e} of that scale")
        return True
    return False


def _locate(v, cmp, allow, value, ref) -> None:
    """The worst component's engine value, reference value and allowance terms."""
    if not cmp.worst or np.shape(value) != np.shape(ref) or np.size(ref) == 0:
        return  # nothing to locate (an empty derivative has no worst component)
    i = cmp.index if cmp.index != () else ()
    flat = np.ravel_multi_index(i, np.shape(ref)) if i != () else 0
    v.why = allow.why(flat)
    v.value = float(np.asarray(value, dtype=float)[i])
    v.ref = float(np.asarray(ref, dtype=float)[i])


def _settle_outcome(v, rec, engine, ctx, result, allow=None, ref=None) -> None:
    """Kinks and the ceiling: when a comparison's outcome does not certify what it says."""
    if kink_blind(engine, result) and v.outcome in ("pass", "fail") and kinked(rec, ctx):
        v.outcome, v.note = "inconclusive", KINK_NOTE
        return
    top = em.ceiling(em.order_of(rec))
    natural = False
    if v.outcome == "pass" and v.verified_to is not None and v.verified_to > top:
        natural = _at_natural_scale(v, rec, ctx, allow, top)
    if v.outcome == "pass" and v.verified_to is not None and v.verified_to > top:
        v.outcome = "inconclusive"
        v.note = (f"this engine cannot resolve the derivative here better than "
                  f"{v.verified_to:.1e} relative (its allowance); a pass must certify "
                  f"{top:.0e} or better")
    if v.outcome == "pass" and not natural:
        _at_own_scale(v, rec, ctx, allow, top, ref)


def _at_own_scale(v, rec, ctx, allow, top, ref) -> None:
    """A pass certifies precision relative to the magnitudes of the computation, its running
    rounding bound included. Where that bound grows without limit (through an iteration: 1e36
    units of u for Newton's method unrolled 60 times) the allowance exceeded every value in
    sight, and a 9x-wrong claim passed 'verified to 4e-16'. An allowance past sqrt(ceiling)
    (1e-3 at first order, 1e-2 at second) of the largest value the problem shows (the
    derivative's largest entry, |x|, |f(x)|) is vacuous: inconclusive, saying why.
    Cancellation stays certified: a deep out-of-the-money greek, 5e-12 from terms of size 10
    (S = 50), is known to 1e-15."""
    if allow is None or rec.kind == "residual" or ref is None:
        return
    r = np.abs(np.asarray(ref, dtype=float))
    own = float(np.max(r[np.isfinite(r)], initial=0.0))
    widest = float(np.max(allow.total, initial=0.0))
    digits = float(np.sqrt(top))
    if em.vacuous(widest, (own, ctx.x_size), digits) and \
            em.vacuous(widest, (_value_size(rec, ctx),), digits):
        v.outcome = "inconclusive"
        v.note = (f"the allowance ({widest:.2e}, from a rounding bound of {allow.scale:.2e} "
                  f"in the computation) exceeds {digits:.0e} of every value the problem shows "
                  f"(the derivative's largest entry {own:.2e}, |x|, |f(x)|): the bound is "
                  f"vacuous here, so a pass would certify nothing")


def _value_size(rec, ctx) -> float:
    """max |f(x)|, from f's value itself (its running bound can be as inflated as the
    derivative's); evaluated only for a pass under suspicion. inf when f cannot say."""
    from adcheck.engines.namespace import numpy_ns
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(rec.f(numpy_ns, *ctx.args), dtype=float)
    except Exception:  # noqa: BLE001  a container or a failure: no judgement from here
        return float("inf")
    return float(np.max(np.abs(out[np.isfinite(out)]), initial=0.0))


def kinked(rec, ctx) -> bool:
    """Is there a kink at or near the point (non-smooth f)? Computed once per case."""
    if rec.kind == "residual":
        return False
    if ctx.kinks:
        return True
    if ctx.kink_near is None:
        from .branches import kink_near
        try:
            ctx.kink_near = kink_near(rec.f, ctx.args, rec.wrt)
        except Exception:  # noqa: BLE001  a function the recorder cannot run has no known kink
            ctx.kink_near = False
    return ctx.kink_near


def _diagnosis(rec, ctx, value, ref, tol):
    blocks = rec.extra.get("blocks") if isinstance(rec.extra, dict) else None
    try:
        if np.all(np.isfinite(np.asarray(ref, dtype=float))) and \
                not np.all(np.isfinite(np.asarray(value, dtype=float))):
            return NON_FINITE
        blocks = blocks(ctx.args) if callable(blocks) else blocks
        in_shape = np.shape(ctx.args[rec.wrt]) if rec.kind in ("jacobian", "hessian") else None
        return diagnose(value, ref, tol, in_shape=in_shape, args=ctx.args, blocks=blocks,
                        order=2 if rec.kind == "hessian" else 1 if rec.kind == "jacobian"
                        else None)
    except Exception:  # noqa: BLE001  a diagnosis is a hint; never let it break a verdict
        return None


def judge_claim(rec, engine) -> CaseVerdict:
    """A cost/property claim: ``claim(engine_name)`` returns facts; every fact must hold."""
    import time

    t0 = time.perf_counter()
    try:
        facts = rec.claim(engine.name)  # the per-case limit is the supervisor's
    except Exception as exc:  # noqa: BLE001
        return CaseVerdict("error", note=f"the claim raised {type(exc).__name__}: {exc}",
                           seconds=time.perf_counter() - t0)
    ok, lines = _facts(facts)
    seconds = time.perf_counter() - t0
    if ok is None:
        return CaseVerdict("not-applicable", note="the claim has nothing to check for "
                                                  f"{engine.name}", seconds=seconds)
    return CaseVerdict("pass" if ok else "fail", note="; ".join(lines[:6]), seconds=seconds)


def _facts(facts):
    """(all hold?, text lines) from a bool, (ok, text), a dict, an object, or a list of them."""
    if facts is None:
        return None, []
    if isinstance(facts, (bool, np.bool_)):
        return bool(facts), []
    if isinstance(facts, tuple) and len(facts) == 2 and isinstance(facts[0], (bool, np.bool_)):
        return bool(facts[0]), [str(facts[1])]
    if isinstance(facts, dict):
        ok = next((facts[k] for k in ("ok", "holds", "passed", "pass") if k in facts), None)
        return (None if ok is None else bool(ok)), [_fact_text(facts)]
    for k in ("ok", "holds", "passed"):
        if hasattr(facts, k):
            return bool(getattr(facts, k)), [str(getattr(facts, "text", "") or facts)]
    if isinstance(facts, (str, bytes)) or not hasattr(facts, "__iter__"):
        raise TypeError(f"the claim returned {facts!r:.60}, not facts: a claim returns a bool, "
                        "(ok, text), a dict with 'ok', an object with .ok, or a list of them")
    items = list(facts)
    if not items:
        return None, []
    parts = [_facts(x) for x in items]
    ok = all(p[0] for p in parts if p[0] is not None)
    bad = [ln for p in parts if p[0] is False for ln in p[1]]
    good = [ln for p in parts if p[0] for ln in p[1]]
    return ok, (["violated: " + b for b in bad] + good)


def _fact_text(fact: dict) -> str:
    """'what: observed (bound b)' for the catalogue's fact dicts; the dict itself otherwise."""
    if "what" in fact:
        tail = f" (bound {fact['bound']:.4g})" if isinstance(fact.get("bound"), (int, float)) \
            else ""
        obs = fact.get("observed")
        return f"{fact['what']}: {obs:.4g}{tail}" if isinstance(obs, (int, float)) else \
            f"{fact['what']}{tail}"
    return str(fact.get("text") or fact.get("message") or fact)


@dataclass
class Accumulator:
    """Folds the verdicts of one engine on one identity's cases into a results record."""

    rec: object
    engine: str
    seed: int
    examples: int
    counts: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    samples: list = field(default_factory=list)
    worst: CaseVerdict | None = None
    worst_case: int = -1
    worst_args: tuple = ()
    first: dict = field(default_factory=dict)  # outcome -> first verdict with it
    cost: dict | None = None
    seconds: float = 0.0
    na_note: str = ""
    stats: dict = field(default_factory=dict)
    verified_to: float | None = None  # the worst (largest) over the judged cases
    family: str = ""
    shrunk: dict | None = None
    shrink: dict | None = None  # how the shrink went: replays, budget, note (None: not tried)
    command: str | None = None  # how to rerun these cases (default: the adcheck run line)
    run_options: dict = field(default_factory=dict)  # the run's plugins, full, timeout

    def rerun(self) -> str:
        """The command that reruns exactly these cases (``messages.rerun``)."""
        from .messages import rerun
        return self.command or rerun(self.rec.id, self.engine, self.seed, self.examples,
                                     **self.run_options)

    def not_applicable(self, why: str) -> None:
        self.na_note = why

    def add_claim(self, v: CaseVerdict) -> None:
        self.add(0, (), v)

    def add(self, i: int, args, v: CaseVerdict, n_failed=0, n_judged=0) -> None:
        self.counts[v.outcome] += 1
        self.seconds += v.seconds
        self.family = self.family or v.family
        if v.verified_to is not None and v.outcome in ("pass", "fail"):
            self.verified_to = max(self.verified_to or 0.0, v.verified_to)
        self.first.setdefault(v.outcome, v)
        if v.outcome == "fail":
            self.stats.setdefault("first_fail", (i, n_failed, n_judged))
        if self.cost is None and v.cost is not None:
            self.cost = v.cost
        if v.worst and len(self.samples) < MAX_SAMPLES:
            w = v.worst
            allow = w["rel_error"] / w["ratio"] if w["ratio"] else 0.0
            self.samples.append([_num(w["rel_error"]), _num(allow)])
        if v.worst and self._worse(v):
            self.worst, self.worst_case, self.worst_args = v, i, args

    def _worse(self, v: CaseVerdict) -> bool:
        if self.worst is None:
            return True
        rank = {"fail": 2, "inconclusive": 0, "pass": 1}
        a, b = rank.get(v.outcome, 0), rank.get(self.worst.outcome, 0)
        return a > b or (a == b and v.worst["ratio"] > self.worst.worst["ratio"])

    def outcome(self) -> str:
        c = self.counts
        if self.na_note or sum(c.values()) == 0:
            return "not-applicable"
        for o in ("fail", "error"):
            if c[o]:
                return o
        if c["pass"]:
            return "pass"
        return "inconclusive" if c["inconclusive"] else "not-applicable"

    def record(self) -> dict:
        """The results.json record (``_seconds`` is moved to the timing section)."""
        from .messages import message
        outcome = self.outcome()
        w = self.worst
        return {
            "identity": self.rec.id, "engine": self.engine, "outcome": outcome,
            "examples": sum(self.counts.values()),
            "worst": {k: _num(x) for k, x in w.worst.items()} if w else None,
            "worst_input": _serial_args(self.rec, self.worst_args) if w else None,
            "diagnosis": w.diagnosis if w and outcome == "fail" else None,
            "outlier": w.outlier if w and outcome == "fail" else None,
            "message": message(self, outcome),
            "cost": self.cost or {},
            "rerun": self.rerun(),
            "samples": self.samples,
            "counts": dict(self.counts),
            "family": self.family or None,
            "verified_to": None if self.verified_to is None else _num(self.verified_to),
            "shrunk": self.shrunk,
            "shrink": self.shrink,
            "_seconds": self.seconds,
        }


def judged_count(records) -> int:
    """How many (identity, engine) cases were judged (passed or failed) in a run's records.

    A run in which this is 0 certified nothing: its exit is "nothing judged", never a pass.
    """
    def one(r):
        c = r.get("counts")
        if not isinstance(c, dict):  # a record without counts was judged if it passed or failed
            return int(r.get("outcome") in ("pass", "fail"))
        return int(c.get("pass", 0)) + int(c.get("fail", 0))
    return sum(one(r) for r in records)


def identity_errors(records: list[dict]) -> list[dict]:
    """An identity no engine could compute (every attempt raised or refused a name) is an
    error of that identity: its records say so instead of "not applicable"."""
    tried = [r for r in records if r.get("counts") and sum(r["counts"].values())]
    if not tried or any(r["counts"].get(o, 0) for r in tried
                        for o in ("pass", "fail", "inconclusive")):
        return records
    why = "; ".join(sorted({r["message"] for r in tried}))[:600]
    for r in tried:
        r["outcome"] = "error"
        r["message"] = (f"{r['identity']}: ERROR of the identity: no engine could compute it "
                        f"({why})")
    return records


def _num(x) -> float:
    x = float(x)
    return x if math.isfinite(x) else (math.inf if x > 0 else (-math.inf if x < 0 else x))


def _serial(a):
    if isinstance(a, np.ndarray):
        return a.tolist()
    if isinstance(a, (np.floating, np.integer)):
        return a.item()
    if isinstance(a, (list, tuple)):
        return [_serial(x) for x in a]
    if isinstance(a, (int, float, str, bool)) or a is None:
        return a
    return repr(a)


def _serial_args(rec, args) -> dict | None:
    if not args:
        return None
    names = list(rec.arg_names) + [f"arg{i}" for i in range(len(rec.arg_names), len(args))]
    return {n: _serial(a) for n, a in zip(names, args)}
