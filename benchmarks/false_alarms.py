"""False-alarm campaign of the drop-in checks on the frameworks' own built-ins.

torch's softplus, logsumexp, layer_norm, softmax, cross_entropy, scaled_dot_product_attention
and conv1d, and their jax counterparts, are correct: every ``fail`` that
``adcheck.torch.check`` / ``adcheck.jax.verdicts`` gives on them is a false alarm. Inputs are
random in shape and in scale (log-uniform over 0.1 .. 30, so softplus crosses its threshold and
softmax saturates). ``python -m benchmarks false_alarms`` runs 20 inputs per function;
``python -m benchmarks.false_alarms N [ORDER]`` runs N (the target is 1000), of first (or
second) derivatives.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

import numpy as np

DEFAULT_N = 20


def _draw(rng):
    scale = float(np.exp(rng.uniform(np.log(0.1), np.log(30.0))))
    b, n, k = (int(v) for v in rng.integers(1, 5, size=3))
    return scale, b, n + 1, k + 1


def torch_cases():
    import torch
    import torch.nn.functional as F

    def t(rng, *shape, scale=1.0):
        return torch.as_tensor(scale * rng.standard_normal(shape))

    def make(rng):
        s, b, n, k = _draw(rng)
        labels = torch.as_tensor(rng.integers(0, n, size=b))
        return {
            "softplus": (F.softplus, (t(rng, b, n, scale=s),)),
            "logsumexp": (lambda x: torch.logsumexp(x, -1), (t(rng, b, n, scale=s),)),
            "layer_norm": (lambda x, w, c: F.layer_norm(x, (n,), w, c),
                           (t(rng, b, n, scale=s), t(rng, n), t(rng, n))),
            "softmax": (lambda x: F.softmax(x, -1), (t(rng, b, n, scale=s),)),
            "cross_entropy": (lambda x: F.cross_entropy(x, labels), (t(rng, b, n, scale=s),)),
            "scaled_dot_product_attention": (F.scaled_dot_product_attention,
                                             (t(rng, b, n, k, scale=s), t(rng, b, n, k),
                                              t(rng, b, n, k))),
            "conv1d": (lambda x, w, c: F.conv1d(x, w, c, padding=1),
                       (t(rng, b, k, n + 2, scale=s), t(rng, 2, k, 3), t(rng, 2))),
        }

    def judge(fn, args, order=1):
        from adcheck.torch import check
        return check(fn, args, order=order)
    return make, judge


def jax_cases():
    import jax
    import jax.numpy as jnp

    def t(rng, *shape, scale=1.0):
        return jnp.asarray(scale * rng.standard_normal(shape))

    def conv1d(x, w, c):
        y = jax.lax.conv_general_dilated(x, w, (1,), ((1, 1),))
        return y + c[None, :, None]

    def make(rng):
        s, b, n, k = _draw(rng)
        labels = rng.integers(0, n, size=b)
        return {
            "softplus": (jax.nn.softplus, (t(rng, b, n, scale=s),)),
            "logsumexp": (lambda x: jax.nn.logsumexp(x, -1), (t(rng, b, n, scale=s),)),
            "layer_norm": (lambda x, w, c: jax.nn.standardize(x, axis=-1, epsilon=1e-5) * w + c,
                           (t(rng, b, n, scale=s), t(rng, n), t(rng, n))),
            "softmax": (lambda x: jax.nn.softmax(x, -1), (t(rng, b, n, scale=s),)),
            "cross_entropy": (lambda x: -jnp.mean(jax.nn.log_softmax(x, -1)[
                jnp.arange(b), labels]), (t(rng, b, n, scale=s),)),
            "dot_product_attention": (jax.nn.dot_product_attention,
                                      (t(rng, b, n, 1, k, scale=s), t(rng, b, n, 1, k),
                                       t(rng, b, n, 1, k))),
            "conv1d": (conv1d, (t(rng, b, k, n + 2, scale=s), t(rng, 2, k, 3), t(rng, 2))),
        }

    def judge(fn, args, order=1):
        from adcheck.jax import verdicts
        with jax.enable_x64(True):
            vs = verdicts(fn, args, order, modes=("rev",))
        return vs[-1]
    return make, judge


def campaign(lib: str, n: int, seed: int = 0, order: int = 1) -> dict:
    """name -> (Counter of verdicts, references used, seconds, first false alarm message)."""
    make, judge = torch_cases() if lib == "torch" else jax_cases()
    if lib == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(seed)
    out: dict = {}
    for _ in range(n):
        for name, (fn, args) in make(rng).items():
            counts, refs, secs, alarm = out.get(name, (Counter(), Counter(), 0.0, None))
            start = time.perf_counter()
            v = judge(fn, args, order)
            secs += time.perf_counter() - start
            counts[v.verdict] += 1
            refs[v.reference.split(":")[0]] += 1
            if v.verdict == "fail" and alarm is None:
                alarm = v.message
            out[name] = (counts, refs, secs, alarm)
    return out


def report(lib: str, n: int, order: int = 1) -> int:
    """Print the campaign's table; return the number of false alarms."""
    try:
        results = campaign(lib, n, order=order)
    except ImportError as exc:
        print(f"{lib}: skipped ({exc})")
        return 0
    alarms = 0
    what = "first" if order == 1 else "second"
    print(f"{lib}: {n} random inputs per function, {what} derivatives, float64")
    for name, (counts, refs, secs, alarm) in results.items():
        alarms += counts["fail"]
        print(f"  {name:<30} pass {counts['pass']:>5}  inconclusive {counts['inconclusive']:>4}"
              f"  FAIL {counts['fail']:>3}   reference {dict(refs)}   {secs / n * 1e3:.0f} ms "
              f"each")
        if alarm:
            print("    first false alarm:\n    " + alarm.replace("\n", "\n    "))
    return alarms


def main(n: int = DEFAULT_N, order: int = 1) -> None:
    total = report("torch", n, order) + report("jax", n, order)
    print(f"false alarms: {total}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
