"""A campaign: correct second derivatives of ill-conditioned solves, inverses and Cholesky
factors (cond 1e2 to 1e8), torch and jax, float64 and float32, through the exact route and
the fallback route. None may fail: where a reference cannot resolve the claim, the check says
so (inconclusive). 1,056 checks; minutes of CPU, so marked slow."""

import importlib.util

import numpy as np
import pytest

from tests.adcheck.ill_conditioned import jax_cases, torch_cases

pytestmark = pytest.mark.slow
CONDS = (1e2, 1e4, 1e6, 1e8)
SEEDS = int(__import__("os").environ.get("ADCHECK_CAMPAIGN_SEEDS", "11"))


def _tally(verdicts) -> dict:
    out: dict = {}
    for v in verdicts:
        out[v.verdict] = out.get(v.verdict, 0) + 1
    return out


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
@pytest.mark.parametrize("route", ["exact", "fallback"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_torch_never_fails_a_correct_ill_conditioned_second_derivative(route, dtype,
                                                                      monkeypatch):
    import torch

    import adcheck.torch as at
    from adcheck.frameworks import torch_side
    from adcheck.frameworks.aten_ops import Untranslatable
    if route == "fallback":
        def untranslatable(*a, **k):
            raise Untranslatable(["(withheld by the campaign)"])
        monkeypatch.setattr(torch_side, "translate", untranslatable)
    got, invalid = [], 0
    for cond in CONDS:
        r = np.random.default_rng(int(cond))
        for seed in range(SEEDS):
            for _name, f, args in torch_cases(r, 2, cond, getattr(torch, dtype)):
                try:  # at float32, cond 1e8 is past 1/eps: torch's own Cholesky refuses
                    f(*args)  # the matrix, so the case is no correct second derivative
                except torch.linalg.LinAlgError:
                    invalid += 1
                    continue
                v = at.check(f, args, order=2, seed=seed)
                assert v.verdict != "fail", v.message
                got.append(v)
    print(route, dtype, _tally(got), f"{invalid} inputs torch refuses")
    assert len(got) + invalid == len(CONDS) * SEEDS * 3 and invalid <= SEEDS


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
@pytest.mark.parametrize("route", ["exact", "fallback"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_jax_never_fails_a_correct_ill_conditioned_second_derivative(route, dtype,
                                                                    monkeypatch):
    import jax
    import jax.numpy as jnp

    import adcheck.jax as aj
    from adcheck.frameworks import translate_jax
    if route == "fallback":
        monkeypatch.setattr(translate_jax, "missing", lambda jaxpr: {"(withheld)"})
    got = []
    with jax.enable_x64(True):
        for cond in CONDS:
            r = np.random.default_rng(int(cond))
            for seed in range(SEEDS):
                for _name, f, args in jax_cases(r, 2, cond, getattr(jnp, dtype)):
                    v = aj.verdicts(f, args, 2, modes=("rev",), seed=seed)[-1]
                    assert v.verdict != "fail", v.message
                    got.append(v)
    print(route, dtype, _tally(got))
