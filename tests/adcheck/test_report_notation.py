"""Statements in Leibniz notation: a gold file of every catalogue record's MathML, and rules.

Regenerate after an intended change (or a new catalogue record) with ``ADCHECK_UPDATE_GOLD=1
pytest tests/adcheck/test_report_notation.py`` and review the diff of
tests/adcheck/gold/statements_mathml.json.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sympy as sp

from adcheck.report import statement_mathml
from adcheck.running.catalogue import load_catalogue
from adcheck.running.statements import mathml

GOLD = Path(__file__).with_name("gold") / "statements_mathml.json"
NS = "{http://www.w3.org/1998/Math/MathML}"
D = "\u2202"


@pytest.fixture(scope="module")
def catalogue_mathml() -> dict:
    return {rec.id: mathml(rec) for rec in load_catalogue().values()}


def test_gold_mathml_of_every_record(catalogue_mathml):
    if os.environ.get("ADCHECK_UPDATE_GOLD"):
        GOLD.write_text(json.dumps(catalogue_mathml, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    assert sorted(catalogue_mathml) == sorted(gold), (
        "catalogue records and gold entries differ; regenerate with ADCHECK_UPDATE_GOLD=1")
    changed = [k for k in gold if gold[k] != catalogue_mathml[k]]
    assert not changed, f"MathML changed for {changed}; if intended, regenerate the gold file"


def _denominators(markup: str):
    root = ET.fromstring(markup)
    return [list(frac)[1] for frac in root.iter(NS + "mfrac")]


def test_no_power_on_the_partial_in_a_denominator(catalogue_mathml):
    """∂²C/∂S², never ∂²C/∂²S: in a denominator the power belongs to the variable."""
    for rid, markup in catalogue_mathml.items():
        if not markup:
            continue
        for den in _denominators(markup):
            for sup in den.iter(NS + "msup"):
                assert (sup[0].text or "") != D, rid
        assert "\u2146" not in markup, rid  # sympy's upright d for single-variable derivatives


def test_gamma_hessian_gradient_jacobian(catalogue_mathml):
    gamma = catalogue_mathml["B3.black-scholes-gamma"]
    assert (f"<mfrac><mrow><msup><mo>{D}</mo><mn>2</mn></msup><mi>C</mi></mrow>"
            f"<mrow><mo>{D}</mo><msup><mi>S</mi><mn>2</mn></msup></mrow></mfrac>") in gamma
    assert "<msubsup><mo>\u2207</mo><mi>x</mi><mn>2</mn></msubsup>" in \
        catalogue_mathml["B1.quadratic-hessian"]
    assert "<msub><mo>\u2207</mo><mi>x</mi></msub>" in catalogue_mathml["B1.gram-gradient"]
    jac = catalogue_mathml["B1.jacobian-linear"]
    assert jac.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
                          f"<mrow><mfrac><mrow><mo>{D}</mo><mrow><mo>(</mo>")


def test_applied_function_is_named_without_its_arguments():
    S, t = sp.symbols("S t")
    V = sp.Function("V")(S, t)
    out = statement_mathml(sp.Derivative(V, S, t))
    assert f"<mrow><msup><mo>{D}</mo><mn>2</mn></msup><mi>V</mi></mrow>" in out
    assert f"<mo>{D}</mo><mi>S</mi><mo>{D}</mo><mi>t</mi>" in out  # mixed: ∂S ∂t, one each


def test_text_notation_is_typeset():
    out = statement_mathml(sp.Eq(sp.Symbol("dl/dW_l"), sp.Symbol("grad(grad f)"),
                                 evaluate=False))
    assert f"<mfrac><mrow><mo>{D}</mo><mrow><mi>l</mi></mrow></mrow>" in out
    assert "<msub><mi>W</mi><mi>l</mi></msub>" in out and "<mo>\u2207</mo>" in out
    assert "grad" not in out and "dl/dW" not in out
    sentence = statement_mathml(sp.Symbol("residual of order k defined"))
    assert "<mtext>residual</mtext>" in sentence and "<mtext>of</mtext>" in sentence
