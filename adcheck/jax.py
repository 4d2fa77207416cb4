"""Drop-in ``check_grads`` for JAX code, judged by adcheck.

``adcheck.jax.check_grads(f, args, order, modes=("fwd", "rev"))`` takes the arguments of
``jax.test_util.check_grads`` and behaves like it: it returns None when the derivatives are
right and raises AssertionError otherwise. ``f`` is traced by jax (its jaxpr, where the primal of
a ``custom_vjp`` / ``custom_jvp`` function sits inside its equation) and replayed in adcheck's
namespace, so the reference is the exact derivative of the very program written; the user's
rule is what is judged, and the message names the input, the component, the diagnosis and the
rule. ``atol``, ``rtol`` and ``eps`` are accepted and ignored: adcheck derives its allowance.
Arrays in float32 (jax's default) are judged with float32 rounding. This module imports without
jax; calling it needs jax.
"""

from __future__ import annotations

import warnings

from adcheck.frameworks.check import (
    PROBE_ABOVE,
    InconclusiveWarning,  # noqa: F401  (public here)
    judge,
)


def _jax():
    try:
        import jax
    except ImportError as exc:
        raise ImportError("adcheck.jax needs JAX: pip install 'adcheck[jax]' (here: pip "
                          "install jax)") from exc
    return jax


def check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None, *,
                seed=0, probe_above=PROBE_ABOVE) -> None:
    """Check the derivatives of ``f`` at ``args`` up to ``order`` (1 or 2) in ``modes``.

    Args:
        f: a function of jax arrays (or pytrees of them) returning arrays or a pytree.
        args: its positional arguments; every floating-point leaf is differentiated.
        order: 1 (first derivatives) or 2 (also the derivatives of the user's jvp/vjp).
        modes: "fwd" (jvp) and/or "rev" (vjp); forward mode is skipped, with a note, for a
            custom_vjp function, which defines no jvp.
        atol, rtol, eps: accepted for compatibility and ignored (tolerances are derived).
        seed: seeds the probe directions and second-order cotangents.
    Raises:
        AssertionError with adcheck's explanation when a derivative is wrong.
    """
    found = verdicts(f, args, order, modes, seed=seed, probe_above=probe_above)
    if found and all(v.verdict == "not-applicable" for v in found):
        raise TypeError(found[0].message)  # nothing could be checked: never a silent pass
    for v in found:
        if v.verdict == "not-applicable":
            warnings.warn(v.message, SkippedWarning, stacklevel=2)
        if v.verdict == "fail":
            raise AssertionError(v.message + "\n  (atol, rtol and eps are not used: adcheck "
                                 "derives its allowance)")
        if v.verdict == "inconclusive":
            warnings.warn(v.message, InconclusiveWarning, stacklevel=2)


def verdicts(f, args, order, modes=("fwd", "rev"), *, seed=0, probe_above=PROBE_ABOVE):
    """The verdict of every (order, mode) checked, as ``framework_check.Verdict`` objects."""
    _jax()
    from adcheck.frameworks import jax_side as S
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    bad = [m for m in modes if m not in ("fwd", "rev")]
    if bad:
        raise ValueError(f"modes must be among ('fwd', 'rev'), got {bad}")
    jax = _jax()
    # Compiling every new shape costs far more than a check; op by op, jax runs the same
    # operations (and the user's rules) without the compiler.
    with jax.disable_jit():
        return _verdicts(S, f, args, order, modes, seed, probe_above)


def _verdicts(S, f, args, order, modes, seed, probe_above):
    s = S.Setup(f, args)
    probing = sum(int(x.size) for x in s.leaves) > probe_above
    out = []
    for k in range(1, order + 1):
        for mode in modes:
            if mode == "fwd" and probing:
                continue  # forward mode forms a column per input: probe through reverse mode
            try:
                p = S.problem(s, k, mode, seed, trace=not probing)
            except TypeError as exc:
                if mode == "fwd" and "custom_vjp" in str(exc):
                    out.append(_skipped(k))  # a custom_vjp function has no forward mode
                    continue
                raise
            out.append(judge(p, f"adcheck.jax.check_grads(order={k}, mode={mode})",
                             seed=seed, probe_above=probe_above))
    return out


class SkippedWarning(UserWarning):
    """A mode ``check_grads`` was asked for and could not check (it says why)."""


def _skipped(order: int):
    from adcheck.frameworks.check import Verdict
    return Verdict("not-applicable", "", f"adcheck.jax.check_grads(order={order}, mode=fwd): "
                   "not checked: f is a custom_vjp function, which defines no jvp (forward "
                   "mode cannot differentiate it); only reverse mode is checked")


__all__ = ["InconclusiveWarning", "SkippedWarning", "check_grads", "verdicts"]
