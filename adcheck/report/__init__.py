"""The HTML accuracy report: results dict -> one self-contained page (index.html).

It renders what results.json holds and computes nothing: the studies behind its plots are run
by ``adcheck run`` (``adcheck.running.studies``), and the statements' MathML is written by the
run (``adcheck.running.mathml``).

Public API:
    render(results, out_dir, *, baseline=None) -> Path      write out_dir/index.html
    render_file(results_json, out_dir=None, baseline_path=None) -> Path   (``adcheck report``)
    render_html(results, *, baseline=None) -> str
    statement_mathml(expr) -> str      sympy statement -> <math xmlns=...> (adcheck.running.mathml)
    drift_failures(results, baseline, factor) -> list[dict]   for ``--fail-on-drift``
    summary_table(results) -> str      identities x outcome counts, for the end of a run
"""

from adcheck.running.mathml import statement_mathml

from .drift import drift_failures, drift_table
from .render import render, render_file, render_html
from .terminal import summary_table

__all__ = ["drift_failures", "drift_table", "render", "render_file", "render_html",
           "statement_mathml", "summary_table"]
