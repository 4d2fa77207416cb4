"""adcheck.frameworks.translate_torch / aten_ops: a traced torch program replayed in xp computes
the same."""

import importlib.util

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="torch is not installed (pip install 'adcheck[torch]')")

if importlib.util.find_spec("torch") is not None:
    import torch
    import torch.nn.functional as F

from adcheck.engines.namespace import numpy_ns  # noqa: E402
from adcheck.frameworks.aten_ops import Untranslatable  # noqa: E402


def _cases():
    g = torch.Generator().manual_seed(0)

    def r(*s, scale=1.0):
        return scale * torch.randn(*s, dtype=torch.float64, generator=g)
    t = torch.tensor([1, 0, 3])
    return {
        "softplus": (F.softplus, (r(6, scale=15.0),)),
        "logsumexp": (lambda x: torch.logsumexp(x, -1), (r(3, 4),)),
        "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), (r(3, 4), r(4), r(4))),
        "softmax": (lambda x: F.softmax(x, -1), (r(3, 4),)),
        "cross_entropy": (lambda x: F.cross_entropy(x, t), (r(3, 4),)),
        "sdpa": (F.scaled_dot_product_attention, (r(2, 3, 4), r(2, 3, 4), r(2, 3, 4))),
        "conv1d": (lambda x, w, b: F.conv1d(x, w, b, padding=1, stride=2),
                   (r(2, 3, 7), r(5, 3, 3), r(5))),
        "batch_norm": (lambda x: F.batch_norm(x, None, None, training=True), (r(4, 3),)),
        "amax, gather, in place": (lambda x: torch.gather(x.amax(-1, keepdim=True) + x, 1,
                                                          t[:, None]).add_(1.0), (r(3, 4),)),
        "clamp, clip, cumsum": (lambda x, lo: torch.cumsum(torch.clamp(x, -0.5, 0.5)
                                                          + torch.clip(x, lo), 0),
                                (r(5), r(5))),
        "vector_norm, mse_loss": (lambda a, b: torch.linalg.vector_norm(a) + F.mse_loss(a, b),
                                  (r(4), r(4))),
        "linalg solve, inv, cholesky, slogdet": (
            lambda A, b: torch.linalg.solve(A, b) + torch.linalg.inv(A) @ b
            + torch.linalg.cholesky(A @ A.T).sum() + torch.linalg.slogdet(A)[1],
            (r(3, 3) + 3 * torch.eye(3, dtype=torch.float64), r(3))),
        "conv2d, groups, pooling": (lambda x, w: F.max_pool2d(F.conv2d(
            x, w, padding=1, stride=(1, 2), groups=2), 2).sum() + F.avg_pool2d(x, 2).sum(),
            (r(2, 4, 6, 6), r(6, 2, 3, 3))),
        "log_ndtr": (torch.special.log_ndtr, (r(8, scale=12.0),)),
        "bilinear, batched": (F.bilinear, (r(2, 3, 4), r(2, 3, 2), r(5, 4, 2), r(5))),
        "interpolate linear": (lambda x: torch.cat([
            F.interpolate(x, scale_factor=2, mode="linear"),
            F.interpolate(x, scale_factor=1.5, mode="linear"),
            F.interpolate(x, size=3, mode="linear"),
            F.interpolate(x, size=9, mode="linear", align_corners=True)], dim=-1), (r(2, 3, 5),)),
        "qr, tall and batched": (lambda a, b: torch.cat([
            *(m.flatten() for m in torch.linalg.qr(a)),
            *(m.flatten() for m in torch.linalg.qr(b))]), (r(5, 3), r(2, 4, 4))),
    }


@pytest.mark.parametrize("name", list(_cases()) if importlib.util.find_spec("torch") else [])
def test_translation_computes_what_torch_computes(name):
    from adcheck.frameworks.translate_torch import translate
    fn, args = _cases()[name]
    program = translate(fn, list(args))
    (got,) = program(numpy_ns, *[a.numpy() for a in args])
    want = fn(*[a.clone() for a in args]).numpy()
    assert np.allclose(got, want, rtol=1e-13, atol=1e-13), name


def test_an_operation_without_counterpart_is_named():
    from adcheck.frameworks.translate_torch import translate
    with pytest.raises(Untranslatable, match=r"for: im2col"):
        translate(lambda x: F.unfold(x, 2), [torch.ones(1, 1, 3, 3, dtype=torch.float64)])


@pytest.mark.parametrize("name", ["log_ndtr", "bilinear, batched", "interpolate linear",
                                  "qr, tall and batched"])
def test_the_new_translations_check_exactly_and_a_wrong_backward_fails(name):
    """The drop-in gradcheck takes the exact route on them (no fallback note), and a wrong
    backward of the same function fails."""
    import warnings

    import adcheck.torch as at
    fn, args = _cases()[name]
    args = [a.clone().requires_grad_(True) for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback would warn that it is one
        assert at.gradcheck(fn, args)

    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *xs):
            ctx.save_for_backward(*xs)
            return fn(*xs)

        @staticmethod
        def backward(ctx, g):
            xs = ctx.saved_tensors
            with torch.enable_grad():
                xs = [x.detach().requires_grad_(True) for x in xs]
                grads = torch.autograd.grad(fn(*xs), xs, g)
            return (1.01 * grads[0], *grads[1:])
    with pytest.raises(at.GradcheckError):
        at.gradcheck(Wrong.apply, args)


@pytest.mark.parametrize("kw", [dict(scale_factor=1.5), dict(scale_factor=2.7),
                                dict(size=7, align_corners=True), dict(size=3)])
def test_linear_interpolation_weights_are_torchs_at_float32(kw):
    """torch computes the weights in the tensor's precision with a fused multiply-add: the
    exact reference uses the same weights (with float64 weights a correct float32 gradient
    failed at 16x its allowance)."""
    import adcheck.torch as at
    x = torch.randn(2, 3, 5, dtype=torch.float32, generator=torch.Generator().manual_seed(1),
                    requires_grad=True)
    assert at.gradcheck(lambda x: F.interpolate(x, mode="linear", **kw), (x,))
