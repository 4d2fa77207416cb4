"""The README's two report images, taken in headless Chromium (``make screenshots``).

    python tests/adcheck/screenshots.py REPORT_HTML OUT_DIR [IDENTITY]

writes OUT_DIR/report-first-screen.png (the first 1280x800 screen: verdict, counts, grid) and
OUT_DIR/report-identity.png (one identity's details opened, 1280 px wide), each as a 256-colour
PNG: the page has few colours, and the palette keeps each image well under 400 KB.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--font-render-hinting=none"]
WIDTH, HEIGHT = 1280, 800
IDENTITY = "B3.black-scholes-gamma"
MAX_DETAIL_HEIGHT = 1400


def chromium_path() -> str | None:
    """Debian's chromium (``make browser`` installs it), or None."""
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def palette(png: Path) -> None:
    """Rewrite ``png`` as a 256-colour PNG."""
    from PIL import Image

    with Image.open(png) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    small.save(png, optimize=True)


def take(page, report: Path, out: Path, identity: str = IDENTITY) -> list[Path]:
    """Both images of ``report`` with a 1280x800 ``page``; returns their paths."""
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(report.resolve().as_uri(), wait_until="load")
    first, detail = out / "report-first-screen.png", out / "report-identity.png"
    page.screenshot(path=str(first))
    summary = page.locator("details.identity > summary", has_text=identity).first
    summary.click()
    # Page coordinates (clicking may have scrolled the viewport).
    top, height = summary.locator("xpath=..").evaluate(
        "e => [e.getBoundingClientRect().top + window.scrollY, e.offsetHeight]")
    page.screenshot(path=str(detail), full_page=True, clip={
        "x": 0, "y": max(top - 8, 0), "width": WIDTH,
        "height": min(height + 16, MAX_DETAIL_HEIGHT)})
    for png in (first, detail):
        palette(png)
    return [first, detail]


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    exe = chromium_path()
    if exe is None:
        print("chromium not found: `make browser` installs it", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        paths = take(page, Path(argv[0]), out, *argv[2:])
        browser.close()
    for path in paths:
        from PIL import Image
        with Image.open(path) as im:
            print(f"{path}: {im.width}x{im.height}, {path.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
