"""The CLI's subcommands (see ``adcheck.cli`` for the parser and the exit codes)."""

from __future__ import annotations

import importlib
import json
import sys
import time
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
    if getattr(args, "names", False):
        return _names(args)
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


def _names(args) -> int:
    """The supported names of xp, their signatures and the engines that run each."""
    from engines.coverage import QUICK, rows
    table = rows(QUICK)
    if args.json:
        _print_json(table)
        return ExitCode.OK
    mark = {True: "yes", False: "no", None: "-"}
    for r in table:
        cover = " ".join(f"{c}:{mark[r[c]]}" for c in QUICK)
        print(f"{r['name']:<26} {r['signature'][:60]:<60} {cover}")
    print("(jax: see docs/coverage.md; compiling every call takes about 30 s)")
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
    out_dir = _out_dir(args.out)
    baseline = _baseline(args)  # checked before the run, not after minutes of work
    reg = load_catalogue()
    plugins = load_plugins(args.plugin)
    ids = select(args.identity, reg, "identity")
    names = _engine_names(args.engine)
    if not ids or not names:
        print("adcheck: the filters selected nothing", file=sys.stderr)
        return ExitCode.NOTHING_SELECTED
    from . import results as R
    from .runner import run
    progress = _progress(len(ids)) if sys.stderr.isatty() else None
    started = R.now()
    records, _ = run(ids, names, args.examples, args.seed, args.timeout, args.jobs, progress)
    if args.plugin:
        for r in records:
            r["rerun"] += "".join(f" -p {p}" for p in args.plugin)
    studies, timing = _studies(args)
    finished = R.now()
    res = R.build(argv=argv, seed=args.seed, examples=args.examples, engines=names,
                  identities=[reg[i] for i in ids], plugins=plugins, records=records,
                  started=started, finished=finished, fail_under=args.fail_under,
                  studies=studies, timing=timing)
    paths = _write(R.write, res, out_dir, baseline)
    _summary(res, paths)
    drifted = _drift_gate(res, baseline, args.fail_on_drift)
    ok = res["summary"]["verdict"] == "pass" and not drifted
    return ExitCode.OK if ok else ExitCode.CHECKS_FAILED


def _studies(args) -> tuple[dict, dict]:
    """``results["studies"]`` and extra ``results["timing"]`` entries, as the flags ask.

    A study that raises is recorded in ``studies["errors"]``: it never loses the run's records.
    """
    studies: dict = {}
    timing: dict = {}
    errors: list[str] = []

    def attempt(what, fn):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001  a study is extra data, the checks stand
            errors.append(f"{what}: {type(exc).__name__}: {exc}")
            print(f"adcheck: {what} failed ({type(exc).__name__}: {exc}); "
                  "the checks' results are unaffected", file=sys.stderr)
            return None

    t0 = time.perf_counter()
    mod = attempt("studies", lambda: importlib.import_module("adcheck.studies"))
    if mod is not None:
        selftest = attempt("selftest study", lambda: mod.selftest_study(
            min(args.examples, SELFTEST_EXAMPLES), args.seed, epsilon=True)) \
            if args.selftest else None
        if not args.no_studies:
            studies = attempt("studies", lambda: mod.collect(args.seed, selftest=selftest)) or {}
        if selftest and "selftest" not in studies:
            studies["selftest"] = selftest
        if args.timings or args.selftest:
            cost = attempt("cost-scaling timing", lambda: mod.time_cost_scaling(args.seed))
            if cost is not None:
                timing["cost_scaling"] = cost
    if errors:  # for tools, and as notes so the page says why a plot is missing
        studies["errors"] = errors
        studies["notes"] = [*studies.get("notes", []), *(f"{e}" for e in errors)]
    if studies or timing:
        timing["studies_s"] = round(time.perf_counter() - t0, 3)
    return studies, timing


def _out_dir(text: str) -> Path:
    """The --out folder, refused up front when a file stands where a folder must go."""
    out = Path(text)
    for p in (out, *out.parents):
        if p.exists() and not p.is_dir():
            raise UsageError(
                f"--out {text}: {p} is an existing file, not a folder; adcheck writes "
                "results.json, junit.xml and index.html into a folder: pass a folder path "
                "(created if missing) or move the file away")
    return out


def _write(write, *args):
    """Write the outputs; a folder we may not write to is the caller's to fix (exit 2)."""
    try:
        return write(*args)
    except (PermissionError, FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
        raise UsageError(f"cannot write the report to {args[1]}: {exc}") from None


def load_results(text: str, what: str = "results file") -> dict:
    """A results.json (schema ``adcheck.results/1``) or a UsageError saying what is wrong."""
    from .results import SCHEMA
    path = Path(text)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{what} {path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise UsageError(f"{what} {path} is not JSON ({exc}); expected a results.json "
                         "written by `adcheck run`") from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema != SCHEMA:
        raise UsageError(f"{what} {path} has schema {schema!r}, not {SCHEMA!r}; regenerate it "
                         "with this version's `adcheck run`")
    if not isinstance(data.get("records"), list):
        raise UsageError(f"{what} {path} has no records list; it is not a complete results.json")
    return data


def _baseline(args) -> dict | None:
    factor = args.fail_on_drift
    if factor is not None and args.baseline is None:
        raise UsageError("--fail-on-drift needs --baseline OLD_RESULTS_JSON to compare against")
    if factor is not None and not factor > 1.0:  # also refuses nan
        raise UsageError(f"--fail-on-drift needs a factor > 1, got {factor:g}")
    return None if args.baseline is None else load_results(args.baseline, "--baseline")


def _drift_gate(results: dict, baseline: dict | None, factor: float | None) -> list[dict]:
    """With --fail-on-drift: print and return the records whose error grew more than factor."""
    if baseline is None or factor is None:
        return []
    from .report import drift_failures
    failures = drift_failures(results, baseline, factor)
    for f in failures:
        print(f["message"])
    if failures:
        print(f"adcheck: FAIL: {len(failures)} record(s) drifted more than x{factor:g} "
              "since the baseline")
    return failures


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
    from .report.terminal import summary_table
    print(summary_table(res))
    c = res["summary"]["counts"]
    for r in res["records"]:
        if r["outcome"] in ("fail", "error"):
            print(r["message"])
    print(f"adcheck: {res['summary']['verdict'].upper()}: " + ", ".join(
        f"{v} {k}" for k, v in c.items()) + f" ({res['timing']['wall_s']:.1f} s); "
        f"report in {Path(paths['results']).parent}")


def cmd_report(args, argv) -> int:
    path = Path(args.results_json)
    results = load_results(args.results_json)
    baseline = _baseline(args)
    out_dir = _out_dir(args.out) if args.out else path.parent
    from .results import render_report
    out = _write(render_report, results, out_dir, baseline)
    if out is None:
        return ExitCode.INTERNAL_ERROR
    print(f"adcheck: report written to {out}")
    return ExitCode.CHECKS_FAILED if _drift_gate(results, baseline, args.fail_on_drift) \
        else ExitCode.OK


# The mutation battery needs few cases: every mutant is caught on the first example it meets
# (adcheck selftest, 3 examples: 8 of 8); a run with --selftest gives it at most this many.
SELFTEST_EXAMPLES = 5


def cmd_selftest(args, argv) -> int:
    from .selftest import selftest
    ok = selftest(examples=args.examples, seed=args.seed, epsilon=not args.no_epsilon)
    return ExitCode.OK if ok else ExitCode.CHECKS_FAILED
