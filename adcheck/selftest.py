"""``adcheck selftest``: the mutation battery's kill table and the gate's sensitivity."""

from __future__ import annotations

from contextlib import contextmanager

from engines import registry

from .catalogue import load_catalogue
from .mutants import REFERENCE_ENGINES, Corrupted, mutants
from .runner import run

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


def kill_table(examples: int = 3, seed: int = 0, jobs: int = 1) -> list[dict]:
    """Run the catalogue with the correct engines and every mutant; one row per mutant."""
    reg = load_catalogue()
    battery = mutants()
    ids = _judged_ids(reg)
    with registered(battery):
        names = [n for n in REFERENCE_ENGINES] + [m.name for m in battery]
        records, _ = run(ids, names, examples, seed, timeout=120, jobs=jobs)
    failed_correct = {r["identity"] for r in records
                      if r["engine"] in REFERENCE_ENGINES and r["outcome"] in ("fail", "error")}
    rows = []
    for m in battery:
        mine = [r for r in records if r["engine"] == m.name]
        caught = [r["identity"] for r in mine if r["outcome"] == "fail"]
        blamed = [i for i in caught if i not in failed_correct]
        diag = next((r["diagnosis"] for r in mine if r["outcome"] == "fail" and r["diagnosis"]),
                    None)
        rows.append({"mutant": m.name, "what": m.description, "killed": bool(blamed),
                     "caught_by": caught, "blamed_correctly": blamed, "diagnosis": diag})
    return rows


def sensitivity(examples: int = 3, seed: int = 0, base: str = "reverse") -> dict:
    """Smallest relative corruption eps caught on every B.1 identity (and per identity)."""
    reg = load_catalogue()
    ids = _judged_ids(reg, "B.1")
    smallest: dict[str, float | None] = dict.fromkeys(ids)
    alive = set(ids)  # identities that caught every eps so far
    for eps in EPS_GRID:
        eng = Corrupted(base, eps, seed)
        with registered([eng]):
            records, _ = run(sorted(alive), [eng.name], examples, seed, timeout=120)
        caught = {r["identity"] for r in records if r["outcome"] == "fail"}
        for i in caught:
            smallest[i] = eps
        alive &= caught
        if not alive:
            break
    values = [v for v in smallest.values()]
    overall = None if any(v is None for v in values) or not values else max(values)
    return {"epsilon": overall, "per_identity": smallest, "base": base, "examples": examples}


def selftest(examples: int = 3, seed: int = 0, epsilon: bool = True, out=print) -> bool:
    """Print the kill table, the kill rate and (optionally) the sensitivity; True if 100%."""
    rows = kill_table(examples, seed)
    width = max(len(r["mutant"]) for r in rows)
    out(f"{'mutant':<{width}}  killed  blamed on (identities)")
    for r in rows:
        mark = "yes" if r["killed"] else "NO"
        out(f"{r['mutant']:<{width}}  {mark:<6}  {', '.join(r['blamed_correctly'][:4])}")
    rate = sum(r["killed"] for r in rows) / len(rows)
    out(f"kill rate: {100 * rate:.0f}% ({sum(r['killed'] for r in rows)}/{len(rows)})")
    if epsilon:
        s = sensitivity(examples, seed)
        eps = s["epsilon"]
        out("smallest relative corruption caught on every B.1 identity: "
            + (f"{eps:.0e}" if eps else "not caught at 1e-2"))
    return rate == 1.0
