"""Checking a user's own function: ``check``, ``assert_derivative`` and ``assert_check``.

Without ``expected`` the verdict is the consensus of the engines within their allowances (the
error model of ``adcheck.errmodel``, finite-difference estimates included): the engines that
agree with the largest group are the consensus and the others are named as outliers. With
``expected`` (an array, or a closed form ``g(xp, *args)`` evaluated by the exact oracle) each
engine is judged against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import engines as _engines
from engines.arraylike import TracedValueError
from engines.errors import (
    NearlyDegenerate,
    NotAnalytic,
    UnknownName,
    UnsupportedOperation,
)
from engines.pytree import flatten, is_container

from . import errmodel as em
from .judge import compare, diagnose

# Orders 3 and 4: two AD nestings (different inner modes) and the exact oracle.
HIGHER_ORDER_ENGINES = ("forward-over-reverse", "reverse-over-forward", "exact")
DEFAULT_ENGINES = {
    1: ("reverse", "forward", "richardson"),
    2: ("forward-over-reverse", "reverse-over-reverse", "richardson"),
}


@dataclass
class EngineVerdict:
    """One engine's part of a check."""

    engine: str
    outcome: str
    value: object = None
    worst: dict | None = None
    diagnosis: str | None = None
    note: str = ""


@dataclass
class CheckReport:
    """The result of ``check``: truthy when the derivative is confirmed."""

    kind: str
    verdict: str  # "pass" | "fail" | "inconclusive"
    reference: str
    engines: dict = field(default_factory=dict)
    outliers: list = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == "pass"

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message


def _run(name, kind, f, args, wrt, kw):
    try:
        r = _engines.get(name).derivative(kind, f, args, wrt, **kw)
    except NearlyDegenerate as exc:  # the derivative is ill-defined here: no verdict
        return None, EngineVerdict(name, "inconclusive", note=str(exc))
    except (NotAnalytic, UnsupportedOperation) as exc:
        return None, EngineVerdict(name, "not-applicable", note=str(exc))
    except Exception as exc:  # noqa: BLE001  an engine that raises is reported, not fatal
        ev = EngineVerdict(name, "error", note=f"{type(exc).__name__}: {exc}")
        ev.exception = exc
        return None, ev
    if r.status != "ok":
        return None, EngineVerdict(name, r.status, note=r.note)
    return r, None


def check(f, args, wrt: int = 0, kind: str = "gradient", engines=None, expected=None,
          v=None, order=None, direction=None) -> CheckReport:
    """Check the ``kind`` derivative of ``f(xp, *args)`` with respect to ``args[wrt]``.

    Args:
        f: the function, written against the array namespace ``xp``.
        args: its arguments (float arrays or numbers).
        wrt: index of the differentiated argument.
        kind: "gradient", "jacobian", "hessian", "hvp" (with ``v``) or "laplacian".
        engines: engine names (default: two AD engines and richardson).
        expected: the claimed derivative: an array, or a closed form ``g(xp, *args)``.
        v: the direction of an "hvp".
        order: the order k (1 to 4) of kind="derivative": all k-th partials, mixed included,
            shaped ``out.shape + x.shape * k``.
        direction: the tangent of a "jvp" (shaped like the argument) or the cotangent of a
            "vjp" (shaped like the output).
    Returns:
        A CheckReport; ``report.message`` says what failed, where, by how much, and why.
    """
    args = tuple(args)
    out = _names_exist(f, args)
    if is_container(out) and kind != "vjp":  # a verdict per leaf, combined
        from .check_leaves import check_leaves
        return check_leaves(check, CheckReport, f, args, len(flatten(out)[0]), kind, expected,
                            wrt=wrt, engines=engines, v=v, order=order, direction=direction)
    kw = _directions(kind, v, order, direction)
    order = kw.get("order", em.ORDER.get(kind, 1))
    names = list(engines or [n for n in (DEFAULT_ENGINES[order] if order <= 2 else
                                         HIGHER_ORDER_ENGINES) if n in _engines.ENGINES])
    bounds = []
    if not any(np.iscomplexobj(a) for a in args):  # engines refuse complex inputs themselves
        try:
            bounds.append(em.derivative_bound(kind, f, args, wrt, kw.get("v"), **{
                k: kw[k] for k in ("order", "tangent", "cotangent") if k in kw}))
        except Exception:  # noqa: BLE001  no bound: the allowance falls back to rounding only
            pass
    results, verdicts = {}, {}
    for name in names:
        r, bad = _run(name, kind, f, args, wrt, kw)
        if bad:
            verdicts[name] = bad
        else:
            results[name] = r
    _raise_usage_error(results, verdicts)
    kinks = bounds[0].kinks if bounds else []
    if expected is not None:
        ref, ref_err, label = _expected(expected, args, bounds)
        return _against(kind, results, verdicts, ref, ref_err, bounds, kinks, label, args, wrt)
    return _consensus(kind, results, verdicts, bounds, kinks, args, wrt)


def _raise_usage_error(results, verdicts) -> None:
    """Raise the function's own error on traced values (``float(x)``, ``np.asarray(x)``,
    ``x += y``) when it left fewer than two engines with a result: the function must change,
    and an "inconclusive" would hide why."""
    if len(results) >= 2:
        return
    for ev in verdicts.values():
        exc = getattr(ev, "exception", None)
        if isinstance(exc, TracedValueError):
            raise exc


def _names_exist(f, args):
    """Raise ``UnknownName`` when ``f`` uses a name no namespace has (a typo): that is an
    error in the function, not a verdict. Any other failure is left to the engines."""
    from engines.namespace import numpy_ns
    try:
        return f(numpy_ns, *args)
    except UnknownName:
        raise
    except Exception:  # noqa: BLE001  the engines report it in their own terms
        return None


def _directions(kind, v, order, direction) -> dict:
    """The keyword arguments an engine needs for ``kind``, with clear errors when missing."""
    if kind == "hvp":
        return {"v": np.asarray(v, dtype=float)}
    if kind == "derivative":
        from engines.higher import check_order
        return {"order": check_order(order)}
    if kind in ("jvp", "vjp"):
        if direction is None:
            raise ValueError(f"kind={kind!r} needs direction= (the "
                             f"{'tangent' if kind == 'jvp' else 'cotangent'})")
        return {"tangent" if kind == "jvp" else "cotangent": np.asarray(direction, dtype=float)}
    return {}


def _expected(expected, args, bounds):
    if callable(expected):
        from .reference import exact
        value = exact(expected, args)
        if value is None:
            cf = em.function_bound(expected, args)
            bounds.append(cf)
            return cf.value, em.ROUTE_FACTOR * em.U * cf.err, "the closed form (float64)"
        return value, None, "the closed form (exact oracle)"
    return np.asarray(expected, dtype=float), None, "the expected value"


def _judge(name, r, ref, ref_err, bounds, kinks, args, wrt):
    allow = em.allowance(ref, bounds, ref_err, r.error)
    cmp = compare(r.value, ref, allow, kinks)
    ev = EngineVerdict(name, cmp.outcome, r.value, cmp.worst, note=cmp.note)
    if cmp.outcome == "fail":
        ev.diagnosis = diagnose(r.value, ref, allow.total, in_shape=np.shape(args[wrt]),
                                args=args)
    return ev


def _against(kind, results, verdicts, ref, ref_err, bounds, kinks, label, args, wrt):
    for name, r in results.items():
        verdicts[name] = _judge(name, r, ref, ref_err, bounds, kinks, args, wrt)
    # an engine that crashed on a function the others computed is a failure to report (as
    # `adcheck run` exits 1 on it), never hidden behind the others' pass
    failed = [n for n, ev in verdicts.items() if ev.outcome in ("fail", "error")]
    passed = [n for n, ev in verdicts.items() if ev.outcome == "pass"]
    verdict = "fail" if failed else ("pass" if passed else "inconclusive")
    rep = CheckReport(kind, verdict, label, verdicts)
    wrong = [n for n in failed if n in results]
    if wrong and not passed and len(wrong) >= 2 and _agree(results, wrong, bounds):
        rep.outliers = ["expected"]
    rep.message = _message(rep)
    return rep


def _agree(results, names, bounds) -> bool:
    first = results[names[0]]
    return all(compare(results[n].value, first.value, em.allowance(
        first.value, bounds, None, results[n].error)).outcome == "pass" for n in names[1:])


def _consensus(kind, results, verdicts, bounds, kinks, args, wrt):
    names = list(results)
    if len(names) < 2:
        rep = CheckReport(kind, "inconclusive", "consensus", verdicts)
        rep.message = _message(rep) + "\n  fewer than two engines gave a result: no consensus"
        return rep
    # Each engine in turn as the reference; the one that most others agree with wins (ties:
    # the order given, so an AD engine listed first is preferred).
    best, best_pass = None, -1
    for cand in names:
        r = results[cand]
        n_pass = sum(_judge(n, results[n], r.value, _err(r), bounds, kinks, args, wrt).outcome
                     == "pass" for n in names if n != cand)
        if n_pass > best_pass:
            best, best_pass = cand, n_pass
    ref = results[best]
    for n in names:
        verdicts[n] = _judge(n, results[n], ref.value, _err(ref), bounds, kinks, args, wrt) \
            if n != best else EngineVerdict(n, "pass", ref.value, note="consensus reference")
    failed = [n for n in names if verdicts[n].outcome == "fail"]
    crashed = [n for n, ev in verdicts.items() if ev.outcome == "error"]
    verdict = "fail" if failed or crashed else ("pass" if best_pass >= 1 else "inconclusive")
    rep = CheckReport(kind, verdict, f"consensus (reference engine {best})", verdicts,
                      outliers=failed + crashed)
    rep.message = _message(rep)
    return rep


def _err(r):
    return None if r.error is None else em.FD_TRUST * np.abs(np.asarray(r.error, dtype=float))


def _message(rep: CheckReport) -> str:
    lines = [f"check({rep.kind}) against {rep.reference}: {rep.verdict.upper()}"]
    for name, ev in rep.engines.items():
        line = f"  {name}: {ev.outcome}"
        if ev.worst:
            w = ev.worst
            line += (f", worst |error| {w['abs_error']:.3e} vs allowed {w['allowance']:.3e} "
                     f"(relative {w['rel_error']:.2e}, {w['ratio']:.3g}x the allowance)")
        if ev.diagnosis:
            line += f"; diagnosis: {ev.diagnosis}"
        if ev.note:
            line += f"; {ev.note}"
        lines.append(line)
    if rep.outliers == ["expected"]:
        lines.append("  every engine agrees with the others but not with the expected value: "
                     "the expected value is the outlier")
    elif rep.outliers:
        lines.append(f"  outlier(s): {', '.join(rep.outliers)}")
    return "\n".join(lines)


def assert_check(report: CheckReport) -> CheckReport:
    """Raise AssertionError with the full explanation unless the report passed."""
    if not report.ok:
        raise AssertionError(report.message)
    return report


def assert_derivative(f, args, wrt: int = 0, kind: str = "gradient", **kw) -> CheckReport:
    """``check`` and raise AssertionError with the full explanation unless it passes."""
    return assert_check(check(f, args, wrt=wrt, kind=kind, **kw))
