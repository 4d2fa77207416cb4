"""Drop-in ``gradcheck`` and ``gradgradcheck`` for PyTorch code, judged by adcheck.

``adcheck.torch.gradcheck(func, inputs)`` takes the arguments of ``torch.autograd.gradcheck``
and behaves like it: True when the derivatives are right, ``GradcheckError`` (a RuntimeError)
otherwise, or False with ``raise_exception=False``. What differs is the judgement: ``func`` is
traced by torch (``make_fx``) and replayed in adcheck's namespace, so the reference is the exact
derivative of the very program written (a custom ``autograd.Function``'s forward included), and
the allowance is derived from its rounding. The message names the input, the component, the
diagnosis and the custom rule to blame. ``eps``, ``atol`` and ``rtol`` are accepted and ignored:
adcheck derives its allowance; torch's other arguments are honoured or, where they ask for a
check adcheck does not make, refused with a TypeError. ``func`` may be an ``nn.Module``; its
parameters are checked as inputs. This module imports without torch; calling it needs torch.
"""

from __future__ import annotations

import warnings

from adcheck.frameworks.check import (
    PROBE_ABOVE,
    InconclusiveWarning,  # noqa: F401  (public here)
    judge,
)


def _torch():
    try:
        import torch
    except ImportError as exc:
        raise ImportError("adcheck.torch needs PyTorch: pip install 'adcheck[torch]' (here: "
                          "pip install torch==2.13.0)") from exc
    return torch


# torch's keyword arguments beyond adcheck's own: each is honoured, or refused with a
# TypeError when it asks for a check adcheck does not make (never accepted and ignored).
# name -> (the values that need nothing of adcheck, why another value is refused)
_TORCH_OPTIONS = {
    "nondet_tol": (None, ""),  # a tolerance: adcheck derives its allowance
    "check_undefined_grad": ((False,), "backward with undefined (None) output gradients is "
                             "not exercised"),
    "gen_non_contig_grad_outputs": ((False,), "non-contiguous output gradients are not "
                                    "generated"),
    "check_grad_dtypes": ((False,), "the gradients' dtypes are not compared"),
    "check_batched_grad": ((False,), "batched (vmap) gradients are not checked"),
    "check_batched_forward_grad": ((False,), "batched forward gradients are not checked"),
    "check_forward_ad": ((False,), "forward-mode rules (jvp) are not checked: use "
                         "torch.autograd.gradcheck(check_forward_ad=True, "
                         "check_backward_ad=False) for them"),
    "check_backward_ad": ((True,), "the backward route is what adcheck.torch checks"),
    "check_fwd_over_rev": ((False,), "forward-over-reverse second derivatives are not "
                           "checked"),
    "check_rev_over_rev": ((True,), "reverse-over-reverse is what gradgradcheck checks"),
    "masked": ((None, False), "masked (sparse) semantics are not supported"),
}
_GRADCHECK_ONLY = {"check_batched_forward_grad", "check_forward_ad", "check_backward_ad"}
_GRADGRAD_ONLY = {"gen_non_contig_grad_outputs", "check_fwd_over_rev", "check_rev_over_rev"}


def _options(name: str, given: dict) -> None:
    """Refuse, with a TypeError naming it, an argument torch's ``name`` does not take (a
    typo such as ``fast_mod``) or a value asking for a check adcheck does not make."""
    other = _GRADGRAD_ONLY if name == "gradcheck" else _GRADCHECK_ONLY
    for key, value in given.items():
        if key not in _TORCH_OPTIONS or key in other:
            import difflib
            known = [k for k in _TORCH_OPTIONS if k not in other]
            close = difflib.get_close_matches(key, known + ["fast_mode", "raise_exception",
                                                          "eps", "atol", "rtol"], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"adcheck.torch.{name}() got an unexpected keyword argument "
                            f"{key!r}{hint}")
        fine, why = _TORCH_OPTIONS[key]
        if fine is not None and value not in fine:
            raise TypeError(f"adcheck.torch.{name}({key}={value!r}): {why}")


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              fast_mode=False, seed=0, probe_above=PROBE_ABOVE, **torch_options) -> bool:
    """Check the first derivatives of ``func`` at ``inputs`` through the user's own rules.

    Args:
        func: a function of tensors (or an ``nn.Module``) returning a tensor or a pytree of them.
        inputs: a tensor or a pytree (tuple, list, dict) of tensors. The floating tensors with
            ``requires_grad`` are checked (all floating tensors when none requires it), with
            the parameters of a module.
        eps, atol, rtol: accepted for compatibility and ignored (tolerances are derived).
        raise_exception: raise ``GradcheckError`` on failure (else return False).
        fast_mode: probe random directions (also used above ``probe_above`` components).
        seed: seeds the probe directions and second-order cotangents.
        torch_options: torch's other arguments (``nondet_tol``, ``check_undefined_grad``,
            ``check_forward_ad``, ...): a value asking for a check adcheck does not make, or
            a name torch does not have, raises TypeError.
    Returns:
        True when the derivatives pass (or the check is inconclusive: a warning says why).
    """
    _options("gradcheck", torch_options)
    return _run(func, inputs, 1, raise_exception, fast_mode, seed, probe_above, "gradcheck")


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, fast_mode=False, seed=0, probe_above=PROBE_ABOVE,
                  **torch_options) -> bool:
    """Check the second derivatives: the derivative of the user's backward applied to a random
    cotangent (``grad_outputs`` when given), as ``torch.autograd.gradgradcheck`` does.
    ``torch_options`` as in ``gradcheck``."""
    _options("gradgradcheck", torch_options)
    return _run(func, inputs, 2, raise_exception, fast_mode, seed, probe_above,
                "gradgradcheck", grad_outputs)


def _run(func, inputs, order, raise_exception, fast_mode, seed, probe_above, name,
         grad_outputs=None) -> bool:
    torch = _torch()
    from adcheck.frameworks import torch_side as S
    setup = S.setup(torch, func, inputs)
    probing = fast_mode or sum(x.numel() for x in setup.leaves) > probe_above
    # Probing is chosen for speed: tracing costs more than the O(1) passes it would serve.
    problem = S.problem(torch, setup, order, seed, grad_outputs, trace=not probing)
    v = judge(problem, f"adcheck.torch.{name}", seed=seed,
              probe_above=0 if probing else probe_above)
    if v.verdict == "fail":
        msg = v.message + "\n  (eps, atol and rtol are not used: adcheck derives its allowance)"
        if raise_exception:
            from torch.autograd.gradcheck import GradcheckError
            raise GradcheckError(msg)
        return False
    if v.verdict == "inconclusive":
        warnings.warn(v.message, InconclusiveWarning, stacklevel=3)
    return True


def __getattr__(name):
    if name == "GradcheckError":  # torch's own class, so existing except clauses keep working
        _torch()
        from torch.autograd.gradcheck import GradcheckError
        return GradcheckError
    raise AttributeError(name)


def check(func, inputs, *, order=1, seed=0, probe_above=PROBE_ABOVE):
    """The full verdict object (``.verdict``, ``.message``, ``.reference``, ``.dtype``)."""
    torch = _torch()
    from adcheck.frameworks import torch_side as S
    setup = S.setup(torch, func, inputs)
    return judge(S.problem(torch, setup, order, seed, None), "adcheck.torch.check", seed=seed,
                 probe_above=probe_above)


__all__ = ["InconclusiveWarning", "check", "gradcheck", "gradgradcheck"]
