"""Gold file: the HTML of a small fixed report, byte for byte (matplotlib's SVG aside).

Regenerate after an intended change with ``ADCHECK_UPDATE_GOLD=1 pytest tests/adcheck/
test_report_gold.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from report_sample import sample_results

from adcheck.report import render_html

GOLD = Path(__file__).with_name("gold") / "report_small.html"
KEEP_IDS = ("B1.gram-gradient", "B3.black-scholes-pde", "user.softmax-jacobian")
KEEP_ENGINES = ("reverse", "forward-over-reverse", "central", "symbolic")


def small_results() -> dict:
    """Three identities x four engines, five examples, no studies: every outcome but one."""
    r = sample_results(0, samples=5, studies=False)
    r["identities"] = [i for i in r["identities"] if i["id"] in KEEP_IDS]
    r["records"] = [x for x in r["records"]
                    if x["identity"] in KEEP_IDS and x["engine"] in KEEP_ENGINES]
    r["run"]["engines"] = list(KEEP_ENGINES)
    return r


def normalized(html: str) -> str:
    """matplotlib's SVG (its version decides the path data) replaced by a placeholder; the
    hand-drawn plots (the overview, each identity's strip) stay, byte for byte."""
    return re.sub(r'<svg class="plot" role="img" aria-label="([^"]*)".*?</svg>',
                  r'<svg class="plot" aria-label="\1"><!-- matplotlib --></svg>', html,
                  flags=re.S)


def test_gold_report():
    html = normalized(render_html(small_results()))
    if os.environ.get("ADCHECK_UPDATE_GOLD"):
        GOLD.parent.mkdir(parents=True, exist_ok=True)
        GOLD.write_text(html, encoding="utf-8")
    expected = GOLD.read_text(encoding="utf-8")
    assert html == expected, (
        "the report's HTML changed; if intended, regenerate with ADCHECK_UPDATE_GOLD=1 and "
        "review the diff of tests/adcheck/gold/report_small.html")
