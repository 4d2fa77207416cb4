"""Containers of arrays as outputs: tuples, lists, dicts and namedtuples, nested.

A function may return several arrays at once (``slogdet``'s (sign, logabsdet), ``(f, g)``).
Its derivative is the same container holding one derivative per leaf. ``flatten`` lists the
leaves in a fixed order and ``unflatten`` rebuilds the container around new leaves; anything
that is not one of the four containers is a leaf.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def is_container(x) -> bool:
    """True when ``x`` is a container whose leaves are differentiated one by one."""
    return isinstance(x, (tuple, list, dict))


class TreeDef:
    """The shape of a container: its type, keys and the shapes of its children."""

    __slots__ = ("kind", "keys", "children", "n_leaves")

    def __init__(self, kind, keys, children):
        self.kind, self.keys, self.children = kind, keys, children
        self.n_leaves = 1 if kind is None else sum(c.n_leaves for c in children)

    def __eq__(self, other) -> bool:
        return (isinstance(other, TreeDef) and self.kind == other.kind
                and self.keys == other.keys and self.children == other.children)

    __hash__ = None

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        inner = ", ".join(f"{k}: {c!r}" if self.kind is dict else repr(c)
                          for k, c in zip(self.keys, self.children))
        return f"{self.kind.__name__}({inner})"


LEAF = TreeDef(None, (), ())


def flatten(tree) -> tuple[list, TreeDef]:
    """The leaves of ``tree`` in order (dict keys in insertion order) and its TreeDef."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves) -> TreeDef:
    if isinstance(tree, dict):
        keys = tuple(tree)
        return TreeDef(dict, keys, tuple(_flatten(tree[k], leaves) for k in keys))
    if isinstance(tree, (tuple, list)):
        return TreeDef(type(tree), (), tuple(_flatten(c, leaves) for c in tree))
    leaves.append(tree)
    return LEAF


def unflatten(treedef: TreeDef, leaves) -> Any:
    """Rebuild a container of ``treedef``'s shape around ``leaves`` (in flatten's order)."""
    it = iter(leaves)
    out = _unflatten(treedef, it)
    if next(it, _END) is not _END:
        raise ValueError(f"too many leaves for the structure {treedef!r}")
    return out


_END = object()


def _unflatten(treedef, it):
    if treedef.kind is None:
        leaf = next(it, _END)
        if leaf is _END:
            raise ValueError("too few leaves for the structure")
        return leaf
    children = [_unflatten(c, it) for c in treedef.children]
    if treedef.kind is dict:
        return dict(zip(treedef.keys, children))
    if issubclass(treedef.kind, tuple) and hasattr(treedef.kind, "_fields"):
        return treedef.kind(*children)
    return treedef.kind(children)


def tree_map(fn: Callable, tree, *rest) -> Any:
    """Apply ``fn`` leaf by leaf to ``tree`` and trees of the same structure ``rest``."""
    leaves, treedef = flatten(tree)
    others = []
    for r in rest:
        r_leaves, r_def = flatten(r)
        if r_def != treedef:
            raise ValueError(f"structure {r_def!r} does not match {treedef!r}")
        others.append(r_leaves)
    return unflatten(treedef, [fn(*xs) for xs in zip(leaves, *others)])
