"""The operations an audit measures: each spelled once per library, as source text.

An ``AuditOp`` names one differentiable operation and writes it three ways: in adcheck's
namespace (``xp``; the exact oracle runs this spelling on 50-digit numbers), in PyTorch and in
JAX (the spellings whose derivatives are audited). The spellings are source text with ``{0}``,
``{1}`` for the arguments, so that the same text runs the audit and prints the one-line
reproducer. Before any derivative is compared, the audit checks that a library's value agrees
with the oracle's value of the namespace spelling at float64 (``MAPPING_TOL``): a spelling that
denotes another function is reported as such, never measured.

Elementwise operations take one point per element (the audit evaluates thousands of points in
one call); array operations take a batch of small arrays along a leading axis, each its own
input draw (``shapes`` gives one draw's argument shapes, ``kinds`` how each is drawn).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAPPING_TOL = 1e-9
"""Largest relative difference between a library's float64 value and the oracle's value at
which the two spellings count as the same function."""


@dataclass(frozen=True)
class AuditOp:
    """One operation: its spellings, its domain, its kinks.

    Attributes:
        name: the name in the audit's tables (the PyTorch spelling's short form).
        domains: per argument, the domain its points are drawn from (``draws.DOMAINS``) for an
            elementwise operation, or the kind of array drawn (``draws.ARRAYS``) otherwise.
        ns: the spelling in adcheck's namespace ``xp``.
        torch, jax: the spellings in each library (None: the library has no such operation).
        mp: for elementwise operations, the function in mpmath (``mpmath`` bound as ``mp``),
            used only by the reproducers' independent confirmation.
        shapes: None for an elementwise operation; otherwise one draw's argument shapes.
        kinks: points where a derivative of the operation jumps (never drawn; libraries pick
            a one-sided value there by convention).
        order: the highest order audited (2, or 1 for piecewise-linear operations).
    """

    name: str
    domains: tuple
    ns: str
    torch: str | None
    jax: str | None
    mp: str | None = None
    shapes: tuple | None = None
    kinks: tuple = ()
    order: int = 2
    env: dict = field(default_factory=dict, compare=False, hash=False)
    """Extra names the library spellings use (a user's own function, say)."""

    @property
    def arity(self) -> int:
        return len(self.domains)

    @property
    def elementwise(self) -> bool:
        return self.shapes is None

    def spelling(self, target: str) -> str | None:
        return {"torch": self.torch, "jax": self.jax, "adcheck": self.ns}[target]


def _e(name, domains, ns, torch, jax, mp=None, kinks=(), order=2):
    domains = (domains,) if isinstance(domains, str) else tuple(domains)
    return AuditOp(name, domains, ns, torch, jax, mp, None, tuple(kinks), order)


def _a(name, kinds, shapes, ns, torch, jax, order=2):
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    return AuditOp(name, kinds, ns, torch, jax, None, tuple(shapes), (), order)


_T, _J = "torch.special.", "jax.scipy.special."
_F, _N = "torch.nn.functional.", "jax.nn."

ELEMENTWISE = [
    _e("exp", "real", "xp.exp({0})", "torch.exp({0})", "jax.numpy.exp({0})", "mp.exp({0})"),
    _e("expm1", "real", "xp.expm1({0})", "torch.expm1({0})", "jax.numpy.expm1({0})",
       "mp.expm1({0})"),
    _e("exp2", "real", "xp.exp2({0})", "torch.exp2({0})", "jax.numpy.exp2({0})",
       "mp.power(2, {0})"),
    _e("log", "pos", "xp.log({0})", "torch.log({0})", "jax.numpy.log({0})", "mp.log({0})"),
    _e("log1p", "gtm1", "xp.log1p({0})", "torch.log1p({0})", "jax.numpy.log1p({0})",
       "mp.log1p({0})"),
    _e("log2", "pos", "xp.log2({0})", "torch.log2({0})", "jax.numpy.log2({0})",
       "mp.log({0}, 2)"),
    _e("log10", "pos", "xp.log10({0})", "torch.log10({0})", "jax.numpy.log10({0})",
       "mp.log10({0})"),
    _e("sqrt", "pos", "xp.sqrt({0})", "torch.sqrt({0})", "jax.numpy.sqrt({0})",
       "mp.sqrt({0})"),
    _e("rsqrt", "pos", "1.0 / xp.sqrt({0})", "torch.rsqrt({0})", "jax.lax.rsqrt({0})",
       "1 / mp.sqrt({0})"),
    _e("reciprocal", "nonzero", "xp.reciprocal({0})", "torch.reciprocal({0})",
       "jax.numpy.reciprocal({0})", "1 / {0}"),
    _e("square", "real", "xp.square({0})", "torch.square({0})", "jax.numpy.square({0})",
       "{0}**2"),
    _e("sin", "real", "xp.sin({0})", "torch.sin({0})", "jax.numpy.sin({0})", "mp.sin({0})"),
    _e("cos", "real", "xp.cos({0})", "torch.cos({0})", "jax.numpy.cos({0})", "mp.cos({0})"),
    _e("tan", "real", "xp.tan({0})", "torch.tan({0})", "jax.numpy.tan({0})", "mp.tan({0})"),
    _e("asin", "unit", "xp.asin({0})", "torch.asin({0})", "jax.numpy.arcsin({0})",
       "mp.asin({0})"),
    _e("acos", "unit", "xp.acos({0})", "torch.acos({0})", "jax.numpy.arccos({0})",
       "mp.acos({0})"),
    _e("atan", "real", "xp.atan({0})", "torch.atan({0})", "jax.numpy.arctan({0})",
       "mp.atan({0})"),
    _e("sinh", "real", "xp.sinh({0})", "torch.sinh({0})", "jax.numpy.sinh({0})",
       "mp.sinh({0})"),
    _e("cosh", "real", "xp.cosh({0})", "torch.cosh({0})", "jax.numpy.cosh({0})",
       "mp.cosh({0})"),
    _e("tanh", "real", "xp.tanh({0})", "torch.tanh({0})", "jax.numpy.tanh({0})",
       "mp.tanh({0})"),
    _e("asinh", "real", "xp.asinh({0})", "torch.asinh({0})", "jax.numpy.arcsinh({0})",
       "mp.asinh({0})"),
    _e("acosh", "gt1", "xp.acosh({0})", "torch.acosh({0})", "jax.numpy.arccosh({0})",
       "mp.acosh({0})"),
    _e("atanh", "unit", "xp.atanh({0})", "torch.atanh({0})", "jax.numpy.arctanh({0})",
       "mp.atanh({0})"),
    _e("erf", "real", "xp.special.erf({0})", "torch.erf({0})", _J + "erf({0})",
       "mp.erf({0})"),
    _e("erfc", "real", "xp.special.erfc({0})", "torch.erfc({0})", _J + "erfc({0})",
       "mp.erfc({0})"),
    _e("erfinv", "unit", "xp.special.erfinv({0})", "torch.erfinv({0})", _J + "erfinv({0})",
       "mp.erfinv({0})"),
    _e("erfcx", "real", "xp.special.erfcx({0})", _T + "erfcx({0})", None,
       "mp.exp({0}**2) * mp.erfc({0})"),
    _e("lgamma", "notpole", "xp.special.gammaln({0})", "torch.lgamma({0})",
       _J + "gammaln({0})", "mp.log(abs(mp.gamma({0})))"),
    _e("digamma", "notpole", "xp.special.digamma({0})", "torch.digamma({0})",
       _J + "digamma({0})", "mp.digamma({0})"),
    _e("polygamma1", "notpole", "xp.special.polygamma(1, {0})", "torch.polygamma(1, {0})",
       _J + "polygamma(1, {0})", "mp.polygamma(1, {0})"),
    _e("polygamma2", "pos", "xp.special.polygamma(2, {0})", "torch.polygamma(2, {0})",
       _J + "polygamma(2, {0})", "mp.polygamma(2, {0})"),
    _e("mvlgamma3", "gt1", "xp.special.multigammaln({0}, 3)", "torch.mvlgamma({0}, 3)",
       _J + "multigammaln({0}, 3)",
       "3 * mp.log(mp.pi) / 2 + mp.loggamma({0}) + mp.loggamma({0} - 0.5)"
       " + mp.loggamma({0} - 1)"),
    _e("i0", "real", "xp.special.i0({0})", "torch.i0({0})", _J + "i0({0})",
       "mp.besseli(0, {0})"),
    _e("i0e", "real", "xp.special.i0e({0})", _T + "i0e({0})", _J + "i0e({0})",
       "mp.besseli(0, {0}) * mp.exp(-abs({0}))"),
    _e("i1", "real", "xp.special.i1({0})", _T + "i1({0})", _J + "i1({0})",
       "mp.besseli(1, {0})"),
    _e("i1e", "real", "xp.special.i1e({0})", _T + "i1e({0})", _J + "i1e({0})",
       "mp.besseli(1, {0}) * mp.exp(-abs({0}))"),
    _e("sinc", "real", "xp.sinc({0})", "torch.sinc({0})", "jax.numpy.sinc({0})",
       "mp.sincpi({0})"),
    _e("sigmoid", "real", "xp.special.expit({0})", "torch.sigmoid({0})",
       _N + "sigmoid({0})", "1 / (1 + mp.exp(-{0}))"),
    _e("logsigmoid", "real", "xp.special.log_expit({0})", _F + "logsigmoid({0})",
       _N + "log_sigmoid({0})", "-mp.log1p(mp.exp(-{0}))"),
    _e("logit", "prob", "xp.special.logit({0})", "torch.logit({0})", _J + "logit({0})",
       "mp.log({0} / (1 - {0}))"),
    _e("softplus", "real", "xp.special.softplus({0})", _F + "softplus({0})",
       _N + "softplus({0})", "mp.log1p(mp.exp({0}))"),
    _e("gelu", "real", "{0} * xp.special.ndtr({0})", _F + "gelu({0})",
       _N + "gelu({0}, approximate=False)", "{0} * mp.ncdf({0})"),
    _e("silu", "real", "{0} * xp.special.expit({0})", _F + "silu({0})", _N + "silu({0})",
       "{0} / (1 + mp.exp(-{0}))"),
    _e("mish", "real", "{0} * xp.tanh(xp.special.softplus({0}))", _F + "mish({0})",
       _N + "mish({0})", "{0} * mp.tanh(mp.log1p(mp.exp({0})))"),
    _e("elu", "real", "xp.where({0} > 0, {0}, xp.expm1({0}))", _F + "elu({0})",
       _N + "elu({0})", "{0} if {0} > 0 else mp.expm1({0})", kinks=(0.0,)),
    _e("selu", "real",
       "1.0507009873554804934193349852946 * xp.where({0} > 0, {0},"
       " 1.6732632423543772848170429916717 * xp.expm1({0}))",
       _F + "selu({0})", _N + "selu({0})",
       "mp.mpf('1.0507009873554804934193349852946') * ({0} if {0} > 0 else"
       " mp.mpf('1.6732632423543772848170429916717') * mp.expm1({0}))", kinks=(0.0,)),
    _e("tanhshrink", "real", "{0} - xp.tanh({0})", _F + "tanhshrink({0})", None,
       "{0} - mp.tanh({0})"),
    _e("softsign", "real", "{0} / (1 + xp.abs({0}))", _F + "softsign({0})",
       _N + "soft_sign({0})", "{0} / (1 + abs({0}))", kinks=(0.0,)),
    _e("ndtr", "real", "xp.special.ndtr({0})", _T + "ndtr({0})", _J + "ndtr({0})",
       "mp.ncdf({0})"),
    _e("log_ndtr", "real", "xp.special.log_ndtr({0})", _T + "log_ndtr({0})",
       _J + "log_ndtr({0})", "mp.log(mp.ncdf({0}))"),
    _e("ndtri", "prob", "xp.special.ndtri({0})", _T + "ndtri({0})", _J + "ndtri({0})",
       "mp.sqrt(2) * mp.erfinv(2 * {0} - 1)"),
    _e("entr", "pos", "xp.special.entr({0})", _T + "entr({0})", _J + "entr({0})",
       "-{0} * mp.log({0})"),
    _e("abs", "real", "xp.abs({0})", "torch.abs({0})", "jax.numpy.abs({0})", "abs({0})",
       kinks=(0.0,), order=1),
    _e("relu", "real", "xp.maximum({0}, 0.0)", "torch.relu({0})", _N + "relu({0})",
       "max({0}, 0)", kinks=(0.0,), order=1),
    _e("hardtanh", "real", "xp.clip({0}, -1.0, 1.0)", _F + "hardtanh({0})",
       _N + "hard_tanh({0})", "min(max({0}, -1), 1)", kinks=(-1.0, 1.0), order=1),
    _e("hardswish", "real", "{0} * xp.clip({0} + 3.0, 0.0, 6.0) / 6.0", _F + "hardswish({0})",
       _N + "hard_swish({0})", "{0} * min(max({0} + 3, 0), 6) / 6", kinks=(-3.0, 3.0)),
    _e("leaky_relu", "real", "xp.where({0} > 0, {0}, 0.01 * {0})", _F + "leaky_relu({0})",
       _N + "leaky_relu({0}, 0.01)", "{0} if {0} > 0 else {0} / 100", kinks=(0.0,), order=1),
    _e("celu", "real", "xp.where({0} > 0, {0}, xp.expm1({0}))", _F + "celu({0})",
       _N + "celu({0})", "{0} if {0} > 0 else mp.expm1({0})", kinks=(0.0,)),
    _e("hardsigmoid", "real", "xp.clip({0} / 6.0 + 0.5, 0.0, 1.0)", _F + "hardsigmoid({0})",
       _N + "hard_sigmoid({0})", "min(max({0} / 6 + 0.5, 0), 1)", kinks=(-3.0, 3.0),
       order=1),
    _e("clamp", "real", "xp.clip({0}, -0.5, 2.0)", "torch.clamp({0}, -0.5, 2.0)",
       "jax.numpy.clip({0}, -0.5, 2.0)", "min(max({0}, -0.5), 2)", kinks=(-0.5, 2.0),
       order=1),
    _e("neg", "real", "xp.negative({0})", "torch.neg({0})", "jax.numpy.negative({0})", "-{0}",
       order=1),
    _e("frac", "real", "{0} - xp.trunc({0})", "torch.frac({0})", None, "{0} - int({0})",
       order=1),
    _e("pow_2.5", "pos", "xp.pow({0}, 2.5)", "torch.pow({0}, 2.5)", "jax.numpy.power({0}, 2.5)",
       "mp.power({0}, 2.5)"),
    # two arguments
    _e("pow", ("pos", "real"), "xp.pow({0}, {1})", "torch.pow({0}, {1})",
       "jax.numpy.power({0}, {1})", "mp.power({0}, {1})"),
    _e("atan2", ("real", "real"), "xp.atan2({0}, {1})", "torch.atan2({0}, {1})",
       "jax.numpy.arctan2({0}, {1})", "mp.atan2({0}, {1})"),
    _e("hypot", ("real", "real"), "xp.hypot({0}, {1})", "torch.hypot({0}, {1})",
       "jax.numpy.hypot({0}, {1})", "mp.hypot({0}, {1})"),
    _e("logaddexp", ("real", "real"), "xp.logaddexp({0}, {1})", "torch.logaddexp({0}, {1})",
       "jax.numpy.logaddexp({0}, {1})", "mp.log(mp.exp({0}) + mp.exp({1}))"),
    _e("xlogy", ("real", "pos"), "xp.special.xlogy({0}, {1})", "torch.xlogy({0}, {1})",
       _J + "xlogy({0}, {1})", "{0} * mp.log({1})"),
    _e("xlog1py", ("real", "gtm1"), "xp.special.xlog1py({0}, {1})",
       _T + "xlog1py({0}, {1})", _J + "xlog1py({0}, {1})", "{0} * mp.log1p({1})"),
    _e("div", ("real", "nonzero"), "xp.divide({0}, {1})", "torch.div({0}, {1})",
       "jax.numpy.divide({0}, {1})", "{0} / {1}"),
    _e("mul", ("real", "real"), "xp.multiply({0}, {1})", "torch.mul({0}, {1})",
       "jax.numpy.multiply({0}, {1})", "{0} * {1}"),
]

_LA = "torch.linalg."
_JL = "jax.numpy.linalg."

ARRAYS = [
    _a("matmul", ("gauss", "gauss"), ((3, 4), (4, 2)), "xp.matmul({0}, {1})",
       "torch.matmul({0}, {1})", "jax.numpy.matmul({0}, {1})"),
    _a("det", "square", ((3, 3),), "xp.linalg.det({0})", _LA + "det({0})", _JL + "det({0})"),
    _a("slogdet", "square", ((3, 3),), "xp.linalg.slogdet({0})[1]", _LA + "slogdet({0})[1]",
       _JL + "slogdet({0})[1]"),
    _a("inv", "square", ((3, 3),), "xp.linalg.inv({0})", _LA + "inv({0})", _JL + "inv({0})"),
    _a("solve", ("square", "gauss"), ((3, 3), (3, 2)), "xp.linalg.solve({0}, {1})",
       _LA + "solve({0}, {1})", _JL + "solve({0}, {1})"),
    _a("cholesky", "spd", ((3, 3),), "xp.linalg.cholesky({0})", _LA + "cholesky({0})",
       _JL + "cholesky({0})"),
    _a("eigvalsh", "sym", ((3, 3),), "xp.linalg.eigvalsh({0})", _LA + "eigvalsh({0})",
       _JL + "eigvalsh({0})"),
    _a("matrix_exp", "small", ((3, 3),), "xp.linalg.expm({0})", _LA + "matrix_exp({0})",
       "jax.scipy.linalg.expm({0})"),
    _a("pinv", "tall", ((4, 3),), "xp.linalg.pinv({0})", _LA + "pinv({0})", _JL + "pinv({0})"),
    _a("svdvals", "square", ((3, 3),), "xp.linalg.svdvals({0})", _LA + "svdvals({0})",
       _JL + "svd({0}, compute_uv=False)"),
    _a("cross", ("gauss", "gauss"), ((3,), (3,)), "xp.linalg.cross({0}, {1})",
       _LA + "cross({0}, {1})", "jax.numpy.cross({0}, {1})"),
    _a("vector_norm", "gauss", ((5,),), "xp.linalg.vector_norm({0}, axis=-1)",
       _LA + "vector_norm({0}, dim=-1)", _JL + "norm({0}, axis=-1)"),
    _a("trace", "gauss", ((3, 3),), "xp.trace({0}, axis1=-2, axis2=-1)",
       "torch.diagonal({0}, dim1=-2, dim2=-1).sum(-1)", "jax.numpy.trace({0}, axis1=-2, axis2=-1)"),
    _a("softmax", "gauss", ((5,),), "xp.special.softmax({0}, axis=-1)",
       "torch.softmax({0}, dim=-1)", "jax.nn.softmax({0}, axis=-1)"),
    _a("log_softmax", "gauss", ((5,),), "xp.special.log_softmax({0}, axis=-1)",
       "torch.log_softmax({0}, dim=-1)", "jax.nn.log_softmax({0}, axis=-1)"),
    _a("logsumexp", "gauss", ((5,),), "xp.special.logsumexp({0}, axis=-1)",
       "torch.logsumexp({0}, dim=-1)", "jax.scipy.special.logsumexp({0}, axis=-1)"),
    _a("sum", "gauss", ((5,),), "xp.sum({0}, axis=-1)", "torch.sum({0}, dim=-1)",
       "jax.numpy.sum({0}, axis=-1)"),
    _a("mean", "gauss", ((5,),), "xp.mean({0}, axis=-1)", "torch.mean({0}, dim=-1)",
       "jax.numpy.mean({0}, axis=-1)"),
    _a("prod", "gauss", ((5,),), "xp.prod({0}, axis=-1)", "torch.prod({0}, dim=-1)",
       "jax.numpy.prod({0}, axis=-1)"),
    _a("var", "gauss", ((5,),), "xp.var({0}, axis=-1)", "torch.var({0}, dim=-1, correction=0)",
       "jax.numpy.var({0}, axis=-1)"),
    _a("std", "gauss", ((5,),), "xp.std({0}, axis=-1, ddof=1)", "torch.std({0}, dim=-1)",
       "jax.numpy.std({0}, axis=-1, ddof=1)"),
    _a("cumsum", "gauss", ((5,),), "xp.cumsum({0}, axis=-1)", "torch.cumsum({0}, dim=-1)",
       "jax.numpy.cumsum({0}, axis=-1)"),
    _a("cumprod", "gauss", ((5,),), "xp.cumprod({0}, axis=-1)", "torch.cumprod({0}, dim=-1)",
       "jax.numpy.cumprod({0}, axis=-1)"),
    _a("outer", ("gauss", "gauss"), ((3,), (4,)), "{0}[..., :, None] * {1}[..., None, :]",
       "torch.einsum('...i,...j->...ij', {0}, {1})",
       "jax.numpy.einsum('...i,...j->...ij', {0}, {1})"),
]

ARRAYS += [
    _a("norm", "gauss", ((5,),), "xp.linalg.vector_norm({0}, axis=-1)",
       "torch.norm({0}, dim=-1)", _JL + "norm({0}, axis=-1)"),
    _a("amax", "gauss", ((5,),), "xp.max({0}, axis=-1)", "torch.amax({0}, dim=-1)",
       "jax.numpy.max({0}, axis=-1)", order=1),
    _a("amin", "gauss", ((5,),), "xp.min({0}, axis=-1)", "torch.amin({0}, dim=-1)",
       "jax.numpy.min({0}, axis=-1)", order=1),
    _a("max", "gauss", ((5,),), "xp.max({0}, axis=-1)", "torch.max({0}, dim=-1).values",
       "jax.numpy.max({0}, axis=-1)", order=1),
    _a("sort", "gauss", ((5,),), "xp.sort({0}, axis=-1)", "torch.sort({0}, dim=-1).values",
       "jax.numpy.sort({0}, axis=-1)", order=1),
    _a("topk", "gauss", ((5,),), "xp.flip(xp.sort({0}, axis=-1), axis=-1)[..., :2]",
       "torch.topk({0}, 2, dim=-1).values", "jax.lax.top_k({0}, 2)[0]", order=1),
    _a("layer_norm", "gauss", ((5,),),
       "({0} - xp.mean({0}, axis=-1, keepdims=True))"
       " / xp.sqrt(xp.var({0}, axis=-1, keepdims=True) + 1e-05)",
       _F + "layer_norm({0}, (5,))", _N + "standardize({0}, axis=-1, epsilon=1e-05)"),
    _a("mse_loss", ("gauss", "gauss"), ((5,), (5,)), "xp.mean(({0} - {1}) ** 2, axis=-1)",
       _F + "mse_loss({0}, {1}, reduction='none').mean(-1)", None),
    _a("glu", "gauss", ((6,),), "{0}[..., :3] * xp.special.expit({0}[..., 3:])",
       _F + "glu({0}, -1)", _N + "glu({0}, axis=-1)"),
    _a("lstsq", ("tall", "gauss"), ((4, 3), (4, 2)), "xp.linalg.pinv({0}) @ {1}",
       _LA + "lstsq({0}, {1}).solution", None),
]

# The aten operations the drop-in checks map that the spellings above do not reach (traced by
# make_fx): losses and clamps with their own kernels, products without a batch axis (each draw
# through the unbatched kernel, a loop: torch.vmap would turn them into bmm), convolution, pools
# and norms in NCHW with N the batch (vmap over a weight is one grouped convolution).
# Still unreached (127 of the 138 differentiable mapped aten operations are reached): matmul,
# square, negative, clip, outer, selu, norm, linalg_inv, linalg_solve and avg_pool1d are
# decomposed before make_fx sees them (into mm/bmm, pow, neg, clamp, mul, elu,
# linalg_vector_norm, linalg_inv_ex, _linalg_solve_ex, avg_pool2d: all audited), and
# _native_batch_norm_legit_no_training is reached only by calling torch.ops.aten.
_P = "torch.stack([{op} for {vs} in zip({args})])"


def _loop(op, n):
    """``op`` (its arguments {0}, {1}, ...) applied to each draw, the results stacked."""
    names = [f"a{k}" for k in range(n)]
    if n == 1:
        return f"torch.stack([{op.format('a0')} for a0 in {{0}}])"
    return _P.format(op=op.format(*names), vs=", ".join(names),
                     args=", ".join(f"{{{k}}}" for k in range(n)))


_MAXPOOL2 = ("xp.maximum(xp.maximum({0}[..., 0::2, 0::2], {0}[..., 0::2, 1::2]),"
             " xp.maximum({0}[..., 1::2, 0::2], {0}[..., 1::2, 1::2]))")
_WIN = "jax.lax.reduce_window({0}, %s, jax.lax.%s, %s, %s, 'VALID')"
_HUBER = ("xp.where(xp.abs({0} - {1}) < 1.0, 0.5 * ({0} - {1}) ** 2,"
          " xp.abs({0} - {1}) - 0.5)")
_UP_LO, _UP_HI = [0, 0, 0, 1, 1, 2, 2, 3], [1, 1, 1, 2, 2, 3, 3, 3]
_UP_W = [1.0, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75]

ELEMENTWISE += [
    _e("clamp_min", "real", "xp.maximum({0}, -0.5)", "torch.clamp_min({0}, -0.5)",
       "jax.numpy.maximum({0}, -0.5)", "max({0}, -0.5)", kinks=(-0.5,), order=1),
    _e("clamp_max", "real", "xp.minimum({0}, 0.5)", "torch.clamp_max({0}, 0.5)",
       "jax.numpy.minimum({0}, 0.5)", "min({0}, 0.5)", kinks=(0.5,), order=1),
    _e("rsub", "real", "1.0 - {0}", "torch.rsub({0}, 1.0)", "1.0 - {0}", "1 - {0}", order=1),
    _e("binary_cross_entropy", ("prob", "prob"),
       "-({1} * xp.maximum(xp.log({0}), -100.0)"
       " + (1.0 - {1}) * xp.maximum(xp.log1p(-{0}), -100.0))",
       _F + "binary_cross_entropy({0}, {1}, reduction='none')", None,
       "-({1} * max(mp.log({0}), -100) + (1 - {1}) * max(mp.log1p(-{0}), -100))"),
    _e("bce_with_logits", ("real", "prob"),
       "{1} * xp.special.softplus(-{0}) + (1.0 - {1}) * xp.special.softplus({0})",
       _F + "binary_cross_entropy_with_logits({0}, {1}, reduction='none')", None,
       "{1} * mp.log1p(mp.exp(-{0})) + (1 - {1}) * mp.log1p(mp.exp({0}))"),
    _e("soft_margin_loss", "real", "xp.special.softplus(-{0})",
       _F + "soft_margin_loss({0}, torch.ones_like({0}), reduction='none')", None,
       "mp.log1p(mp.exp(-{0}))"),
]

ARRAYS += [
    # two-argument elementwise operations with a kink where the arguments tie (never drawn)
    _a("maximum", ("gauss", "gauss"), ((5,), (5,)), "xp.maximum({0}, {1})",
       "torch.maximum({0}, {1})", "jax.numpy.maximum({0}, {1})", order=1),
    _a("minimum", ("gauss", "gauss"), ((5,), (5,)), "xp.minimum({0}, {1})",
       "torch.minimum({0}, {1})", "jax.numpy.minimum({0}, {1})", order=1),
    _a("fmax", ("gauss", "gauss"), ((5,), (5,)), "xp.fmax({0}, {1})",
       "torch.fmax({0}, {1})", "jax.numpy.fmax({0}, {1})", order=1),
    _a("fmin", ("gauss", "gauss"), ((5,), (5,)), "xp.fmin({0}, {1})",
       "torch.fmin({0}, {1})", "jax.numpy.fmin({0}, {1})", order=1),
    _a("huber_loss", ("gauss", "gauss"), ((5,), (5,)), _HUBER,
       _F + "huber_loss({0}, {1}, reduction='none')", None),
    _a("smooth_l1_loss", ("gauss", "gauss"), ((5,), (5,)), _HUBER,
       _F + "smooth_l1_loss({0}, {1}, reduction='none')", None),
    # products through the unbatched kernels
    _a("mm", ("gauss", "gauss"), ((3, 4), (4, 2)), "xp.matmul({0}, {1})",
       _loop("torch.mm({0}, {1})", 2), "jax.vmap(jax.numpy.dot)({0}, {1})"),
    _a("mv", ("gauss", "gauss"), ((3, 4), (4,)), "xp.einsum('...ij,...j->...i', {0}, {1})",
       _loop("torch.mv({0}, {1})", 2), "jax.vmap(jax.numpy.dot)({0}, {1})"),
    _a("dot", ("gauss", "gauss"), ((4,), (4,)), "xp.sum({0} * {1}, axis=-1)",
       _loop("torch.dot({0}, {1})", 2), "jax.vmap(jax.numpy.dot)({0}, {1})"),
    _a("vdot", ("gauss", "gauss"), ((4,), (4,)), "xp.sum({0} * {1}, axis=-1)",
       _loop("torch.vdot({0}, {1})", 2), "jax.vmap(jax.numpy.vdot)({0}, {1})"),
    _a("addmm", ("gauss", "gauss", "gauss"), ((3, 2), (3, 4), (4, 2)),
       "{0} + xp.matmul({1}, {2})", _loop("torch.addmm({0}, {1}, {2})", 3), None),
    _a("trace_unbatched", "gauss", ((3, 3),), "xp.trace({0}, axis1=-2, axis2=-1)",
       _loop("torch.trace({0})", 1), "jax.vmap(jax.numpy.trace)({0})"),
    _a("bilinear", ("gauss", "gauss", "gauss"), ((3,), (2,), (4, 3, 2)),
       "xp.einsum('...i,...oij,...j->...o', {0}, {2}, {1})",
       "torch.vmap(torch.nn.functional.bilinear)({0}, {1}, {2})", None),
    _a("cdist", ("gauss", "gauss"), ((3, 4), (2, 4)),
       "xp.linalg.vector_norm({0}[..., :, None, :] - {1}[..., None, :, :], axis=-1)",
       "torch.cdist({0}, {1})", None, order=1),
    # (order 1 only: torch has no second derivative of cdist, neither reverse
    # ("_cdist_backward is not implemented") nor forward, and a row whose every mode the
    # library refuses is not yet written by the audit)
    # linear algebra
    _a("cholesky_legacy", "spd", ((3, 3),), "xp.linalg.cholesky({0})", "torch.cholesky({0})",
       "jax.numpy.linalg.cholesky({0})"),
    _a("solve_triangular", ("square", "gauss"), ((3, 3), (3, 2)),
       "xp.linalg.solve_triangular(xp.tril({0}), {1}, lower=True)",
       _LA + "solve_triangular({0}, {1}, upper=False)",
       "jax.scipy.linalg.solve_triangular({0}, {1}, lower=True)"),
    # QR's R with a positive diagonal (the unique one; LAPACK's signs multiplied out)
    _a("qr_r", "square", ((3, 3),), "xp.linalg.qr({0})[1]",
       "(lambda r: r * torch.sgn(torch.diagonal(r, dim1=-2, dim2=-1))[..., :, None])"
       "(torch.linalg.qr({0}).R)",
       "(lambda r: r * jax.numpy.sign(jax.numpy.diagonal(r, axis1=-2, axis2=-1))"
       "[..., :, None])(jax.numpy.linalg.qr({0})[1])"),
    _a("qr_q", "square", ((3, 3),), "xp.linalg.qr({0})[0]",
       "(lambda q, r: q * torch.sgn(torch.diagonal(r, dim1=-2, dim2=-1))[..., None, :])"
       "(*torch.linalg.qr({0}))",
       "(lambda q, r: q * jax.numpy.sign(jax.numpy.diagonal(r, axis1=-2, axis2=-1))"
       "[..., None, :])(*jax.numpy.linalg.qr({0}))"),
    # NCHW: one draw is C, H, W; the batch is N
    _a("conv2d", ("gauss", "gauss"), ((2, 4, 4), (2, 2, 3, 3)),
       "xp.stack([xp.stack([xp.einsum('...cab,...ocab->...o', {0}[..., :, i:i + 3, j:j + 3],"
       " {1}) for j in range(2)], axis=-1) for i in range(2)], axis=-2)",
       "torch.vmap(torch.nn.functional.conv2d)({0}, {1})",
       "jax.vmap(lambda x, w: jax.lax.conv(x[None], w, (1, 1), 'VALID')[0])({0}, {1})"),
    _a("avg_pool2d", "gauss", ((1, 4, 4),),
       "({0}[..., 0::2, 0::2] + {0}[..., 0::2, 1::2] + {0}[..., 1::2, 0::2]"
       " + {0}[..., 1::2, 1::2]) / 4.0",
       _F + "avg_pool2d({0}, 2)",
       _WIN % ("0.0", "add", "(1, 1, 2, 2)", "(1, 1, 2, 2)") + " / 4.0"),
    _a("avg_pool3d", "gauss", ((1, 2, 2, 2),),
       "xp.mean({0}, axis=(-3, -2, -1), keepdims=True)", _F + "avg_pool3d({0}, 2)",
       _WIN % ("0.0", "add", "(1, 1, 2, 2, 2)", "(1, 1, 2, 2, 2)") + " / 8.0"),
    _a("max_pool2d", "gauss", ((1, 4, 4),), _MAXPOOL2, _F + "max_pool2d({0}, 2)",
       _WIN % ("-jax.numpy.inf", "max", "(1, 1, 2, 2)", "(1, 1, 2, 2)"), order=1),
    _a("max_pool3d", "gauss", ((1, 2, 2, 2),),
       "xp.max({0}, axis=(-3, -2, -1), keepdims=True)", _F + "max_pool3d({0}, 2)",
       _WIN % ("-jax.numpy.inf", "max", "(1, 1, 2, 2, 2)", "(1, 1, 2, 2, 2)"), order=1),
    _a("interpolate_linear", "gauss", ((1, 4),),
       f"{{0}}[..., {_UP_LO}] * xp.asarray({_UP_W})"
       f" + {{0}}[..., {_UP_HI}] * (1.0 - xp.asarray({_UP_W}))",
       _F + "interpolate({0}, scale_factor=2, mode='linear')",
       "jax.image.resize({0}, {0}.shape[:-1] + (8,), 'linear')"),
    _a("batch_norm", "gauss", ((4, 3),),
       "({0} - xp.mean({0}, axis=-2, keepdims=True))"
       " / xp.sqrt(xp.var({0}, axis=-2, keepdims=True) + 1e-05)",
       "torch.vmap(lambda x: torch.nn.functional.batch_norm(x, None, None, training=True))"
       "({0})", _N + "standardize({0}, axis=-2, epsilon=1e-05)"),
    _a("group_norm", "gauss", ((4, 3),),
       "xp.concat([(g - xp.mean(g, axis=(-2, -1), keepdims=True))"
       " / xp.sqrt(xp.var(g, axis=(-2, -1), keepdims=True) + 1e-05)"
       " for g in ({0}[..., :2, :], {0}[..., 2:, :])], axis=-2)",
       _F + "group_norm({0}, 2)", None),
    _a("cross_entropy", "gauss", ((5,),), "-xp.special.log_softmax({0}, axis=-1)[..., 2]",
       _F + "cross_entropy({0}, torch.full({0}.shape[:-1], 2), reduction='none')", None),
    _a("scaled_dot_product_attention", ("gauss", "gauss", "gauss"), ((3, 4), (3, 4), (3, 4)),
       "xp.matmul(xp.special.softmax(xp.matmul({0}, xp.swapaxes({1}, -1, -2)) / 2.0,"
       " axis=-1), {2})",
       _F + "scaled_dot_product_attention({0}, {1}, {2})", None),
    # (jax.nn.dot_product_attention computes its softmax in float32 whatever the inputs' dtype:
    # 1e-8 from the float64 function, so no float64 spelling of it passes the mapping check)
]

OPS = {op.name: op for op in ELEMENTWISE + ARRAYS}


def select(target: str, pattern: str = "*") -> list[AuditOp]:
    """The operations ``target`` spells whose names match the glob ``pattern`` (comma for
    several); an operation the library lacks is kept (its rows say so)."""
    import fnmatch
    pats = [p.strip() for p in pattern.split(",") if p.strip()] or ["*"]
    return [op for op in OPS.values() if any(fnmatch.fnmatchcase(op.name, p) for p in pats)]
