"""Custom autograd.Functions with the bugs users write, each beside its correct version.

``CASES`` maps a bug's name to (function, inputs maker, which check catches it, the input whose
derivative is wrong, the rule to blame, correct function). Imported only where torch is.
"""

import torch

D = torch.float64


def _fn(name, forward, backward):
    """An autograd.Function class ``name`` from a forward(ctx, *x) and a backward(ctx, g)."""
    return type(name, (torch.autograd.Function,), {"forward": staticmethod(forward),
                                                    "backward": staticmethod(backward)})


def _save(ctx, *xs):
    ctx.save_for_backward(*xs)


# missing transpose: d(AB)/dA is g Bᵀ
def _mm_fwd(ctx, a, b):
    _save(ctx, a, b)
    return a @ b


MatMul = _fn("MatMul", _mm_fwd, lambda ctx, g: (g @ ctx.saved_tensors[1].T,
                                                 ctx.saved_tensors[0].T @ g))
MatMulNoT = _fn("MatMulNoT", _mm_fwd, lambda ctx, g: (g @ ctx.saved_tensors[1],
                                                       ctx.saved_tensors[0].T @ g))


# wrong factor on one input of a product
def _mul_fwd(ctx, a, b):
    _save(ctx, a, b)
    return a * b


Mul = _fn("Mul", _mul_fwd, lambda ctx, g: (g * ctx.saved_tensors[1], g * ctx.saved_tensors[0]))
MulTwice = _fn("MulTwice", _mul_fwd, lambda ctx, g: (g * ctx.saved_tensors[1],
                                                     2 * g * ctx.saved_tensors[0]))


# the saved output changed in place after it was saved (kept as an attribute: no version check)
def _exp_plus_fwd(ctx, x):
    y = x.exp()
    ctx.y = y
    return y.add_(1.0)


def _exp_plus_ok_fwd(ctx, x):
    y = x.exp()
    ctx.y = y.clone()
    return y.add_(1.0)


ExpPlusOne = _fn("ExpPlusOne", _exp_plus_fwd, lambda ctx, g: g * ctx.y)
ExpPlusOneOk = _fn("ExpPlusOneOk", _exp_plus_ok_fwd, lambda ctx, g: g * ctx.y)


# softplus: correct; detached in backward (right first derivative, wrong second)
def _sp_fwd(ctx, x):
    _save(ctx, x)
    return torch.log1p(torch.exp(x))


Softplus = _fn("Softplus", _sp_fwd, lambda ctx, g: g * torch.sigmoid(ctx.saved_tensors[0]))
SoftplusDetached = _fn("SoftplusDetached", _sp_fwd,
                       lambda ctx, g: g * torch.sigmoid(ctx.saved_tensors[0].detach()))


# wrong second derivative: sin whose backward calls a cos with a wrong backward of its own
def _cos_fwd(ctx, x):
    _save(ctx, x)
    return torch.cos(x)


Cos = _fn("Cos", _cos_fwd, lambda ctx, g: -g * torch.sin(ctx.saved_tensors[0]))
CosWrong = _fn("CosWrong", _cos_fwd, lambda ctx, g: g * torch.sin(ctx.saved_tensors[0]))


def _sin_fwd(ctx, x):
    _save(ctx, x)
    return torch.sin(x)


Sin = _fn("Sin", _sin_fwd, lambda ctx, g: g * Cos.apply(ctx.saved_tensors[0]))
SinWrong2 = _fn("SinWrong2", _sin_fwd, lambda ctx, g: g * CosWrong.apply(ctx.saved_tensors[0]))


# correct forward, wrong reduction over the batch: the backward forgets the 1/N of the mean
def _mse_fwd(ctx, x):
    _save(ctx, x)
    return (x * x).sum(1).mean(0)


BatchMSE = _fn("BatchMSE", _mse_fwd, lambda ctx, g: g * 2 * ctx.saved_tensors[0]
               / ctx.saved_tensors[0].shape[0])
BatchMSESum = _fn("BatchMSESum", _mse_fwd, lambda ctx, g: g * 2 * ctx.saved_tensors[0])


def rand(gen, *shape, dtype=D):
    return torch.randn(*shape, dtype=dtype, generator=gen)


CASES = {
    "missing-transpose": (MatMulNoT.apply, lambda g: (rand(g, 3, 3), rand(g, 3, 3)), 1, 0,
                          "MatMulNoT.backward", MatMul.apply),
    "factor-on-one-input": (MulTwice.apply, lambda g: (rand(g, 4), rand(g, 4)), 1, 1,
                            "MulTwice.backward", Mul.apply),
    "saved-output-changed-in-place": (ExpPlusOne.apply, lambda g: (rand(g, 5),), 1, 0,
                                      "ExpPlusOne.backward", ExpPlusOneOk.apply),
    "detach-in-backward": (SoftplusDetached.apply, lambda g: (rand(g, 5),), 2, 0,
                           "SoftplusDetached.backward", Softplus.apply),
    "wrong-second-derivative": (SinWrong2.apply, lambda g: (rand(g, 4),), 2, 0,
                                "CosWrong.backward", Sin.apply),
    "wrong-batch-reduction": (BatchMSESum.apply, lambda g: (rand(g, 6, 3),), 1, 0,
                              "BatchMSESum.backward", BatchMSE.apply),
}
