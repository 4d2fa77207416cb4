"""A small convolutional network's parameter gradient: adcheck.torch.gradcheck against
torch.autograd.gradcheck (slow mode, and fast_mode).

The net: Conv2d(1, 8, 3) -> tanh -> Conv2d(8, 16, 3) -> tanh -> mean over the image ->
Linear(16, 22), on a batch of 4 images of 16 x 16 (``ADCHECK_CONV_SIDE``): 1,622 parameters,
every one an input of the check. Printed:
process CPU seconds of each check (median of ``REPEATS``, after one check of a small other
function by each tool: the process's one-time set-up is not the check's), the ratios, and the
route adcheck took (exact: the traced program replayed in adcheck's namespace, its whole
Jacobian or, past the exact route's budget, random probes; fallback: differences, with the
untranslated operations named). ``python -m benchmarks conv_net`` runs it.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")

REPEATS = int(os.environ.get("ADCHECK_CONV_REPEATS", "3"))
SIDE = int(os.environ.get("ADCHECK_CONV_SIDE", "16"))  # the images' side


def net_and_inputs():
    """(f(w1, b1, w2, b2, w3, b3) -> logits, the parameters as float64 leaves, parameter
    count)."""
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(0)

    def r(*s, scale=0.5):
        return (scale * torch.randn(*s, dtype=torch.float64, generator=g)).requires_grad_()
    x = torch.randn(4, 1, SIDE, SIDE, dtype=torch.float64, generator=g)
    params = (r(8, 1, 3, 3), r(8), r(16, 8, 3, 3, scale=0.2), r(16), r(22, 16), r(22))

    def f(w1, b1, w2, b2, w3, b3):
        h = torch.tanh(F.conv2d(x, w1, b1))
        h = torch.tanh(F.conv2d(h, w2, b2))
        return F.linear(h.mean(dim=(2, 3)), w3, b3)
    return f, params, sum(p.numel() for p in params)


def _cpu(fn) -> tuple[float, object]:
    times, out = [], None
    for _ in range(REPEATS):
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return statistics.median(times), out


def main() -> None:
    import torch

    import adcheck.torch as at
    torch.set_num_threads(1)
    # each tool once on a small other function first: the first drop-in check of a process
    # pays ~1.1 s of one-time set-up (torch.fx's tracing machinery), not a cost of this check
    w = torch.ones(3, 5, dtype=torch.float64, requires_grad=True)
    at.check(lambda w: torch.tanh(w).sum(1), (w,))
    torch.autograd.gradcheck(lambda w: torch.tanh(w).sum(1), (w,))
    f, params, n = net_and_inputs()
    mine, verdict = _cpu(lambda: at.check(f, params))  # what gradcheck runs, with its verdict
    slow, slow_ok = _cpu(lambda: torch.autograd.gradcheck(f, params))
    fast, fast_ok = _cpu(lambda: torch.autograd.gradcheck(f, params, fast_mode=True))
    route = ("fallback" if "fallback route" in verdict.message else
             "probes (exact route past its budget)" if "probed because" in verdict.message
             else "probes" if "random probes" in verdict.message else "exact")
    print(f"conv net, {n} parameters (CPU s, median of {REPEATS})")
    print(f"  adcheck.torch.check      {mine:8.2f}  verdict {verdict.verdict}, {route} route")
    print(f"  torch gradcheck (slow)   {slow:8.2f}  {slow_ok}")
    print(f"  torch gradcheck (fast)   {fast:8.2f}  {fast_ok}")
    print(f"  ratio adcheck / torch slow {mine / slow:.3f}; adcheck / torch fast "
          f"{mine / fast:.2f}")
    print("  " + verdict.message.splitlines()[0])


if __name__ == "__main__":
    main()
