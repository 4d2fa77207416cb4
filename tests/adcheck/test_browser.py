"""The report in a real browser: headless Chromium through playwright's Python API.

The page under test has every engine `make verify` runs (16 columns) and the catalogue's
identity names; set ADCHECK_BROWSER_RESULTS=reports/results.json to test the report of a real
run instead. `make browser` installs chromium and playwright.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import pytest
from report_sample import sample_results
from screenshots import take

from adcheck.report import render

pytestmark = pytest.mark.browser

MAKE_VERIFY = ["forward", "reverse", "forward-over-forward", "forward-over-reverse",
               "reverse-over-forward", "reverse-over-reverse", "central", "richardson",
               "complex-step", "symbolic", "exact", "forward-laplacian", "torch",
               "torch-fwd-over-rev", "jax", "jax-fwd-over-rev"]
# The catalogue's longest names, so the identity column is as wide as in a real run.
IDS = ["B1.jacobian-linear", "B1.quadratic-gradient-general", "B1.quadratic-hessian-general",
       "B1.backprop-per-output", "B2.per-parameter-passes", "B3.black-scholes-greeks",
       "B3.laplacian-tanh-network", "B3.activation-regularity", "user.softmax-jacobian"]


def _verify_sized() -> dict:
    """The sample's records spread over every engine and the catalogue's longest names."""
    base = sample_results(0, samples=8)
    ident = base["identities"][0]
    recs = [r for r in base["records"] if r["outcome"] in ("pass", "fail")]
    odd = [r for r in base["records"] if r["outcome"] not in ("pass", "fail")]
    out = copy.deepcopy(base)
    out["identities"] = [{**copy.deepcopy(ident), "id": i,
                          "section": i.split(".")[0].replace("B", "B.")
                          if i.startswith("B") else "my_plugin"} for i in IDS]
    out["records"] = []
    for k, iid in enumerate(IDS):
        for j, engine in enumerate(MAKE_VERIFY):
            pool = odd if (k + j) % 7 == 3 else recs
            rec = copy.deepcopy(pool[(k * 5 + j) % len(pool)])
            rec.update(identity=iid, engine=engine, verified_to=10.0 ** -(4 + (k + j) % 12))
            out["records"].append(rec)
    out["run"]["engines"] = list(MAKE_VERIFY)
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    real = os.environ.get("ADCHECK_BROWSER_RESULTS")
    out = tmp_path_factory.mktemp("report")
    if real:
        import json
        return render(json.loads(Path(real).read_text(encoding="utf-8")), out)
    return render(_verify_sized(), out, baseline=sample_results(1, studies=False))


def _open(browser, path: Path, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    console, requests = [], []
    page.on("console", lambda m: console.append(m))
    page.on("pageerror", lambda e: console.append(e))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, console, requests


@pytest.fixture(scope="module")
def desktop(browser, report):
    page, console, requests = _open(browser, report, 1280, 800)
    yield page, console, requests
    page.close()


def test_no_console_errors_and_no_requests(desktop, report):
    _, console, requests = desktop
    errors = [m for m in console if not hasattr(m, "type") or m.type in ("error", "warning")]
    assert errors == [], [getattr(m, "text", str(m)) for m in errors]
    assert requests == [report.resolve().as_uri()]


def test_no_horizontal_scroll_at_1280(desktop):
    page = desktop[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    box = page.evaluate("(() => { const g = document.querySelector('.grid-box');"
                        " return [g.scrollWidth, g.clientWidth]; })()")
    assert box[0] <= box[1], f"the grid overflows its box: {box}"


def test_every_grid_cell_visible_on_one_line(desktop):
    page = desktop[0]
    # The text of each cell and header laid out on one line: its line boxes share a bottom.
    cells = page.evaluate("""[...document.querySelectorAll(
        'table.matrix td.cell a, table.matrix thead th, table.matrix th.id')].map(e => {
          const box = e.getBoundingClientRect(), range = document.createRange();
          range.selectNodeContents(e);
          const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                .map(r => Math.round(r.bottom)));
          return [e.textContent, box.left, box.right, lines.size]; })""")
    assert len(cells) > 16 * 9
    for text, left, right, lines in cells:
        assert left >= 0 and right <= 1280, (text, left, right)
        assert lines == 1, f"{text!r} is laid out on {lines} lines"


def test_no_duplicate_ids(desktop):
    ids = desktop[0].evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    dup = sorted({i for i in ids if ids.count(i) > 1})
    assert dup == [] and len(ids) > 50


def test_first_screen_holds_verdict_counts_and_grid(desktop):
    page = desktop[0]
    for sel in (".verdict", "ul.counts", "table.matrix"):
        box = page.locator(sel).first.bounding_box()
        assert box and box["y"] < 800, sel
    assert page.locator("details.identity[open]").count() == 0  # details start closed


def test_a_grid_cell_opens_its_details(browser, report):
    page, _, _ = _open(browser, report, 1280, 800)
    link = page.locator("table.matrix td.cell a").nth(20)
    target = link.get_attribute("href")
    link.click()
    row = page.locator(target)
    assert row.is_visible()
    assert row.evaluate("e => e.closest('details').open")
    page.close()


def test_mathml_is_laid_out(browser, report):
    page, _, _ = _open(browser, report, 1280, 800)
    page.locator("details.identity > summary").first.click()
    frac = page.locator("details.identity[open] mfrac").first.bounding_box()
    assert frac and frac["height"] > 18  # MathML Core layout, not a text fallback
    page.close()


def test_phone_grid_scrolls_inside_its_own_box(browser, report):
    page, console, _ = _open(browser, report, 390, 844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    grid = page.locator(".grid-box")
    sizes = grid.evaluate("g => [g.scrollWidth, g.clientWidth]")
    assert sizes[0] > sizes[1]
    first = page.locator("table.matrix tbody th.id").first
    before = first.bounding_box()["x"]
    grid.evaluate("g => { g.scrollLeft = 400; }")
    assert grid.evaluate("g => g.scrollLeft") > 0
    assert abs(first.bounding_box()["x"] - before) < 1  # the identity column stays put
    page.close()


def test_readme_images(browser, report, tmp_path):
    """The `make screenshots` images: 1280 px wide, under 400 KB each."""
    from PIL import Image

    page = browser.new_page()
    paths = take(page, report, tmp_path, IDS[-1] if not os.environ.get(
        "ADCHECK_BROWSER_RESULTS") else "B3.black-scholes-gamma")
    page.close()
    for path in paths:
        with Image.open(path) as im:
            assert im.width == 1280 and im.height <= 1400, (path, im.size)
        assert 10_000 < path.stat().st_size < 400_000, path


def test_hostile_identity_id_shows_as_text(browser, tmp_path):
    """An identity called <script>alert(1)</script> is text on the page; nothing runs."""
    evil = "<script>alert(1)</script>"
    results = sample_results(0, samples=5, studies=False)
    old = results["identities"][0]["id"]
    results["identities"][0]["id"] = evil
    for rec in results["records"]:
        if rec["identity"] == old:
            rec["identity"] = evil
    path = render(results, tmp_path)
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.resolve().as_uri(), wait_until="load")
    assert page.locator("script").count() == 0
    assert page.locator("table.matrix th.id a", has_text=evil).count() == 1
    assert re.search(re.escape(evil), page.locator("details.identity summary").first.inner_text())
    page.close()
    assert dialogs == []
