"""General-dimension derivatives: our layout, and a cross-check that catches sympy's slips."""

import numpy as np
import sympy
from sympy import MatrixSymbol, ZeroMatrix, symbols, trace

from engines.matrix_symbols import check_at_size, componentwise, matrix_derivative

n, m = symbols("n m", integer=True, positive=True)
A, x, Q, F = (MatrixSymbol("A", m, n), MatrixSymbol("x", n, 1), MatrixSymbol("Q", n, n),
              MatrixSymbol("F", n, n))
SIZES = {n: 3, m: 2}


def test_jacobian_of_a_linear_map_is_in_numerator_layout():
    d = matrix_derivative(A * x, x)
    assert d.ok and d.expr == A  # sympy says A.T; we say A
    assert check_at_size(A * x, x, d.expr, SIZES, np.random.default_rng(0)).agree


def test_quadratic_and_gram_gradients():
    rng = np.random.default_rng(1)
    d = matrix_derivative(x.T * Q * x, x)
    assert d.ok and check_at_size(x.T * Q * x, x, d.expr, SIZES, rng).agree
    assert (d.expr - (Q + Q.T) * x).expand() == ZeroMatrix(n, 1)
    gram = (A * x).T * (A * x)
    d = matrix_derivative(gram, x)
    assert check_at_size(gram, x, d.expr, SIZES, rng).agree


def test_cross_check_catches_a_wrong_claim():
    rng = np.random.default_rng(2)
    assert not check_at_size(A * x, x, A.T, {n: 2, m: 2}, rng).agree
    assert not check_at_size(x.T * Q * x, x, 2 * Q * x, SIZES, rng).agree  # Q not symmetric


def test_sympy_issue_25118_is_caught():
    """d(tr(FᵀF) − 3)/dF = 2F. sympy 1.14 answers 0 (its issue 25118); the cross-check must
    reject whatever sympy says unless it is right."""
    expr = trace(F.T * F) - 3
    d = matrix_derivative(expr, F)
    check = check_at_size(expr, F, d.expr, {n: 3}, np.random.default_rng(3))
    right = d.expr is not None and (d.expr - 2 * F).expand() == ZeroMatrix(n, n)
    assert check.agree == right
    if sympy.__version__ == "1.14.0":
        assert d.expr == ZeroMatrix(n, n) and not check.agree
    assert check_at_size(expr, F, 2 * F, {n: 3}, np.random.default_rng(3)).agree


def test_componentwise_layout():
    J = componentwise(A * x, x, {n: 3, m: 2})
    assert J.shape == (2, 3)
    assert J[1, 2] == sympy.Symbol("A_1_2", real=True)
