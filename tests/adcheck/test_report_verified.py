"""What a pass certifies: verified_to read or recovered, graded, and shown in the grid."""

from __future__ import annotations

import copy
import re

import pytest
from report_sample import sample_results

from adcheck.report import render_html
from adcheck.report.verified import fmt_verified, grade, relative_allowance, verified_to
from adcheck.report.view import cell


def test_recorded_verified_to_wins():
    rec = {"verified_to": 3e-14, "samples": [[1e-16, 1e-9]]}
    assert verified_to(rec) == 3e-14
    assert verified_to({"verified_to": None, "samples": [[0.0, 1e-9]]}) is None


def test_old_records_use_their_relative_allowances():
    assert verified_to({"samples": [[1e-17, 2e-16], [3e-17, 5e-15]]}) == 5e-15
    worst = {"rel_error": 1e-12, "ratio": 0.01, "allowance": 7.0}  # allowance is absolute
    assert verified_to({"worst": worst}) == pytest.approx(1e-10)
    assert relative_allowance({"rel_error": 0.0, "ratio": 0.0}) is None
    assert verified_to({}) is None and verified_to(None) is None


@pytest.mark.parametrize("v, text", [(2.2e-16, "2e-16"), (9.6e-6, "1e-5"), (0.0, "0"),
                                     (None, "\u2014"), (float("inf"), "\u221e"),
                                     (float("nan"), "NaN")])
def test_short_form(v, text):
    assert fmt_verified(v) == text


def test_grades_separate_decades():
    assert grade(1e-15) != grade(1e-5)
    assert grade(1e-15) == grade(1e-14) and grade(None) == "vt-none"
    assert grade(float("nan")) == "vt-none" and grade(float("inf")) == grade(1.0)


def test_an_overflowed_failure_renders():
    """A failure whose error overflowed (an engine returned inf at inputs near 1e300) is shown
    as an infinite multiple of its allowance, not a crash of the report."""
    r = sample_results(0, samples=5, studies=False)
    rec = copy.deepcopy(r["records"][0])
    rec.update(outcome="fail", worst=dict(rec.get("worst") or {}, ratio=float("inf"),
                                          rel_error=float("inf"), abs_error=float("inf")))
    r["records"][0] = rec
    html = render_html(r)
    assert "\u00d7\u221e" in html


def test_a_1e15_pass_and_a_1e5_pass_render_differently():
    r = sample_results(0, samples=5, studies=False)
    r["identities"] = r["identities"][:1]
    iid = r["identities"][0]["id"]
    r["records"] = [x for x in r["records"] if x["identity"] == iid][:2]
    r["run"]["engines"] = [x["engine"] for x in r["records"]]
    for rec, v in zip(r["records"], (1e-15, 1e-5)):
        rec.update(outcome="pass", verified_to=v)
    cells = re.findall(r'<td class="(cell [^"]*)"><a [^>]*>([^<]*)</a>', render_html(r))
    assert len(cells) == 2
    (cls1, text1), (cls2, text2) = cells
    assert cls1 != cls2 and "1e-15" in text1 and "1e-5" in text2


def test_reference_column_is_not_a_pass():
    rec = {"identity": "i", "engine": "exact", "outcome": "pass", "verified_to": 1e-30,
           "worst": {"rel_error": 0.0, "ratio": 0.0}}
    ref = cell("i", "exact", rec, reference=True)
    assert ref["grade"] == "o-reference" and ref["main"] == "ref"
    assert "reference" in ref["title"] and "verified" not in ref["title"]
    failed = cell("i", "exact", {**rec, "outcome": "fail", "worst": {"ratio": 40.0}}, True)
    assert failed["outcome"] == "fail" and failed["grade"] == ""


def test_failure_cell_gives_the_multiple_of_its_allowance():
    rec = {"outcome": "fail", "worst": {"rel_error": 3e-3, "ratio": 2.5e12}}
    c = cell("i", "reverse", rec)
    assert c["main"] == "\u00d72e12" and c["symbol"] == "\u2717"


def test_details_use_relative_units_only(tmp_path):
    r = copy.deepcopy(sample_results(0, samples=5, studies=False))
    page = render_html(r)
    assert "rel. allowance" in page and ">ulps<" not in page


def test_inconclusive_cell_shows_the_allowance_that_was_too_loose():
    c = cell("i", "complex-step", {"outcome": "inconclusive", "verified_to": 3.0})
    assert c["main"] == "3e0" and c["grade"] == "" and "inconclusive" in c["title"]
    assert cell("i", "central", {"outcome": "inconclusive"})["main"] == "inc."
