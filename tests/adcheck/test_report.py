"""The HTML report: rendering, escaping, size, atomic output, drift against a baseline."""

from __future__ import annotations

import copy
import json
import re

import pytest
from report_sample import sample_results

from adcheck.report import drift_failures, render, render_file, render_html

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def results():
    return sample_results(0)


@pytest.fixture(scope="module")
def light():
    """No studies, few samples: for tests about text, not plots (rendering is faster)."""
    return sample_results(0, samples=10, studies=False)


@pytest.fixture(scope="module")
def html(results):
    return render_html(results)


def test_page_is_self_contained(html):
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    # Nothing to fetch: no external URLs in src/href, only fragment links.
    assert not re.search(r'(src|href)="(?!#|data:image/png;base64,)', html)
    assert "http://" not in html.replace("http://www.w3.org/", "")
    assert "https://" not in html


def test_sections_and_counts(html, results):
    for section in ("summary", "matrix", "errors", "identities", "studies", "fd-sweep",
                    "taylor", "cost", "black-scholes", "activations", "sensitivity"):
        assert f'id="{section}"' in html
    assert 'id="drift"' not in html  # only with a baseline
    assert f"<b>{results['summary']['counts']['pass']}</b>" in html
    assert html.count('<td class="cell') == len(results["records"])


def test_every_cell_links_to_its_details(html):
    targets = set(re.findall(r'<td class="cell[^"]*"><a href="#([^"]+)"', html))
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert targets and targets <= ids


def test_failure_shows_diagnosis_and_rerun(html):
    assert "Diagnosis:" in html and "transposing" in html
    assert "adcheck run -i user.softmax-jacobian -e reverse --seed 0 --examples 60" in html


def test_mathml_is_embedded(html):
    maths = re.findall(r"<math [^>]*>", html)
    assert len(maths) >= 5
    assert all(m.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"') for m in maths)


def test_user_text_is_escaped(light):
    results = light
    evil = copy.deepcopy(results)
    evil["identities"][0]["id"] = EVIL
    evil["identities"][0]["title"] = "<b>bold</b>"
    evil["identities"][0]["statement_mathml"] = "<math><mi>x</mi><script>alert(2)</script></math>"
    for rec in evil["records"]:
        if rec["identity"] == results["identities"][0]["id"]:
            rec["identity"] = EVIL
            rec["message"] = "<img src=x onerror=alert(3)>"
    evil["run"]["engines"][0] = '"><svg onload=alert(4)>'
    for rec in evil["records"]:
        if rec["engine"] == results["run"]["engines"][0]:
            rec["engine"] = '"><svg onload=alert(4)>'
    evil["run"]["plugins"] = [EVIL]
    page = render_html(evil)
    tags = _tags(page)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe")]
    assert not [(t, a) for t, attrs in tags for a, _ in attrs if a.startswith("on")]
    assert all("plot" in dict(attrs).get("class", "") for t, attrs in tags if t == "svg")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "alert(2)" not in page  # a MathML fragment with a script is dropped, not escaped


def _tags(page: str) -> list[tuple[str, list]]:
    """Every start tag of the page, as the browser's tokenizer would see it."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(page)
    return found


def test_statement_that_evaluated_to_a_boolean_is_explained(light):
    results = light
    r = copy.deepcopy(results)
    r["identities"][0].update(statement_text="False", statement_mathml=(
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>False</mi></math>'))
    page = render_html(r)
    assert "<mi>False</mi>" not in page and "evaluate=False" in page


def test_missing_fields_render(results):
    bare = {"schema": "adcheck.results/1", "records": [
        {"identity": "x", "engine": "e", "outcome": "weird"}]}
    page = render_html(bare)
    assert "o-error" in page and "UNKNOWN" in page


def test_render_writes_atomically_with_gitignore(light, tmp_path):
    results = light
    out = tmp_path / "reports"
    path = render(results, out)
    assert path == out / "index.html" and path.read_text(encoding="utf-8").startswith("<!DOC")
    assert (out / ".gitignore").read_text() == "*\n!.gitignore\n"
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


def test_no_gitignore_in_a_folder_with_other_files(light, tmp_path):
    (tmp_path / "setup.py").write_text("")
    render(light, tmp_path)
    assert not (tmp_path / ".gitignore").exists()


def test_render_file_uses_results_folder(light, tmp_path):
    results = light
    (tmp_path / "results.json").write_text(json.dumps(results))
    (tmp_path / "old.json").write_text(json.dumps(sample_results(1, studies=False)))
    path = render_file(tmp_path / "results.json", baseline_path=tmp_path / "old.json")
    assert path == tmp_path / "index.html"
    assert 'id="drift"' in path.read_text(encoding="utf-8")


def test_same_results_same_page(results):
    assert render_html(results) == render_html(copy.deepcopy(results))


def test_size_of_a_full_catalogue_report_is_small():
    """30 identities x 14 engines x 200 samples (bigger than the catalogue) stays < 5 MB."""
    big = sample_results(0, samples=200)
    ids = [i for i in big["identities"]]
    recs = big["records"]
    big["identities"], big["records"] = [], []
    for k in range(5):
        for ident in ids:
            big["identities"].append({**ident, "id": f"{ident['id']}-{k}"})
        for rec in recs:
            big["records"].append({**rec, "identity": f"{rec['identity']}-{k}"})
    big["run"]["engines"] += [f"extra-{k}" for k in range(6)]
    size = len(render_html(big).encode())
    assert size < 5_000_000, size


def test_cost_plot_gains_a_time_panel_from_timing(light):
    from report_sample_studies import studies

    r = copy.deepcopy(light)
    r["studies"] = {"cost_scaling": studies(0)["cost_scaling"]}
    assert "time per gradient" not in render_html(r)
    n = r["studies"]["cost_scaling"]["n"]
    r["timing"]["cost_scaling"] = {"n": n, "f_s": [1e-6] * len(n),
                                   "series": {"reverse": [3e-6] * len(n)}}
    assert "time per gradient" in render_html(r)


# ---------------------------------------------------------------------------- drift

def _with_error(results, identity, engine, value):
    out = copy.deepcopy(results)
    for rec in out["records"]:
        if (rec["identity"], rec["engine"]) == (identity, engine):
            rec["worst"] = {**(rec["worst"] or {}), "rel_error": value}
    return out


def test_drift_failures_flags_growth_beyond_factor(results):
    base = _with_error(results, "B1.gram-gradient", "reverse", 1e-16)
    now = _with_error(results, "B1.gram-gradient", "reverse", 5e-15)
    found = drift_failures(now, base, 10.0)
    assert [(d["identity"], d["engine"]) for d in found] == [("B1.gram-gradient", "reverse")]
    assert found[0]["factor"] == pytest.approx(50.0)
    assert "x50" in found[0]["message"]
    assert drift_failures(now, base, 100.0) == []
    assert drift_failures(base, now, 10.0) == []  # shrinking never fails


def test_drift_from_exact_zero_is_infinite(results):
    base = _with_error(results, "B1.gram-gradient", "symbolic", 0.0)
    now = _with_error(results, "B1.gram-gradient", "symbolic", 1e-17)
    (found,) = drift_failures(now, base, 1e6)
    assert found["factor"] == float("inf") and "from exactly 0" in found["message"]


def test_drift_rejects_factor_at_most_one(results):
    with pytest.raises(ValueError, match="factor > 1"):
        drift_failures(results, results, 1.0)


def test_drift_column_in_page(light):
    results = light
    base = _with_error(results, "B1.gram-gradient", "reverse", 1e-18)
    page = render_html(results, baseline=base)
    assert 'id="drift"' in page and "drift (before)" in page
    assert 'class="grew"' in page


def test_no_duplicate_ids(html):
    """Every id on the page is unique (matplotlib numbers its ids per figure)."""
    ids = [v for _, attrs in _tags(html) for k, v in attrs if k == "id"]
    assert len(ids) > 50
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_identity_details_are_collapsed_and_linked_from_the_grid(html):
    assert "<details class=\"identity\">" in html and "<details class=\"identity\" open" not in html
    bodies = set(re.findall(r'<div class="identity-body" id="([^"]+)"', html))
    heads = set(re.findall(r'<th class="id" scope="row"><a href="#([^"]+)"', html))
    assert heads and heads == bodies


def test_the_run_says_how_many_examples_each_engine_ran(light):
    res = copy.deepcopy(light)
    assert "examples an identity" not in render_html(res)  # every engine ran them all
    engines = sorted({r["engine"] for r in res["records"]})
    for r in res["records"]:
        if r["engine"] == engines[0]:
            r["examples"] = 3
    html = render_html(res)
    assert "examples an identity" in html
    assert re.search(rf"3: {re.escape(engines[0])}(<br>|</dd>)", html)
