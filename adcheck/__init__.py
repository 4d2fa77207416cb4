"""adcheck: verify derivatives against an exact oracle.

Public API: ``check`` / ``assert_derivative`` / ``assert_check`` for users' own functions,
``probe`` (random-probe checks at O(k) passes: ``probe.check_gradient``, ``probe.check_hvp``),
``define_primitive`` to add an elementwise function to the namespace, ``ExitCode`` of the
command line, and ``main`` (``adcheck`` on the command line). The drop-in checks for framework
code are ``adcheck.torch`` (``gradcheck``, ``gradgradcheck``) and ``adcheck.jax``
(``check_grads``); they import without their library.
"""

__version__ = "0.1.0"

from . import probe  # noqa: E402
from .check import CheckReport, assert_check, assert_derivative, check  # noqa: E402
from .cli import ExitCode, main  # noqa: E402
from .primitive import define_primitive  # noqa: E402

__all__ = ["CheckReport", "ExitCode", "__version__", "assert_check", "assert_derivative",
           "check", "define_primitive", "main", "probe"]
