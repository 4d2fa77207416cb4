"""The audit's outputs: ``audit-<target>.json`` (schema ``schema/audit.schema.json``) and a
self-contained ``audit-<target>.html`` in the run report's style, sortable and filterable.

Rows flagged above the threshold get their one-line reproducer (``repro.line``) here, so the
JSON and the page carry the same line.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

from adcheck.running.atomic import write_atomic

from . import repro

SCHEMA_FILE = "audit.schema.json"
ROW_FIELDS = ("max_excess", "max_ulps", "worst", "worst_beyond", "median", "within_1",
              "within_4", "within_16", "points", "nonfinite", "nonfinite_at", "oracle_digits",
              "baseline", "unsupported", "repro", "flagged", "note", "disputed")
"""The fields the page reads (a row that was not measured lacks most)."""


def schema() -> dict:
    return json.loads(resources.files("adcheck.audit").joinpath("schema", SCHEMA_FILE)
                      .read_text())


def validate(results) -> None:
    """Raise ``ValueError`` naming the first problem of an audit file's contents."""
    import jsonschema
    try:
        jsonschema.validate(results, schema())
    except jsonschema.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        raise ValueError(f"not an adcheck audit file: at {where}: {e.message}") from None


def load(path) -> dict:
    """An audit file, checked against the schema (a clear error for anything else)."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as e:
        raise ValueError(f"cannot read the audit file {path}: {e.strerror or e}") from None
    except ValueError as e:
        raise ValueError(f"{path} is not JSON: {e}") from None
    validate(data)
    return data


def add_reproducers(results: dict) -> None:
    """A reproducer for each flagged row, after an independent check of the oracle there:
    where mpmath alone (``confirm``) disagrees with the oracle by more than a hundredth of the
    library's error, the row is not flagged and says so (``disputed``)."""
    for row in results["rows"]:
        if row.get("flagged") and row.get("worst_beyond") and row.get("spelling"):
            doubt = _disputed(row)
            if doubt:
                row.update(flagged=False, disputed=doubt, repro=None)
                continue
            row["repro"] = repro.line(results["target"], row["spelling"], row["dtype"],
                                      row["worst_beyond"])


def _disputed(row) -> str | None:
    import mpmath

    from . import confirm
    from .ops import OPS
    op = OPS.get(row["op"])
    at = row["worst_beyond"]
    if op is None or (op.elementwise and not op.mp):
        return None
    try:
        true = confirm.derivative(op, at)
    except Exception:  # noqa: BLE001  mpmath cannot differentiate there: no second opinion
        return None
    with mpmath.workdps(confirm.DPS):
        oracle, lib = mpmath.mpf(at["exact"]), mpmath.mpf(float(at["computed"]))
        if abs(true - oracle) <= abs(lib - oracle) / 100:
            return None
    return (f"mpmath alone gives {mpmath.nstr(true, 17)} where the oracle gave "
            f"{mpmath.nstr(oracle, 17)} and {row['target']} {at['computed']}: the oracle is "
            "in doubt at this point, so the row is not flagged")


def counts(results) -> dict:
    rows = results["rows"]
    return {"flagged": sum(bool(r.get("flagged")) for r in rows),
            "measured": sum(r["status"] == "measured" for r in rows),
            "not_offered": sum(r["status"] == "not offered" for r in rows),
            "other": sum(r["status"] not in ("measured", "not offered") for r in rows)}


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if math.isinf(v):
        return "inf"
    if v == 0:
        return "0"
    if abs(v) < 100:
        return f"{v:.3g}"
    return f"{v:.3g}" if abs(v) >= 1e5 else f"{v:,.0f}"


def _num(v) -> str:
    if isinstance(v, (int, float)):
        return repr(float(v))
    return "1e999" if v == "inf" else "-1"


def _inp(at) -> str:
    if not at:
        return ""
    vals = at["input"]
    if any(isinstance(v, list) for v in vals):
        return f"draw ({at['mode']})"
    return ", ".join(repr(v) for v in vals) + f" ({at['mode']})"


def _pct(v) -> str:
    return "" if v is None else f"{100 * v:.1f} %"


def _ratio(b) -> str:
    if not b or b.get("ratio") is None:
        return "new" if b is None else ""
    r = b["ratio"]
    return r if isinstance(r, str) else f"{r:.3g}×"


def html(results: dict) -> str:
    import jinja2
    env = jinja2.Environment(loader=jinja2.PackageLoader("adcheck.audit", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    css = resources.files("adcheck.report").joinpath("templates", "style.css.j2").read_text()
    rows = [dict.fromkeys(ROW_FIELDS) | row for row in results["rows"]]
    return env.get_template("audit.html.j2").render(
        r=results | {"rows": rows}, counts=counts(results), css=css, fmt=_fmt, num=_num,
        inp=_inp, pct=_pct, ratio=_ratio)


def write(results: dict, out) -> tuple[Path, Path]:
    add_reproducers(results)
    validate(results)
    out = Path(out)
    target = results["target"]
    j = write_atomic(out / f"audit-{target}.json", json.dumps(results, indent=1))
    h = write_atomic(out / f"audit-{target}.html", html(results))
    return j, h


def markdown(results: dict, top: int = 10) -> str:
    """The worst ``top`` measured rows as a Markdown table (docs/audit, the README)."""
    rows = [r for r in results["rows"] if r["status"] == "measured" and
            r.get("max_excess") is not None][:top]
    lines = ["| operation | order | dtype | max ulps beyond κ | at input | max ulps | median "
             "| ≤ 4 ulps |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r['op']}` | {r['order']} | {r['dtype']} | {_fmt(r['max_excess'])} "
                     f"| `{_inp(r['worst_beyond'])}` | {_fmt(r['max_ulps'])} "
                     f"| {_fmt(r['median'])} | {_pct(r['within_4'])} |")
    return "\n".join(lines)


def section(results: dict, top: int = 10) -> str:
    """One audit's part of docs/audit/README.md: what ran, what it covers, its worst rows."""
    rows = results["rows"]
    target = results["target"]
    ops = sorted({r["op"] for r in rows})
    measured_ops = sorted({r["op"] for r in rows if r["status"] == "measured"})
    other = sorted({(r["op"], r["status"]) for r in rows if r["status"] not in ("measured",)})
    pts = [r["points"] for r in rows if r["status"] == "measured"]
    c = counts(results)
    ver = ", ".join(f"{k} {v}" for k, v in results["versions"].items())
    lines = [
        f"## {target} {results['versions'].get(target, '')}", "",
        f"`{results['command']}` ({ver}; {results['parameters']['jobs']} workers, "
        f"{results['created']}; the last invocation {results['wall_seconds']:.0f} s wall, "
        f"{results.get('resumed', 0)} of its tasks resumed from an earlier one's shards).", "",
        f"{len(ops)} operations, {len(measured_ops)} measured; {len(rows)} rows (operation × "
        f"order × dtype), {c['measured']} measured, {c['flagged']} flagged above "
        f"{results['parameters']['threshold']:g} ulps beyond conditioning; points per "
        f"measured row: {min(pts) if pts else 0:,} to {max(pts) if pts else 0:,}.", "",
    ]
    if other:
        lines += ["Not measured: " + "; ".join(f"`{o}` ({s})" for o, s in other) + ".", ""]
    lines += [f"The worst {top} rows (float64 and float32):", "", markdown(results, top), ""]
    return "\n".join(lines)


def write_docs(folder) -> Path:
    """docs/audit/README.md from the audits in ``folder`` (``python -c "from
    adcheck.audit.report import write_docs; write_docs('docs/audit')"``)."""
    folder = Path(folder)
    parts = ["# Derivative accuracy audits", "",
             "Written by `adcheck audit` (see the README's section \"Auditing a library's "
             "derivatives\"); each audit's page is `audit-<target>.html` beside this file and "
             "its rows `audit-<target>.json`. An error is in ulps of the result's dtype "
             "against the exact derivative at the exact input; \"beyond κ\" divides it by "
             "max(1, κ), κ the derivative's condition number (what the rounding of the inputs "
             "alone would explain). Inputs like `draw (vjp)` are small arrays: the JSON holds "
             "them with their directions, and the page each flagged row's reproducer.", ""]
    for target in ("torch", "jax", "adcheck"):
        path = folder / f"audit-{target}.json"
        if path.exists():
            parts.append(section(load(path)))
    return write_atomic(folder / "README.md", "\n".join(parts))
