"""Plots to inline SVG: matplotlib loads when a figure is drawn, never for a command that
draws none."""

import subprocess
import sys

from adcheck.report._svg import figure, to_svg


def test_listing_the_catalogue_does_not_import_matplotlib():
    code = ("import sys, contextlib, io; from adcheck.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): code = main(['list'])\n"
            "print(code, 'matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "False"]


def test_a_figure_becomes_one_labelled_svg_element():
    fig, ax = figure(2.0, 1.0)
    ax.plot([0, 1], [1, 0])
    svg = to_svg(fig, "demo", "a <line>")
    assert svg.startswith('<svg class="plot" role="img" aria-label="a &lt;line>"')
    assert 'id="demo-' in svg


def test_a_report_without_studies_draws_no_matplotlib_figure():
    """The overview and the identities' strips are drawn by hand: a report of a run without
    studies never imports matplotlib (its import and layout cost ~0.6 s a page)."""
    code = ("import sys; from report_sample import sample_results\n"
            "from adcheck.report import render_html\n"
            "html = render_html(sample_results(0, samples=5, studies=False))\n"
            "print('class=\"plot overview\"' in html, 'matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=__file__.rsplit("/", 1)[0])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_the_overview_marks_failures_red_and_zeros_in_their_column():
    from adcheck.report.plots import error_overview
    recs = [{"engine": "good", "samples": [[1e-12, 1e-10], [0.0, 1e-10]]},
            {"engine": "bad", "samples": [[1e-6, 1e-10]]}]
    svg = error_overview(recs, ["good", "bad"])
    good, bad = svg.split(">good<")[1].split(">bad<")
    assert 'fill="#cf222e"' not in good and 'fill="#cf222e"' in bad  # 1e4 over: red
    assert good.count("a2.2 2.2") == 4  # two dots of two arcs each: the zero is drawn too
    assert error_overview([{"engine": "good", "samples": []}], ["good"]) is None
