"""Which of the operations users write reach the exact route: a measured list.

Each entry is a public torch / jax operation with a sample call. ``rows()`` traces it as the
drop-in checks do (``make_fx`` / ``make_jaxpr``) and replays it in ``xp``: "exact" when the
replay runs and agrees with the framework's value to 1e-10; otherwise "fallback" with the
operations missing (the check then takes the fallback route and says so). ``python -m
adcheck.frameworks.coverage`` writes docs/framework-coverage.md.
"""

from __future__ import annotations

import sys

import numpy as np


def torch_samples() -> dict:
    """public name -> (function, inputs)."""
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(0)

    def r(*s):
        return torch.randn(*s, dtype=torch.float64, generator=g)
    A = r(3, 3) + 3 * torch.eye(3, dtype=torch.float64)
    S, p = A @ A.T, torch.rand(4, dtype=torch.float64, generator=g) * 0.8 + 0.1
    L = torch.linalg
    one = {
        "F.relu": F.relu, "F.elu": F.elu, "F.selu": F.selu, "F.celu": F.celu,
        "F.leaky_relu": F.leaky_relu, "F.gelu": F.gelu, "F.silu": F.silu, "F.mish": F.mish,
        "F.softplus": F.softplus, "F.softsign": F.softsign, "F.tanhshrink": F.tanhshrink,
        "F.hardtanh": F.hardtanh, "F.hardswish": F.hardswish, "F.hardsigmoid": F.hardsigmoid,
        "F.logsigmoid": F.logsigmoid, "F.sigmoid": F.sigmoid, "F.tanh": F.tanh,
        "F.glu": F.glu, "F.relu6": F.relu6,
    }
    out = {k: (lambda x, f=f: f(x), (r(4),)) for k, f in one.items()}
    out.update({
        "F.softmax": (lambda x: F.softmax(x, -1), (r(3, 4),)),
        "F.log_softmax": (lambda x: F.log_softmax(x, -1), (r(3, 4),)),
        "F.softmin": (lambda x: F.softmin(x, -1), (r(3, 4),)),
        "F.normalize": (lambda x: F.normalize(x), (r(3, 4),)),
        "F.layer_norm": (lambda x: F.layer_norm(x, (4,)), (r(3, 4),)),
        "F.group_norm": (lambda x: F.group_norm(x, 2), (r(2, 4, 3),)),
        "F.instance_norm": (F.instance_norm, (r(2, 3, 4),)),
        "F.batch_norm": (lambda x: F.batch_norm(x, None, None, training=True), (r(4, 3),)),
        "F.linear": (F.linear, (r(3, 4), r(2, 4), r(2))),
        "F.bilinear": (F.bilinear, (r(3, 4), r(3, 2), r(5, 4, 2))),
        "F.conv1d": (lambda x, w: F.conv1d(x, w, padding=1), (r(2, 3, 7), r(5, 3, 3))),
        "F.conv2d": (lambda x, w: F.conv2d(x, w, padding=1), (r(2, 3, 5, 5), r(4, 3, 3, 3))),
        "F.conv3d": (lambda x, w: F.conv3d(x, w), (r(1, 2, 4, 4, 4), r(3, 2, 2, 2, 2))),
        "F.conv_transpose1d": (F.conv_transpose1d, (r(1, 2, 5), r(2, 3, 3))),
        "F.max_pool2d": (lambda x: F.max_pool2d(x, 2), (r(1, 2, 4, 4),)),
        "F.avg_pool2d": (lambda x: F.avg_pool2d(x, 2), (r(1, 2, 4, 4),)),
        "F.avg_pool1d": (lambda x: F.avg_pool1d(x, 2), (r(1, 2, 4),)),
        "F.adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, 1), (r(1, 2, 4, 4),)),
        "F.pad": (lambda x: F.pad(x, (1, 2)), (r(2, 3),)),
        "F.embedding": (lambda w: F.embedding(torch.tensor([0, 2]), w), (r(3, 4),)),
        "F.dropout (p=0)": (lambda x: F.dropout(x, 0.0), (r(4),)),
        "F.unfold": (lambda x: F.unfold(x, 2), (r(1, 2, 3, 3),)),
        "F.interpolate": (lambda x: F.interpolate(x, scale_factor=2, mode="linear"),
                          (r(1, 2, 3),)),
        "F.scaled_dot_product_attention": (F.scaled_dot_product_attention,
                                           (r(2, 3, 4), r(2, 3, 4), r(2, 3, 4))),
        "F.cosine_similarity": (F.cosine_similarity, (r(3, 4), r(3, 4))),
        "F.pairwise_distance": (F.pairwise_distance, (r(3, 4), r(3, 4))),
        "F.mse_loss": (F.mse_loss, (r(4), r(4))),
        "F.l1_loss": (F.l1_loss, (r(4), r(4))),
        "F.smooth_l1_loss": (F.smooth_l1_loss, (r(4), r(4))),
        "F.huber_loss": (F.huber_loss, (r(4), r(4))),
        "F.cross_entropy": (lambda x: F.cross_entropy(x, torch.tensor([1, 0, 3])), (r(3, 4),)),
        "F.nll_loss": (lambda x: F.nll_loss(x, torch.tensor([1, 0, 3])), (r(3, 4),)),
        "F.binary_cross_entropy": (lambda a, b: F.binary_cross_entropy(a, b), (p, p.flip(0))),
        "F.binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits,
                                               (r(4), p)),
        "F.kl_div": (lambda a, b: F.kl_div(a, b, reduction="batchmean"), (r(4), p)),
        "F.gaussian_nll_loss": (F.gaussian_nll_loss, (r(4), r(4), p)),
        "F.poisson_nll_loss": (F.poisson_nll_loss, (r(4), p)),
        "F.margin_ranking_loss": (lambda a, b: F.margin_ranking_loss(
            a, b, torch.ones(4, dtype=torch.float64)), (r(4), r(4))),
        "F.soft_margin_loss": (lambda a: F.soft_margin_loss(
            a, torch.ones(4, dtype=torch.float64)), (r(4),)),
        "linalg.solve": (L.solve, (A, r(3))), "linalg.inv": (L.inv, (A,)),
        "linalg.det": (L.det, (A,)), "linalg.slogdet": (lambda a: L.slogdet(a)[1], (A,)),
        "linalg.cholesky": (L.cholesky, (S,)),
        "linalg.solve_triangular": (lambda a, b: L.solve_triangular(a, b, upper=False),
                                    (torch.tril(A), r(3, 2))),
        "linalg.vector_norm": (L.vector_norm, (r(4),)),
        "linalg.matrix_norm": (L.matrix_norm, (A,)), "linalg.norm": (L.norm, (A,)),
        "linalg.eigvalsh": (L.eigvalsh, (S,)), "linalg.svdvals": (L.svdvals, (A,)),
        "linalg.eigh": (lambda a: L.eigh(a)[1], (S,)), "linalg.svd": (lambda a: L.svd(a)[0],
                                                                     (A,)),
        "linalg.qr": (lambda a: L.qr(a)[1], (A,)), "linalg.pinv": (L.pinv, (A,)),
        "linalg.matrix_exp": (lambda a: L.matrix_exp(0.1 * a), (A,)),
        "linalg.lstsq": (lambda a, b: L.lstsq(a, b).solution, (A, r(3, 1))),
        "linalg.cross": (L.cross, (r(3), r(3))), "linalg.multi_dot": (
            lambda a: L.multi_dot([a, a]), (A,)),
        "linalg.matrix_power": (lambda a: L.matrix_power(a, 3), (A,)),
        "linalg.vecdot": (L.vecdot, (r(3), r(3))),
        "linalg.tensorsolve": (L.tensorsolve, (A, r(3))),
        "linalg.cond": (L.cond, (A,)),
        "torch.clamp": (lambda x: torch.clamp(x, -0.5, 0.5), (r(4),)),
        "torch.clip (tensor bound)": (lambda x, lo: torch.clip(x, lo), (r(4), r(4))),
        "torch.cumsum": (lambda x: torch.cumsum(x, 0), (r(4),)),
        "torch.cumprod": (lambda x: torch.cumprod(x, 0), (r(4),)),
        "torch.prod": (torch.prod, (r(4),)), "torch.atan2": (torch.atan2, (r(3), r(3))),
        "torch.std": (torch.std, (r(4),)), "torch.sort": (lambda x: torch.sort(x)[0], (r(4),)),
        "torch.topk": (lambda x: torch.topk(x, 2)[0], (r(4),)),
        "torch.roll": (lambda x: torch.roll(x, 1), (r(4),)),
        "torch.flip": (lambda x: torch.flip(x, (0,)), (r(4),)),
        "torch.triu": (torch.triu, (A,)), "torch.diag": (torch.diag, (r(3),)),
        "torch.diagonal": (torch.diagonal, (A,)), "torch.trace": (torch.trace, (A,)),
        "torch.erfinv": (torch.erfinv, (p,)), "torch.lgamma": (torch.lgamma, (p,)),
        "torch.digamma": (torch.digamma, (p,)), "torch.xlogy": (torch.xlogy, (p, p)),
        "torch.cdist": (torch.cdist, (r(3, 4), r(2, 4))),
        "torch.einsum": (lambda a: torch.einsum("ij,jk->ik", a, a), (A,)),
        "torch.logsumexp": (lambda x: torch.logsumexp(x, 0), (r(4),)),
        "torch.where": (lambda x: torch.where(x > 0, x, x * x), (r(4),)),
        "torch.special.log_ndtr": (torch.special.log_ndtr, (r(4),)),
        "torch.special.i0": (torch.special.i0, (r(4),)),
    })
    return out


def jax_samples() -> dict:
    """public name -> (function, inputs)."""
    import jax
    import jax.numpy as jnp
    import jax.scipy.linalg as jsl
    import jax.scipy.special as jss
    rng = np.random.default_rng(0)

    def r(*s):
        return jnp.asarray(rng.standard_normal(s))
    A = r(3, 3) + 3 * jnp.eye(3)
    S, P = A @ A.T, jnp.abs(r(4)) + 0.5
    unary = {f"jnp.{n}": getattr(jnp, n) for n in
             "sin cos tan tanh sinh cosh exp expm1 log1p abs square sign cbrt arctan "
             "arcsinh".split()}
    unary.update({f"jax.nn.{n}": getattr(jax.nn, n) for n in
                  "relu elu selu silu gelu celu softplus sigmoid log_sigmoid hard_tanh "
                  "leaky_relu mish glu sparse_plus squareplus softmax log_softmax "
                  "standardize".split()})
    unary.update({f"jss.{n}": getattr(jss, n) for n in "ndtr erfc erf i0e i1e logsumexp "
                  "expit log_ndtr".split()})
    out = {k: (f, (r(4),)) for k, f in unary.items()}
    out.update({
        "jnp.log": (jnp.log, (P,)), "jnp.sqrt": (jnp.sqrt, (P,)), "jnp.power": (
            lambda x: x ** 2.5, (P,)), "jnp.arcsin": (jnp.arcsin, (0.5 * jnp.tanh(r(3)),)),
        "jss.erfinv": (jss.erfinv, (0.5 * jnp.tanh(r(3)),)), "jss.gammaln": (jss.gammaln, (P,)),
        "jss.digamma": (jss.digamma, (P,)), "jss.xlogy": (jss.xlogy, (P, P)),
        "jss.logit": (jss.logit, (jax.nn.sigmoid(r(3)),)), "jss.entr": (jss.entr, (P,)),
        "jnp.linalg.solve": (jnp.linalg.solve, (A, r(3))), "jnp.linalg.inv": (jnp.linalg.inv,
                                                                              (A,)),
        "jnp.linalg.det": (jnp.linalg.det, (A,)), "jnp.linalg.slogdet": (
            lambda a: jnp.linalg.slogdet(a)[1], (A,)),
        "jnp.linalg.cholesky": (jnp.linalg.cholesky, (S,)), "jnp.linalg.norm": (
            jnp.linalg.norm, (A,)), "jnp.linalg.eigvalsh": (jnp.linalg.eigvalsh, (S,)),
        "jnp.linalg.pinv": (jnp.linalg.pinv, (A,)), "jnp.linalg.qr": (
            lambda a: jnp.linalg.qr(a)[1], (A,)),
        "jsl.lu_factor": (lambda a: jsl.lu_factor(a)[0], (A,)),
        "jsl.solve_triangular": (lambda a, b: jsl.solve_triangular(a, b, lower=True),
                                 (jnp.tril(A), r(3))),
        "jsl.cho_solve": (lambda a, b: jsl.cho_solve(jsl.cho_factor(a), b), (S, r(3))),
        "jsl.expm": (lambda a: jsl.expm(0.1 * a), (A,)),
        "lax.custom_linear_solve": (lambda a, b: jax.lax.custom_linear_solve(
            lambda v: a @ v, b, lambda mv, bb: jnp.linalg.solve(a, bb)), (A, r(3))),
        "lax.scan": (lambda x: jax.lax.scan(lambda c, y: (c * jnp.sin(y) + y, c), 1.0, x)[0],
                     (r(4),)),
        "lax.fori_loop": (lambda x: jax.lax.fori_loop(0, 5, lambda i, c: jnp.cos(c) * x, x),
                          (r(3),)),
        "lax.while_loop": (lambda x: jax.lax.while_loop(
            lambda c: c[0] < 5, lambda c: (c[0] + 1, jnp.cos(c[1]) * x), (0, x))[1], (r(3),)),
        "lax.cond": (lambda x: jax.lax.cond(x.sum() > 0, jnp.sin, jnp.cos, x), (r(3),)),
        "lax.conv_general_dilated": (lambda x, w: jax.lax.conv_general_dilated(
            x, w, (1, 1), "SAME"), (r(2, 3, 5, 5), r(4, 3, 3, 3))),
        "lax.reduce_window (max)": (lambda x: jax.lax.reduce_window(
            x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID"), (r(1, 2, 4, 4),)),
        "lax.reduce_window (sum)": (lambda x: jax.lax.reduce_window(
            x, 0.0, jax.lax.add, (1, 1, 2, 2), (1, 1, 2, 2), "VALID"), (r(1, 2, 4, 4),)),
        "lax.dynamic_slice": (lambda x: jax.lax.dynamic_slice(x, (1,), (2,)), (r(4),)),
        "jnp.cumsum": (jnp.cumsum, (r(4),)), "jnp.cumprod": (jnp.cumprod, (r(4),)),
        "jnp.clip": (lambda x: jnp.clip(x, -0.5, 0.5), (r(4),)), "jnp.sort": (jnp.sort,
                                                                            (r(4),)),
        "jnp.prod": (jnp.prod, (r(4),)), "jnp.arctan2": (jnp.arctan2, (r(3), r(3))),
        "jnp.pad": (lambda x: jnp.pad(x, 1), (r(3),)), "jnp.roll": (lambda x: jnp.roll(x, 1),
                                                                   (r(4),)),
        "jnp.flip": (jnp.flip, (r(4),)), "jnp.take": (lambda x: x[jnp.array([2, 0])], (r(4),)),
        ".at[].set": (lambda x: x.at[1].set(0.0), (r(4),)),
        ".at[].add": (lambda x: x.at[1].add(x[0]), (r(4),)),
        "jnp.triu": (jnp.triu, (A,)), "jnp.diag": (jnp.diag, (A,)), "jnp.trace": (jnp.trace,
                                                                                (A,)),
        "jnp.einsum": (lambda a: jnp.einsum("ij,jk->ik", a, a), (A,)),
        "jnp.var": (jnp.var, (r(4),)), "jnp.std": (jnp.std, (r(4),)), "jnp.max": (jnp.max,
                                                                                (r(4),)),
        "jnp.median": (jnp.median, (r(5),)), "jnp.where": (
            lambda x: jnp.where(x > 0, x, x ** 2), (r(4),)),
        "jnp.logaddexp": (jnp.logaddexp, (r(3), r(3))), "jnp.hypot": (jnp.hypot, (r(3), r(3))),
        "jnp.remainder": (lambda x: jnp.remainder(x, 0.7), (r(3),)),
    })
    return out


def _torch_row(fn, args):
    import torch

    from adcheck.engines.namespace import numpy_ns

    from .aten_ops import Untranslatable
    from .translate_torch import translate
    try:  # traced as the checks trace it: a closure over the call (defaults stay constants)
        prog = translate(lambda *a: fn(*a), list(args))
    except Untranslatable as exc:
        return "fallback", ", ".join(exc.names)
    got = prog(numpy_ns, *[a.numpy() for a in args])[0]
    want = fn(*[a.clone() for a in args])
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    return _agree(got, want)


def _jax_row(fn, args):
    import jax

    from adcheck.engines.namespace import numpy_ns

    from . import translate_jax as TJ
    closed = jax.make_jaxpr(fn)(*args)
    gone = TJ.missing(closed.jaxpr)
    if gone:
        return "fallback", ", ".join(sorted(gone))
    got = TJ.run(numpy_ns, closed.jaxpr, closed.consts, [np.asarray(a) for a in args])[0]
    return _agree(got, np.asarray(fn(*args)))


def _agree(got, want):
    ok = np.allclose(np.asarray(got, dtype=float), want, rtol=1e-10, atol=1e-12)
    return ("exact", "") if ok else ("fallback", "the replay disagrees with the framework")


def rows(framework: str) -> list:
    """(name, route, why) for every sample of ``framework`` ("torch" or "jax")."""
    out = []
    if framework == "torch":
        samples, row = torch_samples(), _torch_row
    else:
        import jax
        with jax.enable_x64(True):
            samples, row = jax_samples(), _jax_row
            return [(k, *_safe(row, *v)) for k, v in samples.items()]
    for k, v in samples.items():
        out.append((k, *_safe(row, *v)))
    return out


def _safe(row, fn, args):
    try:
        return row(fn, args)
    except Exception as exc:  # noqa: BLE001  a replay that cannot run: the fallback, and why
        return "fallback", f"{type(exc).__name__}: {str(exc)[:80]}"


def markdown(tables: dict) -> str:
    lines = ["# Operations the drop-in checks translate", "",
             "Generated by `python -m adcheck.frameworks.coverage > docs/framework-coverage.md`;"
             " do not edit by hand. Each row is a public operation with a sample call, traced "
             "as `adcheck.torch` / `adcheck.jax` trace it and replayed in `xp`: `exact` when "
             "the replay runs and agrees with the framework to 1e-10 (the check's reference "
             "is then exact), `fallback` otherwise (the check takes the fallback route, "
             "names what was missing, and bounds its cost).", ""]
    for fw, rs in tables.items():
        n = sum(r[1] == "exact" for r in rs)
        lines += [f"## {fw}: {n} of {len(rs)} exact ({100 * n / len(rs):.0f} %)", "",
                  "| operation | route | missing |", "|---|---|---|"]
        lines += [f"| `{k}` | {route} | {why.replace('|', '/')} |" for k, route, why in rs]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    sys.stdout.write(markdown({"torch": rows("torch"), "jax": rows("jax")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
