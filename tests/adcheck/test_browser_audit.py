"""The audit page in a real browser: its table sorts and filters, and fits the screen."""

from __future__ import annotations

import copy
import json

import pytest

from adcheck.audit import run_audit
from adcheck.audit.report import write

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit")
    res = run_audit("adcheck", ops="exp,square,tanh,det", dtypes=("float64",), orders=(1, 2),
                    samples=20, jobs=1, out=out, progress=lambda t: None)
    # one flagged row with a reproducer, as a library's audit has them
    flagged = copy.deepcopy(next(r for r in res["rows"] if r["op"] == "exp"))
    flagged.update(op="planted", flagged=True, max_excess=4500.0)
    res["rows"].insert(0, flagged)
    write(res, out)
    return out / "audit-adcheck.html"


def _ops(page) -> list:
    return page.eval_on_selector_all("#audit tbody tr:not([hidden])",
                                     "rows => rows.map(r => r.dataset.op)")


def test_audit_table_sorts_filters_and_fits(browser, page_path):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(page_path.as_uri())
    data = json.loads(page_path.with_suffix(".json").read_text())
    assert _ops(page)[0] == "planted"
    flagged = [r["op"] for r in data["rows"] if r.get("flagged")]
    assert page.locator("tr.flag").count() == len(flagged) >= 1
    assert page.locator("details.repro").count() == sum(bool(r.get("repro"))
                                                         for r in data["rows"])
    # sort by operation name, then the other way
    page.click("#audit th:has-text('operation')")
    names = _ops(page)
    assert names == sorted(names, reverse=True) or names == sorted(names)
    page.click("#audit th:has-text('operation')")
    assert _ops(page) == list(reversed(names))
    # filters
    page.fill("#f-op", "tan")
    assert set(_ops(page)) == {"tanh"}
    page.fill("#f-op", "")
    page.check("#f-flag")
    assert sorted(_ops(page)) == sorted(flagged)
    page.uncheck("#f-flag")
    page.select_option("#f-order", "2")
    assert page.locator("#audit tbody tr:not([hidden])").count() == \
        page.locator("#audit tbody tr[data-order='2']").count()
    assert "rows" in page.inner_text("#shown")
    # the page itself never scrolls sideways at 1280 px (a wide table scrolls in its box)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280 + 1, width
    page.close()
