"""adcheck.torch: the drop-in gradcheck / gradgradcheck on users' own torch code."""

import importlib.util
import re

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="torch is not installed (pip install 'adcheck[torch]')")

if importlib.util.find_spec("torch") is not None:
    import torch
    import torch.nn.functional as F

    from tests.adcheck.torch_corpus import CASES, Softplus, rand

import adcheck.torch as at  # noqa: E402  (imports without torch: checked below)


def _call(fn, order, inputs, **kw):
    check = at.gradcheck if order == 1 else at.gradgradcheck
    return check(fn, inputs, **kw)


@pytest.mark.parametrize("bug", sorted(CASES) if importlib.util.find_spec("torch") else [])
def test_corpus_bug_is_caught_and_its_rule_blamed(bug):
    fn, make, order, wrong_input, rule, _ = CASES[bug]
    inputs = make(torch.Generator().manual_seed(1))
    with pytest.raises(at.GradcheckError) as err:
        _call(fn, order, tuple(x.requires_grad_() for x in inputs))
    msg = str(err.value)
    assert f"input {wrong_input} (" in msg and rule in msg, msg
    assert _call(fn, order, inputs, raise_exception=False) is False


@pytest.mark.parametrize("bug", sorted(CASES) if importlib.util.find_spec("torch") else [])
def test_corpus_correct_version_passes(bug):
    _, make, order, _, _, correct = CASES[bug]
    for seed in range(3):
        inputs = make(torch.Generator().manual_seed(seed))
        assert _call(correct, order, tuple(x.requires_grad_() for x in inputs))


def test_correct_custom_softplus_passes_on_random_inputs_with_its_allowance_stated():
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        assert at.gradcheck(Softplus.apply, (3 * rand(gen, 7).requires_grad_(),))
    v = at.check(Softplus.apply, (rand(gen, 3),))
    assert v.verdict == "pass" and "allowance: 4 u E" in v.reference and "float64" in v.message


def test_float32_is_judged_with_float32_rounding():
    gen = torch.Generator().manual_seed(3)
    x = rand(gen, 6, dtype=torch.float32)
    v = at.check(Softplus.apply, (x,))
    assert v.verdict == "pass" and v.dtype == "float32" and "u = 5.96e-08" in v.reference
    # the same float32 claim judged as if it were float64 would fail: the dtype matters
    assert v.verified_to > 1e-8


def test_pytree_inputs_module_parameters_and_builtins():
    gen = torch.Generator().manual_seed(4)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    net = net.double()
    x = rand(gen, 5, 3)
    assert at.gradcheck(net, (x,))
    inputs = {"q": rand(gen, 2, 3, 4), "kv": [rand(gen, 2, 3, 4), rand(gen, 2, 3, 4)]}
    assert at.gradcheck(lambda d: F.scaled_dot_product_attention(d["q"], *d["kv"]), (inputs,))


def test_wrong_module_rule_names_the_parameter():
    class Lin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(rand(torch.Generator().manual_seed(5), 3, 3))

        def forward(self, x):
            return CASES["missing-transpose"][0](x, self.weight)
    x = rand(torch.Generator().manual_seed(6), 3, 3)
    with pytest.raises(RuntimeError, match=r"module\.weight|inputs\[0\]"):
        at.gradcheck(Lin(), (x.requires_grad_(),))


def test_untranslatable_op_falls_back_and_names_it_and_the_route():
    def f(x):
        return torch.tanh(torch.nn.functional.unfold(x, 2)).sum()  # im2col: none in xp
    v = at.check(f, (rand(torch.Generator().manual_seed(7), 1, 1, 3, 3),))
    assert v.verdict == "pass" and "fallback route" in v.message and "im2col" in v.message


def test_large_inputs_are_probed_with_the_miss_probability_stated_and_a_pass_is_quiet(capsys):
    gen = torch.Generator().manual_seed(8)
    W = rand(gen, 60, 60)
    x = rand(gen, 4, 60)
    assert at.gradcheck(lambda W: torch.tanh(x @ W).sum(), (W.requires_grad_(),),
                        probe_above=1000)
    assert capsys.readouterr().out == ""  # a passing check prints nothing (it printed 4 lines)
    v = at.check(lambda W: torch.tanh(x @ W).sum(), (W,), probe_above=1000)
    assert re.search(r"escapes every probe with probability [0-9.e-]+", v.message)
    bad = MulTwiceLarge(gen)
    assert at.gradcheck(bad, (rand(gen, 3000),), raise_exception=False) is False


def MulTwiceLarge(gen):
    b = rand(gen, 3000)
    return lambda a: CASES["factor-on-one-input"][0](b, a).sum()


def test_tolerance_arguments_are_accepted_and_ignored():
    x = rand(torch.Generator().manual_seed(9), 4)
    assert at.gradcheck(Softplus.apply, (x,), eps=1e-3, atol=1.0, rtol=1.0)
    fn = CASES["factor-on-one-input"][0]
    with pytest.raises(RuntimeError, match="derives its allowance"):
        at.gradcheck(fn, (x, x.clone()), atol=1e9)


def test_cuda_tensor_is_checked_on_its_device():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device here; benchmarks/gpu_check.py runs this case on a GPU")
    x = torch.randn(5, dtype=torch.float64, device="cuda")
    assert at.gradcheck(Softplus.apply, (x,))


def test_reference_is_far_below_float64_rounding():
    # x close to 0: log1p(exp(x)) - log(2) loses digits in float64 but not in the oracle
    x = torch.tensor([1e-9, -2e-12], dtype=torch.float64)
    v = at.check(lambda x: (torch.log1p(torch.exp(x)) - np.log(2.0)) * 1e9, (x,))
    assert v.verdict == "pass"


def test_torch_arguments_are_honoured_or_refused_never_ignored():
    x = torch.randn(3, dtype=torch.float64, requires_grad=True)

    def f(t):
        return (t.sin() ** 2).sum()
    # values that ask for nothing adcheck does not do
    assert at.gradcheck(f, (x,), nondet_tol=0.0, check_undefined_grad=False,
                        check_batched_grad=False, check_forward_ad=False, masked=None)
    assert at.gradgradcheck(f, (x,), check_rev_over_rev=True, check_fwd_over_rev=False,
                            gen_non_contig_grad_outputs=False)
    # a check adcheck does not make is refused, naming the argument
    for kw in ({"check_forward_ad": True}, {"check_batched_grad": True},
               {"check_undefined_grad": True}, {"check_backward_ad": False}):
        with pytest.raises(TypeError, match=next(iter(kw))):
            at.gradcheck(f, (x,), **kw)
    with pytest.raises(TypeError, match="check_fwd_over_rev"):
        at.gradgradcheck(f, (x,), check_fwd_over_rev=True)
    # a typo, or an argument of the other function, is torch's own TypeError
    with pytest.raises(TypeError, match="unexpected keyword argument 'fast_mod'.*'fast_mode'"):
        at.gradcheck(f, (x,), fast_mod=True)
    with pytest.raises(TypeError, match="check_rev_over_rev"):
        at.gradcheck(f, (x,), check_rev_over_rev=True)


@pytest.fixture
def fallback(monkeypatch):
    """The fallback route forced: no translation, as for an operation adcheck lacks."""
    from adcheck.frameworks import torch_side
    from adcheck.frameworks.aten_ops import Untranslatable

    def untranslatable(func, leaves, backward_ops=False):
        raise Untranslatable(["(withheld by the test)"])
    monkeypatch.setattr(torch_side, "translate", untranslatable)


def test_fallback_passes_correct_second_derivatives_of_an_ill_conditioned_solve(fallback):
    from tests.adcheck.ill_conditioned import matrix, torch_rules
    Solve = torch_rules()[0]
    r = np.random.default_rng(1)  # cond(A) = 1e4: its reference was off by 5 digits
    A, b = torch.tensor(matrix(r, 2, 1e4)), torch.tensor(r.standard_normal(2))
    assert at.gradgradcheck(Solve.apply, (A, b))


def test_gradgradcheck_verifies_the_forwards_second_derivative_on_either_route(monkeypatch):
    # x² with the backward's sign wrong; its double backward is right about that backward
    Square = type("Square", (torch.autograd.Function,), {
        "forward": staticmethod(lambda ctx, x: (ctx.save_for_backward(x), x * x)[1]),
        "backward": staticmethod(lambda ctx, g: -2.0 * ctx.saved_tensors[0] * g)})
    x = torch.tensor([0.5, -1.5], dtype=torch.float64)
    assert at.gradgradcheck(Square.apply, (x,), raise_exception=False) is False
    from adcheck.frameworks import torch_side
    from adcheck.frameworks.aten_ops import Untranslatable

    def untranslatable(*a, **k):
        raise Untranslatable(["(withheld by the test)"])
    monkeypatch.setattr(torch_side, "translate", untranslatable)
    v = at.check(Square.apply, (x,), order=2)
    assert v.verdict == "fail" and "fallback route" in v.reference, v.message


def test_a_backward_that_ignores_grad_output_on_a_scalar_output_fails():
    # sum(x²) with backward 2x: right at grad_output = 1 only
    SumSq = type("SumSq", (torch.autograd.Function,), {
        "forward": staticmethod(lambda ctx, x: (ctx.save_for_backward(x), (x * x).sum())[1]),
        "backward": staticmethod(lambda ctx, g: 2.0 * ctx.saved_tensors[0])})
    x = torch.tensor([0.5, -1.5, 2.0], dtype=torch.float64)
    assert at.gradcheck(SumSq.apply, (x,), raise_exception=False) is False


def test_an_exact_jacobian_past_its_budget_is_probed_and_says_why(monkeypatch):
    """The exact route's cost is estimated from its taped pass before any sweep (elements x
    (1 + 2 x outputs)); past exact_ad.EXACT_WORK the check probes instead and says why (a
    1,622-parameter conv net took 167.7 s exact, 3.2 s now: benchmarks/conv_net.py). A wrong
    rule still fails on the probes; under the budget the route stays exact."""
    from adcheck.frameworks import exact_ad
    gen = torch.Generator().manual_seed(11)
    W, x = rand(gen, 6, 5), rand(gen, 3, 6)

    def f(W):
        return torch.tanh(x @ W)
    assert "probed because" not in at.check(f, (W,)).message
    monkeypatch.setattr(exact_ad, "EXACT_WORK", 100)
    v = at.check(f, (W,))
    assert v.verdict == "pass" and "probed because the exact Jacobian would cost" in v.message
    bad = CASES["factor-on-one-input"][0]  # a custom rule with a wrong factor
    b = rand(gen, 50)
    wrong = at.check(lambda a: bad(b, a).sum(), (rand(gen, 50),))
    assert wrong.verdict == "fail" and "probed because" in wrong.message


def test_a_first_order_failure_is_never_diagnosed_as_mixed_partials():
    """Finding: a Jacobian of a function from R^n to R^n has the shape of a Hessian, and a
    rule wrong off its diagonal was diagnosed as 'mixed partial derivatives d2f/dxi dxj are
    dropped or wrong' in a first-order check."""
    W = rand(torch.Generator().manual_seed(12), 4, 4)

    class DiagonalOnly(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return W @ x

        @staticmethod
        def backward(ctx, g):
            return torch.diagonal(W) * g  # the off-diagonal terms of W^T g are dropped
    v = at.check(DiagonalOnly.apply, (rand(torch.Generator().manual_seed(13), 4),))
    assert v.verdict == "fail" and "mixed partial" not in v.message, v.message
