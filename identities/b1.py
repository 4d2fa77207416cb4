"""Appendix B.1: matrix-calculus identities and the backprop delta recursion."""

from __future__ import annotations

import sympy as sp

from . import networks as nets
from .activations import NAMES
from .record import define
from .strategies import build_matrix, build_network, build_vector


def _eq(lhs, rhs):
    """The statement lhs = rhs, kept unevaluated (sympy would reduce it to True/False)."""
    return sp.Eq(lhs, rhs, evaluate=False)

SECTION = "B.1"
CITE = ("Appendix B.1, 'Matrix Calculus and Automatic Differentiation' (University of "
        "Lausanne, Machine Learning in Finance); Petersen & Pedersen, The Matrix Cookbook "
        "(2012), eqs. 69, 81, 82, 85")
CITE_BP = ("Appendix B.1 item 4; Rumelhart, Hinton & Williams (1986); Baydin et al. (2018), "
           "JMLR 18(153), sec. 3.2")
MAX_DIM = 6
_RECT_KINDS = ("general", "general", "ill-conditioned", "rank-deficient")
_SQUARE_KINDS = ("general", "general", "ill-conditioned", "orthogonal")
PROOF_ACTIVATIONS = ("tanh", "sin")

_n, _m = sp.symbols("n m", integer=True, positive=True)
_x = sp.MatrixSymbol("x", _n, 1)
_A = sp.MatrixSymbol("A", _m, _n)
_Q = sp.MatrixSymbol("Q", _n, _n)
_S = sp.MatrixSymbol("S", _n, _n)  # a symmetric Q is S + S^T (S = Q/2), fully general


def _sym(shape):
    return ("sym", shape)


def _rect_cases():
    return [(_sym((n,)), _sym((m, n))) for m in range(1, 5) for n in range(1, 5)]


def _square_cases(symmetric=False):
    return [(_sym((n,)), ("symmetric" if symmetric else "sym", (n, n))) for n in range(1, 5)]


def _linear_args(d):
    m, n = d.integer(1, MAX_DIM), d.integer(1, MAX_DIM)
    return build_vector(d, n), build_matrix(d, m, n, kind=d.choice(_RECT_KINDS))


def _square_args(kinds):
    def inputs(d):
        n = d.integer(1, MAX_DIM)
        return build_vector(d, n), build_matrix(d, n, n, kind=d.choice(kinds))
    return inputs


def _quadratic(xp, x, q):
    return x @ (q @ x)


define(
    id="B1.jacobian-linear", section=SECTION, title="d(Ax)/dx = A (numerator layout)",
    citation=CITE, kind="jacobian", wrt=0, arg_names=("x", "A"),
    f=lambda xp, x, a: a @ x, closed_form=lambda xp, x, a: a,
    inputs=_linear_args, statement=_eq(sp.Derivative(_A * _x, _x), _A), smoothness=1,
    tags=("linear",),
    extra={"proof": {"general": lambda: ((_A * _x).diff(_x).T, _A),
                     "cases": _rect_cases,
                     "note": "sympy's matrix diff answers in denominator layout (A^T); "
                             "transposed to numerator layout before comparing"}},
)

define(
    id="B1.gram-gradient", section=SECTION, title="d(y^T y)/dx = 2 A^T A x, y = Ax",
    citation=CITE, kind="gradient", wrt=0, arg_names=("x", "A"),
    f=lambda xp, x, a: xp.sum((a @ x) * (a @ x)),
    closed_form=lambda xp, x, a: 2.0 * (xp.matrix_transpose(a) @ (a @ x)),
    inputs=_linear_args,
    statement=_eq(sp.Derivative((_A * _x).T * (_A * _x), _x), 2 * _A.T * _A * _x),
    smoothness=1, tags=("quadratic",),
    extra={"proof": {"general": lambda: (((_A * _x).T * (_A * _x)).diff(_x),
                                         2 * _A.T * _A * _x),
                     "cases": _rect_cases}},
)

define(
    id="B1.quadratic-gradient", section=SECTION, title="grad x^T Q x = 2 Q x (Q symmetric)",
    citation=CITE, kind="gradient", wrt=0, arg_names=("x", "Q"),
    f=_quadratic, closed_form=lambda xp, x, q: 2.0 * (q @ x),
    inputs=_square_args(("symmetric", "spd")),
    statement=_eq(sp.Derivative(_x.T * _Q * _x, _x), 2 * _Q * _x), smoothness=1,
    tags=("quadratic", "symmetric"),
    extra={"proof": {"general": lambda: ((_x.T * (_S + _S.T) * _x).diff(_x),
                                         2 * (_S + _S.T) * _x),
                     "cases": lambda: _square_cases(symmetric=True)}},
)

define(
    id="B1.quadratic-gradient-general", section=SECTION,
    title="grad x^T Q x = (Q + Q^T) x (any Q)", citation=CITE, kind="gradient", wrt=0,
    arg_names=("x", "Q"), f=_quadratic, closed_form=lambda xp, x, q: (q + q.T) @ x,
    inputs=_square_args(_SQUARE_KINDS),
    statement=_eq(sp.Derivative(_x.T * _Q * _x, _x), (_Q + _Q.T) * _x), smoothness=1,
    tags=("quadratic",),
    extra={"proof": {"general": lambda: ((_x.T * _Q * _x).diff(_x), (_Q + _Q.T) * _x),
                     "cases": _square_cases}},
)

define(
    id="B1.quadratic-hessian", section=SECTION, title="hess x^T Q x = 2 Q (Q symmetric)",
    citation=CITE, kind="hessian", wrt=0, arg_names=("x", "Q"),
    f=_quadratic, closed_form=lambda xp, x, q: 2.0 * q,
    inputs=_square_args(("symmetric", "spd")),
    statement=_eq(sp.Derivative(_x.T * _Q * _x, _x, 2), 2 * _Q), smoothness=2,
    tags=("quadratic", "symmetric"),
    extra={"proof": {"general": lambda: ((_x.T * (_S + _S.T) * _x).diff(_x).diff(_x),
                                         2 * (_S + _S.T)),
                     "cases": lambda: _square_cases(symmetric=True)}},
)

define(
    id="B1.quadratic-hessian-general", section=SECTION,
    title="hess x^T Q x = Q + Q^T (any Q)", citation=CITE, kind="hessian", wrt=0,
    arg_names=("x", "Q"), f=_quadratic, closed_form=lambda xp, x, q: q + q.T,
    inputs=_square_args(_SQUARE_KINDS),
    statement=_eq(sp.Derivative(_x.T * _Q * _x, _x, 2), _Q + _Q.T), smoothness=2,
    tags=("quadratic",),
    extra={"proof": {"general": lambda: ((_x.T * _Q * _x).diff(_x).diff(_x), _Q + _Q.T),
                     "cases": _square_cases}},
)


# ----------------------------------------------------------------------------- backprop

MAX_BATCH = 4  # examples per batch; a batch of 1 is a single input vector


def _net_args(d, with_target=True):
    """A network and its inputs: one example (a vector) or a batch of B > 1 rows, over which
    the biases broadcast, so the engines' un-broadcasting is exercised."""
    w, b, arch = build_network(d, depth=(1, 4), width=(1, 6), activations=NAMES)
    spec = nets.decode_arch(arch)
    batch = d.integer(1, MAX_BATCH)

    def rows(n):
        return build_vector(d, n) if batch == 1 else build_matrix(d, batch, n)

    x = rows(spec.widths[0])
    if not with_target:
        return w, b, x, arch
    return w, b, x, rows(spec.widths[-1]), arch


def _net_cases(with_target=True):
    """Symbolic networks for the fixed-size proof: depth <= 3, equal widths <= 3, tanh and sin
    alternating over the layers (sympy's own derivative forms of these two cancel quickly)."""
    out = []
    for depth in (1, 2, 3):
        for width in (1, 2, 3):
            acts = [PROOF_ACTIVATIONS[(depth + width + i) % 2] for i in range(depth)]
            arch = nets.encode_arch([width] * (depth + 1), acts)
            spec = nets.decode_arch(arch)
            head = (_sym((spec.n_weights(),)), _sym((spec.n_biases(),)), _sym((width,)))
            out.append(head + ((_sym((width,)),) if with_target else ()) + (arch,))
    return out


_BP_STATEMENT = _eq(sp.Symbol("dl/dW_l"), sp.MatMul(sp.MatrixSymbol("delta_l", _n, 1),
                                                      sp.MatrixSymbol("a_{l-1}", _m, 1).T))
_BP_NOTE = ("delta_L = (y_hat - target) * g_L'(z_L), delta_l = (W_{l+1}^T delta_{l+1}) * "
            "g_l'(z_l); loss 1/2 ||y_hat - target||^2")

define(
    id="B1.backprop-weights", section=SECTION,
    title="dl/dW_l = delta_l a_{l-1}^T (scalar loss, every layer)", citation=CITE_BP,
    kind="gradient", wrt=0, arg_names=("weights", "biases", "x", "target", "arch"),
    f=nets.loss, closed_form=nets.loss_weight_grad, inputs=_net_args,
    statement=_BP_STATEMENT, smoothness=1, analytic=False, tags=("network",),
    extra={"blocks": lambda args: nets.blocks(args[-1], "W"), "note": _BP_NOTE,
           "proof": {"cases": _net_cases}},
)

define(
    id="B1.backprop-bias", section=SECTION, title="dl/db_l = delta_l (scalar loss)",
    citation=CITE_BP, kind="gradient", wrt=1,
    arg_names=("weights", "biases", "x", "target", "arch"),
    f=nets.loss, closed_form=nets.loss_bias_grad, inputs=_net_args,
    statement=_eq(sp.Symbol("dl/db_l"), sp.Symbol("delta_l")), smoothness=1,
    analytic=False, tags=("network",),
    extra={"blocks": lambda args: nets.blocks(args[-1], "b"), "note": _BP_NOTE,
           "proof": {"cases": _net_cases}},
)

define(
    id="B1.backprop-per-output", section=SECTION,
    title="d y_hat_k / dW_l = delta_l^(k) a_{l-1}^T for each output k", citation=CITE_BP,
    kind="jacobian", wrt=0, arg_names=("weights", "biases", "x", "arch"),
    f=nets.output, closed_form=nets.output_weight_jacobian,
    inputs=lambda d: _net_args(d, with_target=False),
    statement=_eq(sp.Symbol("dyhat_k/dW_l"), sp.MatMul(
        sp.MatrixSymbol("delta_l^(k)", _n, 1), sp.MatrixSymbol("a_{l-1}", _m, 1).T)),
    smoothness=1, analytic=False, tags=("network",),
    extra={"blocks": lambda args: nets.blocks(args[-1], "W"),
           "note": "the appendix's reading of d y_hat / dW_l: per output k, delta_L^(k) = "
                   "e_k * g_L'(z_L); for vector y_hat the full derivative is a 3-tensor",
           "proof": {"cases": lambda: _net_cases(with_target=False)}},
)
