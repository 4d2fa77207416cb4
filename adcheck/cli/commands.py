"""The CLI's subcommands (see ``adcheck.cli`` for the parser and the exit codes)."""

from __future__ import annotations

import importlib
import importlib.util
import shlex
import sys
import time
from pathlib import Path

from adcheck.audit import run_audit
from adcheck.audit.ops import select as select_ops
from adcheck.audit.report import load
from adcheck.cli.codes import ExitCode, print_json
from adcheck.judging.cases import judged_count
from adcheck.running.catalogue import (
    UsageError,
    default_engines,
    load_catalogue,
    load_plugins,
    select,
)
from adcheck.running.publish import OutLock, check_out, publish
from adcheck.running.validate import load_results


def cmd_list(args, argv) -> int:
    from adcheck.running.sandbox import check_imports, proof_statuses
    reg = load_catalogue()
    check_imports(args.plugin, LIST_TIMEOUT_S)
    load_plugins(args.plugin)
    proofs, failed = proof_statuses(list(reg.values()), args.plugin, LIST_TIMEOUT_S)
    for ident, why in failed.items():
        print(f"adcheck: {ident}: {why}", file=sys.stderr)
    rows = [{"id": r.id, "section": r.section, "kind": r.kind, "title": r.title,
             "proof": proofs[r.id]["status"]} for r in reg.values()]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['id']:<40} {r['section']:<6} {r['kind']:<10} {r['proof']:<10} {r['title']}")
    return ExitCode.OK


LIST_TIMEOUT_S = 60.0  # `adcheck list` has no --timeout: run's default bounds its user code


def cmd_engines(args, argv) -> int:
    from adcheck import engines
    if getattr(args, "names", False):
        return _names(args)
    rows = [{"name": e.name, "family": e.family, "max_order": e.max_order,
             "description": e.description, "available": True,
             "max_examples": getattr(e, "max_examples", None)}
            for e in engines.ENGINES.values()]
    rows += [{"name": n, "available": False, "why": why} for n, why in engines.UNAVAILABLE.items()]
    if args.json:
        print_json(rows)
        return ExitCode.OK
    for r in rows:
        if r["available"]:
            share = ("every example" if r["max_examples"] is None
                     else f"{r['max_examples']} an identity")
            print(f"{r['name']:<24} {r['family']:<18} {share:<16} {r['description']}")
        else:
            print(f"{r['name']:<24} {'(unavailable)':<18} {r['why']}")
    return ExitCode.OK


def _names(args) -> int:
    """The supported names of xp, their signatures and the engines that run each."""
    from adcheck.engines.coverage import QUICK, rows
    table = rows(QUICK)
    if args.json:
        print_json(table)
        return ExitCode.OK
    mark = {True: "yes", False: "no", None: "-"}
    for r in table:
        cover = " ".join(f"{c}:{mark[r[c]]}" for c in QUICK)
        print(f"{r['name']:<26} {r['signature'][:60]:<60} {cover}")
    print("(jax: see docs/coverage.md; compiling every call takes about 30 s)")
    return ExitCode.OK


def _engine_names(patterns) -> list[str]:
    from adcheck import engines
    for p in patterns:
        if p in engines.UNAVAILABLE:
            raise UsageError(f"engine {p!r} is not available: {engines.UNAVAILABLE[p]}")
    return select(patterns, default_engines(), "engine")


def cmd_run(args, argv) -> int:
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.executor == "dask":
        _need_dask()
    out_dir = check_out(args.out)
    baseline = _baseline(args)  # checked before the run, not after minutes of work
    reg = load_catalogue()
    from adcheck.running.sandbox import check_imports
    check_imports(args.plugin, args.timeout)  # where os._exit or a hang can end only itself
    plugins = load_plugins(args.plugin)
    ids = select(args.identity, reg, "identity")
    _known_engines(reg, ids)
    names = _engine_names(args.engine)
    if not ids or not names:
        print("adcheck: the filters selected nothing", file=sys.stderr)
        return ExitCode.NOTHING_SELECTED
    if args.scheduler is None:  # local workers or a LocalCluster: this machine's to bound
        args.jobs = _capped_jobs(args.jobs)
    with OutLock(out_dir):
        res = _execute(args, argv, reg, ids, names, plugins)
        paths = _write(publish, res, out_dir, baseline, render=render_report)
    # The verdict first, from the results alone; printing it cannot change it.
    drifted = _drift_failures(res, baseline, args.fail_on_drift)
    code = _gate(res, drifted)
    _summary(res, paths, _not_run(args.engine))
    _say_drift(drifted, args.fail_on_drift)
    _say_gate(res, code)
    return code


def _known_engines(reg, ids) -> None:
    """An identity restricted to engines that do not exist would be "not applicable" to every
    engine and never judged: a usage error naming it (an engine that exists but whose library is
    missing is not: the run says which, and that the identity was never judged)."""
    from adcheck import engines
    for i in ids:
        unknown = [n for n in (reg[i].engines or ()) if n not in engines.ENGINES
                   and n not in engines.UNAVAILABLE]
        if unknown:
            raise UsageError(f"identity {i!r} names unknown engine(s) "
                             f"{', '.join(map(repr, unknown))}; the engines are: "
                             f"{', '.join([*engines.ENGINES, *engines.UNAVAILABLE])}")


def _capped_jobs(requested: int) -> int:
    """--jobs bounded by this machine's cores and available memory, said on stderr when
    bounded (``adcheck.running.executors.cap_jobs``)."""
    from adcheck.running.executors import cap_jobs
    jobs, why = cap_jobs(requested)
    if why:
        print(f"adcheck: {why}", file=sys.stderr)
    return jobs


def _gate(res, drifted=False) -> int:
    """The exit code of a run's (or a merge's) results: 0 pass, 1 fail (a check failed or
    errored, a record drifted, or an identity was never judged), 4 nothing judged."""
    verdict = res["summary"]["verdict"]
    if verdict == "fail" or drifted:
        return ExitCode.CHECKS_FAILED
    if verdict != "pass" or not judged_count(res["records"]):
        return ExitCode.NO_TESTS_JUDGED
    return ExitCode.OK


def _say_gate(res, code) -> None:
    """Why the gate's code is what it is, on stderr (which a closed stdout leaves alone)."""
    unjudged = res["summary"].get("unjudged") or []
    if code == ExitCode.NO_TESTS_JUDGED:
        print("adcheck: NOTHING JUDGED: no case passed or failed; this run certifies nothing",
              file=sys.stderr)
        return
    for u in unjudged:
        print(f"adcheck: UNJUDGED: identity {u['identity']!r} was never judged (no case passed "
              f"or failed on any engine): {u['why']}", file=sys.stderr)
    if unjudged and code != ExitCode.OK:
        print(f"adcheck: FAIL: {len(unjudged)} identity(ies) never judged; a run that did not "
              "check an identity does not pass", file=sys.stderr)
    for why in res["summary"].get("strict") or []:
        print(f"adcheck: FAIL (strict gate): {why}", file=sys.stderr)


def _execute(args, argv, reg, ids, names, plugins) -> dict:
    """Run the checks (and the studies) and build the results dict."""
    from adcheck.running import results as R
    from adcheck.running.progress import Progress
    from adcheck.running.runner import run, shard_ids
    from adcheck.running.sandbox import mark_errors, proof_statuses
    started = R.now()
    proofs, failed = proof_statuses([reg[i] for i in shard_ids(ids, args.shard)],
                                    args.plugin, args.timeout)
    records, _ = run(ids, names, args.examples, args.seed, args.timeout, args.jobs,
                     Progress(), executor=args.executor, scheduler=args.scheduler,
                     shard=args.shard, plugins=args.plugin,
                     shrink_budget=None if args.no_shrink else args.shrink_budget,
                     full=args.full, refuse_unloadable=True)
    mark_errors(records, failed)
    lead = args.shard is None or args.shard[0] == 1  # one shard carries the studies
    studies, timing = _studies(args) if lead else ({}, {})
    mine = {r["identity"] for r in records}
    return R.build(argv=argv, seed=args.seed, examples=args.examples, engines=names,
                   identities=[reg[i] for i in ids if i in mine], plugins=plugins,
                   records=records, started=started, finished=R.now(),
                   fail_under=args.fail_under, studies=studies, timing=timing,
                   timeout=args.timeout, executor=args.executor, shard=args.shard,
                   selection=ids, proofs=proofs,
                   fail_on_inconclusive=args.fail_on_inconclusive, min_judged=args.min_judged)


def _need_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError("--executor dask needs Dask distributed: pip install "
                         "'adcheck[dask]' (or dask[distributed])") from None


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
    mod = attempt("studies", lambda: importlib.import_module("adcheck.running.studies"))
    if mod is not None:
        selftest = attempt("selftest study", lambda: mod.selftest_study(
            min(args.examples, SELFTEST_EXAMPLES), args.seed, epsilon=True, jobs=args.jobs)) \
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


def _write(write, results, out_dir, *args, keep=True, **kwargs):
    """Write the outputs; a folder we may not write to is the caller's to fix (exit 2).

    ``check_out`` refused an unwritable --out before the run; writing can still fail at the end
    (the folder changed meanwhile, a full disk). The run's results are then kept in a file of
    the temporary folder that the message names (``keep``; not for ``report``, whose results
    are a file already), not lost with the minutes of work."""
    try:
        return write(results, out_dir, *args, **kwargs)
    except OSError as exc:
        why = f"cannot write the report to {out_dir}: {exc}"
        raise UsageError(f"{why}; {_keep(results, out_dir)}" if keep else why) from None


def _keep(results: dict, out_dir) -> str:
    """Save ``results`` as a results.json in the temporary folder; what to say about it."""
    import os
    import tempfile

    from adcheck.running import results as R
    try:
        fd, path = tempfile.mkstemp(prefix="adcheck-results-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(R.dumps(results))
    except (OSError, ValueError) as exc:
        return f"the results could not be kept either ({exc})"
    return (f"the run's results are kept in {path}; once {out_dir} is writable, "
            f"`adcheck report {shlex.quote(path)} --out {shlex.quote(str(out_dir))}` "
            "publishes them")


def render_report(results: dict, out_dir, baseline: dict | None = None):
    """index.html by ``adcheck.report.render`` if importable; None (and a note) otherwise.
    ``publish`` calls it between junit.xml and the swap: the run's results go up to the report,
    never the other way."""
    try:
        from adcheck.report import render
    except ImportError as exc:
        print(f"adcheck: no HTML report ({exc})", file=sys.stderr)
        return None
    return render(results, out_dir, baseline=baseline)


def _baseline(args) -> dict | None:
    factor = args.fail_on_drift
    if factor is not None and args.baseline is None:
        raise UsageError("--fail-on-drift needs --baseline OLD_RESULTS_JSON to compare against")
    if factor is not None and not factor > 1.0:  # also refuses nan
        raise UsageError(f"--fail-on-drift needs a factor > 1, got {factor:g}")
    return None if args.baseline is None else load_results(args.baseline, "--baseline")


def _drift_failures(results: dict, baseline: dict | None, factor: float | None) -> list[dict]:
    """With --fail-on-drift: the records whose error grew more than factor."""
    if baseline is None or factor is None:
        return []
    from adcheck.report import drift_failures
    return drift_failures(results, baseline, factor)


def _say_drift(failures: list[dict], factor: float | None) -> None:
    for f in failures:
        print(f["message"])
    if failures:
        print(f"adcheck: FAIL: {len(failures)} record(s) drifted more than x{factor:g} "
              "since the baseline")


def _summary(res, paths, not_run=()) -> None:
    """The summary table, the failures' messages and the one-line verdict.

    The line counts records (one per identity and engine) and cases: a passing record may hold
    inconclusive cases, and an identity may have had no judged case at all; both are said, and
    so are the engines of `adcheck engines` that did not run for want of their library."""
    from adcheck.report.terminal import summary_table
    from adcheck.running.results import case_counts
    print(summary_table(res))
    s = res["summary"]
    c = s["counts"]
    for r in res["records"]:
        if r["outcome"] in ("fail", "error"):
            print(r["message"])
    cases = s.get("cases") or case_counts(res["records"])
    hidden = sum(int((r.get("counts") or {}).get("inconclusive", 0))
                 for r in res["records"] if r["outcome"] == "pass")
    unjudged = [str(u["identity"]) for u in s.get("unjudged") or []]
    parts = [", ".join(f"{v} {k}" for k, v in c.items()) + " record(s)",
             f"{judged_count(res['records']):,} case(s) judged ({cases['pass']:,} pass, "
             f"{cases['fail']:,} fail), {cases['inconclusive']:,} inconclusive and "
             f"{cases['error']:,} error case(s), {hidden:,} inconclusive inside passing records",
             f"{len(unjudged)} identity(ies) never judged" + (f": {', '.join(unjudged)}"
                                                              if unjudged else "")]
    if not_run:
        parts.append("not run, library not installed: " + _with_install(not_run))
    print(f"adcheck: {s['verdict'].upper()}: " + "; ".join(parts)
          + f" ({res['timing']['wall_s']:.1f} s); report in {Path(paths['results']).parent}")


def _with_install(names) -> str:
    """'torch, torch-fwd-over-rev (pip install ...); jax (...)': each missing library's engines
    with the command that installs it (``engines.UNAVAILABLE``)."""
    from adcheck import engines
    by_hint: dict[str, list[str]] = {}
    for n in names:
        by_hint.setdefault(engines.UNAVAILABLE.get(n, ""), []).append(n)
    return "; ".join(", ".join(ns) + (f" ({hint})" if hint else "")
                     for hint, ns in by_hint.items())


def _not_run(patterns) -> list[str]:
    """The engines `adcheck engines` lists as unavailable that the -e patterns (none: every
    engine) would have selected."""
    from fnmatch import fnmatchcase

    from adcheck import engines
    return [n for n in engines.UNAVAILABLE
            if not patterns or any(fnmatchcase(n, p) for p in patterns)]


def cmd_report(args, argv) -> int:
    path = Path(args.results_json)
    results = load_results(args.results_json)
    baseline = _baseline(args)
    out_dir = check_out(args.out if args.out else str(path.parent))
    with OutLock(out_dir):
        paths = _write(publish, results, out_dir, baseline, render=render_report, keep=False)
    if "html" not in paths:
        return ExitCode.INTERNAL_ERROR
    drifted = _drift_failures(results, baseline, args.fail_on_drift)
    # the gate of the records themselves, as `run` exits on them (not the file's own summary)
    judged = {**results, "summary": _summary_of(results)}
    code = _gate(judged, drifted)
    print(f"adcheck: report written to {paths['html']}")
    _say_drift(drifted, args.fail_on_drift)
    _say_gate(judged, code)
    return code


def _summary_of(results) -> dict:
    from adcheck.running.results import gate_options, summarize
    return summarize(results["records"], **gate_options(results["run"]))


def cmd_merge(args, argv) -> int:
    from adcheck.running.merge import merge
    parts = [(p, load_results(p, "shard")) for p in args.results_json]
    out_dir = check_out(args.out)
    _not_an_input(out_dir, [p for p, _ in parts])
    res = merge(parts, ["merge", *argv[1:]])
    with OutLock(out_dir):
        paths = _write(publish, res, out_dir, None, render=render_report)
    code = _gate(res)
    _summary(res, paths)
    _say_gate(res, code)
    return code


def _not_an_input(out_dir: Path, inputs) -> None:
    """Refuse an --out whose outputs would replace an input shard before it is read again."""
    outputs = {(out_dir / name).resolve() for name in ("results.json", "junit.xml",
                                                       "index.html")}
    for p in inputs:
        if Path(p).resolve() in outputs:
            raise UsageError(f"--out {out_dir} would overwrite the input shard {p}; write the "
                             "merged run to another folder")


# The mutation battery needs few cases: every mutant is caught on the first example it meets
# (adcheck selftest, 3 examples: 8 of 8); a run with --selftest gives it at most this many.
SELFTEST_EXAMPLES = 5


def cmd_selftest(args, argv) -> int:
    from adcheck.running.selftest import selftest
    ok = selftest(examples=args.examples, seed=args.seed, epsilon=not args.no_epsilon)
    return ExitCode.OK if ok else ExitCode.CHECKS_FAILED


def cmd_audit(args, argv) -> int:
    """``adcheck audit TARGET``: exit 0 when the audit ran (whatever it found), 2 for a bad
    option or an unreadable baseline, 4 when --ops selected nothing."""
    if args.target != "adcheck" and importlib.util.find_spec(args.target) is None:
        from adcheck.engines.adapters import INSTALL
        raise UsageError(f"auditing {args.target} needs it installed: {INSTALL[args.target]}")
    if not select_ops(args.target, args.ops):
        print(f"adcheck: --ops {args.ops!r} selects no operation; `python -c \"from "
              "adcheck.audit import OPS; print(sorted(OPS))\"` lists them", file=sys.stderr)
        return ExitCode.NOTHING_SELECTED
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out} is a file; give a folder")
    baseline = None
    if args.baseline:
        try:
            baseline = load(args.baseline)
        except ValueError as e:
            raise UsageError(f"--baseline: {e}") from None
        if baseline["target"] != args.target:
            raise UsageError(f"--baseline is an audit of {baseline['target']}, not of "
                             f"{args.target}")
    results = run_audit(
        args.target, ops=args.ops, dtypes=tuple(args.dtype or ("float64", "float32")),
        orders=tuple(sorted(set(args.order or (1, 2)))), samples=args.samples,
        seed=args.seed, jobs=args.jobs, executor="dask" if args.executor == "dask" else "loky",
        scheduler=args.scheduler, out=out, baseline=baseline, threshold=args.threshold,
        timeout=args.timeout, command="adcheck " + " ".join(shlex.quote(a) for a in argv))
    flagged = sum(bool(r.get("flagged")) for r in results["rows"])
    print(f"audit of {args.target}: {len(results['rows'])} rows, {flagged} flagged above "
          f"{args.threshold:g} ulps beyond conditioning; {out / ('audit-' + args.target)}"
          ".html", flush=True)
    return ExitCode.OK
