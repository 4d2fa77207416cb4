"""The command line: ``adcheck list | engines | run | merge | report | selftest``.

``main(argv) -> int`` returns one of ``ExitCode``; nothing here calls sys.exit except the
console-script shim in ``__main__``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import traceback
from contextlib import contextmanager

from adcheck.cli.codes import ExitCode

MAX_EXAMPLES = 100_000  # per identity; the run is lazy, this bounds its time, not its memory
MAX_JOBS = 1024
SHRINK_BUDGET_S = 10.0  # adcheck.judging.shrink.BUDGET_S, not imported: --help stays light
RUN_TIMEOUT_S = 60.0  # adcheck.judging.messages.RUN_TIMEOUT_S, which rerun commands leave out


EPILOG = """exit codes:
  0  all selected checks passed, and every selected identity had a judged case
  1  some check failed or errored (with --fail-under: the pass rate is below PCT;
     with --fail-on-drift: an error grew more than FACTOR since --baseline), or
     some identity was never judged (every case of it inconclusive, errored or not
     applicable, on every engine), whatever --fail-under says; with
     --fail-on-inconclusive: a case was inconclusive; with --min-judged PCT: fewer
     than PCT % of the cases tried were judged
  2  usage error (bad option, unknown identity or engine, an identity naming an
     unknown engine, plugin that fails, exits or hangs while being imported, --out
     naming a file, a missing or unreadable results/baseline file)
  3  internal error (a bug in adcheck itself)
  4  the filters selected nothing, or nothing selected was judged
  130  interrupted (Ctrl-C); 128+N for another terminating signal N; the previous
     outputs in --out are left as they were
User code that raises, exits (sys.exit, os._exit), aborts, crashes or passes --timeout is
an 'error' outcome of its case (exit 1), not exit 3; so is a proof (prove=, the sympy
proof) that exits or passes --timeout, for its identity. Output that cannot be written (stdout
closed by `| head`, a full disk) is said on stderr and never changes the exit code."""


def _int_in(lo: int, hi: int | None, what: str):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, got {text!r}") \
                from None
        if v < lo or (hi is not None and v > hi):
            bound = f"between {lo} and {hi:,}" if hi is not None else f"at least {lo}"
            raise argparse.ArgumentTypeError(f"{what} must be {bound}, got {v}")
        return v
    return parse


def _seconds(option: str, none: str | None, hint: str):
    """A parser of seconds > 0 for ``option``; the word ``none`` (if given) means no limit."""
    def parse(text: str) -> float | None:
        if none is not None and text.strip().lower() == none:
            return None
        try:
            v = float(text)
        except ValueError:
            takes = f"seconds > 0 or {none!r}" if none is not None else "seconds > 0"
            raise argparse.ArgumentTypeError(f"{option} takes {takes}, got {text!r}") from None
        if not 0 < v < float("inf"):  # also refuses nan
            raise argparse.ArgumentTypeError(f"{option} must be > 0 seconds ({hint}), got {text}")
        return v
    return parse


_timeout = _seconds("--timeout", "none", "or 'none' for no limit")
_shrink_budget = _seconds("--shrink-budget", None, "--no-shrink for none")


def _percent(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes a percentage, got {text!r}") from None
    if not 0 <= v <= 100:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, got {text}")
    return v


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard takes K/N (e.g. 1/4), got {text!r}") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"--shard K/N needs 1 <= K <= N, got {text}")
    return k, n


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        from adcheck.running.catalogue import UsageError
        raise UsageError(message)


def parser() -> argparse.ArgumentParser:
    from adcheck import __version__
    p = _Parser(prog="adcheck", description="Verify derivatives against an exact oracle.",
                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"adcheck {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ls = sub.add_parser("list", help="list the identities", epilog=EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    ls.add_argument("--json", action="store_true")
    ls.add_argument("-p", "--plugin", action="append", default=[], metavar="MODULE")
    en = sub.add_parser("engines", help="list the engines (and unavailable ones)")
    en.add_argument("--json", action="store_true")
    en.add_argument("--names", action="store_true",
                    help="list the names of xp with their signature and the engines running each")
    run = sub.add_parser("run", help="run the checks and write the report", epilog=EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("-i", "--identity", action="append", default=[], metavar="ID|GLOB")
    run.add_argument("-e", "--engine", action="append", default=[], metavar="ENGINE|GLOB")
    run.add_argument("-p", "--plugin", action="append", default=[], metavar="MODULE")
    run.add_argument("--examples", type=_int_in(1, MAX_EXAMPLES, "--examples"), default=20,
                     metavar="N", help=f"cases per identity, 1 to {MAX_EXAMPLES:,} (default 20)")
    run.add_argument("--full", action="store_true",
                     help="every engine runs every example (without it, the expensive "
                          "witnesses run the share `adcheck engines` lists)")
    run.add_argument("--seed", type=_int_in(0, 2**63 - 1, "--seed"), default=0,
                     help="seed of every case (>= 0)")
    run.add_argument("--out", default="reports", metavar="DIR",
                     help="folder of its own for results.json, junit.xml, index.html")
    run.add_argument("--fail-under", type=_percent, default=None, metavar="PCT",
                     help="pass when at least PCT %% (0-100) of judged records pass")
    run.add_argument("--fail-on-inconclusive", action="store_true",
                     help="fail when any case is inconclusive (also inside a passing record)")
    run.add_argument("--min-judged", type=_percent, default=None, metavar="PCT",
                     help="fail unless at least PCT %% of the cases an engine tried were "
                          "judged (passed or failed; not inconclusive, not errored)")
    run.add_argument("--timeout", type=_timeout, default=RUN_TIMEOUT_S, metavar="SECONDS",
                     help="time for everything done for one case, > 0, or 'none' for no "
                          f"limit (default {RUN_TIMEOUT_S:g})")
    run.add_argument("--shrink-budget", type=_shrink_budget, default=SHRINK_BUDGET_S,
                     metavar="SECONDS",
                     help="time to search for a smaller failing input, per failing identity "
                          f"and engine, each replay under --timeout (default {SHRINK_BUDGET_S:g})")
    run.add_argument("--no-shrink", action="store_true",
                     help="report failures at the drawn input, without shrinking them")
    run.add_argument("--jobs", type=_int_in(1, MAX_JOBS, "--jobs"), default=1, metavar="N",
                     help="worker processes (local), or LocalCluster workers (dask); at most 2 "
                          "a CPU core and one per 300 MB of available memory (a larger N is "
                          "capped, with a note on stderr)")
    run.add_argument("--executor", choices=("local", "dask"), default="local",
                     help="local worker processes (default) or a Dask cluster")
    run.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                     help="with --executor dask: the scheduler's address (default: a "
                          "LocalCluster of --jobs workers)")
    run.add_argument("--shard", type=_shard, default=None, metavar="K/N",
                     help="run only shard K of N (whole identities); `adcheck merge` joins them")
    run.add_argument("--no-studies", action="store_true",
                     help="skip the report's studies (FD sweep, Taylor slopes, cost scaling, ...)")
    run.add_argument("--selftest", action="store_true",
                     help="add the mutation battery's kill table and the timed cost scaling "
                          "(slow)")
    run.add_argument("--timings", action="store_true",
                     help="add wall times of the cost-scaling study under timing")
    _drift_args(run)
    rep = sub.add_parser("report", help="re-render a report from results.json", epilog=EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("results_json")
    rep.add_argument("--out", default=None, metavar="DIR")
    _drift_args(rep)
    mg = sub.add_parser("merge", help="merge the shards of a run into one report",
                        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    mg.add_argument("results_json", nargs="+", metavar="SHARD_RESULTS_JSON")
    mg.add_argument("--out", required=True, metavar="DIR")
    au = sub.add_parser("audit", help="measure the accuracy of a library's derivatives in ulps",
                        description="The accuracy of every derivative TARGET offers for the "
                        "operations adcheck maps: errors in ulps against the exact oracle, the "
                        "worst inputs found, reproducers for the flagged rows. Writes "
                        "audit-TARGET.json and audit-TARGET.html in --out; an interrupted "
                        "audit resumes where it stopped.")
    au.add_argument("target", choices=("torch", "jax", "adcheck"))
    au.add_argument("--ops", default="*", metavar="GLOB[,GLOB]",
                    help="operations to audit, by name (default: all; `--ops '*gamma*'`)")
    au.add_argument("--dtype", action="append", choices=("float64", "float32"), default=None,
                    help="dtypes (repeatable; default both)")
    au.add_argument("--order", action="append", type=int, choices=(1, 2), default=None,
                    help="derivative orders (repeatable; default 1 and 2)")
    au.add_argument("--samples", type=_int_in(10, 1_000_000, "--samples"), default=1000,
                    metavar="N", help="random inputs per operation and dtype (default 1000), "
                    "plus special points, overflow edges and the local search")
    au.add_argument("--seed", type=_int_in(0, 2**63 - 1, "--seed"), default=0)
    au.add_argument("--jobs", type=_int_in(1, MAX_JOBS, "--jobs"), default=2, metavar="N")
    au.add_argument("--executor", choices=("local", "dask"), default="local")
    au.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786")
    au.add_argument("--threshold", type=float, default=16.0, metavar="ULPS",
                    help="flag rows above this many ulps beyond conditioning (default 16)")
    au.add_argument("--timeout", type=_timeout, default=900.0, metavar="SECONDS",
                    help="time for one operation at one dtype (default 900), or 'none'")
    au.add_argument("--baseline", default=None, metavar="OLD_AUDIT_JSON",
                    help="an earlier audit-TARGET.json: adds a column comparing each row")
    au.add_argument("--out", default="reports/audit", metavar="DIR")
    st = sub.add_parser("selftest", help="run the mutation battery and print the kill rate")
    st.add_argument("--examples", type=_int_in(1, MAX_EXAMPLES, "--examples"), default=3,
                    metavar="N")
    st.add_argument("--seed", type=_int_in(0, 2**63 - 1, "--seed"), default=0)
    st.add_argument("--no-epsilon", action="store_true", help="skip the sensitivity search")
    return p


def _drift_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--baseline", default=None, metavar="OLD_RESULTS_JSON",
                   help="an older results.json: adds a drift column (error now vs before)")
    p.add_argument("--fail-on-drift", type=float, default=None, metavar="FACTOR",
                   help="with --baseline: exit 1 when a worst error grew more than FACTOR (> 1)")


class Terminated(BaseException):
    """A terminating signal other than SIGINT arrived (SIGTERM from a CI runner, say)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _main(argv) -> int:
    from adcheck.running.catalogue import UsageError
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser().parse_args(argv)
    except UsageError as exc:
        print(f"adcheck: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    except SystemExit as exc:  # --help and --version: argparse's own exit, nobody else's
        return int(exc.code or 0)
    with _on_sigterm():
        return _guarded(args, argv)


def main(argv=None) -> int:
    """Run the command line; returns an ExitCode (or 128 + N after signal N).

    Standard output that fails (a reader that stopped, a full disk) changes nothing but the
    output: the exit code is the command's own (``adcheck.cli.output``)."""
    from adcheck.cli.output import tolerant_stdout
    with tolerant_stdout():
        return _main(argv)


def _guarded(args, argv) -> int:
    from adcheck.running.catalogue import UsageError
    try:
        return int(_dispatch(args, argv))
    except UsageError as exc:
        print(f"adcheck: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    except KeyboardInterrupt:
        print("adcheck: interrupted; the previous outputs were left as they were",
              file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Terminated as exc:
        print(f"adcheck: stopped by signal {exc.signum}; the previous outputs were left as "
              "they were", file=sys.stderr)
        return 128 + exc.signum
    except SystemExit as exc:  # user code in the parent process (a plugin at import, say)
        print(f"adcheck: sys.exit({exc.code!r}) was called during the run, not by adcheck; "
              "nothing was written", file=sys.stderr)
        return ExitCode.INTERNAL_ERROR
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        print("adcheck: internal error (a bug in adcheck; please report it with the trace above)",
              file=sys.stderr)
        return ExitCode.INTERNAL_ERROR


@contextmanager
def _on_sigterm():
    """SIGTERM ends the run like Ctrl-C does (workers stopped, previous outputs kept)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated(signum)
    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _dispatch(args, argv) -> int:
    from adcheck.cli import commands
    return {"list": commands.cmd_list, "engines": commands.cmd_engines, "run": commands.cmd_run,
            "merge": commands.cmd_merge, "report": commands.cmd_report,
            "selftest": commands.cmd_selftest, "audit": commands.cmd_audit}[args.command](
                args, argv)


