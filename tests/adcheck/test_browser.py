"""The report in a real browser: headless Chromium through playwright's Python API.

Set ADCHECK_SCREENSHOT=docs/report.png to save the README screenshot there (else it goes to
the test's tmp folder).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SECTIONS = ["summary", "matrix", "errors", "identities", "studies", "fd-sweep", "taylor", "cost",
            "black-scholes", "activations", "sensitivity", "drift"]


def _sync_playwright():
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip(f"chromium not found at {CHROMIUM} (`make browser` installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (`make browser` installs it)")
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module (playwright allows one sync driver at a time)."""
    sync_playwright = _sync_playwright()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page_report(browser, tmp_path_factory):
    """Open the sample report (with a baseline, so every section exists) in Chromium."""
    from report_sample import sample_results

    from adcheck.report import render

    results = sample_results(0)
    baseline = sample_results(1, studies=False)
    out = tmp_path_factory.mktemp("report")
    path = render(results, out, baseline=baseline)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console, requests = [], []
    page.on("console", lambda m: console.append(m))
    page.on("pageerror", lambda e: console.append(e))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    yield page, path, console, requests
    page.close()


def test_no_console_errors_and_no_requests(page_report):
    page, path, console, requests = page_report
    errors = [m for m in console if not hasattr(m, "type") or m.type in ("error", "warning")]
    assert errors == [], [getattr(m, "text", str(m)) for m in errors]
    assert requests == [path.resolve().as_uri()]


def test_every_section_present(page_report):
    page = page_report[0]
    for section in SECTIONS:
        box = page.locator(f"#{section}").bounding_box()
        assert box is not None and box["height"] > 0, section


def test_mathml_is_laid_out(page_report):
    page = page_report[0]
    maths = page.locator("math")
    assert maths.count() >= 3
    for i in range(maths.count()):
        box = maths.nth(i).bounding_box()
        assert box and box["width"] > 20 and box["height"] > 8, i
    # MathML Core layout, not text fallback: a fraction is taller than one line of text.
    frac = page.locator("mfrac").first.bounding_box()
    assert frac and frac["height"] > 18


def test_plots_visible(page_report):
    page = page_report[0]
    plots = page.locator("svg.plot")
    assert plots.count() >= 8
    for i in range(plots.count()):
        el = plots.nth(i)
        box = el.bounding_box()
        assert el.is_visible() and box and box["width"] > 100 and box["height"] > 30, i


def test_screenshot(page_report, browser, tmp_path):
    """Full-page screenshot of the sample report, or of ADCHECK_SCREENSHOT_REPORT (a real
    reports/index.html) when set."""
    page = page_report[0]
    other = os.environ.get("ADCHECK_SCREENSHOT_REPORT")
    if other:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(Path(other).resolve().as_uri(), wait_until="load")
    target = Path(os.environ.get("ADCHECK_SCREENSHOT") or tmp_path / "report.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    if os.environ.get("ADCHECK_SCREENSHOT"):
        _palette(target)


def _palette(png: Path) -> None:
    """256-colour PNG (a third of the bytes; the page has few colours) for the README."""
    from PIL import Image

    with Image.open(png) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    small.save(png, optimize=True)


def test_hostile_identity_id_shows_as_text(browser, tmp_path):
    """An identity called <script>alert(1)</script> is text on the page; nothing runs."""
    from report_sample import sample_results

    from adcheck.report import render

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
    assert evil in page.locator("article.identity h3").first.inner_text()
    page.close()
    assert dialogs == []
