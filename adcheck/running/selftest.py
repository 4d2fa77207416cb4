"""``adcheck selftest``: the mutation battery's kill table and the gate's sensitivity."""

from __future__ import annotations

from contextlib import contextmanager

from adcheck.engines import registry
from adcheck.judging.shrink import disabled as no_shrinking

from .catalogue import load_catalogue
from .mutants import PAIR_FAMILY, REFERENCE_ENGINES, Corrupted, battery_identities, mutants
from .runner import run

# Identities whose closed form is dropped for one more round, judged by consensus: a pair of
# engines sharing one wrong rule must not outvote the independent families.
CONSENSUS_ROUND = ("B1.gram-gradient", "B1.quadratic-gradient-general",
                   "B1.quadratic-hessian-general")
WITNESSES = ("richardson", "central")

EPS_GRID = tuple(10.0 ** -k for k in range(2, 16))


@contextmanager
def registered(extra):
    """Register engines for the duration of a block (then remove them again)."""
    for e in extra:
        registry.register(e, replace=True)
    try:
        yield
    finally:
        for e in extra:
            registry.ENGINES.pop(e.name, None)


def _judged_ids(reg, section=None) -> list[str]:
    return [i for i, r in reg.items() if r.kind not in ("cost", "property")
            and (section is None or r.section == section)]


@contextmanager
def identities_registered(recs):
    """Register identity records for the duration of a block (then remove them again)."""
    from adcheck.identities import IDENTITIES
    for r in recs:
        IDENTITIES[r.id] = r
    try:
        yield
    finally:
        for r in recs:
            IDENTITIES.pop(r.id, None)


def _consensus_copies(reg) -> list:
    from dataclasses import replace
    return [replace(reg[i], id=f"{i}~consensus", closed_form=None)
            for i in CONSENSUS_ROUND if i in reg]


def kill_table(examples: int = 3, seed: int = 0, jobs: int = 1) -> list[dict]:
    """Run the catalogue with the correct engines and every mutant; one row per mutant."""
    reg = load_catalogue()
    battery, own, copies = mutants(), battery_identities(), _consensus_copies(reg)
    ids = _judged_ids(reg) + [r.id for r in own]
    pair = [m.name for m in battery if m.family == PAIR_FAMILY]
    with registered(battery), identities_registered(own + copies), no_shrinking():
        names = [n for n in REFERENCE_ENGINES] + [m.name for m in battery]
        records, _ = run(ids, names, examples, seed, timeout=120, jobs=jobs)
        more, _ = run([c.id for c in copies], [*REFERENCE_ENGINES, *WITNESSES, *pair],
                      examples, seed, timeout=120, jobs=jobs)
    records += more
    failed_correct = {r["identity"] for r in records
                      if r["engine"] in REFERENCE_ENGINES and r["outcome"] in ("fail", "error")}
    return [_row(m, records, failed_correct) for m in battery]


def _row(m, records, failed_correct) -> dict:
    mine = [r for r in records if r["engine"] == m.name]
    caught = [r["identity"] for r in mine if r["outcome"] == "fail"]
    blamed = [i for i in caught if i not in failed_correct]
    diag = next((r["diagnosis"] for r in mine if r["outcome"] == "fail" and r["diagnosis"]),
                None)
    families = sorted({r.get("family") or m.family for r in mine if r["identity"] in blamed})
    return {"mutant": m.name, "what": m.description, "family": m.family,
            "killed": bool(blamed) and families == [m.family], "caught_by": caught,
            "blamed_correctly": blamed, "blamed_family": families, "diagnosis": diag,
            "outvoted_in_consensus": [r["identity"] for r in mine if r["outlier"]
                                      and r["identity"].endswith("~consensus")]}


def sensitivity(examples: int = 3, seed: int = 0, base: str = "reverse", jobs: int = 1) -> dict:
    """Smallest relative corruption eps caught on every B.1 identity (and per identity).

    Every eps of the grid runs in one run (one pool of workers); an identity's smallest is the
    last eps of its unbroken run of catches from the largest down.
    """
    reg = load_catalogue()
    ids = _judged_ids(reg, "B.1")
    grid = [Corrupted(base, eps, seed) for eps in EPS_GRID]
    with registered(grid), no_shrinking():
        records, _ = run(ids, [e.name for e in grid], examples, seed, timeout=120, jobs=jobs)
    caught = {(r["identity"], r["engine"]) for r in records if r["outcome"] == "fail"}
    smallest: dict[str, float | None] = dict.fromkeys(ids)
    for i in ids:
        for eng in grid:
            if (i, eng.name) not in caught:
                break
            smallest[i] = eng.eps
    values = list(smallest.values())
    overall = None if any(v is None for v in values) or not values else max(values)
    return {"epsilon": overall, "per_identity": smallest, "base": base, "examples": examples}


def selftest(examples: int = 3, seed: int = 0, epsilon: bool = True, out=print) -> bool:
    """Print the kill table, the kill rate and (optionally) the sensitivity; True if 100%."""
    rows = kill_table(examples, seed)
    width = max(len(r["mutant"]) for r in rows)
    out(f"{'mutant':<{width}}  killed  family blamed     blamed on (identities)")
    for r in rows:
        mark = "yes" if r["killed"] else "NO"
        fam = ", ".join(r["blamed_family"]) or "-"
        out(f"{r['mutant']:<{width}}  {mark:<6}  {fam:<15}  "
            f"{', '.join(r['blamed_correctly'][:4])}")
    rate = sum(r["killed"] for r in rows) / len(rows)
    out(f"kill rate: {100 * rate:.0f}% ({sum(r['killed'] for r in rows)}/{len(rows)})")
    if epsilon:
        s = sensitivity(examples, seed)
        eps = s["epsilon"]
        out("smallest relative corruption caught on every B.1 identity: "
            + (f"{eps:.0e}" if eps else "not caught at 1e-2"))
    return rate == 1.0
