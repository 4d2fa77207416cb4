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
