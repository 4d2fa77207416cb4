"""The reference of one case: the exact oracle's value, its own error, and the rounding bounds.

Everything here is computed once per input and shared by every engine judged on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from adcheck.judging import errmodel as em
from adcheck.judging.user_outputs import refuse_unreal


@dataclass
class Context:
    """What every engine's result on one input is judged against."""

    args: tuple
    ref: np.ndarray | None = None
    ref_err: object = None
    bounds: list = field(default_factory=list)
    kinks: list = field(default_factory=list)
    f_magnitude: float = 0.0  # running bound of f (for finite differences' rounding floor)
    x_scale: float = 1.0  # max(1, |x|): the unit of the function's natural scale
    x_size: float = 1.0  # max |x| (1 for all zeros): the unit of finite differences' steps
    skip: str = ""  # a reason to call every engine's result inconclusive on this input
    oracle: str = "exact"
    kink_near: bool | None = None  # a kink within a stencil's reach (computed when needed)
    located: dict = field(default_factory=dict)  # which inputs lie on a kink (when needed)

    @property
    def has_reference(self) -> bool:
        """Whether engines are judged against a reference (else against their consensus)."""
        return self.ref is not None or bool(self.skip)


def _finite_inputs(args) -> bool:
    for a in args:
        try:
            arr = np.asarray(a, dtype=float)
        except (TypeError, ValueError):
            continue
        if not np.all(np.isfinite(arr)):
            return False
    return True


def exact(g, args) -> np.ndarray | None:
    """The closed form at 50 digits by the exact oracle, rounded to float64; None if absent."""
    try:
        from adcheck.engines.exact import evaluate_exact
    except ImportError:
        return None
    out = np.asarray(evaluate_exact(g, args, dps=50), dtype=object)
    return np.vectorize(float, otypes=[float])(out) if out.size else out.astype(float)


_DIRECTION = {"hvp": "v", "jvp": "tangent", "vjp": "cotangent"}


def derivative_kw(rec, args) -> dict:
    """Keyword arguments the record's kind needs: the direction of an hvp, jvp or vjp (the
    record's ``v``), or the order of a ``derivative``."""
    if rec.kind == "derivative":
        return {"order": int(rec.extra.get("order") or 1)}
    if rec.kind in _DIRECTION and rec.v:
        v = rec.v(*args)
        refuse_unreal(v, f"the direction v of {rec.id}")
        return {_DIRECTION[rec.kind]: np.asarray(v, dtype=float)}
    return {}


def prepare(rec, args, expected=None) -> Context:
    """Reference value and rounding bounds of one case (or the reason it cannot be judged).

    ``expected`` (an array) is a user's claimed value: it is the reference, as given.
    Raises UserOutputError when the closed form returns None, complex numbers or objects.
    """
    ctx = Context(tuple(args))
    if not _finite_inputs(args):
        ctx.skip = "the input contains NaN or inf: outside every identity's domain"
        return ctx
    if rec.kind != "residual":
        f_err = None
        try:  # 0·inf and x/0 inside the rules are the bound's to handle, not a user's warning
            with np.errstate(all="ignore"):
                b = em.derivative_bound(rec.kind, rec.f, args, rec.wrt,
                                        **derivative_kw(rec, args))
            ctx.bounds.append(b)
            ctx.kinks += b.kinks
            f_err = b.f_err
        except Exception:  # noqa: BLE001  the bound is optional; the closed form's may exist
            pass
        _function_scale(rec, ctx, f_err)
    if expected is not None:
        ctx.ref, ctx.oracle = np.asarray(expected, dtype=float), "the expected value"
        return ctx
    if rec.closed_form is None:
        if rec.kind == "residual":
            ctx.ref, ctx.oracle = np.zeros(()), "zero residual"
        return ctx
    _closed_form_reference(rec, ctx)
    return ctx


def _closed_form_reference(rec, ctx: Context) -> None:
    _real_closed_form(rec, ctx.args)
    try:
        cf = em.function_bound(rec.closed_form, ctx.args)
        ctx.bounds.append(cf)
    except Exception as exc:  # noqa: BLE001
        cf = None
        why = f"{type(exc).__name__}: {exc}"
    try:
        value = exact(rec.closed_form, ctx.args)
    except Exception as exc:  # noqa: BLE001
        ctx.skip = f"the exact oracle could not evaluate the closed form ({type(exc).__name__}: " \
                   f"{exc}): reference unreliable"
        return
    if value is not None:
        ctx.ref, ctx.oracle = value, "the closed form (exact oracle)"
        return
    if cf is None:
        ctx.skip = f"the closed form could not be evaluated ({why})"
        return
    # No exact oracle: the float64 closed form, charged with its own rounding bound.
    ctx.ref, ctx.oracle = cf.value, "float64 closed form"
    ctx.ref_err = em.route_rounding(cf.err)


def _real_closed_form(rec, args) -> None:
    """Raise UserOutputError when the closed form returns None, complex numbers or objects
    (float64 numpy: the exact oracle keeps the real part of a complex value whose imaginary
    part is 0, and reads the rest as "could not evaluate", an inconclusive)."""
    from adcheck.engines.namespace import numpy_ns
    try:
        with np.errstate(all="ignore"):
            value = rec.closed_form(numpy_ns, *args)
    except Exception:  # noqa: BLE001  the oracle meets the same error and reports it
        return
    refuse_unreal(value, f"the closed form of {rec.id}")


def _function_scale(rec, ctx: Context, f_err=None) -> None:
    """f's rounding bound and the input's scale; ``f_err``: the bound if already known."""
    try:
        if f_err is None:
            f_err = em.function_bound(rec.f, ctx.args).err
        ctx.f_magnitude = float(np.max(f_err, initial=0.0))
        ctx.x_size = input_size(ctx.args[rec.wrt])
        ctx.x_scale = max(1.0, ctx.x_size)
    except Exception:  # noqa: BLE001  no scale: the floor stays 0
        pass


def input_size(x) -> float:
    """max |x_i|, the scale the finite differences step on (1 for an all-zero input)."""
    return float(np.max(np.abs(np.asarray(x, dtype=float)), initial=0.0)) or 1.0


def fd_estimate(result_error, order: int, ctx: Context):
    """A numerical engine's allowance term: FD_TRUST times its estimate, never below the
    rounding floor of its differences (a bound itself, so not multiplied)."""
    if result_error is None:
        return None
    return em.fd_term(result_error, em.fd_floor(order, ctx.f_magnitude, ctx.x_size))
