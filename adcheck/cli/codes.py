"""The command line's exit codes (a public enum) and its one JSON printer, shared by the
argument parsing in ``main`` and the subcommands in ``commands``."""

import json
import sys
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of ``adcheck`` (public, documented in --help and the README)."""

    OK = 0                #: every selected check passed
    CHECKS_FAILED = 1     #: some check failed or errored, or the pass rate is below --fail-under
    USAGE_ERROR = 2       #: bad arguments, unknown identity/engine, a plugin that fails to import
    INTERNAL_ERROR = 3    #: a bug in adcheck itself
    NOTHING_SELECTED = 4  #: the filters selected nothing, or nothing selected could be judged
    NO_TESTS_JUDGED = 4   #: (the same code) no case of the selection was judged
    INTERRUPTED = 130     #: Ctrl-C (SIGINT); 128 + N for another terminating signal N


def print_json(obj) -> None:
    """Print ``obj`` as sorted, indented JSON (the --json output of every subcommand)."""
    json.dump(obj, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")
