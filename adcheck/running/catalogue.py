"""Loading the catalogue and plugins, and selecting identities and engines by name or glob."""

from __future__ import annotations

import fnmatch
import importlib
from importlib import metadata

ENTRY_POINT_GROUP = "adcheck.plugins"


class UsageError(Exception):
    """A user error the CLI reports with exit code 2."""


def load_catalogue() -> dict:
    """The registry, holding every built-in record (``adcheck.identities.catalogue`` imports
    the modules that define them)."""
    from adcheck import identities
    return identities.IDENTITIES


def load_plugins(names=(), entry_points=True) -> list[str]:
    """Import ``-p`` plugin modules and the ``adcheck.plugins`` entry points; return names.

    A module that fails to import raises UsageError naming it and the reason.
    """
    loaded = []
    for name in names:
        try:
            importlib.import_module(name)
        except SystemExit as exc:  # a plugin that exits at import must not end adcheck quietly
            raise UsageError(f"plugin {name!r} called sys.exit({exc.code!r}) while being "
                             "imported; a plugin module should only define identities") from None
        except Exception as exc:  # noqa: BLE001
            raise UsageError(f"plugin {name!r} failed to import: {type(exc).__name__}: {exc} "
                             f"(is it on PYTHONPATH? `-p` takes a module name, e.g. "
                             f"-p mypackage.my_identities)") from None
        loaded.append(name)
    if entry_points:
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                ep.load()
            except Exception as exc:  # noqa: BLE001
                raise UsageError(f"plugin entry point {ep.name!r} ({ep.value}) failed to "
                                 f"import: {type(exc).__name__}: {exc}") from None
            loaded.append(ep.value)
    return loaded


def select(patterns, known, what: str) -> list[str]:
    """Names in ``known`` (in its order) matching any pattern.

    An exact name that is unknown is a usage error (with suggestions); a glob that matches
    nothing just selects nothing (the CLI then exits with NOTHING_SELECTED).
    """
    known = list(known)
    if not patterns:
        return known
    chosen = set()
    for p in patterns:
        hits = [k for k in known if fnmatch.fnmatchcase(k, p)]
        if not hits and not any(c in p for c in "*?["):
            close = [k for k in known if p.lower() in k.lower()][:5]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UsageError(f"no {what} named {p!r}{hint} (`adcheck "
                             f"{'list' if what == 'identity' else 'engines'}` shows them)")
        chosen.update(hits)
    return [k for k in known if k in chosen]


def default_engines() -> list[str]:
    """Every registered engine, the project's own first."""
    from adcheck import engines
    names = list(engines.ENGINES)
    return sorted(names, key=lambda n: engines.ENGINES[n].category == "adapter")
