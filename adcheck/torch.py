"""Drop-in ``gradcheck`` and ``gradgradcheck`` for PyTorch code, judged by adcheck.

``adcheck.torch.gradcheck(func, inputs)`` takes the arguments of ``torch.autograd.gradcheck``
and behaves like it: True when the derivatives are right, ``GradcheckError`` (a RuntimeError)
otherwise, or False with ``raise_exception=False``. What differs is the judgement: ``func``
is traced by torch (``make_fx``) and replayed in adcheck's namespace, so the reference is the
exact derivative of the very program written (a custom ``autograd.Function``'s forward
included), and the allowance is derived from its rounding. The message names the input, the
component, the diagnosis and the custom rule to blame. ``eps``, ``atol`` and ``rtol`` are
accepted and ignored: adcheck derives its allowance. ``func`` may be an ``nn.Module``; its
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


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              fast_mode=False, seed=0, probe_above=PROBE_ABOVE, **ignored) -> bool:
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
    Returns:
        True when the derivatives pass (or the check is inconclusive: a warning says why).
    """
    return _run(func, inputs, 1, raise_exception, fast_mode, seed, probe_above, "gradcheck")


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, fast_mode=False, seed=0, probe_above=PROBE_ABOVE,
                  **ignored) -> bool:
    """Check the second derivatives: the derivative of the user's backward applied to a random
    cotangent (``grad_outputs`` when given), as ``torch.autograd.gradgradcheck`` does."""
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
    if v.miss_probability is not None:
        print(v.message)
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
