"""Functions returning several outputs: tuples, lists, dicts and namedtuples of arrays.

An engine's result for such a function is the same container holding one derivative per leaf
(the engines' contract); the judge compares leaf by leaf, each leaf as its own case with its
own reference and rounding bounds. A result whose structure differs fails.
"""

from __future__ import annotations

import numpy as np


def is_tree(x) -> bool:
    """A container of outputs (not an array or a number)."""
    return isinstance(x, (tuple, list, dict))


def paths(tree, prefix=()) -> list[tuple]:
    """The path (sequence of keys/indices) of every leaf, in a fixed order."""
    if isinstance(tree, dict):
        return [p for k in sorted(tree, key=str) for p in paths(tree[k], prefix + (k,))]
    if isinstance(tree, (tuple, list)):
        return [p for i, x in enumerate(tree) for p in paths(x, prefix + (i,))]
    return [prefix]


def get(tree, path):
    """The leaf at ``path``."""
    for k in path:
        tree = tree[k]
    return tree


def structure(tree):
    """A comparable description of the container: types, keys and lengths, not values."""
    if isinstance(tree, dict):
        return ("dict", tuple((str(k), structure(tree[k])) for k in sorted(tree, key=str)))
    if isinstance(tree, (tuple, list)):
        kind = type(tree).__name__ if hasattr(tree, "_fields") else \
            ("list" if isinstance(tree, list) else "tuple")
        return (kind, tuple(structure(x) for x in tree))
    return "leaf"


def leaf_fn(f, path):
    """``f`` restricted to one output leaf (``None`` stays None)."""
    if f is None:
        return None

    def leaf(xp, *args):
        return get(f(xp, *args), path)
    leaf.__name__ = f"{getattr(f, '__name__', 'f')}{label(path)}"
    return leaf


def label(path) -> str:
    """``[0]['loss']``-style text of a path."""
    return "".join(f"[{k!r}]" for k in path)


def output_tree(rec, args):
    """The function's output at ``args`` when it is a container, else None (float64 numpy).

    Raises UserOutputError when ``f`` returned None, complex numbers or objects."""
    if rec.kind in ("residual", "cost", "property"):
        return None
    from adcheck.engines.namespace import numpy_ns
    try:
        with np.errstate(all="ignore"):
            out = rec.f(numpy_ns, *args)
    except Exception:  # noqa: BLE001  the engines will meet and report the same error
        return None
    from .user_outputs import refuse_unreal
    refuse_unreal(out, f"f of {rec.id}")  # an engine would read None as 0, drop imaginary parts
    return out if is_tree(out) else None


def mismatch(value, tree) -> str:
    """Why an engine's value does not have the function's output structure ("" if it does)."""
    if structure(value) == structure(tree):
        return ""
    what = type(value).__name__
    if isinstance(value, np.ndarray):
        what += f" of shape {value.shape}"
    return (f"structure mismatch: the function returns a {type(tree).__name__} of "
            f"{len(paths(tree))} output(s) but the engine returned a {what}; an engine returns "
            f"the same container with one derivative per output")
