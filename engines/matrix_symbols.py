"""General-dimension derivatives with sympy matrix expressions, in our layout, cross-checked.

``matrix_derivative(expr, wrt)`` asks sympy for d expr / d wrt (``MatrixSymbol`` of symbolic
size) and converts sympy's layout to ours: for a vector-valued expression of a vector sympy
answers d(Ax)/dx = Aᵀ, we use numerator layout, A. A scalar's gradient already has the shape of
the argument in both. It reports whether sympy could do it at all.

Sympy's answers are never trusted blindly: sympy 1.14 returns 0 for d(tr(FᵀF) − 3)/dF (sympy
issue 25118; the right answer is 2F). ``check_at_size`` substitutes concrete sizes, replaces each
matrix by a matrix of scalar symbols, differentiates entry by entry and compares with the claimed
derivative exactly at random rational points. A proof of "general" status needs both.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import MatrixSymbol


@dataclass(frozen=True)
class MatrixDerivative:
    """sympy's derivative in our layout; ``ok`` False (with ``note``) when sympy failed."""

    expr: object
    ok: bool
    note: str = ""


def _is_column(e) -> bool:
    return getattr(e, "is_Matrix", False) and e.shape[1] == 1 and e.shape[0] != 1


def _is_scalar(e) -> bool:
    return not getattr(e, "is_Matrix", False) or e.shape == (1, 1)


def matrix_derivative(expr, wrt: MatrixSymbol) -> MatrixDerivative:
    """d expr / d wrt in numerator layout (gradients shaped like ``wrt``)."""
    try:
        d = expr.diff(wrt)
    except Exception as exc:  # sympy raises many kinds; all mean "could not"
        return MatrixDerivative(None, False, f"sympy could not differentiate: {exc}")
    if _is_scalar(expr):
        return MatrixDerivative(d, True, "gradient, shaped like the argument")
    if _is_column(expr) and _is_column(wrt):
        return MatrixDerivative(d.T, True, "Jacobian, transposed from sympy's layout")
    return MatrixDerivative(d, False, "matrix-by-matrix derivative: layout not normalized")


def explicit(e, sizes: dict | None = None):
    """``e`` at concrete sizes with each matrix spelled out in scalar symbols M_i_j."""
    if sizes:
        e = e.subs(sizes)
    mats = {m: _entries(m) for m in e.atoms(MatrixSymbol)}
    out = e.xreplace(mats).doit()
    if getattr(out, "is_Matrix", False) and out.shape == (1, 1):
        out = out[0, 0]
    return out, mats


def _entries(m: MatrixSymbol) -> sympy.ImmutableMatrix:
    rows, cols = int(m.rows), int(m.cols)
    return sympy.ImmutableMatrix(rows, cols, lambda i, j: sympy.Symbol(
        f"{m.name}_{i}_{j}", real=True))


def componentwise(expr, wrt: MatrixSymbol, sizes: dict | None = None):
    """Entry-by-entry derivative of ``expr`` at concrete sizes, in our layout (a Matrix)."""
    out, mats = explicit(expr, sizes)
    w = _entries(wrt.subs(sizes) if sizes else wrt)
    if not getattr(out, "is_Matrix", False):
        return w.applyfunc(lambda s: sympy.diff(out, s))
    flat_w = list(w)
    return sympy.Matrix(out.shape[0], len(flat_w),
                        lambda i, j: sympy.diff(out[i, 0] if out.shape[1] == 1 else out[i],
                                                flat_w[j]))


@dataclass(frozen=True)
class CrossCheck:
    """Whether a claimed derivative matches the entrywise one at a concrete size."""

    agree: bool
    worst: object
    note: str


def check_at_size(expr, wrt: MatrixSymbol, claimed, sizes: dict | None, rng,
                  points: int = 2) -> CrossCheck:
    """Compare ``claimed`` (our layout) with the entrywise derivative of ``expr`` exactly.

    Args:
        sizes: {dimension symbol: int} for symbolic sizes (None if all sizes are numbers).
        rng: numpy Generator choosing the random rational points (integers / 7).
        points: how many points to compare at.
    """
    truth = sympy.Matrix(componentwise(expr, wrt, sizes))
    if claimed is None:
        return CrossCheck(False, None, "no claimed derivative")
    got, _ = explicit(claimed, sizes) if hasattr(claimed, "free_symbols") else (claimed, {})
    got = sympy.Matrix(got) if getattr(got, "is_Matrix", False) else \
        sympy.Matrix(truth.shape[0], truth.shape[1], lambda i, j: got)
    if got.shape != truth.shape:
        return CrossCheck(False, None, f"shape {got.shape} but entrywise {truth.shape}")
    syms = sorted(truth.free_symbols | got.free_symbols, key=str)
    worst = sympy.Integer(0)
    for _ in range(points):
        at = {s: sympy.Rational(int(rng.integers(-20, 21)), 7) for s in syms}
        diff = (got - truth).xreplace(at)
        worst = max([worst] + [abs(sympy.nsimplify(v)) for v in diff])
    note = "agrees exactly" if worst == 0 else f"differs by up to {worst}"
    return CrossCheck(worst == 0, worst, note)


__all__ = ["CrossCheck", "MatrixDerivative", "check_at_size", "componentwise", "explicit",
           "matrix_derivative"]
