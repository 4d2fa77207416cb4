"""Reading a results.json: JSON, the published schema (``adcheck/schema/results.schema.json``),
and a usage error that names the file and the path of the first bad field."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from .catalogue import UsageError

SCHEMA_FILE = Path(__file__).parent / "schema" / "results.schema.json"


@functools.cache
def schema() -> dict:
    """The JSON Schema of results.json, as shipped in the package."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def problems(data) -> list[str]:
    """What is wrong with ``data`` against the schema: 'at $.path: message', first few."""
    import jsonschema
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [f"at {e.json_path}: {_short(e.message)}" for e in errors[:3]]


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def load_results(text: str, what: str = "results file") -> dict:
    """A results.json valid under the schema, or a UsageError saying what is wrong and where."""
    from .results import SCHEMA
    path = Path(text)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{what} {path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise UsageError(f"{what} {path} is not JSON ({exc}); expected a results.json "
                         "written by `adcheck run`") from None
    found = data.get("schema") if isinstance(data, dict) else None
    if found != SCHEMA:
        raise UsageError(f"{what} {path} has schema {found!r}, not {SCHEMA!r}; regenerate it "
                         "with this version's `adcheck run`")
    bad = problems(data)
    if bad:
        raise UsageError(f"{what} {path} does not match the results schema ({SCHEMA_FILE.name} "
                         f"in the adcheck package): " + "; ".join(bad))
    return data
