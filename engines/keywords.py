"""A primitive called with a keyword its rules do not take, found and named.

``xp.exp(x, out=y)`` or ``xp.maximum(x, 0, where=m)`` is numpy's spelling; numpy's own
implementation accepts it, but a traced call hands the keyword to the derivative rules, which
raise a bare TypeError in every engine. ``check_keywords`` replays ``f`` once in plain numpy
with each primitive's keywords checked against those its rules take, and raises
``UnsupportedSpelling`` at the first it lacks. It runs only after such a TypeError, so a call
that works costs nothing (the dispatchers themselves stay one frame).
"""

from __future__ import annotations

import inspect

import numpy as np

from .errors import UnsupportedSpelling
from .namespace import Namespace


def rule_keywords(prim) -> frozenset | None:
    """The keyword parameters the rules of ``prim`` take; None where they take any."""
    names: set = set()
    for rules in (prim.jvps, prim.vjps):
        rule = rules[0] if isinstance(rules, tuple) and rules else getattr(rules, "rule", None)
        if rule is None:
            continue
        try:
            params = inspect.signature(rule).parameters.values()
        except (TypeError, ValueError):
            return None
        if any(p.kind is p.VAR_KEYWORD for p in params):
            return None
        names |= {p.name for p in params if p.kind is p.KEYWORD_ONLY}
    return frozenset(names)


def _checked(prim):
    """``prim``'s numpy implementation, refusing keywords its rules do not take."""
    allowed = rule_keywords(prim)
    name = prim.xp[0] if prim.xp else prim.name

    def call(*args, **params):
        extra = sorted(set(params) - allowed) if allowed is not None else []
        if extra:
            takes = ", ".join(sorted(allowed)) or "none"
            raise UnsupportedSpelling(
                name, "ad", f"keyword argument(s) {', '.join(extra)}, which numpy takes but a "
                f"derivative of it does not; its keywords: {takes}")
        return prim.impl(*args, **params)
    return call


def check_keywords(f, args) -> None:
    """Run ``f(xp, *args)`` in plain numpy; raise ``UnsupportedSpelling`` at the first
    primitive called with a keyword its rules lack (any other error is not this one's)."""
    xp = Namespace("ad", _checked)
    try:
        with np.errstate(all="ignore"):
            f(xp, *args)
    except UnsupportedSpelling:
        raise
    except Exception:  # noqa: BLE001  f's other errors are the engines' to report
        pass
