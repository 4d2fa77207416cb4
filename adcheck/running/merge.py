"""``adcheck merge``: the shards of one run (``adcheck run --shard K/N``) back into the whole run.

Shards split a run by whole identities, so merging is putting records back in selection order and
recomputing the summary; the result equals the unsharded run's (volatile fields aside: run_id,
timing, run.command, run.argv, run.executor, run.shard).
"""

from __future__ import annotations

from .catalogue import UsageError

AGREE = ("seed", "examples", "engines", "identities", "plugins", "timeout", "fail_under",
         "fail_on_inconclusive", "min_judged")


def merge(parts: list[tuple[str, dict]], argv: list[str]) -> dict:
    """One results dict from ``[(path, shard results)]`` covering every shard once."""
    from .results import gate_options, new_run_id, summarize
    first_path, first = parts[0]
    _check_shards(parts)
    selection = first["run"]["identities"]
    by_id: dict = {}
    entries: dict = {}
    for _, part in parts:
        for r in part["records"]:
            by_id.setdefault(r["identity"], []).append(r)
        for e in part["identities"]:
            entries[e["id"]] = e
    records = [r for i in selection for r in by_id.get(i, [])]
    lead = next(p for _, p in parts if p["run"]["shard"]["index"] == 1)
    run = {**first["run"], "argv": list(argv), "command": "adcheck " + " ".join(argv),
           "shard": None}
    timing = merged_timing([p for _, p in parts])
    return {
        "schema": first["schema"], "run_id": new_run_id(), "run": run, "timing": timing,
        "summary": summarize(records, **gate_options(first["run"])),
        "identities": [entries[i] for i in selection if i in entries],
        "records": records, "studies": lead.get("studies", {}),
    }


def _check_shards(parts) -> None:
    """Every file a shard of the same run, each shard exactly once."""
    first_path, first = parts[0]
    counts = set()
    seen: dict = {}
    for path, part in parts:
        shard = part["run"].get("shard")
        if not shard:
            raise UsageError(f"{path} is not a shard (it was not written by `adcheck run "
                             "--shard K/N`); merge takes the N shard results of one run")
        for key in AGREE:
            if part["run"].get(key) != first["run"].get(key):
                raise UsageError(f"{path} and {first_path} are shards of different runs: "
                                 f"their run.{key} differ; merge shards of one command line")
        _same_code(path, part, first_path, first)
        if not 1 <= shard["index"] <= shard["count"]:
            raise UsageError(f"{path} says it is shard {shard['index']}/{shard['count']}, which "
                             "no run writes (--shard K/N has 1 <= K <= N): the file was edited")
        counts.add(shard["count"])
        if shard["index"] in seen:
            raise UsageError(f"{path} and {seen[shard['index']]} are both shard "
                             f"{shard['index']}/{shard['count']}")
        seen[shard["index"]] = path
    if len(counts) != 1:
        raise UsageError(f"the files are shards of different splits ({sorted(counts)} shards)")
    n = counts.pop()
    missing = sorted(set(range(1, n + 1)) - set(seen))
    if missing:
        raise UsageError(f"shard(s) {', '.join(f'{k}/{n}' for k in missing)} missing; merge "
                         "needs every shard of the run")
    _check_cover(parts)


def _same_code(path, part, first_path, first) -> None:
    """The same adcheck, plugins and libraries made both shards (a library only one shard
    imported, torch or jax, is not compared)."""
    mine, theirs = part["run"].get("code") or {}, first["run"].get("code") or {}
    if mine != theirs:
        what = sorted(k for k in {*mine, *theirs} if mine.get(k) != theirs.get(k))
        raise UsageError(f"{path} and {first_path} were made by different code ({', '.join(what)}"
                         " differ): rerun every shard from one checkout and merge those")
    mine, theirs = part["run"].get("versions") or {}, first["run"].get("versions") or {}
    differ = sorted(k for k in mine.keys() & theirs.keys() if mine[k] != theirs[k])
    if differ:
        raise UsageError(f"{path} and {first_path} were made with different versions of "
                         f"{', '.join(differ)}; rerun every shard in one environment")


def _check_cover(parts) -> None:
    """The shards' identities split the selection, and each shard's records are its own."""
    owner: dict = {}
    for path, part in parts:
        mine = set(part["run"]["shard"]["identities"])
        stray = sorted({r["identity"] for r in part["records"]} - mine)
        if stray:
            raise UsageError(f"{path} holds records of {stray[0]!r}, which is not in its "
                             "shard's identities; the file was edited or is damaged")
        for i in mine:
            if i in owner:
                raise UsageError(f"{path} and {owner[i]} both hold identity {i!r}")
            owner[i] = path
    selection = parts[0][1]["run"]["identities"]
    if set(owner) != set(selection):
        raise UsageError(f"the shards do not cover the run's selection of {len(selection)} "
                         f"identities (they hold {len(owner)}); merge the shards of one run")


def merged_timing(parts: list[dict]) -> dict:
    """The timing section of results run in parts (shards, or pytest-xdist workers)."""
    per: dict = {}
    for p in parts:
        per.update(p["timing"].get("per_record_s", {}))
    starts = [p["timing"]["started"] for p in parts if "started" in p["timing"]]
    ends = [p["timing"]["finished"] for p in parts if "finished" in p["timing"]]
    return {"started": min(starts, default=""), "finished": max(ends, default=""),
            "wall_s": max((p["timing"].get("wall_s", 0.0) for p in parts), default=0.0),
            "shards_wall_s": [p["timing"].get("wall_s", 0.0) for p in parts],
            "per_record_s": per}
