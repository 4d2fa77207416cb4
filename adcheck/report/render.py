"""Render a results dict to one self-contained HTML file: data -> Jinja2 -> index.html.

The page has inline CSS, inline SVG plots and MathML; no JavaScript and nothing loaded from the
network, so it works from file:// and inside CI artifact viewers. Time and versions come in as
data (results["run"], results["timing"]), so the same results give the same page.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
from markupsafe import Markup

from adcheck.running.atomic import write_atomic as write_text

from . import fmt, plots, view

TEMPLATES = Path(__file__).with_name("templates")
PAGE = "report.html.j2"


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is escaped unless it is Markup built here
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render_html(results: dict, *, baseline: dict | None = None) -> str:
    """The report page for ``results`` (and drift against ``baseline``) as a string."""
    ctx = view.build(results, baseline)
    studies = results.get("studies") or {}
    for d in ctx["identities"]:
        svg = plots.identity_errors(d["id"], d.pop("records"), ctx["engines"])
        d["plot"] = Markup(svg) if svg else None
    ctx.update(
        h=ctx.pop("header"),
        plots=_plots(results, studies, ctx["engines"]),
        study_notes=[str(n) for n in studies.get("notes") or []],
        timed_cost=bool((results.get("timing") or {}).get("cost_scaling")),
        activations=_activations(studies.get("activations") or {}),
        bs_params=_params((studies.get("bs_residual") or {}).get("params")),
        selftest=_selftest(studies.get("selftest") or {}),
        drift_rows=_drift_rows(results, baseline) if baseline is not None else [],
        adcheck_version=str(((results.get("run") or {}).get("versions") or {})
                            .get("adcheck", "")),
    )
    return _env().get_template(PAGE).render(**ctx)


def render(results: dict, out_dir, *, baseline: dict | None = None) -> Path:
    """Write ``out_dir/index.html`` for ``results`` atomically and return its path.

    Args:
        results: a results dict (schema ``adcheck.results/1``).
        out_dir: the folder (created if needed). When it holds only adcheck's outputs it gets
            a .gitignore that ignores it all, as coverage.py does for htmlcov/.
        baseline: an older results dict; adds the drift column and section.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if _output_only(out) and not (out / ".gitignore").exists():
        write_text(out / ".gitignore", "*\n!.gitignore\n")
    return write_text(out / "index.html", render_html(results, baseline=baseline))


OUTPUTS = {"index.html", "results.json", "junit.xml", ".gitignore"}


def _output_only(folder: Path) -> bool:
    """Whether ``folder`` holds only adcheck's outputs (so ignoring all of it is safe).

    A folder with anything else in it (``--out .`` in a project) never gets a .gitignore.
    """
    return all(p.name in OUTPUTS or p.name.endswith(".tmp") for p in folder.iterdir())


def render_file(results_json_path, out_dir=None, baseline_path=None) -> Path:
    """``adcheck report``: render a results.json (and optional baseline) to ``out_dir``.

    ``out_dir`` defaults to the folder of the results file.
    """
    path = Path(results_json_path)
    results = json.loads(path.read_text(encoding="utf-8"))
    baseline = json.loads(Path(baseline_path).read_text(encoding="utf-8")) \
        if baseline_path else None
    return render(results, out_dir if out_dir is not None else path.parent, baseline=baseline)


def _plots(results: dict, studies: dict, engines: list[str]) -> dict:
    def mark(svg):
        return Markup(svg) if svg else None
    return {
        "overview": mark(plots.error_overview(results.get("records", []), engines)),
        "fd_sweep": mark(plots.fd_sweep(studies.get("fd_sweep") or {})),
        "taylor": mark(plots.taylor(studies.get("taylor") or {})),
        "cost": mark(plots.cost_scaling(studies.get("cost_scaling") or {},
                                        (results.get("timing") or {}).get("cost_scaling"))),
        "bs": mark(plots.bs_residual(studies.get("bs_residual") or {})),
        "relu": mark(plots.relu_demo((studies.get("activations") or {}).get("relu_demo") or {})),
    }


def _activations(study: dict) -> list[dict]:
    rows = []
    for a in study.get("rows") or []:
        k = a.get("k")
        label = str(a.get("class") or (f"C^{k}" if k is not None else "C^inf"))
        ok = a.get("order2_ok")
        rows.append({"name": str(a.get("name", "")), "klass": _class_text(label),
                     "ok": bool(ok if ok is not None else (isinstance(k, int) and k >= 2)),
                     "source": str(a.get("source") or "")})
    return rows


def _class_text(label: str) -> str:
    """'C^inf' -> 'C∞', 'C^1' -> 'C¹' (plain text, so it escapes like everything else)."""
    from ._svg import _SUPER
    head, _, tail = label.partition("^")
    if not tail:
        return label
    return head + ("\u221e" if tail in ("inf", "oo") else tail.translate(_SUPER))


def _params(p) -> str:
    if not isinstance(p, dict):
        return ""
    return ", ".join(f"{k} = {fmt.sci(v, 3) if isinstance(v, float) else v}" for k, v in p.items())


def _selftest(study: dict) -> dict:
    """The mutation table (columns from the rows' keys; 'killed' as yes/NO) and epsilon."""
    muts = [m for m in study.get("mutations") or [] if isinstance(m, dict)]
    columns = list(dict.fromkeys(k for m in muts for k in m))
    rows = [{"cells": [_cell_text(m.get(c)) for c in columns], "survived": m.get("killed") is False}
            for m in muts]
    rate = study.get("kill_rate")
    return {"columns": [c.replace("_", " ") for c in columns], "rows": rows,
            "kill_rate": f"{100 * rate:.0f} %" if isinstance(rate, (int, float)) else "",
            "epsilon": _epsilon_text(study)}


def _epsilon_text(study: dict) -> str:
    """'1e-12 on every B.1 identity (corrupting reverse, 3 examples)' or a given string."""
    sens = study.get("sensitivity")
    if isinstance(sens, dict):
        eps = sens.get("epsilon")
        if eps is None:
            return "not caught at the largest corruption tried"
        extra = ", ".join(f"{k} {v}" for k, v in (("corrupting", sens.get("base")),
                                                   ("examples", sens.get("examples"))) if v)
        return f"{fmt.sci(eps)} on every B.1 identity" + (f" ({extra})" if extra else "")
    eps = study.get("epsilon")
    if isinstance(eps, dict):
        return ", ".join(f"{k} {fmt.sci(v) if isinstance(v, float) else v}"
                         for k, v in eps.items())
    return fmt.sci(eps) if isinstance(eps, float) else str(eps or "")


def _cell_text(v, shown: int = 3) -> str:
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return fmt.sci(v)
    if isinstance(v, (list, tuple)):
        more = f" (+{len(v) - shown} more)" if len(v) > shown else ""
        return ", ".join(map(str, v[:shown])) + more if v else fmt.DASH
    return fmt.DASH if v is None else str(v)


def _drift_rows(results: dict, baseline: dict) -> list[dict]:
    from .drift import drift_table
    rows = []
    for (ident, engine), d in drift_table(results, baseline).items():
        rows.append({"identity": ident, "engine": engine, "anchor": view.anchor(ident, engine),
                     "before": fmt.sci(d["before"]), "now": fmt.sci(d["now"]),
                     "factor": fmt.factor(d["factor"]), "grew": (d["factor"] or 0) > view.GREW})
    return rows
