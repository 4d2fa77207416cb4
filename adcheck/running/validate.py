"""Reading a results.json: strict JSON, the published schema
(``adcheck/running/schema/results.schema.json``), bounds the schema cannot state, and a usage
error that names the file and the path of the first bad field.

Every file ``report``, ``merge`` and ``--baseline`` read is checked fully before any of it is
used: numbers finite and in range, strings short and free of control characters, nesting
shallow, studies shaped as the report draws them. A file that passes renders.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

from .catalogue import UsageError

SCHEMA = "adcheck.results/1"  # the format's name and version, in every results.json

SCHEMA_FILE = Path(__file__).parent / "schema" / "results.schema.json"
# Bounds on what any run writes, with room: the full campaign's results.json is 3.2 MB, its
# longest string 1,192 characters, its deepest value 7 levels down.
MAX_BYTES = 256 * 2**20
MAX_STRING = 100_000
MAX_DEPTH = 32
MAX_INT = 2**63 - 1
# C0 controls but tab, newline and return; DEL and C1; lone surrogates; the two non-characters
# XML refuses. Each one breaks junit.xml or reaches the terminal as an escape sequence.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The only places a run writes an infinite number: a record's worst error and its samples.
INFINITE_OK = re.compile(r"\$\.records\[\d+\]\.(worst\.|samples\[)")


class _Bad(ValueError):
    """A JSON text that parses but holds a value no run writes."""


@functools.cache
def schema() -> dict:
    """The JSON Schema of results.json, as shipped in the package."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@functools.cache
def _validator():
    import jsonschema
    return jsonschema.Draft202012Validator(schema())


def problems(data) -> list[str]:
    """What is wrong with ``data``: 'at $.path: message', first few (bounds first, then the
    schema, then the studies' shapes)."""
    bad = _bounds(data)
    if bad:
        return [bad]
    errors = sorted((_deepest(e) for e in _validator().iter_errors(data)),
                    key=lambda e: list(map(str, e.absolute_path)))
    found = [f"at {e.json_path}: {_short(e.message)}" for e in errors[:3]]
    return found or _study_shapes(data)


def _deepest(error):
    """The error inside a choice of schemas (``worst`` is an object or null) that names the
    bad field itself: ``$.records[0].worst.ratio: 'big' is not of type 'number'`` rather than
    the whole ``worst`` object 'is not valid under any of the given schemas'."""
    while error.context:
        deeper = max(error.context, key=lambda e: len(e.absolute_path))
        if len(deeper.absolute_path) <= len(error.absolute_path):
            break  # no branch reaches further in: the choice as a whole is what failed
        error = deeper
    return error


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _constant(name: str) -> float:
    # json.dumps writes an infinite error as Infinity (a relative error against an exact 0);
    # where one may stand is checked in _bounds. NaN no run writes.
    if name == "NaN":
        raise _Bad("NaN is not a number any run writes")
    return float(name.replace("Infinity", "inf"))


def _float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise _Bad(f"the number {_short(text, 40)} is outside the float64 range")
    return v


def _int(text: str) -> int:
    if len(text) > 20 or abs(v := int(text)) > MAX_INT:
        raise _Bad(f"the integer {_short(text, 40)} is outside the 64-bit range")
    return v


def parse(text: str):
    """``text`` as JSON without NaN or numbers past the float range (1e400); Infinity stays."""
    return json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)


def _bounds(data) -> str | None:
    """The first value past the bounds (depth, string length, control characters), or None."""
    stack = [(data, "$", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"at {path}: nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, float) and not math.isfinite(value) \
                and not INFINITE_OK.match(path):
            return f"at {path}: an infinite number where no run writes one"
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                return f"at {path}: a string of {len(value):,} characters (at most {MAX_STRING:,})"
            if m := CONTROL.search(value):
                return f"at {path}: control character {m.group()!r} in a string"
        elif isinstance(value, dict):
            for k, v in value.items():
                if len(k) > MAX_STRING or CONTROL.search(k):
                    return f"at {path}: a key that is too long or holds control characters"
                stack.append((v, f"{path}.{_short(k, 40)}", depth + 1))
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
    return None


def _study_shapes(data) -> list[str]:
    """Series of a study as long as the axis they are drawn against (the schema gives types)."""
    st = data["studies"]
    checks = []
    for name, axis, table in (("fd_sweep", "h", "errors"), ("taylor", "h", "series")):
        s = st.get(name) or {}
        checks += [(f"studies.{name}.{table}.{k}", v, len(s.get(axis, [])))
                   for k, v in (s.get(table) or {}).items()]
    cost = st.get("cost_scaling") or {}
    n = len(cost.get("n", []))
    checks.append(("studies.cost_scaling.f_flops", cost.get("f_flops", []), n))
    checks += [(f"studies.cost_scaling.series.{k}.{q}", v, n)
               for k, c in (cost.get("series") or {}).items() for q, v in c.items()]
    times = (data["timing"].get("cost_scaling") or {})
    checks += [(f"timing.cost_scaling.{k}", v, len(times.get("n", [])))
               for k, v in [("f_s", times.get("f_s", [])), *(times.get("series") or {}).items()]]
    bs = st.get("bs_residual") or {}
    S, tau = len(bs.get("S", [])), len(bs.get("tau", []))
    for e, grid in (bs.get("engines") or {}).items():
        checks.append((f"studies.bs_residual.engines.{e}", grid, tau))
        checks += [(f"studies.bs_residual.engines.{e}[{i}]", row, S) for i, row in enumerate(grid)]
    relu = (st.get("activations") or {}).get("relu_demo") or {}
    checks += [(f"studies.activations.relu_demo.nets.{k}.{q}", v, len(relu.get("S", [])))
               for k, d in (relu.get("nets") or {}).items() for q, v in d.items()]
    return [f"at $.{path}: {len(v)} values against an axis of {want}"
            for path, v, want in checks if len(v) != want][:3]


def load_results(text: str, what: str = "results file") -> dict:
    """A results.json valid under the schema, or a UsageError saying what is wrong and where."""
    path = Path(text)
    try:
        if path.exists() and not path.is_file():  # a FIFO or a device would block or never end
            raise UsageError(f"{what} {path} is not a regular file; expected a results.json "
                             "written by `adcheck run`")
        if path.is_file() and path.stat().st_size > MAX_BYTES:
            raise UsageError(f"{what} {path} is {path.stat().st_size:,} bytes, more than any "
                             f"run writes ({MAX_BYTES:,}); expected a results.json written by "
                             "`adcheck run`")
        data = parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{what} {path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except _Bad as exc:
        raise UsageError(f"{what} {path} holds a value no run writes: {exc}") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise UsageError(f"{what} {path} is not JSON ({_short(str(exc))}); expected a "
                         "results.json written by `adcheck run`") from None
    found = data.get("schema") if isinstance(data, dict) else None
    if found != SCHEMA:
        raise UsageError(f"{what} {path} has schema {_short(repr(found), 60)}, not {SCHEMA!r}; "
                         "regenerate it with this version's `adcheck run`")
    bad = problems(data)
    if bad:
        raise UsageError(f"{what} {path} does not match the results schema ({SCHEMA_FILE.name} "
                         f"in the adcheck package): " + "; ".join(bad))
    return data
