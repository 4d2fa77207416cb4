"""Adding a primitive from user code: ``define_primitive``.

An elementwise function given its float64 implementation and its derivative written against
the namespace becomes ``xp.<name>`` in every built-in engine: forward and reverse mode at any
nesting (its rules are derived from the derivative), the finite-difference engines (complex
step when it is analytic), the symbolic engine, the exact oracle, the rounding-error bound and
the forward Laplacian.
"""

from __future__ import annotations

import inspect
import keyword
from collections.abc import Callable

from adcheck.engines.core import TABLE, XP_NAMES, Primitive, defprim
from adcheck.engines.namespace import Namespace


def define_primitive(name: str, impl: Callable, *, derivative: Callable,
                     exact: Callable | None = None, sym: Callable | None = None,
                     analytic: bool = True, cite: str = "", domain=("real",)) -> Primitive:
    """Define an elementwise primitive; afterwards ``xp.<name>`` works in every engine.

    Args:
        name: the namespace name (a Python identifier not yet in use).
        impl: float64 implementation, elementwise with numpy broadcasting (``np.cbrt``). For
            complex step (``analytic=True``) it must accept complex arrays too.
        derivative: ``derivative(xp, x)`` -> f'(x), written with ``xp`` only (``xp.cos(x)``,
            arithmetic operators), so that it is itself differentiable to any order.
        exact: the same function on one mpmath number (``mpmath.cbrt``): the exact oracle and
            the symbolic engine evaluate through it.
        sym: the same function on one sympy expression, if sympy has it (``sympy.cbrt``); it
            serves the exact oracle too when ``exact`` is not given. With neither, the exact
            oracle and the symbolic engine report the name as unsupported, saying so.
        analytic: whether f is analytic (complex step may run it).
        cite: where the derivative comes from.
        domain: input domain of the generated tests ("real", "positive", ...).
    Returns:
        The primitive's record (``engines.core.undefprim(name)`` removes it again).
    """
    _check_name(name)
    for what, fn in (("impl", impl), ("derivative", derivative)):
        if not callable(fn):
            raise TypeError(f"define_primitive({name!r}): {what} must be a function, not "
                            f"{type(fn).__name__}")
    _check_derivative(name, derivative)
    return defprim(name, impl, elementwise=True, derivative=derivative, exact=exact, sym=sym,
                   analytic=analytic, cite=cite, domain=tuple(domain))


def _check_name(name) -> None:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"define_primitive: {name!r} is not a valid name; use a Python "
                         f"identifier such as 'cbrt'")
    if name in TABLE or name in XP_NAMES:
        raise ValueError(f"define_primitive: {name!r} is already a primitive; pick another "
                         f"name, or remove the old one with engines.core.undefprim({name!r})")
    if hasattr(Namespace, name):
        raise ValueError(f"define_primitive: {name!r} is a built-in name of the namespace "
                         f"(xp.{name}); pick another name")


def _check_derivative(name, derivative) -> None:
    try:
        inspect.signature(derivative).bind(None, None)
    except TypeError:
        raise TypeError(f"define_primitive({name!r}): derivative must take (xp, x) and return "
                        f"f'(x) written with xp, e.g. lambda xp, x: xp.cos(x)") from None
    except ValueError:  # a builtin without a signature: let the first call tell
        pass


__all__ = ["define_primitive"]
