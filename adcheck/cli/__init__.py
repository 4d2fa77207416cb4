"""The command line: argument parsing (``main``), subcommands (``commands``), exit codes."""

from adcheck.cli.codes import ExitCode
from adcheck.cli.main import main

__all__ = ["ExitCode", "main"]
