"""Networks: arch encoding, hand-written backprop against the engines, naming a wrong layer."""

import dataclasses

import numpy as np
import pytest
from identities_helpers import run_engine_case

from adcheck import engines, identities
from adcheck.engines.core import TABLE
from adcheck.engines.primitives._util import sum_to_impl
from adcheck.identities import networks as nets
from adcheck.identities.activations import ACTIVATIONS
from adcheck.judging.reference import prepare


def _net(widths, acts, seed=0):
    rng = np.random.default_rng(seed)
    arch = nets.encode_arch(widths, acts)
    spec = nets.decode_arch(arch)
    return (rng.uniform(-1, 1, spec.n_weights()), rng.uniform(-.5, .5, spec.n_biases()),
            rng.uniform(-1, 1, widths[0]), rng.uniform(-1, 1, widths[-1]), arch)


def test_arch_roundtrip_and_counts():
    arch = nets.encode_arch([3, 5, 2], ["tanh", "relu"])
    spec = nets.decode_arch(arch)
    assert spec.widths == (3, 5, 2) and spec.activations == ("tanh", "relu")
    assert spec.n_weights() == 25 and spec.n_biases() == 7
    assert nets.blocks(arch, "W") == [("W_2", 15, 25), ("W_1", 0, 15)]  # recursion order
    with pytest.raises(ValueError, match="activations"):
        nets.encode_arch([3, 5], ["tanh", "tanh"])


def _wrong_layer(layer):
    """The delta recursion with g' dropped in one layer (the classic backprop slip)."""
    def loss_weight_grad(xp, w, b, x, target, arch):
        spec = nets.decode_arch(arch)
        y, cache = nets.forward(xp, w, b, x, arch)
        layers = nets.unpack(xp, w, b, spec)
        ds, d = [None] * spec.depth, y - target
        for i in reversed(range(spec.depth)):
            if i < spec.depth - 1:
                d = xp.matrix_transpose(layers[i + 1][0]) @ d
            if i != layer:
                d = d * ACTIVATIONS[spec.activations[i]].d1(xp, cache[i][0])
            ds[i] = d
        return nets.flat_grads(xp, ds, cache)[0]
    return loss_weight_grad


def test_wrong_delta_in_one_layer_fails_and_is_named():
    rec = identities.get("B1.backprop-weights")
    bad = dataclasses.replace(rec, id="meta.bad-delta", closed_form=_wrong_layer(1))
    args = _net([3, 4, 4, 2], ["tanh", "sigmoid", "tanh"])
    ctx = prepare(bad, args)
    v = run_engine_case(bad, engines.get("reverse"), ctx)
    assert v.outcome == "fail"
    # layer 2's delta is wrong, so W_2 and W_1 are; the recursion broke at W_2
    assert "first wrong layer: W_2" in (v.diagnosis or "")
    good = run_engine_case(rec, engines.get("reverse"), prepare(rec, args))
    assert good.outcome == "pass"


@pytest.mark.parametrize("acts", [("tanh", "identity"), ("gelu", "silu"), ("sin", "sigmoid")])
def test_input_hessian_recursion_matches_nested_ad(acts):
    w, b, x, _, arch = _net([3, 4, 1], list(acts), seed=3)
    rec = dataclasses.replace(identities.get("B3.grad-of-grad"), id="meta.hessian")
    ctx = prepare(rec, (x, w, b, arch))
    for name in ("forward-over-reverse", "reverse-over-reverse"):
        assert run_engine_case(rec, engines.get(name), ctx).outcome == "pass"


def test_wrong_second_derivative_fails():
    w, b, x, _, arch = _net([2, 3, 1], ["tanh", "identity"], seed=4)
    rec = identities.get("B3.grad-of-grad")
    bad = dataclasses.replace(rec, id="meta.no-curvature", closed_form=lambda xp, x, w, b, a:
                              0.0 * nets.input_hessian(xp, x, w, b, a))
    ctx = prepare(bad, (x, w, b, arch))
    assert run_engine_case(bad, engines.get("reverse-over-reverse"), ctx).outcome == "fail"


def _batched_net(widths, acts, batch, seed=5):
    w, b, _, _, arch = _net(widths, acts, seed)
    rng = np.random.default_rng(seed + 1)
    return (w, b, rng.uniform(-1, 1, (batch, widths[0])),
            rng.uniform(-1, 1, (batch, widths[-1])), arch)


def _first_example_only(x, *, shape):
    """An un-broadcast that keeps the first batch example instead of summing over the batch
    axis: the same as the right rule at batch 1, wrong at every larger batch."""
    x = np.asarray(x)
    lead = x.ndim - len(shape)
    if lead > 0 and x.shape[lead:] == shape:
        return x[(0,) * lead]
    return sum_to_impl(x, shape=shape)


@pytest.mark.parametrize("rid", ["B1.backprop-weights", "B1.backprop-bias",
                                 "B1.backprop-per-output"])
@pytest.mark.parametrize("engine", ["reverse", "forward", "forward-over-reverse"])
def test_batched_networks_pass_with_the_delta_formulas_summed_over_the_batch(rid, engine):
    rec = identities.get(rid)
    args = _batched_net([3, 4, 2], ["tanh", "sigmoid"], batch=3)
    if rid == "B1.backprop-per-output":
        args = args[:3] + args[4:]
    assert run_engine_case(rec, engines.get(engine), prepare(rec, args)).outcome == "pass"


def test_the_catalogue_draws_batches_larger_than_one():
    from adcheck.running.runner import draw_cases
    shapes = [np.shape(args[2]) for args in draw_cases(identities.get("B1.backprop-bias"), 8, 0)]
    assert any(len(s) == 2 and s[0] > 1 for s in shapes), shapes


def test_a_wrong_axis_unbroadcast_fails_a_catalogue_record(monkeypatch):
    """Regression: with single-example networks only, a reverse rule that un-broadcasts the
    bias cotangent wrongly passed every identity. The catalogue's batches catch it."""
    from adcheck.running.runner import draw_cases
    rec = identities.get("B1.backprop-bias")
    monkeypatch.setitem(TABLE["sum_to"].__dict__, "impl", _first_example_only)
    single = _net([3, 4, 2], ["tanh", "sigmoid"])
    assert run_engine_case(rec, engines.get("reverse"), prepare(rec, single)).outcome \
        == "pass"  # batch 1: the wrong rule is invisible
    batched = _batched_net([3, 4, 2], ["tanh", "sigmoid"], batch=3)
    assert run_engine_case(rec, engines.get("reverse"), prepare(rec, batched)).outcome \
        == "fail"
    drawn = [run_engine_case(rec, engines.get("reverse"), prepare(rec, args)).outcome
             for args in draw_cases(rec, 8, 0)]
    assert "fail" in drawn, drawn
