"""Statements as MathML: sympy's presentation printer, wrapped, and sanitised for the page."""

from __future__ import annotations

import sympy as sp

from adcheck.report import statement_mathml
from adcheck.running.mathml import MATHML_NS, sanitize


def test_wrapped_with_namespace_first():
    out = statement_mathml(sp.Eq(sp.Symbol("y"), 2 * sp.Symbol("x")))
    assert out.startswith(f'<math xmlns="{MATHML_NS}" display="block">')
    assert out.endswith("</math>") and "<mn>2</mn>" in out


def test_none_gives_empty_string():
    assert statement_mathml(None) == ""


def test_matrix_expression_and_derivative():
    n = sp.Symbol("n", integer=True, positive=True)
    A, x = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("x", n, 1)
    out = statement_mathml(sp.Eq(sp.Derivative(x.T * A * x, x), (A + A.T) * x, evaluate=False))
    # The gradient of a scalar in a vector variable is written with nabla, not a fraction.
    assert "<msub><mo>\u2207</mo><mi>x</mi></msub>" in out and "<mfrac>" not in out
    assert "<msup><mi>A</mi><mo>T</mo></msup>" in out
    assert "&" not in out.replace("&lt;", "").replace("&gt;", "").replace("&amp;", "")


def test_undefined_function_keeps_its_case():
    S, t = sp.symbols("S t")
    out = statement_mathml(sp.Function("V")(S, t))
    assert "<mi>V</mi>" in out and "<mi>v</mi>" not in out


def test_sanitize_accepts_sympy_entities():
    raw = f'<math xmlns="{MATHML_NS}"><mi>a</mi><mo>&InvisibleTimes;</mo><mi>b</mi></math>'
    assert "\u2062" in sanitize(raw)


def test_sanitize_drops_scripts_and_handlers():
    assert sanitize("<math><mi>x</mi><script>alert(1)</script></math>") is None
    assert sanitize("<div><mi>x</mi></div>") is None
    assert sanitize("not xml <") is None
    out = sanitize('<math><mi onclick="alert(1)" href="javascript:x" mathvariant="bold">x</mi>'
                   "</math>")
    assert out == f'<math xmlns="{MATHML_NS}"><mi mathvariant="bold">x</mi></math>'
