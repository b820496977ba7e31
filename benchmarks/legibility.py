"""How a reader meets the figures: rendered text size, sideways scrolling, bytes.

    .venv/bin/python benchmarks/legibility.py [OUTPUT_DIR]    # default: output/ (make html first)

Loads every built page that shows a generated figure in headless Chromium
(Debian's ``chromium``) at 1280 × 900 and as two phones (390 × 844 and
360 × 780, touch) and prints, per figure, the layout the page shows (the
landscape one, or the portrait one in a column narrower than it), its shown
size, the share of its width seen without scrolling, its height in screens,
the rendered size of its text in CSS px (median and smallest), whether the
page scrolls sideways, and the bytes of figure files the page loaded.

Text size is measured as the reader sees it: each ``<text>`` of the figure's
SVG (the PNG is drawn from the same layout) at its font size, times the width
the image is shown at over the SVG's own width. The tests import
:func:`measure` and assert the rules of the README's "Legibility" section.
"""

from __future__ import annotations

import functools
import shutil
import statistics
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Viewports: a laptop, and two phones (CSS px, held upright, touch).
VIEWPORTS = ((1280, 900), (390, 844), (360, 780))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# In the page: every generated figure's image, how wide it is shown, its SVG's
# text sizes, and the bytes of the figure images the page loaded.
MEASURE_JS = """async () => {
  document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; });
  await Promise.all(Array.from(document.images).map(i => i.complete ? null :
      new Promise(r => { i.onload = i.onerror = r; })));
  const figures = [];
  for (const landscape of document.querySelectorAll('img[data-rnn-figure]')) {
    // The layout the reader sees: the portrait one when the page shows it instead.
    const box = landscape.closest('.rnn-figure-box');
    const portrait = box ? box.querySelector('.rnn-portrait img') : null;
    const turned = portrait && portrait.getBoundingClientRect().width > 0;
    const img = turned ? portrait : landscape;
    // The page shows the SVG; a page the plugin's page pass missed, the PNG linking to it.
    const svgUrl = img.currentSrc.endsWith('.svg') ? img.currentSrc : img.closest('a').href;
    const svg = new DOMParser().parseFromString(await (await fetch(svgUrl)).text(), 'image/svg+xml');
    const viewBox = svg.documentElement.getAttribute('viewBox').split(/\\s+/).map(Number);
    const rect = img.getBoundingClientRect();
    const sizes = Array.from(svg.querySelectorAll('text')).map(t =>
        parseFloat(/font-size:\\s*([\\d.]+)px/.exec(t.getAttribute('style'))[1]) * rect.width / viewBox[2]);
    const entry = performance.getEntriesByName(img.currentSrc)[0];
    const seenWidth = box ? Math.min(rect.width, box.clientWidth) : rect.width;
    figures.push({name: landscape.getAttribute('data-rnn-figure').split('/').pop(),
                  layout: turned ? 'portrait' : 'landscape', shown: rect.width, height: rect.height,
                  seen: seenWidth / rect.width, screens: rect.height / window.innerHeight,
                  sizes, bytes: entry ? entry.encodedBodySize : 0});
  }
  const root = document.documentElement;
  return {figures, overflow: root.scrollWidth - root.clientWidth};
}"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def end_headers(self) -> None:
        # Fresh bytes for every page load: a cached image reports no size.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """The built site on a loopback port, for as long as the block runs."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def figure_pages(output: Path) -> list[str]:
    """Pages (relative to the output) whose own content shows generated figures."""
    pages = []
    for page in sorted(output.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if "data-rnn-figure" in text and "<article" in text and "/page/" not in str(page):
            pages.append(str(page.relative_to(output)))
    return pages


def measure(browser, base: str, page_path: str, width: int, height: int = 900) -> dict:
    """Every figure of one page at one viewport (see MEASURE_JS); narrower
    than 500 px, as a phone: touch, a mobile viewport."""
    phone = width < 500
    page = browser.new_page(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    try:
        page.goto(f"{base}/{page_path}", wait_until="networkidle")
        result = page.evaluate(MEASURE_JS)
    finally:
        page.close()
    for figure in result["figures"]:
        figure["median"] = statistics.median(figure["sizes"])
        figure["smallest"] = min(figure["sizes"])
    result["bytes"] = sum(figure["bytes"] for figure in result["figures"])
    return result


def launch(playwright):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)


def main() -> None:
    from playwright.sync_api import sync_playwright

    output = Path(sys.argv[1] if len(sys.argv) > 1 else "output").resolve()
    pages = figure_pages(output)
    if not pages:
        raise SystemExit(f"no page with generated figures under {output}: build the site first")
    with sync_playwright() as playwright, serve(output) as base:
        browser = launch(playwright)
        for page_path in pages:
            for width, height in VIEWPORTS:
                result = measure(browser, base, page_path, width, height)
                print(
                    f"\n{page_path} at {width} × {height} px: sideways overflow {result['overflow']} px, "
                    f"figure files {result['bytes'] / 1e6:.2f} MB"
                )
                print(
                    f"  {'figure':<24} {'layout':<9} {'shown px':>10} {'seen':>5} {'screens':>7} "
                    f"{'median px':>9} {'smallest px':>11}"
                )
                for figure in result["figures"]:
                    print(
                        f"  {figure['name']:<24} {figure['layout']:<9} "
                        f"{figure['shown']:>4.0f}×{figure['height']:<5.0f} {figure['seen']:>5.0%} "
                        f"{figure['screens']:>7.2f} {figure['median']:>9.1f} {figure['smallest']:>11.1f}"
                    )
        browser.close()


if __name__ == "__main__":
    main()
