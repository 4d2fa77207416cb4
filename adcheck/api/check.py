"""Checking a user's own function: ``check``, ``assert_derivative`` and ``assert_check``.

``check`` is one case of the pipeline ``adcheck run`` uses
(``adcheck.judging.pipeline.judge_case``): the user's function becomes an identity record, with
``expected`` (an array, or a closed form ``g(xp, *args)`` evaluated by the exact oracle) as its
reference. Without ``expected`` the engines are judged against their consensus, which needs a
majority of independent families.
"""

from __future__ import annotations

import difflib
import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

import adcheck.engines as _engines
from adcheck.engines.base import Engine
from adcheck.engines.errors import UnknownName
from adcheck.judging import errmodel as em
from adcheck.judging.errmodel import KINDS
from adcheck.judging.messages import times_allowance
from adcheck.judging.pipeline import CaseOutcome, judge_case

DEFAULT_ENGINES = {
    1: ("reverse", "forward", "richardson", "central"),
    2: ("forward-over-reverse", "reverse-over-reverse", "richardson", "central"),
}
"""Defaults span three families at least: adcheck's AD, and two difference schemes."""

FIRST_WITNESSES = {1: ("reverse", "central"), 2: ("forward-over-reverse", "central")}
"""With the default engines a check runs in two stages, as a sequential test does: these two
families first (adcheck's AD and central differences, about 2 evaluations of f an input), and
the rest of ``DEFAULT_ENGINES`` only when the first two do not settle it: a verdict other than
pass, or a central difference closer to its allowance than ``SETTLED_RATIO`` (richardson's
tighter allowance then judges too). The claim is the same either way: ``verified_to`` is the
loosest passing engine's, central's, in both."""

SETTLED_RATIO = 0.25

# Orders 3 and 4: two AD nestings (different inner modes) and the exact oracle.
HIGHER_ORDER_ENGINES = ("forward-over-reverse", "reverse-over-forward", "exact")

LONG_CHECK_S = 10.0
"""A check whose coordinate-wise engines are estimated to take longer than this warns first."""


class LongCheckWarning(UserWarning):
    """The check will evaluate ``f`` once or twice per input (differences, the exact oracle):
    with many inputs that is long, and the warning says how long and what is cheaper."""


@dataclass
class CheckReport:
    """The result of ``check``: truthy when the derivative is confirmed.

    ``engines`` maps each engine name to its ``CaseVerdict`` (the record type ``adcheck run``
    builds too); ``verified_to`` is the worst precision a passing engine certified.
    """

    kind: str
    verdict: str  # "pass" | "fail" | "inconclusive"
    reference: str
    engines: dict = field(default_factory=dict)
    outliers: list = field(default_factory=list)
    message: str = ""
    case: CaseOutcome | None = field(default=None, repr=False)
    identity: object = field(default=None, repr=False)  # the check as an identity record
    shrunk: dict | None = None  # the smallest failing input found (with ``strategy``)

    def records(self, identity_id: str | None = None, rerun: str | None = None) -> list[dict]:
        """The results.json records of this check, one per engine, as ``adcheck run`` writes
        them (built by the same accumulator from the same verdicts)."""
        from dataclasses import replace

        from adcheck.judging.cases import Accumulator
        rec = self.identity if identity_id is None else replace(self.identity, id=identity_id,
                                                                 title=identity_id)
        out = []
        for name, v in self.engines.items():
            acc = Accumulator(rec, name, 0, 1, command=rerun)
            acc.add(0, self.case.ctx.args if self.case else (), v)
            out.append(acc.record())
        return out

    @property
    def ok(self) -> bool:
        return self.verdict == "pass"

    @property
    def verified_to(self) -> float | None:
        got = [v.verified_to for v in self.engines.values()
               if v.outcome == "pass" and v.verified_to is not None]
        return max(got) if got else None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message


def check(f, args, wrt: int = 0, kind: str = "gradient", engines=None, expected=None,
          v=None, strategy=None, order=None, direction=None) -> CheckReport:
    """Check the ``kind`` derivative of ``f(xp, *args)`` with respect to ``args[wrt]``.

    Args:
        f: the function, written against the array namespace ``xp``.
        args: its arguments, a tuple (or list) of float arrays or numbers.
        wrt: index of the differentiated argument.
        kind: "gradient", "jacobian", "hessian", "hvp" (with ``v``) or "laplacian".
        engines: engine names or Engine objects (default: ``DEFAULT_ENGINES``, in two stages:
            ``FIRST_WITNESSES``, then the rest when those two do not settle it).
        expected: the claimed derivative: an array, or a closed form ``g(xp, *args)``.
        v: the direction of an "hvp".
        strategy: a hypothesis strategy of argument tuples; given, a failure is replayed
            through it to the smallest failing input (``report.shrunk``), as ``adcheck run``
            does with an identity's strategy.
        order: the order k (1 to 4) of kind="derivative": all k-th partials, mixed included,
            shaped ``out.shape + x.shape * k``.
        direction: the tangent of a "jvp" (shaped like the argument) or the cotangent of a
            "vjp" (shaped like the output).
    Returns:
        A CheckReport; ``report.message`` says what failed, where, by how much, and why.
    Raises:
        TypeError, ValueError: for a usage error, naming the argument and the way out.
    """
    args, order = _args(args), _order(kind, order)
    _wrt(wrt, args)
    v = _direction(kind, v, direction, args, wrt)
    _preflight(f, args, wrt)
    chosen = _engine_list(engines, order, kind)
    _warn_if_long(f, args, wrt, order, kind, chosen if engines is not None else
                  _first_stage(engines, order, kind) or chosen)
    rec = _record(f, kind, wrt, order, expected, v, args, strategy)
    ref = None if expected is None or callable(expected) else _expected_array(expected)
    first = _first_stage(engines, order, kind)
    case = judge_case(rec, first, args, expected=ref) if first else None
    staged = case is not None and _settled(case)
    if not staged:
        case = judge_case(rec, chosen, args, expected=ref)
    rep = _report(kind, case, expected)
    if staged:
        rest = [e.name for e in chosen if e.name not in case.verdicts]
        rep.message += (f"\n  {', '.join(rest)}: not run, the first two families agreed "
                        f"(engines={[e.name for e in chosen]!r} runs every one)")
    rep.identity = rec
    if rep.verdict == "fail" and strategy is not None and ref is None:
        _shrink(rep, rec, chosen, args)
    return rep


def _first_stage(engines, order, kind) -> list[Engine]:
    """The first witnesses of a default check (``FIRST_WITNESSES``); none when the user chose
    the engines, or for kind="derivative" (its reference is the exact oracle)."""
    if engines is not None or kind == "derivative" or order not in FIRST_WITNESSES:
        return []
    return _engine_list(FIRST_WITNESSES[order], order, kind)


def _settled(case: CaseOutcome) -> bool:
    """Whether the first stage decided: every engine passed, none near its allowance, and the
    reference is not under suspicion."""
    vs = case.verdicts.values()
    return (bool(vs) and not case.suspect_reference
            and all(v.outcome == "pass" for v in vs)
            and all(not v.worst or v.worst["ratio"] <= SETTLED_RATIO for v in vs))


def _shrink(rep, rec, chosen, args) -> None:
    """Replay the first failing engine through the strategy to the smallest failing input
    (within ``adcheck.judging.shrink.BUDGET_S``; the message says when there is none)."""
    from adcheck.judging.messages import text
    from adcheck.judging.shrink import describe, shrink
    name = next(n for n, x in rep.engines.items() if x.outcome == "fail")
    engine = next(e for e in chosen if e.name == name)
    found = shrink(rec, engine, chosen, original=args)
    if found is None:
        return
    if found.args is not None:
        rep.shrunk = describe(rec, found.args)
        rep.engines[name].shrunk = rep.shrunk
        rep.message += f"\n  {name}: {text(rep.shrunk)}"
    if found.note:
        rep.message += f"\n  {name}: {found.note}"


# ----------------------------------------------------------------------------- usage errors

def _args(args) -> tuple:
    if isinstance(args, np.ndarray) or isinstance(args, numbers.Number):
        raise TypeError(f"args must be a tuple of the function's arguments, e.g. (x,) for "
                        f"f(xp, x); got a bare {type(args).__name__}")
    try:
        args = tuple(args)
    except TypeError:
        raise TypeError(f"args must be a tuple of the function's arguments, e.g. (x,); got "
                        f"{type(args).__name__}") from None
    for i, a in enumerate(args):
        if np.iscomplexobj(a):
            raise TypeError(f"args[{i}] has a complex dtype; derivatives are taken of real "
                            f"float64 inputs: pass its real and imaginary parts as two arguments")
    return args


def _order(kind, order) -> int:
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), KINDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"kind={kind!r} is not a derivative kind check knows: choose one of "
                         f"{', '.join(KINDS)}{hint}")
    if kind == "derivative":
        from adcheck.engines.higher import check_order
        return check_order(order)
    if order is not None:
        raise ValueError(f"order= applies to kind='derivative' only; kind={kind!r} has order "
                         f"{em.ORDER[kind]}")
    return em.ORDER[kind]


def _wrt(wrt, args) -> None:
    if isinstance(wrt, bool) or not isinstance(wrt, (int, np.integer)):
        raise TypeError(f"wrt must be an int (the index of the differentiated argument); got "
                        f"{type(wrt).__name__} {wrt!r}")
    if not 0 <= wrt < len(args):
        raise ValueError(f"wrt={wrt} is out of range: args holds {len(args)} argument(s), so "
                         f"wrt must be in 0..{len(args) - 1}")


def _preflight(f, args, wrt) -> None:
    """Evaluate ``f`` once, traced, for the errors that are the function's, not a verdict: a
    name no namespace has (``UnknownName``, a typo), a form of a name adcheck lacks
    (``UnsupportedSpelling``: ``clip(x, out=y)``, ``exp(x, where=m)``), its refusal of a traced
    value (``float(x)``, ``np.asarray(x)``, ``x += y``) and a value that is not real numbers:
    the function has to change, and an "inconclusive" would hide why. Any other failure is
    left to the engines to report."""
    from adcheck.engines import transforms as T
    from adcheck.engines.errors import TracedValueError
    from adcheck.engines.namespace import ad
    try:
        with np.errstate(all="ignore"):  # a zero tangent through a zero slope: 0/0 inside
            out = T.jvp(f, ad, args, np.zeros(np.shape(args[wrt])), wrt)[0]
    except (UnknownName, TracedValueError):
        raise
    except TypeError:  # a keyword a primitive's rules lack (out=, where=) is named here
        from adcheck.engines.keywords import check_keywords
        check_keywords(f, args)
        return
    except Exception:  # noqa: BLE001  anything else is the engines' to report
        return
    _real_value(out)


def _warn_if_long(f, args, wrt, order: int, kind: str, chosen) -> None:
    """Warn before a check that evaluates ``f`` per coordinate (differences: 2 evaluations an
    input at first order, about 2 an entry of a Hessian; the exact oracle at 150 digits) and
    would take longer than ``LONG_CHECK_S``: with 10^6 inputs that is hours, and the user had no
    word of it. The price of one evaluation is measured on a plain one (only past 1,000 inputs,
    where one more evaluation is nothing beside the check)."""
    import warnings

    from adcheck.engines.namespace import numpy_ns
    n = int(np.size(args[wrt]))
    slow = [e for e in chosen if getattr(e, "category", "") in ("finite-difference", "exact")]
    if n < 1000 or not slow or kind in ("jvp", "vjp", "hvp"):
        return
    seconds = math.inf
    for _ in range(2):  # the second is warm (the first may pay for a first call's set-up)
        t0 = time.perf_counter()
        try:
            with np.errstate(all="ignore"):
                f(numpy_ns, *args)
        except Exception:  # noqa: BLE001  the engines report it
            return
        seconds = min(seconds, time.perf_counter() - t0)
    per_input = 2 if order == 1 else 2 * n
    # the engines' namespace about doubles a plain evaluation (sum(x*x) of 10^5 inputs: 50 us
    # plain, 110 us an evaluation inside central differences); 50-digit arithmetic costs a few
    # hundred times a float64 one
    estimate = max(n * per_input * 2 * seconds * (300.0 if e.category == "exact" else 1.0)
                   for e in slow)
    if estimate > LONG_CHECK_S:
        warnings.warn(
            f"check({kind}) of {n:,} inputs: {', '.join(e.name for e in slow)} "
            f"evaluate{'s' if len(slow) == 1 else ''} f "
            f"about {per_input:,} times an input ({seconds * 1e3:.3g} ms each): an estimated "
            f"{estimate:,.0f} s or more. adcheck.probe(f, args) checks the same derivative "
            f"along a few random directions at a cost independent of the number of inputs; "
            f"engines=['reverse', 'forward'] compares the two AD modes alone",
            LongCheckWarning, stacklevel=3)


def _real_value(out) -> None:
    """Refuse a value with no real derivative to check: None (a missing ``return``; every
    engine read it as 0 and passed ``expected=zeros``) or complex numbers (every engine kept
    the real part and passed the derivative of that alone). ``adcheck run`` refuses the same
    values of an identity's f, closed form and sampler (an error of the case)."""
    from adcheck.judging.user_outputs import refuse_unreal
    refuse_unreal(out, "f")


def _direction(kind, v, direction, args, wrt):
    if kind in ("jvp", "vjp"):
        if direction is None:
            raise ValueError(f"kind={kind!r} needs direction= (the "
                             f"{'tangent' if kind == 'jvp' else 'cotangent'})")
        return np.asarray(direction, dtype=float)
    if kind != "hvp":
        return None
    if v is None:
        raise ValueError("kind='hvp' needs the direction v= (an array shaped like "
                         f"args[{wrt}])")
    v = np.asarray(v, dtype=float)
    if v.shape != np.shape(args[wrt]):
        raise ValueError(f"v has shape {v.shape}; the direction of an hvp has the shape of "
                         f"args[{wrt}], {np.shape(args[wrt])}")
    return v


def _engine_list(names, order, kind="gradient") -> list[Engine]:
    if names is None:
        if kind == "derivative":  # the exact engine is the reference of every order
            default = HIGHER_ORDER_ENGINES + (("richardson",) if order <= 2 else ())
        else:
            default = DEFAULT_ENGINES[order]
        return [_engines.ENGINES[n] for n in default if n in _engines.ENGINES]
    if isinstance(names, (str, Engine)):
        names = [names]
    out = []
    for n in names:
        if isinstance(n, Engine):
            out.append(n)
        elif n in _engines.ENGINES:
            out.append(_engines.ENGINES[n])
        else:
            close = difflib.get_close_matches(str(n), list(_engines.ENGINES), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"engines: no engine named {n!r}{hint}; available: "
                             f"{', '.join(_engines.ENGINES)}")
    return out


def _expected_array(expected):
    from adcheck.judging.pytree import is_tree
    if is_tree(expected):  # one expected derivative per output, in the output's container
        return type(expected)({k: _expected_array(x) for k, x in expected.items()}) \
            if isinstance(expected, dict) else type(expected)(map(_expected_array, expected))
    try:
        return np.asarray(expected, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"expected must be an array of numbers or a closed form g(xp, *args); "
                        f"got {type(expected).__name__} ({exc})") from None


def _record(f, kind, wrt, order, expected, v, args, strategy=None):
    """The user's function as an identity record (not registered in the catalogue)."""
    from adcheck.identities import Identity
    name = getattr(f, "__name__", "f")
    return Identity(id=f"check:{name}", section="user", title=f"check({kind}) of {name}",
                    citation="", kind=kind, f=f, wrt=wrt, smoothness=order,
                    closed_form=expected if callable(expected) else None,
                    v=None if v is None else (lambda *a: v), prove=_no_statement,
                    strategy=strategy, extra={"order": order},
                    arg_names=_arg_names(f, len(args)))


def _arg_names(f, n: int) -> tuple[str, ...]:
    """The names of ``f(xp, *args)``'s arguments after ``xp``, else arg0, arg1, ..."""
    import inspect
    try:
        params = list(inspect.signature(f).parameters.values())[1:]
    except (TypeError, ValueError):
        params = []
    if len(params) == n and all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                                for p in params):
        return tuple(p.name for p in params)
    return tuple(f"arg{i}" for i in range(n))


def _no_statement():
    return {"status": "numeric", "detail": "a check of a user's function: no symbolic statement"}


# ----------------------------------------------------------------------------- the report

def _report(kind, case: CaseOutcome, expected) -> CheckReport:
    vs = case.verdicts
    # an engine that crashed on a function the others computed is reported as a failure (as
    # `adcheck run` exits 1 on it), never hidden behind the others' pass
    failed = [n for n, x in vs.items() if x.outcome in ("fail", "error")]
    passed = [n for n, x in vs.items() if x.outcome == "pass"]
    verdict = "fail" if failed else ("pass" if passed else "inconclusive")
    rep = CheckReport(kind, verdict, case.reference, dict(vs), case.outliers, case=case)
    if case.suspect_reference and expected is not None:
        rep.outliers = ["expected"]
    rep.message = _message(rep)
    return rep


def _message(rep: CheckReport) -> str:
    lines = [f"check({rep.kind}) against {rep.reference}: {rep.verdict.upper()}"]
    # without a majority every value is shown, a large one beside the first engine's
    first = next(((n, ev.result) for n, ev in rep.engines.items() if ev.result is not None),
                 (None, None))
    for name, ev in rep.engines.items():
        beside = first if first[0] != name else (None, None)
        lines.append(f"  {name} [{ev.family}]: " + _engine_line(ev, rep.reference, beside))
    if rep.outliers == ["expected"]:
        lines.append("  every engine agrees with the others but not with the expected value: "
                     "the expected value is the outlier")
    elif rep.outliers:
        fams = sorted({rep.engines[n].family for n in rep.outliers})
        lines.append(f"  outlier(s): {', '.join(rep.outliers)} (family {', '.join(fams)})")
    if not any(ev.outcome in ("pass", "fail") for ev in rep.engines.values()):
        lines.append("  nothing was judged: this check certifies nothing")
    return "\n".join(lines)


def _engine_line(ev, reference, beside=(None, None)) -> str:
    from adcheck.judging.consensus import UNRESOLVED
    from adcheck.judging.messages import array_text
    line = ev.outcome
    if ev.worst:
        w = ev.worst
        line += (f", worst |error| {w['abs_error']:.3e} vs allowed {w['allowance']:.3e} "
                 f"(relative {w['rel_error']:.2e}, {times_allowance(w)})")
        if ev.outcome == "fail" and ev.value is not None and ev.ref is not None:
            at = tuple(int(i) for i in ev.index)
            line += f" at {at}: {ev.value:.6g} vs reference {ev.ref:.6g}"
    if ev.verified_to is not None and ev.outcome == "pass":
        line += f", verified to {ev.verified_to:.1e} relative"
    if ev.diagnosis:
        line += f"; diagnosis: {ev.diagnosis}"
    if ev.note:
        line += f"; {ev.note}"
    if reference in ("no majority", UNRESOLVED) and ev.result is not None:
        line += f"; value {array_text(ev.result, beside[1], beside[0] or 'reference')}"
    return line


def assert_check(report: CheckReport) -> CheckReport:
    """Raise AssertionError with the full explanation unless the report passed."""
    if not report.ok:
        raise AssertionError(report.message)
    return report


def assert_derivative(f, args, wrt: int = 0, kind: str = "gradient", **kw) -> CheckReport:
    """``check`` and raise AssertionError with the full explanation unless it passes."""
    return assert_check(check(f, args, wrt=wrt, kind=kind, **kw))
