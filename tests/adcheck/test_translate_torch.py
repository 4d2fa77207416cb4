"""adcheck.translate_torch / aten_ops: a traced torch program replayed in xp computes the same."""

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
    with pytest.raises(Untranslatable, match=r"for: special_log_ndtr"):
        translate(lambda x: torch.special.log_ndtr(x), [torch.ones(3, dtype=torch.float64)])
