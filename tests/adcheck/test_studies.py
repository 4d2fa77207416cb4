"""The studies behind the report's plots, computed with the engines and the catalogue."""

from __future__ import annotations

import json

import numpy as np
import pytest

from adcheck.running import studies
from adcheck.running import studies_pde as pde_studies


@pytest.fixture(scope="module")
def collected():
    return studies.collect(0)


def test_collect_is_json_and_deterministic(collected):
    text = json.dumps(collected, sort_keys=True)
    assert json.loads(text) == collected
    assert collected["notes"] == []
    for key in ("fd_sweep", "taylor", "cost_scaling", "bs_residual", "activations"):
        assert key in collected


def test_taylor_slopes_tell_right_from_wrong(collected):
    slopes = collected["taylor"]["slopes"]
    right, hess, wrong = (slopes[k] for k in collected["taylor"]["series"])
    # The fitted orders are the point of the study: 2, 3 and (wrong gradient) 1.
    assert round(right) == 2 and round(hess) == 3 and round(wrong) == 1


def test_fd_sweep_has_the_v_shape(collected):
    central = np.asarray(collected["fd_sweep"]["errors"]["central"])
    best = int(np.argmin(central))
    assert 0 < best < central.size - 1  # falls, then rises again: truncation then rounding
    assert central[best] < 1e-8 < min(central[0], central[-1])


def test_cost_scaling_reverse_flat_forward_linear(collected):
    c = collected["cost_scaling"]
    n = np.asarray(c["n"])
    rev, fwd = c["series"]["reverse"], c["series"]["forward"]
    assert set(rev["passes"]) == {1} and set(rev["sweeps"]) == {1}
    assert fwd["passes"] == list(n)
    ratio = np.asarray(rev["flops"]) / np.asarray(c["f_flops"])
    assert ratio.max() / ratio.min() < 2  # flat: a bounded multiple of f at every n
    if "central" in c["series"]:
        evals = np.asarray(c["series"]["central"]["evaluations"])
        assert np.all(evals % n == 0) and np.all(evals >= 2 * n)


def test_bs_residual_is_rounding_for_ad(collected):
    grid = collected["bs_residual"]["engines"]
    worst = max(np.nanmax(np.asarray(g)) for name, g in grid.items() if "-over-" in name)
    assert worst < 1e-12


def test_relu_network_loses_the_vss_term(collected):
    nets = collected["activations"]["relu_demo"]["nets"]
    assert np.all(np.asarray(nets["ReLU"]["vss_term"]) == 0.0)
    assert np.asarray(nets["ReLU"]["with"]) == pytest.approx(nets["ReLU"]["without"])
    assert np.max(np.abs(nets["tanh"]["vss_term"])) > 1e-2


def test_activation_rows_flag_below_c2(collected):
    rows = {r["name"]: r for r in collected["activations"]["rows"]}
    assert rows["tanh"]["order2_ok"] and not rows["relu"]["order2_ok"]
    assert not rows["elu"]["order2_ok"]


def test_missing_dependency_becomes_a_note(monkeypatch):
    def boom(seed):
        raise ImportError("engines.fd is not installed")
    for name in ("fd_sweep", "taylor", "cost_scaling"):
        monkeypatch.setattr(studies, name, boom)
    monkeypatch.setattr(pde_studies, "bs_residual", boom)
    monkeypatch.setattr(pde_studies, "activations", boom)
    out = studies.collect(0)
    assert set(out) == {"notes"} and len(out["notes"]) == 5
    assert "not available" in out["notes"][0]


def test_time_cost_scaling_shape():
    t = studies.time_cost_scaling(0, repeats=1)
    assert t["n"] == list(studies.COST_SIZES) and len(t["f_s"]) == len(t["n"])
    assert all(len(v) == len(t["n"]) and min(v) > 0 for v in t["series"].values())
