"""PyTorch as an engine under test: ``torch`` (autograd.grad, grad of grad with
create_graph=True, the appendix's recipe) and ``torch-fwd-over-rev`` (torch.func: jacrev for
first order, jacfwd(jacrev) / jvp of grad for second order). Float64 throughout."""

from __future__ import annotations

import array_api_compat.torch as xt
import numpy as np
import torch
import torch.func as tf

from . import AdapterEngine, AdapterNamespace, CallCounter


def _prims(tensor):
    """Primitive name -> torch function; ``tensor`` turns Python/numpy operands into tensors."""
    def lift(fn):
        return lambda *xs, **p: fn(*(tensor(x) for x in xs), **p)

    def scatter_add(x, *, index, shape):
        return torch.zeros(shape, dtype=x.dtype, device=x.device).index_put(
            index if isinstance(index, tuple) else (index,), x, accumulate=True)

    def sum_to(x, *, shape):
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                          if s == 1 and x.shape[i + lead] != 1)
        return (x.sum(dim=axes, keepdim=True) if axes else x).reshape(shape)

    elementwise = {n: lift(getattr(xt, n)) for n in (
        "add subtract multiply divide negative pow matmul exp log log1p expm1 sqrt tanh sin cos "
        "sinh cosh abs sign maximum minimum logaddexp").split()}
    # numpy's spellings of the primitives -> torch's
    renamed = {"arccos": torch.acos, "arcsin": torch.asin, "arctan": torch.atan,
               "arccosh": torch.acosh, "arcsinh": torch.asinh, "arctanh": torch.atanh,
               "arctan2": torch.atan2, "tan": torch.tan, "floor": torch.floor,
               "ceil": torch.ceil, "round": torch.round, "trunc": torch.trunc,
               **{n: getattr(torch.special, n) for n in
                  ("erf", "erfc", "erfinv", "expit", "gammaln", "log_ndtr", "ndtri")}}

    def symmetric(a):  # the matrix primitives read the symmetric part, as numpy's do
        a = tensor(a)
        return (a + a.mT) / 2

    return {
        **elementwise,
        **{n: lift(fn) for n, fn in renamed.items()},
        "polygamma": lambda x, *, n: torch.special.polygamma(n, tensor(x)),
        "cholesky": lambda a: torch.linalg.cholesky(symmetric(a)),
        "eigh_packed": lambda a: _eigh_packed(symmetric(a)),
        "expm": lift(torch.linalg.matrix_exp),
        "where": lambda x, y, *, cond: torch.where(tensor(cond).bool(), tensor(x), tensor(y)),
        "outer": lift(torch.outer),
        # trace and diag of a matrix act on the last two axes, as the primitives define them
        "trace": lambda x, *, offset=0: torch.diagonal(tensor(x), offset, -2, -1).sum(-1),
        "diag": lambda x, *, k=0: (torch.diag(tensor(x), k) if tensor(x).ndim == 1
                                   else torch.diagonal(tensor(x), k, -2, -1)),
        "broadcast_to": lambda x, *, shape: torch.broadcast_to(tensor(x), shape),
        "sum_to": sum_to, "scatter_add": scatter_add,
        "matrix_transpose": lambda x: tensor(x).mT,
        "transpose": lambda x, *, axes=None: tensor(x).permute(
            tuple(reversed(range(tensor(x).ndim))) if axes is None else axes),
        "reshape": lambda x, *, shape: torch.reshape(tensor(x), shape),
        "getitem": lambda x, *, index: _getitem(tensor(x), index),
        "stack": lambda *xs, axis=0: torch.stack([tensor(x) for x in xs], dim=axis),
        "concat": lambda *xs, axis=0: torch.cat([tensor(x) for x in xs], dim=axis),
        "sum": lambda x, *, axis=None, keepdims=False: xt.sum(tensor(x), axis=axis,
                                                              keepdims=keepdims),
        "mean": lambda x, *, axis=None, keepdims=False: xt.mean(tensor(x), axis=axis,
                                                                keepdims=keepdims),
        "inv": lift(torch.linalg.inv), "det": lift(torch.linalg.det),
        "logabsdet": lambda a: torch.linalg.slogdet(tensor(a))[1],
        "solve": lift(torch.linalg.solve),
    }


def _getitem(x, index):
    """``x[index]`` with numpy's semantics; torch refuses a negative step (``x[::-1]``), so
    such an index gathers by the flat positions numpy selects."""
    parts = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(p, slice) and p.step is not None and p.step < 0 for p in parts):
        return x[index]
    flat = np.arange(x.numel()).reshape(tuple(x.shape))[index]
    return x.reshape(-1)[torch.as_tensor(flat, device=x.device)]


def _eigh_packed(a):
    """The primitive's layout: eigenvalues (row 0, ascending) above the eigenvectors, each
    vector's largest-magnitude entry positive (the sign is a constant of the derivative)."""
    w, v = torch.linalg.eigh(a)
    s = torch.sign(torch.gather(v, -2, v.abs().argmax(dim=-2, keepdim=True))).detach()
    return torch.cat([w.unsqueeze(-2), v * torch.where(s == 0, torch.ones_like(s), s)], dim=-2)


def namespace(device="cpu") -> AdapterNamespace:
    """The supported names bound to torch float64 tensors on ``device``."""
    def tensor(x):
        if isinstance(x, torch.Tensor):
            return x
        return torch.as_tensor(np.asarray(x, dtype=np.float64) if not isinstance(x, bool)
                               else x, device=device)

    return AdapterNamespace(
        "torch", _prims(tensor), constant=tensor,
        is_array=lambda x: isinstance(x, torch.Tensor),
        sign_of_det=lambda a: torch.linalg.slogdet(a.detach())[0],
    )


def _to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t, float)


class TorchEngine(AdapterEngine):
    """torch as an engine: ``mode`` "autograd" (grad of grad) or "func" (jacfwd(jacrev)).

    Args:
        name: registered name.
        mode: "autograd" or "func".
        device: torch device the tensors live on ("cpu", "cuda").
    """

    def __init__(self, name: str, mode: str, device: str = "cpu"):
        self.name, self.mode, self.device = name, mode, device
        self.xp = namespace(device)
        self.description = ("torch.autograd.grad; second order by grad of grad "
                            "(create_graph=True)" if mode == "autograd" else
                            "torch.func: jacrev; second order by jacfwd(jacrev), jvp of grad")

    # -- plumbing: numpy arguments in, a function of the one differentiated tensor out
    def _setup(self, f, args, wrt):
        counted = CallCounter(f)
        targs = [self._tensor(a) for a in args]
        x = torch.as_tensor(np.asarray(args[wrt], dtype=np.float64), device=self.device)

        def fx(x_):
            return counted(self.xp, *targs[:wrt], x_, *targs[wrt + 1:])

        return fx, x, counted

    def _tensor(self, a):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" or isinstance(a, np.floating):
            return torch.as_tensor(np.asarray(a, dtype=np.float64), device=self.device)
        return a

    def _grad_graph(self, fx, x):
        """One forward pass and the gradient, kept differentiable (create_graph=True)."""
        x = x.clone().requires_grad_(True)
        y = fx(x)
        if not (isinstance(y, torch.Tensor) and y.requires_grad):
            return x, torch.zeros_like(x)
        (g,) = torch.autograd.grad(y, x, create_graph=True)
        return x, g

    def _rows(self, out, x, cts):
        """Reverse sweeps of ``out`` (one per cotangent); zeros where out ignores x."""
        if not (isinstance(out, torch.Tensor) and out.requires_grad):
            return [torch.zeros_like(x) for _ in cts]
        rows = []
        for ct in cts:
            (r,) = torch.autograd.grad(out, x, ct, retain_graph=True, allow_unused=True)
            rows.append(torch.zeros_like(x) if r is None else r)
        return rows

    # -- first order
    def vjp(self, f, args, wrt, cotangent):
        fx, x, n = self._setup(f, args, wrt)
        if self.mode == "func":
            _, pullback = tf.vjp(fx, x)
            (v,) = pullback(torch.as_tensor(np.asarray(cotangent, float), device=self.device))
            return self._result(_to_numpy(v), n.calls, 1)
        x = x.requires_grad_(True)
        y = fx(x)
        ct = torch.as_tensor(np.asarray(cotangent, float), device=self.device)
        return self._result(_to_numpy(self._rows(y, x, [ct])[0]), n.calls, 1)

    def jvp(self, f, args, wrt, tangent):
        fx, x, n = self._setup(f, args, wrt)
        t = torch.as_tensor(np.asarray(tangent, float), device=self.device)
        if self.mode == "func":
            return self._result(_to_numpy(tf.jvp(fx, (x,), (t,))[1]), n.calls)
        j = self.jacobian(f, args, wrt).value
        k = np.asarray(args[wrt]).ndim
        value = np.tensordot(j, _to_numpy(t), axes=k) if k else j * _to_numpy(t)
        return self._result(value, n.calls + 1, int(np.prod(j.shape[: j.ndim - k])))

    def jacobian(self, f, args, wrt=0):
        fx, x, n = self._setup(f, args, wrt)
        if self.mode == "func":
            return self._result(_to_numpy(tf.jacrev(fx)(x)), n.calls, 1)
        x = x.requires_grad_(True)
        y = fx(x)
        shape = tuple(np.shape(_to_numpy(y)))
        eye = torch.eye(max(1, int(np.prod(shape))), dtype=torch.float64, device=self.device)
        cts = [e.reshape(shape) for e in eye[: int(np.prod(shape))]]
        rows = self._rows(y, x, cts)
        jac = torch.stack(rows).reshape(shape + tuple(x.shape)) if rows else \
            torch.zeros(shape + tuple(x.shape))
        return self._result(_to_numpy(jac), n.calls, len(cts))

    # -- second order
    def hessian(self, f, args, wrt=0):
        fx, x, n = self._setup(f, args, wrt)
        if self.mode == "func":
            return self._result(_to_numpy(tf.jacfwd(tf.jacrev(fx))(x)), n.calls, 1)
        x, g = self._grad_graph(fx, x)
        eye = torch.eye(x.numel(), dtype=torch.float64, device=self.device)
        rows = self._rows(g, x, [e.reshape(x.shape) for e in eye])
        return self._result(_to_numpy(torch.stack(rows).reshape(x.shape + x.shape)),
                            n.calls, 1 + x.numel())

    def hvp(self, f, args, wrt, v):
        fx, x, n = self._setup(f, args, wrt)
        v = torch.as_tensor(np.asarray(v, float), device=self.device)
        if self.mode == "func":
            return self._result(_to_numpy(tf.jvp(tf.grad(fx), (x,), (v,))[1]), n.calls, 1)
        x, g = self._grad_graph(fx, x)
        return self._result(_to_numpy(self._rows(g, x, [v])[0]), n.calls, 2)

    def laplacian(self, f, args, wrt=0):
        r = self.hessian(f, args, wrt)
        k = int(np.prod(np.shape(args[wrt])))
        return self._result(float(np.trace(np.reshape(r.value, (k, k)))), r.cost.passes,
                            r.cost.sweeps)


def engines(device: str = "cpu") -> list[TorchEngine]:
    """The two torch engines."""
    return [TorchEngine("torch", "autograd", device),
            TorchEngine("torch-fwd-over-rev", "func", device)]
