"""The CLI's subcommands (see ``adcheck.cli`` for the parser and the exit codes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .catalogue import UsageError, default_engines, load_catalogue, load_plugins, select
from .cli import ExitCode, _print_json


def cmd_list(args, argv) -> int:
    reg = load_catalogue()
    load_plugins(args.plugin)
    from .statements import proof_status
    rows = [{"id": r.id, "section": r.section, "kind": r.kind, "title": r.title,
             "proof": proof_status(r)["status"]} for r in reg.values()]
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            print(f"{r['id']:<40} {r['section']:<6} {r['kind']:<10} {r['proof']:<10} {r['title']}")
    return ExitCode.OK


def cmd_engines(args, argv) -> int:
    import engines
    rows = [{"name": e.name, "family": e.family, "max_order": e.max_order,
             "description": e.description, "available": True} for e in engines.ENGINES.values()]
    rows += [{"name": n, "available": False, "why": why} for n, why in engines.UNAVAILABLE.items()]
    if args.json:
        _print_json(rows)
        return ExitCode.OK
    for r in rows:
        if r["available"]:
            print(f"{r['name']:<24} {r['family']:<18} {r['description']}")
        else:
            print(f"{r['name']:<24} {'(unavailable)':<18} {r['why']}")
    return ExitCode.OK


def _engine_names(patterns) -> list[str]:
    import engines
    for p in patterns:
        if p in engines.UNAVAILABLE:
            raise UsageError(f"engine {p!r} is not available: {engines.UNAVAILABLE[p]}")
    return select(patterns, default_engines(), "engine")


def cmd_run(args, argv) -> int:
    if args.examples < 1 or args.jobs < 1:
        raise UsageError("--examples and --jobs must be at least 1")
    reg = load_catalogue()
    plugins = load_plugins(args.plugin)
    try:
        ids = select(args.identity, reg, "identity")
        names = _engine_names(args.engine)
    except UsageError:
        raise
    if not ids or not names:
        print("adcheck: the filters selected nothing", file=sys.stderr)
        return ExitCode.NOTHING_SELECTED
    from . import results as R
    from .runner import run
    progress = _progress(len(ids)) if sys.stderr.isatty() else None
    started = R.now()
    records, _ = run(ids, names, args.examples, args.seed, args.timeout, args.jobs, progress)
    finished = R.now()
    if args.plugin:
        for r in records:
            r["rerun"] += "".join(f" -p {p}" for p in args.plugin)
    res = R.build(argv=argv, seed=args.seed, examples=args.examples, engines=names,
                  identities=[reg[i] for i in ids], plugins=plugins, records=records,
                  started=started, finished=finished, fail_under=args.fail_under)
    paths = R.write(res, args.out)
    _summary(res, paths)
    return ExitCode.OK if res["summary"]["verdict"] == "pass" else ExitCode.CHECKS_FAILED


def _progress(total):
    done = [0]

    def tick(rec_id):
        done[0] += 1
        sys.stderr.write(f"\r[{done[0]}/{total}] {rec_id:<50}")
        if done[0] == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return tick


def _summary(res, paths) -> None:
    c = res["summary"]["counts"]
    for r in res["records"]:
        if r["outcome"] in ("fail", "error"):
            print(r["message"])
    print(f"adcheck: {res['summary']['verdict'].upper()}: " + ", ".join(
        f"{v} {k}" for k, v in c.items()) + f" ({res['timing']['wall_s']:.1f} s); "
        f"report in {Path(paths['results']).parent}")


def cmd_report(args, argv) -> int:
    path = Path(args.results_json)
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    from .results import render_report
    out = render_report(results, Path(args.out) if args.out else path.parent)
    if out is None:
        return ExitCode.INTERNAL_ERROR
    print(f"adcheck: report written to {out}")
    return ExitCode.OK


def cmd_selftest(args, argv) -> int:
    from .selftest import selftest
    ok = selftest(examples=args.examples, seed=args.seed, epsilon=not args.no_epsilon)
    return ExitCode.OK if ok else ExitCode.CHECKS_FAILED
