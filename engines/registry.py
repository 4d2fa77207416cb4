"""The engine registry: filled at import by ``register``, read by the harness and the CLI."""

from __future__ import annotations

from .base import Engine
from .errors import AdcheckEngineError

ENGINES: dict[str, Engine] = {}
UNAVAILABLE: dict[str, str] = {}  # name -> why it is missing and how to install it


def register(engine: Engine, *, replace: bool = False) -> Engine:
    """Add an engine under its name; a second engine of the same name is an error."""
    if not engine.name:
        raise ValueError("an engine needs a name")
    if engine.name in ENGINES and not replace:
        raise ValueError(f"engine {engine.name!r} is already registered")
    if not getattr(engine, "family", ""):
        engine.family = engine.name  # shares no code with another engine: its own witness
    ENGINES[engine.name] = engine
    UNAVAILABLE.pop(engine.name, None)
    return engine


def mark_unavailable(name: str, why: str) -> None:
    """Record an engine that could not be registered (its library is missing)."""
    if name not in ENGINES:
        UNAVAILABLE[name] = why


def family_of(engine) -> str:
    """The family of an engine (or of a registered name); its own name when it declares none."""
    if isinstance(engine, str):
        engine = ENGINES.get(engine, engine)
    if isinstance(engine, str):
        return engine
    return getattr(engine, "family", "") or engine.name


class UnknownEngine(AdcheckEngineError, KeyError):
    """An engine name that is not registered."""

    def __str__(self) -> str:
        return self.args[0]


def get(name: str) -> Engine:
    """The engine called ``name``; an unknown name gets the list of known ones."""
    if name in ENGINES:
        return ENGINES[name]
    if name in UNAVAILABLE:
        raise UnknownEngine(f"engine {name!r} is not available: {UNAVAILABLE[name]}")
    raise UnknownEngine(
        f"no engine named {name!r}; known engines: {', '.join(sorted(ENGINES))} "
        f"(`adcheck engines` lists them)"
    )
