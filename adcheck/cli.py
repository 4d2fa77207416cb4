"""The command line: ``adcheck list | engines | run | report | selftest``.

``main(argv) -> int`` returns one of ``ExitCode``; nothing here calls sys.exit except the
console-script shim in ``__main__``.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of ``adcheck`` (public, documented in --help and the README)."""

    OK = 0                #: every selected check passed
    CHECKS_FAILED = 1     #: some check failed or errored, or the pass rate is below --fail-under
    USAGE_ERROR = 2       #: bad arguments, unknown identity/engine, a plugin that fails to import
    INTERNAL_ERROR = 3    #: a bug in adcheck itself
    NOTHING_SELECTED = 4  #: the filters selected no identity or no engine


EPILOG = """exit codes:
  0  all selected checks passed
  1  some check failed or errored (with --fail-under: the pass rate is below PCT;
     with --fail-on-drift: an error grew more than FACTOR since --baseline)
  2  usage error (bad option, unknown identity or engine, plugin that fails to import,
     --out naming a file, a missing or unreadable results/baseline file)
  3  internal error (a bug in adcheck itself)
  4  the filters selected nothing
An engine that raises or times out is an 'error' outcome (exit 1), not exit 3."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        from .catalogue import UsageError
        raise UsageError(message)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="adcheck", description="Verify derivatives against an exact oracle.",
                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    run.add_argument("--examples", type=int, default=20, metavar="N")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", default="reports", metavar="DIR")
    run.add_argument("--fail-under", type=float, default=None, metavar="PCT")
    run.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                     help="per-case time limit (default 60)")
    run.add_argument("--jobs", type=int, default=1, metavar="N")
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
    st = sub.add_parser("selftest", help="run the mutation battery and print the kill rate")
    st.add_argument("--examples", type=int, default=3, metavar="N")
    st.add_argument("--seed", type=int, default=0)
    st.add_argument("--no-epsilon", action="store_true", help="skip the sensitivity search")
    return p


def _drift_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--baseline", default=None, metavar="OLD_RESULTS_JSON",
                   help="an older results.json: adds a drift column (error now vs before)")
    p.add_argument("--fail-on-drift", type=float, default=None, metavar="FACTOR",
                   help="with --baseline: exit 1 when a worst error grew more than FACTOR (> 1)")


def main(argv=None) -> int:
    """Run the command line; returns an ExitCode."""
    from .catalogue import UsageError
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser().parse_args(argv)
        return int(_dispatch(args, argv))
    except UsageError as exc:
        print(f"adcheck: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    except KeyboardInterrupt:
        print("adcheck: interrupted", file=sys.stderr)
        return ExitCode.INTERNAL_ERROR
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        print("adcheck: internal error (a bug in adcheck; please report it with the trace above)",
              file=sys.stderr)
        return ExitCode.INTERNAL_ERROR


def _dispatch(args, argv) -> int:
    from . import commands
    return {"list": commands.cmd_list, "engines": commands.cmd_engines, "run": commands.cmd_run,
            "report": commands.cmd_report, "selftest": commands.cmd_selftest}[args.command](
        args, argv)


def _print_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")
