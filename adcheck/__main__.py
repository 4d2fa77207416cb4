"""``python -m adcheck``: the command line."""

import sys

from adcheck.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
