"""``check`` of a function whose output is a container (tuple, list, dict, namedtuple): one
check per leaf, combined. Each leaf has its own error bound and its own verdict, so a wrong
leaf is named and no leaf can hide behind another's pass.
"""

from __future__ import annotations

from engines.pytree import flatten

# The order in which one engine's outcomes over the leaves combine: the worst one shows.
_RANK = {"fail": 0, "error": 1, "inconclusive": 2, "not-applicable": 3, "pass": 4}


def _leaf(fn, k):
    """The function returning leaf ``k`` of ``fn``'s output."""
    def leaf(xp, *args):
        return flatten(fn(xp, *args))[0][k]
    return leaf


def _leaf_expected(expected, k):
    if expected is None:
        return None
    if callable(expected):
        return _leaf(expected, k)
    return flatten(expected)[0][k]


def check_leaves(check, report_type, f, args, n_leaves, kind, expected, **kw):
    """Run ``check`` on each leaf of ``f``'s output; one report, the worst outcome per engine."""
    reports = [check(_leaf(f, k), args, kind=kind, expected=_leaf_expected(expected, k), **kw)
               for k in range(n_leaves)]
    verdicts = [r.verdict for r in reports]
    verdict = ("fail" if "fail" in verdicts else
               "pass" if all(v == "pass" for v in verdicts) else "inconclusive")
    engines = {}
    for r in reports:
        for name, ev in r.engines.items():
            if name not in engines or _RANK.get(ev.outcome, 5) < _RANK.get(
                    engines[name].outcome, 5):
                engines[name] = ev
    rep = report_type(kind, verdict, f"each of the {n_leaves} output leaves", engines,
                      outliers=sorted({o for r in reports for o in r.outliers}))
    rep.message = "\n".join(
        [f"check({kind}) of a {n_leaves}-leaf output: {verdict.upper()}"]
        + [f"  leaf {k}: " + r.message.replace("\n", "\n  ") for k, r in enumerate(reports)])
    return rep
