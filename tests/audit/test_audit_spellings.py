"""Each audited operation's three spellings (adcheck's namespace, torch, jax) denote one
function, and the torch spellings reach the aten operations they were added for.

The audit refuses to measure a spelling whose float64 value is not the namespace's (its rows
say "mapping mismatch"); this runs the same check (``core._mapping``: 32 points or 8 array
draws, the exact oracle on the namespace spelling) for every operation, so a wrong spelling
fails here rather than as a row of a long audit.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from adcheck.audit import core
from adcheck.audit.ops import OPS

HAS = {t: importlib.util.find_spec(t) is not None for t in ("torch", "jax")}
AUDITS = Path(__file__).resolve().parents[2] / "docs" / "audit"


def _published() -> set:
    """Operations measured (not "mapping mismatch") in both published audits: their mapping
    was checked by those runs, so `make test` checks the rest and `make test-all` every one."""
    seen = []
    for target in ("torch", "jax"):
        try:
            rows = json.loads((AUDITS / f"audit-{target}.json").read_text())["rows"]
        except (OSError, ValueError, KeyError):
            return set()
        seen.append({r["op"] for r in rows if r.get("status") == "measured"})
    return set.intersection(*seen)


PUBLISHED = _published()


@pytest.mark.parametrize("target", ["torch", "jax"])
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in PUBLISHED
                                  else n for n in sorted(OPS)])
def test_the_library_spelling_is_the_namespace_function(name, target):
    if not HAS[target]:
        pytest.skip(f"needs {target}")
    op = OPS[name]
    if op.spelling(target) is None:
        pytest.skip(f"{target} has no such operation")
    env, _ = core.library(target)
    fn = core.library_function(op, target, env)
    wrong = core._mapping(op, target, fn, core.namespace_program(op),
                          np.random.default_rng([7, len(name)]))
    assert wrong is None, wrong


REACHES = {
    "clamp_min": "clamp_min", "clamp_max": "clamp_max", "rsub": "rsub",
    "binary_cross_entropy": "binary_cross_entropy",
    "bce_with_logits": "binary_cross_entropy_with_logits",
    "soft_margin_loss": "soft_margin_loss", "maximum": "maximum", "minimum": "minimum",
    "fmax": "fmax", "fmin": "fmin", "huber_loss": "huber_loss",
    "smooth_l1_loss": "smooth_l1_loss", "mm": "mm", "mv": "mv", "dot": "dot", "vdot": "vdot",
    "addmm": "addmm", "trace_unbatched": "trace", "bilinear": "_trilinear",
    "cdist": "_cdist_forward", "cholesky_legacy": "cholesky",
    "solve_triangular": "linalg_solve_triangular", "qr_r": "linalg_qr", "qr_q": "linalg_qr",
    "conv2d": "convolution", "avg_pool2d": "avg_pool2d", "avg_pool3d": "avg_pool3d",
    "max_pool2d": "max_pool2d_with_indices", "max_pool3d": "max_pool3d_with_indices",
    "interpolate_linear": "upsample_linear1d", "batch_norm": "native_batch_norm",
    "group_norm": "native_group_norm", "cross_entropy": "nll_loss_forward",
    "scaled_dot_product_attention": "_safe_softmax",
}
"""Operation -> the aten operation (mapped by the drop-in checks) its torch spelling was added
to reach: an operation torch's own kernel computes, not a decomposition of it."""


@pytest.mark.skipif(not HAS["torch"], reason="needs torch")
def test_the_torch_spellings_reach_the_aten_operations_they_audit():
    import torch
    from torch.fx.experimental.proxy_tensor import make_fx

    from adcheck.audit import draws
    from adcheck.frameworks.aten_more import OPS as ATEN
    from adcheck.frameworks.translate_torch import _name

    env, _ = core.library("torch")
    rng = np.random.default_rng(0)
    missed = {}
    for name, aten in REACHES.items():
        assert aten in ATEN, f"{aten} is no longer mapped"
        op = OPS[name]
        if op.elementwise:
            args = [torch.tensor(draws.spread(rng, d, 64, np.float64)[:3]) for d in op.domains]
        else:
            args = [torch.as_tensor(a) for a in
                    draws.array_batch(rng, op.domains, op.shapes, 2, np.float64)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gm = make_fx(core.library_function(op, "torch", env), tracing_mode="real")(*args)
        seen = {_name(n) for n in gm.graph.nodes if n.op == "call_function"}
        if aten not in seen:
            missed[name] = sorted(seen)
    assert not missed, missed
