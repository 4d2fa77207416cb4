"""The grid's engine columns: grouped by family under one header, each with a short label.

A family is the code engines share (every nesting of adcheck's own AD is one family; torch's
two engines another). The run may record each engine's family in ``run.families`` or on each
record (``family``); a results.json without either is grouped by the built-in engines' names.
"""

from __future__ import annotations

# The families of the built-in engines, for results written before run.families existed.
_AD = ("forward", "reverse", "forward-over-forward", "forward-over-reverse",
       "reverse-over-forward", "reverse-over-reverse")
_KNOWN = {**dict.fromkeys(_AD, "adcheck-ad"), "forward-laplacian": "taylor"}
# Families whose arithmetic is exact: agreement with the oracle certifies the closed form,
# not a floating-point precision, so their column is the reference, not a graded pass.
REFERENCE_FAMILIES = ("exact", "symbolic")
FAMILY_TITLES = {"adcheck-ad": "adcheck AD", "torch": "torch", "jax": "jax",
                 "exact": "reference", "symbolic": "reference", "taylor": "taylor"}
# Words shortened in labels; the full name stays in the column's title.
_WORDS = (("-over-", "/"), ("forward", "fwd"), ("reverse", "rev"), ("laplacian", "lap"),
          ("complex-step", "c-step"), ("richardson", "richard."), ("symbolic", "sympy"))
MAX_LABEL = 8


def family_of(engine: str, families: dict) -> str:
    """The engine's family: as the run recorded it, else by the built-in names."""
    if engine in families:
        return str(families[engine])
    if engine in _KNOWN:
        return _KNOWN[engine]
    for prefix in ("torch", "jax"):
        if engine == prefix or engine.startswith(prefix + "-"):
            return prefix
    return engine


def short_label(engine: str, family: str) -> str:
    """A column label of at most ``MAX_LABEL`` characters, within its family's header."""
    label = engine[len(family) + 1:] if engine.startswith(family + "-") else engine
    for word, short in _WORDS:
        label = label.replace(word, short)
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "\u2026"


def columns(engines: list[str], families: dict) -> tuple[list[dict], list[dict]]:
    """The grid's header rows: families (spans) and engine columns, in family order.

    Returns ``(groups, cols)``: ``groups`` as ``{"title", "family", "span", "single", "engine",
    "label"}`` (a single-engine family heads its own column across both header rows) and
    ``cols`` as ``{"engine", "label", "family", "reference", "first", "single"}`` in display
    order (``first``: the column starts a family group).
    """
    order: dict[str, list[str]] = {}
    for e in engines:
        order.setdefault(family_of(e, families), []).append(e)
    # Reference columns last: they read as the yardstick, not as one more engine.
    fams = sorted(order, key=lambda f: f in REFERENCE_FAMILIES)
    groups, cols = [], []
    for fam in fams:
        members = order[fam]
        ref = fam in REFERENCE_FAMILIES
        single = len(members) == 1 and not ref
        groups.append({"title": FAMILY_TITLES.get(fam, fam), "family": fam,
                       "span": len(members), "single": single, "engine": members[0],
                       "label": short_label(members[0], members[0])})
        for k, e in enumerate(members):
            cols.append({"engine": e, "family": fam, "reference": ref, "first": k == 0,
                         "single": single,
                         "label": short_label(e, e if single else fam)})
    return _merge_reference(groups), cols


def _merge_reference(groups: list[dict]) -> list[dict]:
    """Adjacent reference families share one "reference" header."""
    out: list[dict] = []
    for g in groups:
        if out and g["family"] in REFERENCE_FAMILIES and out[-1]["family"] in REFERENCE_FAMILIES:
            out[-1] = {**out[-1], "span": out[-1]["span"] + g["span"]}
        else:
            out.append(g)
    return out
