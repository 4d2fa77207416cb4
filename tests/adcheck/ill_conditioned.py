"""Correct custom rules for solve, inverse and Cholesky, and inputs of a chosen condition
number: the cases on which a difference reference must abstain rather than fail.

``torch_cases(r, n, cond, dtype)`` and ``jax_cases(...)`` yield (name, function, inputs).
Imported only where the framework is.
"""

import numpy as np


def matrix(r, n: int, cond: float, spd: bool = False) -> np.ndarray:
    """A random n x n matrix with singular values log-spaced from 1 to 1/cond."""
    U, _ = np.linalg.qr(r.standard_normal((n, n)))
    s = np.logspace(0, -np.log10(cond), n)
    if spd:
        return U @ np.diag(s) @ U.T
    V, _ = np.linalg.qr(r.standard_normal((n, n)))
    return U @ np.diag(s) @ V.T


def torch_rules():
    """(Solve, SignlessSolve, Inv, Chol): autograd.Functions; SignlessSolve drops the sign of
    A's cotangent (x = A⁻¹b gives Ā = -Aᵀ⁻¹ ḡ xᵀ)."""
    import torch

    def solve_fwd(ctx, A, b):
        x = torch.linalg.solve(A, b)
        ctx.save_for_backward(A, x)
        return x

    def solve_bwd(sign):
        def bwd(ctx, g):
            A, x = ctx.saved_tensors
            gb = torch.linalg.solve(A.mT, g)
            return sign * torch.outer(gb, x), gb
        return bwd

    def inv_fwd(ctx, A):
        B = torch.linalg.inv(A)
        ctx.save_for_backward(B)
        return B

    def inv_bwd(ctx, g):
        (B,) = ctx.saved_tensors
        return -B.mT @ g @ B.mT

    def chol_fwd(ctx, A):
        L = torch.linalg.cholesky(A)
        ctx.save_for_backward(L)
        return L

    def chol_bwd(ctx, g):  # Ā = L⁻ᵀ Φ(Lᵀ ḡ) L⁻¹, symmetrized (Murray 2016)
        (L,) = ctx.saved_tensors
        P = torch.tril(L.mT @ g)
        P = P - 0.5 * torch.diag_embed(torch.diagonal(P))
        S = torch.linalg.solve_triangular(L.mT, P, upper=True)
        S = torch.linalg.solve_triangular(L.mT, S.mT, upper=True)
        return 0.5 * (S + S.mT)

    def make(name, fwd, bwd):
        return type(name, (torch.autograd.Function,), {"forward": staticmethod(fwd),
                                                       "backward": staticmethod(bwd)})
    return (make("Solve", solve_fwd, solve_bwd(-1.0)), make("SignlessSolve", solve_fwd,
                                                            solve_bwd(1.0)),
            make("Inv", inv_fwd, inv_bwd), make("Chol", chol_fwd, chol_bwd))


def torch_cases(r, n: int, cond: float, dtype):
    import torch
    Solve, _, Inv, Chol = torch_rules()
    A = torch.tensor(matrix(r, n, cond), dtype=dtype)
    b = torch.tensor(r.standard_normal(n), dtype=dtype)
    S = torch.tensor(matrix(r, n, cond, spd=True), dtype=dtype)
    yield "solve", Solve.apply, (A, b)
    yield "inv", Inv.apply, (A,)
    yield "cholesky", lambda A: Chol.apply(0.5 * (A + A.mT)), (S,)


def jax_rules():
    """(solve, signless_solve, inv, chol): custom_vjp functions, as ``torch_rules``."""
    import jax
    import jax.numpy as jnp

    def solver(sign):
        @jax.custom_vjp
        def solve(A, b):
            return jnp.linalg.solve(A, b)

        def fwd(A, b):
            x = jnp.linalg.solve(A, b)
            return x, (A, x)

        def bwd(res, g):
            A, x = res
            gb = jnp.linalg.solve(A.T, g)
            return sign * jnp.outer(gb, x), gb
        solve.defvjp(fwd, bwd)
        return solve

    @jax.custom_vjp
    def inv(A):
        return jnp.linalg.inv(A)

    def inv_fwd(A):
        B = jnp.linalg.inv(A)
        return B, B

    inv.defvjp(inv_fwd, lambda B, g: (-B.T @ g @ B.T,))

    @jax.custom_vjp
    def chol(A):
        return jnp.linalg.cholesky(A)

    def chol_fwd(A):
        L = jnp.linalg.cholesky(A)
        return L, L

    def chol_bwd(L, g):
        P = jnp.tril(L.T @ g)
        P = P - 0.5 * jnp.diag(jnp.diag(P))
        S = jax.scipy.linalg.solve_triangular(L.T, P, lower=False)
        S = jax.scipy.linalg.solve_triangular(L.T, S.T, lower=False)
        return (0.5 * (S + S.T),)
    chol.defvjp(chol_fwd, chol_bwd)
    return solver(-1.0), solver(1.0), inv, chol


def jax_cases(r, n: int, cond: float, dtype):
    import jax.numpy as jnp
    solve, _, inv, chol = jax_rules()
    A = jnp.asarray(matrix(r, n, cond), dtype=dtype)
    b = jnp.asarray(r.standard_normal(n), dtype=dtype)
    S = jnp.asarray(matrix(r, n, cond, spd=True), dtype=dtype)
    yield "solve", solve, (A, b)
    yield "inv", inv, (A,)
    yield "cholesky", lambda A: chol(0.5 * (A + A.T)), (S,)
