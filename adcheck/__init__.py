"""adcheck: verify derivatives against an exact oracle.

Public API: ``check`` / ``assert_derivative`` / ``assert_check`` for users' own functions,
``probe`` (random-probe checks at O(k) passes: ``probe.check_gradient``, ``probe.check_hvp``),
``define_primitive`` to add an elementwise function to the namespace, ``ExitCode`` of the
command line, and ``main`` (``adcheck`` on the command line). The drop-in checks for framework
code are ``adcheck.torch`` (``gradcheck``, ``gradgradcheck``) and ``adcheck.jax``
(``check_grads``); they import without their library.

The package's parts: ``adcheck.engines`` (how derivatives are computed), ``adcheck.identities``
(what must hold), ``adcheck.judging`` (error model, judge, the one case pipeline),
``adcheck.running`` (runner, workers, results), ``adcheck.cli``, ``adcheck.report`` and
``adcheck.api`` (what users call). The names above load on first use, so that
``import adcheck.engines`` does not pull in the judging code.
"""

from importlib import import_module

__version__ = "0.1.0"

_PUBLIC = {
    "check": "adcheck.api.check", "assert_check": "adcheck.api.check",
    "assert_derivative": "adcheck.api.check", "CheckReport": "adcheck.api.check",
    "define_primitive": "adcheck.api.primitive", "ExitCode": "adcheck.cli.codes",
    "main": "adcheck.cli.main",
}
_MODULES = {"probe": "adcheck.api.probe"}

__all__ = ["CheckReport", "ExitCode", "__version__", "assert_check", "assert_derivative",
           "check", "define_primitive", "main", "probe"]


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
    elif name in _MODULES:
        value = import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'adcheck' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
