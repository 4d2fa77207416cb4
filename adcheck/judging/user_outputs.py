"""What user code hands back must be real numbers before anything is judged against it.

An engine reads None as 0 and keeps only the real part of complex numbers; the exact oracle
turns a complex closed form with a zero imaginary part into its real part. Judged as they are,
an ``f`` that returns None passes against a zero closed form, and a complex ``f`` or closed
form passes on the derivative of its real part alone. ``check()`` refuses such an ``f`` as a
usage error; in a run the same refusal is an error of the case, naming the function and what
it returned (``UserOutputError``, which a worker reports without a traceback).
"""

from __future__ import annotations

import numbers

import numpy as np

COMPLEX_HINT = ("derivatives are checked of real functions: compute the real and imaginary "
                "parts in real arithmetic and return them as two outputs, (re, im), to check "
                "both")


class UserOutputError(TypeError):
    """User code returned something with no real derivative to check: None, complex
    numbers, or an array of objects."""


def refuse_unreal(value, who: str) -> None:
    """Raise UserOutputError when ``value`` (a number, an array, or a tuple/list/dict of them)
    holds None, complex numbers or non-numbers; ``who`` names the function ("f of T.x")."""
    from adcheck.engines.pytree import flatten
    for leaf in flatten(value)[0]:
        what, hint = _unreal(leaf)
        if what:
            raise UserOutputError(f"{who} returned {what}; {hint}")


def refuse_unreal_inputs(args, names, who: str) -> None:
    """Raise UserOutputError when an argument a sampler drew is not real numbers; ``names``:
    the arguments' names."""
    from adcheck.engines.pytree import flatten
    for i, a in enumerate(args):
        name = names[i] if i < len(names) else f"arg{i}"
        for leaf in flatten(a)[0]:
            what, _ = _unreal(leaf)
            if what:
                raise UserOutputError(f"{who} drew {what} as argument {name!r}; inputs are "
                                      "real numbers: a number or an array of them")


_NONE_HINT = "it must return its value, a number or an array of numbers (is a `return` missing?)"
_OBJECT_HINT = "a None or a non-number among numbers makes numpy keep objects"


def _unreal(leaf) -> tuple[str, str]:
    """What is wrong with one leaf, and the way out (("", "") when it is real numbers)."""
    if leaf is None:
        return "None", _NONE_HINT
    if isinstance(leaf, numbers.Real) and not isinstance(leaf, np.ndarray):
        return "", ""
    if isinstance(leaf, numbers.Complex) or np.iscomplexobj(leaf):
        return f"complex values ({getattr(leaf, 'dtype', type(leaf).__name__)})", COMPLEX_HINT
    if not isinstance(leaf, np.ndarray) or leaf.dtype.kind in "biuf":
        return "", ""
    if leaf.dtype != object:
        return f"an array of dtype {leaf.dtype}, not numbers", _OBJECT_HINT
    bad = next((x for x in leaf.flat if not isinstance(x, numbers.Real)), _REAL)
    if bad is _REAL:  # objects that are all real numbers are numbers
        return "", ""
    if isinstance(bad, numbers.Complex):
        return f"complex values (an array of objects holding {bad!r})", COMPLEX_HINT
    return f"an array of objects holding {type(bad).__name__} {_short(bad)}", _OBJECT_HINT


_REAL = object()


def _short(x) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."
