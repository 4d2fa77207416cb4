"""Judging a framework's derivative (torch autograd, jax) of a user's own program.

The framework gives its claim as vector-Jacobian products through the user's rules; the
reference is the exact Jacobian of the user's translated program (``framework_refs.exact``),
or, when the program could not be translated, Richardson differences of the framework's own
float64 function. Every allowance is derived and stated: the running rounding bound E of the
derivative of the traced program, in units of the unit roundoff of the dtype the user computes
in, charged ROUTE_FACTOR times (the claimed rule may associate the same operations in another
order), plus the rounding of the result itself; or FD_TRUST times Richardson's own estimate
(composed by the error model: ``rounding_allowance``, ``difference_allowance``).
Above ``PROBE_ABOVE`` parameters the check projects on random directions (O(1) passes) and
states the probability that an error of a given size escapes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from adcheck.frameworks import differences as D
from adcheck.frameworks import exact_ad
from adcheck.frameworks import refs as R
from adcheck.judging import errmodel as em
from adcheck.judging.judge import compare, diagnose
from adcheck.judging.messages import times_allowance


class InconclusiveWarning(UserWarning):
    """The check could not decide (a kink, an overflow, a reference above its ceiling)."""

UNIT_ROUNDOFF = {"float64": 2.0 ** -53, "float32": 2.0 ** -24, "float16": 2.0 ** -11,
                 "bfloat16": 2.0 ** -8}
PROBE_ABOVE = 2000
"""Above this many input components the drop-in checks probe instead of forming Jacobians:
a full Jacobian costs one sweep per output and exact arithmetic per operation; 2000 keeps the
exact route under a few seconds for a small network."""
PROBES = 2
"""Probe directions: each costs 4 evaluations; two keep the check within a few times the cost
of one gradient while an error of relative size 1e-6 escapes both with probability < 1e-6
(the message states the figure for the case at hand)."""
ROUNDING_TRUST = 4.0
RESOLVE = 1e-3
"""A difference reference may fail a claim only at a component it knows to RESOLVE relative
(its own estimate within 1e-3 of |ref|, or, for a component near zero, within 1e-6 of the
largest |ref| of the components so resolved); elsewhere a mismatch is inconclusive: steps
that did not reach the scale f varies on give values still far from the derivative, and a
correct claim must never fail on them."""
COTANGENT = 0.5
"""The claim's rows are Jᵀ(0.5 e_k) / 0.5 (exact in binary floating point): a rule that ignores
its cotangent (grad_output), or is not linear in it, returns twice the row and fails, where at
a unit cotangent it would pass."""
MISS_AT = 1e-8  # the relative error size whose escape probability a probe verdict states
CEILING = getattr(em, "CEILING", {1: 1e-6, 2: 1e-4})


def ceiling(order: int, u: float) -> float:
    """The verification ceiling for a dtype of unit roundoff ``u``: the float64 ceiling keeps
    the same share of the dtype's digits (1e-6 is u64^0.38; for float32 that is 1.9e-3)."""
    u64 = UNIT_ROUNDOFF["float64"]
    c = CEILING[min(order, 2)]
    return c if u <= u64 else float(u ** (np.log(c) / np.log(u64)))


@dataclass
class Problem:
    """What the framework side supplies.

    names/xs: the differentiable inputs (float64 copies, exact for float32 data); dtype: the
    dtype the user computes in; m: length of the flat output; claim(ct): the claimed Jᵀct per
    input; fn(xs): the function's flat float64 value (for fallbacks); program: ``F(xp, *xs)``
    or None with ``untranslated`` saying why; rules(i): the custom rules between the outputs
    and input i; order: 1 or 2; label: the derivative's name in messages.
    """

    names: list
    xs: list
    dtype: str
    m: int
    claim: Callable
    fn: Callable
    program: Callable | None = None
    untranslated: str = ""
    rules: Callable = field(default=lambda i: [])
    order: int = 1
    label: str = "Jacobian"
    traced: str = ""
    claim_program: Callable | None = None  # P(xp, *xs, ct): the claim's own traced route
    claim_untraced: str = ""  # why the claim's route could not be traced
    claim_rows: Callable | None = None  # cts -> per input, the rows Jᵀct stacked (batched)
    forward: Callable | None = None  # the forward's flat float64 value (order 2's fallback)
    claim64: Callable | None = None  # the same claim with the rules run on float64 copies
    second: tuple = ()  # order 2: ("rev", ct1) for Jᵀct1 differentiated, ("fwd", t1) for J t1
    costly: str = ""  # why the exact route was not taken though the program translated


@dataclass
class Verdict:
    """The outcome: ``verdict`` "pass" | "fail" | "inconclusive", and the explanation."""

    verdict: str
    reference: str
    message: str = ""
    dtype: str = "float64"
    verified_to: float | None = None
    miss_probability: float | None = None
    failures: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.verdict == "pass"


def judge(p: Problem, caller: str, *, seed: int = 0, probe_above: int = PROBE_ABOVE,
          probes: int = PROBES) -> Verdict:
    """Compare the claim of ``p`` with the best reference available; explain the outcome."""
    v = _judge(p, caller, seed, probe_above, probes)
    for hear in list(LISTENERS):
        hear(caller, p, v)
    return v


LISTENERS: list = []
"""Callables ``(caller, problem, verdict)`` told of every verdict (the pytest plugin records
the drop-in checks a test makes)."""


def _judge(p: Problem, caller: str, seed: int, probe_above: int, probes: int) -> Verdict:
    u = UNIT_ROUNDOFF.get(p.dtype, UNIT_ROUNDOFF["float64"])
    n = sum(int(np.size(x)) for x in p.xs)
    if n > probe_above:
        return _probe(p, caller, u, np.random.default_rng(seed), probes)
    got = _reference(p, u)
    if got is None:  # the fallback would cost more than its budget: probe instead
        return _probe(p, caller, u, np.random.default_rng(seed), probes)
    ref, allow, kinks, label, resolved = got
    claims = _claims(p, list(COTANGENT * np.eye(p.m)))
    claims = [c / COTANGENT for c in claims]
    if resolved is not None and p.dtype != "float64":
        allow, note = _claim_rounding(p, claims, ref, allow)
        label += note
    return _verdict(p, caller, u, claims, ref, allow, kinks, label, resolved)


def _claims(p: Problem, cts) -> list:
    if p.claim_rows is not None:
        try:
            return [np.asarray(r, dtype=float) for r in p.claim_rows(np.stack(cts))]
        except Exception:  # noqa: BLE001  a rule that cannot be batched: one sweep per row
            pass
    rows = [p.claim(ct) for ct in cts]
    return [np.stack([np.asarray(r[i], dtype=float) for r in rows]) for i in range(len(p.xs))]


def _reference(p: Problem, u: float):
    if p.program is not None:
        try:
            floor = _underflow(p.dtype) / u
            try:
                ref, err, kinks = R.exact(p.program, p.xs, p.m, floor,
                                          budget=exact_ad.EXACT_WORK)
            except exact_ad.TooCostly as exc:  # probes judge it, at a stated miss probability
                p.costly = str(exc)
                return None
            err, claim_note = _claim_bound(p, err, floor)
            allow = [_allowance(r, em.rounding_allowance(e, r, u), magnitude=e)
                     for r, e in zip(ref, err)]
            loose = _too_loose(ref, allow, ceiling(p.order, u))
            if loose:  # a bound that certifies nothing here: differences judge instead
                p.untranslated = loose
                return _differences(p, u) or (ref, allow, kinks,
                                              _exact_label(p, u) + claim_note, None)
            return ref, allow, kinks, _exact_label(p, u) + claim_note, None
        except Exception as exc:  # noqa: BLE001  a translation that cannot run: fall back
            p.untranslated = f"the translated program failed ({type(exc).__name__}: {exc})"
    return _differences(p, u)


def _too_loose(ref, allow, top: float) -> str:
    """Why the exact route's allowance certifies nothing at the derivative's own scale ("" when
    it does): the running rounding bound grows through an iteration (Newton's method unrolled:
    1e36 units of u) or a cancellation it cannot see through, past ``top`` of the largest
    entry."""
    largest = max((float(np.max(np.abs(r), initial=0.0)) for r in ref), default=0.0)
    total = max((float(np.max(a.total, initial=0.0)) for a in allow), default=0.0)
    if em.vacuous(total, (largest,), top):
        return (f"the traced program's rounding bound gives an allowance of {total:.3g}, past "
                f"{top:.2g} of the derivative's largest entry ({largest:.3g})")
    return ""


def _mode(p: Problem) -> str:
    return p.second[0] if p.order == 2 and p.second else "rev"


def _differences(p: Problem, u: float):
    """The fallback: extrapolated differences of the forward's own float64 values (for order 2
    its second derivative, the same derivative the exact route checks), or None where that
    would cost more than ``differences.BUDGET`` evaluations."""
    F = D.Flat(p.forward or p.fn, p.xs)
    if D.cost(F.z.size, p.m, p.order, _mode(p)) > D.BUDGET:
        return None
    if p.order == 1:
        ref, est = D.jacobian(F)
    elif _mode(p) == "rev":
        ref, est = D.hessian(F, np.asarray(p.second[1], dtype=float))
    else:
        ref, est = D.along(F, np.concatenate([np.ravel(t) for t in p.second[1]]))
    allow = [_allowance(r, em.difference_allowance(e, r, u), estimated=True)
             for r, e in zip(ref, est)]
    sure = [e <= RESOLVE * np.abs(r) for r, e in zip(ref, est)]
    top = max((float(np.max(np.abs(r[k]), initial=0.0)) for r, k in zip(ref, sure)),
              default=0.0)  # the magnitude the resolved components vouch for
    resolved = [k | (e <= RESOLVE * RESOLVE * top) for k, e in zip(sure, est)]
    return ref, allow, [], _fallback_label(p, u, F.evals), resolved


def _claim_rounding(p: Problem, claims, ref, allow):
    """Charge an untraced claim's own rounding as measured: ROUNDING_TRUST x its distance to
    the same rules run on float64 copies of the inputs (a wrong rule is as wrong in both, so
    it still fails; a bug of the narrow dtype alone is charged as rounding)."""
    if p.claim64 is None:
        return allow, (f"; the claim's own {p.dtype} rounding cannot be bounded without a trace"
                       f" or a float64 run of the rules, and is charged only u |ref|: a "
                       f"failure within a few hundred u of the magnitudes may be rounding")
    try:
        wide = _claims(dataclasses.replace(p, claim=p.claim64, claim_rows=None),
                       list(COTANGENT * np.eye(p.m)))
    except Exception as exc:  # noqa: BLE001  rules that run only in their own dtype
        return allow, (f"; the claim's own {p.dtype} rounding could not be measured (its "
                       f"rules failed at float64: {type(exc).__name__}), charged u |ref|")
    wide = [w / COTANGENT for w in wide]
    out = [_allowance(r, np.asarray(a.total) + ROUNDING_TRUST * np.abs(c - w), estimated=True)
           for c, w, r, a in zip(claims, wide, ref, allow)]
    return out, (f"; the claim's own {p.dtype} rounding is charged as {ROUNDING_TRUST:g}x its "
                 f"distance to the same rules run at float64")


def _fallback_label(p: Problem, u: float, evals: int) -> str:
    what = "first" if p.order == 1 else "second"
    return (f"fallback route: differences of the forward's float64 values ({what} "
            f"derivatives, steps {D.H0:g}s/4^k for k < {D.LEVELS}, extrapolated twice; "
            f"{evals} evaluations), because {p.untranslated or 'no program was traced'}; "
            f"allowance: {em.FD_TRUST:g} x each component's own estimate")


def _claim_bound(p: Problem, err, floor: float):
    """E = max(E of the primal route's derivative, E of the claimed rule's traced route)."""
    if p.claim_program is None:
        return err, (f"; the claimed rule's own route could not be traced "
                     f"({p.claim_untraced or 'no trace'}), so its rounding is charged as the "
                     f"primal route's")
    try:
        cerr = R.function_rows(p.claim_program, p.xs, list(np.eye(p.m)), floor)
    except Exception as exc:  # noqa: BLE001  an untranslatable rule: say so, keep E_ad
        return err, (f"; the claimed rule's own route could not be bounded ({type(exc).__name__}"
                     f": {exc}), so its rounding is charged as the primal route's")
    return [np.maximum(e, c) for e, c in zip(err, cerr)], (
        "; E also bounds the claimed rule's own route (its backward, traced)")


SMALLEST_NORMAL = {"float64": 2.0 ** -1022, "float32": 2.0 ** -126, "float16": 2.0 ** -14,
                   "bfloat16": 2.0 ** -126}


def _underflow(dtype: str) -> float:
    """The smallest normal number of ``dtype``: a value below it may flush to zero."""
    return SMALLEST_NORMAL.get(dtype, SMALLEST_NORMAL["float64"])


def _exact_label(p: Problem, u: float) -> str:
    return (f"exact: adcheck's reverse-mode AD of the traced program{p.traced} evaluated at "
            f"50 digits; allowance: {em.ROUTE_FACTOR:g} u E + u |ref|, u = {u:.3g} ({p.dtype}), "
            f"E the running rounding bound of the traced program's derivative (each operation "
            f"also charged {_underflow(p.dtype):.3g} for underflow)")


def _allowance(ref, total, estimated=False, magnitude=None) -> em.Allowance:
    """The allowance; its scale is the magnitude of the computation, max(|ref|, E) (E, the
    running bound in units of u, is the sum of the magnitudes the rounding came from), or
    max(|ref|, allowance) when there is no bound."""
    z = np.zeros(np.shape(ref))
    scale = float(np.max(np.abs(ref), initial=0.0))
    extra = total if magnitude is None else magnitude
    return em.Allowance(np.asarray(total, dtype=float), np.asarray(total, dtype=float), z, z,
                        max(scale, float(np.max(extra, initial=0.0))), estimated)


def _verdict(p, caller, u, claims, ref, allow, kinks, label, resolved=None) -> Verdict:
    fails, inconclusive = [], []
    # one magnitude for the whole derivative: a block that is zero (a parameter the output
    # does not depend on to second order) is verified relative to the rest, not to itself
    scale = max((a.scale for a in allow), default=0.0)
    worst_rel = max((float(np.max(a.total, initial=0.0)) for a in allow), default=0.0) / scale \
        if scale > 0 else 0.0
    for i, (c, r, a) in enumerate(zip(claims, ref, allow)):
        cmp = compare(c, r, a, kinks)
        if cmp.outcome == "fail" and resolved is not None:
            cmp, why = _resolved(cmp, resolved[i], c, r, a)
            if why:
                inconclusive.append(f"input {i} ({p.names[i]}): {why}")
                continue
        if cmp.outcome == "fail" and _unrepresentable(c, r, a, cmp):
            bound = float(np.asarray(a.total)[cmp.index])
            inconclusive.append(
                f"input {i} ({p.names[i]}): the claim is not finite at {tuple(cmp.index)} where "
                f"the rounding bound of the computation ({bound:.3g}) exceeds the derivative "
                f"itself ({float(r[cmp.index]):.3g}): in {p.dtype} a pivot or a denominator "
                f"may round to zero there, so this is not judged")
            continue
        if cmp.outcome == "fail":
            fails.append(_failure(p, i, c, r, a, cmp))
        elif cmp.outcome == "inconclusive":
            inconclusive.append(f"input {i} ({p.names[i]}): {cmp.note}")
    verdict = "fail" if fails else ("inconclusive" if inconclusive else "pass")
    top = ceiling(p.order, u)
    if verdict == "pass" and worst_rel > top:
        verdict = "inconclusive"
        inconclusive.append(f"verified only to {worst_rel:.2g} relative, above the ceiling "
                            f"{top:.2g} of order {p.order} in {p.dtype}")
    # Relative to magnitudes that dwarf the derivative itself (a running rounding bound that
    # grows through an iteration, 1e36 for Newton's method unrolled 60 times), a pass would
    # certify nothing about the derivative: judged against its own largest entry, it is not one.
    loose = _too_loose(ref, allow, top) if verdict == "pass" else ""
    if loose:
        verdict = "inconclusive"
        inconclusive.append(f"{loose}: nothing at the derivative's own scale is certified")
    out = Verdict(verdict, label, dtype=p.dtype, verified_to=worst_rel, failures=fails)
    out.message = _message(p, caller, out, inconclusive)
    return out


def _unrepresentable(c, r, a, cmp) -> bool:
    """A non-finite claim where the allowance already exceeds |ref|: no digit of the result is
    guaranteed, and an exact zero met by rounding gives inf or NaN."""
    if np.all(np.isfinite(c)):
        return False
    bad = ~np.isfinite(c)
    return bool(np.all(np.asarray(a.total)[bad] >= np.abs(r[bad])))


def _resolved(cmp, mask, c, r, a):
    """The failure moved to the worst component the differences resolve, or why none is."""
    ratios = cmp.ratios if cmp.ratios is not None else np.zeros(np.shape(mask))
    hit = np.where(mask, ratios, 0.0)
    if np.max(hit, initial=0.0) <= 1.0:
        w = cmp.worst or {}
        return cmp, (f"the claim differs from the fallback's differences by "
                     f"{w.get('ratio', float('nan')):.3g}x their allowance, but only at "
                     f"components whose own estimate does not reach {RESOLVE:g} relative: the "
                     f"steps may not have reached the scale the function varies on (an "
                     f"ill-conditioned input), so this is not judged")
    idx = np.unravel_index(int(np.argmax(hit)), hit.shape)
    if idx != tuple(cmp.index):
        err, tol = float(abs(c[idx] - r[idx])), float(np.asarray(a.total)[idx])
        worst = dict(cmp.worst, abs_error=err, allowance=tol, ratio=float(hit[idx]))
        cmp = type(cmp)("fail", worst, idx, cmp.note, ratios)
    return cmp, ""


def _failure(p, i, c, r, a, cmp) -> dict:
    row, comp = cmp.index[0], tuple(int(k) for k in cmp.index[1:])
    diag = _transposed(c, r, a.total) or diagnose(c, r, a.total, in_shape=np.shape(p.xs[i]),
                                                  args=p.xs, order=p.order)
    if diag and diag.startswith("matches the reference after a transpose"):
        diag = ("the Jacobian matches the reference transposed: a missing (or extra) "
                "transpose in the rule")
    rules = p.rules(i)
    blame = (f"{rules[0]} (the only custom rule between the outputs and this input)"
             if len(rules) == 1 else
             f"one of {', '.join(rules)} (the custom rules between the outputs and this input, "
             f"{'those differentiating the backward first' if p.order == 2 else 'in order'})"
             if rules else "no custom rule lies on this path: the framework's own rules")
    return {"input": i, "name": p.names[i], "row": int(row), "component": comp,
            "claimed": float(c[cmp.index]), "reference": float(r[cmp.index]),
            "worst": cmp.worst, "diagnosis": diag, "blamed": blame}


def _transposed(c, r, tol) -> str | None:
    if c.ndim != 3 or c.shape[1] != c.shape[2]:
        return None
    ct = np.swapaxes(c, 1, 2)
    if np.all(np.abs(ct - r) <= 2 * tol + 1e3 * np.spacing(np.abs(r))):
        return "matches the reference transposed: a missing (or extra) transpose in the rule"
    return None


def _message(p, caller, v: Verdict, notes) -> str:
    lines = [f"{caller}: {v.verdict.upper()} ({p.label}, {p.dtype}, {len(p.xs)} input(s))"]
    for f in v.failures:
        w = f["worst"]
        lines += [f"  input {f['input']} ({f['name']}, shape {np.shape(p.xs[f['input']])}): "
                  f"wrong at output component {f['row']}, input component {f['component']}: "
                  f"claimed {f['claimed']:.17g}, reference {f['reference']:.17g}",
                  f"    |error| {w['abs_error']:.3e} vs allowed {w['allowance']:.3e} "
                  f"({times_allowance(w)}, relative {w['rel_error']:.2e})",
                  f"    diagnosis: {f['diagnosis'] or 'no common mistake matches'}",
                  f"    blamed rule: {f['blamed']}"]
    lines += [f"  inconclusive: {n}" for n in notes]
    lines.append(f"  reference: {v.reference}")
    if v.verified_to is not None and v.verdict == "pass":
        lines.append(f"  verified to {v.verified_to:.2g} relative to the magnitudes")
    return "\n".join(lines)


def _probe(p: Problem, caller, u, rng, k) -> Verdict:
    u_vec = rng.standard_normal(p.m)
    vs = [[rng.standard_normal(np.shape(x)) for x in p.xs] for _ in range(k)]
    g = [np.asarray(c, dtype=float) for c in p.claim(u_vec)]
    claims = [sum(float(np.vdot(gi, vi)) for gi, vi in zip(g, v)) for v in vs]
    kinks: list = []
    if p.program is not None:
        refs, bound, kinks = R.probe(p.program, p.xs, u_vec, vs, u)
        how = (f"adcheck's forward mode on the traced program{p.traced} in float64, allowance "
               f"2x{em.ROUTE_FACTOR:g} u Σ E|v|")
    else:
        refs, bound, evals = _probe_differences(p, u_vec, vs)
        why = p.untranslated or "no program was traced"
        how = (f"the fallback route: differences of the forward's float64 values on "
               f"{D.LEVELS} steps extrapolated ({evals} evaluations, O(1) passes; because "
               f"{why}), allowance {em.FD_TRUST:g}x their estimated error")
    allow = [em.probe_allowance(b, g, v, r, u) for b, v, r in zip(bound, vs, refs)]
    obs = [abs(c - r) for c, r in zip(claims, refs)]
    norm = float(np.sqrt(sum(float(np.sum(gi * gi)) for gi in g)))
    ok = all(o <= a for o, a in zip(obs, allow))
    worst = max(o / a if a > 0 else np.inf for o, a in zip(obs, allow))
    verdict = "pass" if ok else ("inconclusive" if kinks else "fail")
    label = (f"random probes: {k} directions v ~ N(0, I), one output weighting u ~ N(0, I); "
             f"⟨u, J v⟩ by {how} + the dot products' rounding, u = {u:.3g} ({p.dtype})")
    if p.costly:
        label += f"; probed because {p.costly}"
    miss = em.miss_probability(allow, MISS_AT * norm)
    msg = (f"{caller}: {verdict.upper()} ({p.label} by {k} random probes, {p.dtype}, "
           f"{sum(np.size(x) for x in p.xs)} parameters): worst |claim - reference| / allowance"
           f" = {worst:.3g}\n  reference: {label}\n  an error of relative size {MISS_AT:g} "
           f"escapes every probe with probability {miss:.3g}; one of relative size "
           f"{em.detectable(allow, norm):.2g} or more with probability <= 1e-6")
    if not ok:
        rules = sorted({r for i in range(len(p.xs)) for r in p.rules(i)})
        msg += f"\n  blamed rule: {', '.join(rules) if rules else 'the framework own rules'}"
    return Verdict(verdict, label, msg, p.dtype, None, miss)


def _probe_differences(p: Problem, u_vec, vs):
    """⟨u, J v⟩ (order 1) or ⟨u, ∂(Jᵀct1) v⟩ / ⟨u, ∂(J t1) v⟩ (order 2) from the forward's
    values, with FD_TRUST x their estimates; and the evaluations spent."""
    F = D.Flat(p.forward or p.fn, p.xs)
    refs, allow = [], []
    for v in vs:
        w = np.concatenate([np.ravel(a) for a in v])
        if p.order == 1:
            val, est = D.first(F, w, u_vec)
        elif _mode(p) == "rev":
            val, est = D.second(F, u_vec, w, np.asarray(p.second[1], dtype=float))
        else:
            t = np.concatenate([np.ravel(a) for a in p.second[1]])
            val, est = D.second(F, t, w, u_vec)
        refs.append(float(val[0]))
        allow.append(em.FD_TRUST * float(est[0]))
    return refs, allow, F.evals


__all__ = ["PROBE_ABOVE", "Problem", "UNIT_ROUNDOFF", "Verdict", "judge"]
