"""The ``complex-step`` engine: g'(0) = Im g(i h) / h for analytic g, with no cancellation.

With h = 2^-60 relative to the input's scale (``Line.scale``) the truncation error (h² g'''/6)
is far below rounding, so first derivatives come out to a few ulps. Second derivatives
differentiate the complex-step first
derivative g'(t) = Im g(t + iε)/ε by the richardson tableau (differences of g' at halving steps,
extrapolated, with its error estimate). Lai & Crassidis (2008) discuss the alternatives; this one
avoids the cancellation of 2(g(0) − Re g(ih))/h².

Only analytic functions qualify. The complex namespace refuses non-analytic primitives (the
table's ``analytic`` flag: abs, sign, maximum, minimum); ``where`` is allowed only on a condition
that does not depend on the perturbed input: comparing a perturbed value raises ``NotAnalytic``.
A refusal becomes ``Result(status="not-applicable")`` with the reason in ``note``.
"""

from __future__ import annotations

import numpy as np

from ..base import Result
from ..errors import NotAnalytic
from ..namespace import Namespace, SlogdetResult
from ._common import EPS, Call, pow2_floor
from .base import Est, FDEngine
from .richardson import FIRST, choose, start_step, tableau

H_CS = 2.0**-60
H_CS_WIDE = 2.0**-26  # truncation (h/scale)² ≈ eps, charged in the estimate
TINY = 2.0**-960  # below this, h·g' may reach the subnormals (< 2^-1022) within a few ops


class Perturbed(np.ndarray):
    """A complex array carrying the perturbation: ordering it is not analytic."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc.__name__ in ("greater", "greater_equal", "less", "less_equal", "maximum",
                              "minimum", "fmax", "fmin", "sign", "absolute"):
            raise NotAnalytic(f"{ufunc.__name__} (a comparison of the perturbed input)")
        plain = [np.asarray(i) if isinstance(i, Perturbed) else i for i in inputs]
        out = getattr(ufunc, method)(*plain, **kwargs)
        return _mark(out)


def _mark(out):
    """View numeric results as Perturbed, so later comparisons of them are caught."""
    if isinstance(out, np.ndarray) and out.dtype.kind in "fc":
        return out.view(Perturbed)
    if isinstance(out, (complex, np.complexfloating)):
        return np.asarray(out).view(Perturbed)
    return out


def _prim(prim):
    """The complex implementation of one primitive (its own), or a refusal if not analytic."""
    name = prim.name
    if not prim.analytic and name != "where":
        def refuse(*args, **params):
            raise NotAnalytic(name)
        return refuse

    def run(*args, **params):
        plain = [np.asarray(a) if isinstance(a, Perturbed) else a for a in args]
        try:
            return _mark(prim.impl(*plain, **params))
        except TypeError as exc:
            if not any(np.iscomplexobj(a) for a in plain):
                raise
            raise NotAnalytic(name, why=(
                f"its implementation does not accept complex numbers ({exc}); give the "
                f"primitive an implementation that does, or analytic=False")) from exc
    return run


class ComplexNamespace(Namespace):
    """Plain numpy primitives over complex arrays, refusing the non-analytic ones."""

    def __init__(self):
        super().__init__("complex-step", _prim, constant=np.asarray)

    def asarray(self, obj, dtype=None):
        arr = np.asarray(obj)  # keeps the imaginary parts (the base class would drop them)
        return _mark(arr) if arr.dtype.kind == "c" else np.asarray(arr, dtype=np.float64)

    def full(self, shape, fill_value, dtype=None):
        return self.asarray(np.full(shape, fill_value))

    def slogdet(self, a):
        return SlogdetResult(np.sign(np.real(np.linalg.det(np.asarray(a)))),
                             self._p["logabsdet"](a))


class ComplexCall(Call):
    """A Call evaluating f on complex inputs in the complex namespace."""

    def __init__(self, f, args, wrt, domain=None, floor: float = 2.0**-10):
        super().__init__(f, args, wrt, domain, floor)
        self.cxp = ComplexNamespace()

    def complex_at(self, z) -> np.ndarray:
        """f at the complex point z (counted as one evaluation)."""
        args = list(self.args)
        args[self.wrt] = np.asarray(z, dtype=complex).view(Perturbed)
        self.evaluations += 1
        with np.errstate(all="ignore"):
            return np.asarray(self.f(self.cxp, *args), dtype=complex)


class ComplexStep(FDEngine):
    """Complex-step differentiation for analytic functions (refuses the others)."""

    name = family = "complex-step"
    description = "complex step Im f(x+ihv)/h (analytic functions only)"

    def _call(self, f, args, wrt, domain):
        return ComplexCall(f, args, wrt, domain, self.floor)

    def cs(self, line, t: float) -> np.ndarray:
        """Im g(t + i h) / h: the complex-step derivative of g at t."""
        h, z = self.step(line, t)
        return np.imag(z) / h

    def first(self, line) -> Est:
        """Im g(ih)/h. Its rounding error is that of evaluating the chain rule, a few eps of
        the derivative's size or, where terms cancel, of |g|/scale (the size its terms would
        have if g varied on the input's scale)."""
        h, z = self.step(line, 0.0)
        d = np.imag(z) / h
        trunc = (h * line.vmax / line.scale) ** 2 * np.abs(d)
        return Est(d, 4 * EPS * (np.abs(d) + np.abs(np.real(z)) * line.vmax / line.scale)
                   + trunc)

    def step(self, line, t: float) -> tuple[float, np.ndarray]:
        """(h, g(t + ih)) with h = H_CS relative to the line's scale, or H_CS_WIDE where
        h·g' would fall among the subnormal numbers (inputs near 1e-150: g' h ~ 1e-318) and
        lose its digits."""
        call = line.call
        h = pow2_floor(H_CS * line.scale / line.vmax)
        z = call.complex_at(call.x + t * line.v + 1j * h * line.v)
        if np.max(np.abs(np.imag(z)), initial=0.0) < TINY:
            h = pow2_floor(H_CS_WIDE * line.scale / line.vmax)
            z = call.complex_at(call.x + t * line.v + 1j * h * line.v)
        return h, z

    def second(self, line) -> Est:
        """Richardson extrapolation of differences of complex-step first derivatives."""
        slope = _SlopeLine(self, line)
        stencil, h0 = choose(FIRST, slope)
        run = tableau(stencil, slope, start_step(stencil, slope, h0))
        if run.status != "ok":
            return Est(run.value, run.error, run.status, run.note)
        note = "" if stencil is FIRST["central"] else "one-sided at the domain edge"
        return Est(run.value, run.error, note=note)


class _SlopeLine:
    """t -> g'(t) by complex step: a line whose first derivative is g''."""

    def __init__(self, engine: ComplexStep, line):
        self.engine, self.line = engine, line
        self.room, self.scale, self.vmax = line.room, line.scale, line.vmax
        self._seen: dict[float, np.ndarray] = {}

    def base_step(self, factor: float) -> float:
        return self.line.base_step(factor)

    def fits(self, h: float, back: int, fwd: int) -> bool:
        return self.line.fits(h, back, fwd)

    def crosses(self, ts) -> str:
        """Never: the complex namespace refuses the non-analytic primitives outright."""
        return ""

    def __call__(self, t: float) -> np.ndarray:
        if t not in self._seen:
            self._seen[t] = self.engine.cs(self.line, t)
        return self._seen[t]


def _guarded(method_name):
    """Wrap an engine method so a NotAnalytic refusal becomes a not-applicable Result."""
    base = getattr(FDEngine, method_name)

    def method(self, *args, **kw):
        try:
            return base(self, *args, **kw)
        except NotAnalytic as exc:
            return Result(None, engine=self.name, status="not-applicable", note=str(exc))
    method.__name__ = method_name
    method.__doc__ = base.__doc__
    return method


for _m in ("jvp", "vjp", "jacobian", "gradient", "hessian", "hvp", "laplacian"):
    setattr(ComplexStep, _m, _guarded(_m))
