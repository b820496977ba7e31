"""The demo site as readers see it: every page in headless Chromium."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing (apt-get install chromium); CI must run the browser test")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(demo_build):
    handler = functools.partial(QuietHandler, directory=str(demo_build.output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", demo_build.output
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _pages(output: Path) -> list[str]:
    return sorted(str(p.relative_to(output)) for p in output.rglob("*.html"))


def test_every_page_loads_its_images_without_console_errors(browser, site):
    base, output = site
    pages = _pages(output)
    assert "drafts/illustrated-lstm-keras.html" in pages
    ARTIFACTS.mkdir(exist_ok=True)
    for relative in pages:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, p=problems: p.append(str(e)))
        page.on(
            "response", lambda r, p=problems: p.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        page.goto(f"{base}/{relative}", wait_until="load")
        # Figures load lazily: make every one of them load before judging it.
        page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
        page.wait_for_load_state("networkidle")
        page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=15_000)
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
        )
        assert broken == [], f"{relative}: broken images {broken}"
        assert problems == [], f"{relative}: console errors {problems}"
        page.close()


@pytest.mark.parametrize(
    ("article", "images"),
    [("drafts/illustrated-lstm-keras.html", 5), ("keras-recurrent-layers-tour.html", 15)],
)
def test_figures_fit_the_column_at_their_intended_size(browser, site, article, images):
    base, _ = site
    for width in (1280, 800, 420):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{base}/{article}", wait_until="networkidle")
        page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
        page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=15_000)
        sizes = page.evaluate(
            """Array.from(document.images).map(i => ({
                src: i.getAttribute('src'), shown: i.getBoundingClientRect().width,
                intended: Number(i.getAttribute('width')), column: i.closest('p, figure, div, article, section').clientWidth}))"""
        )
        assert len(sizes) == images
        for size in sizes:
            assert size["intended"] > 0, size
            assert size["shown"] <= size["column"] + 1, (width, size)
            assert size["shown"] >= min(size["intended"], size["column"]) - 1, (width, size)
        name = article.rsplit("/", 1)[-1].removesuffix(".html")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}px.png"), full_page=True)
        page.close()


def test_svg_follows_the_readers_colour_scheme(browser, site):
    base, _ = site
    fills = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(color_scheme=scheme)
        page.goto(f"{base}/images/rnn-stacked.svg", wait_until="load")
        fills[scheme] = page.evaluate(
            """[getComputedStyle(document.querySelector('#background path')).fill,
                getComputedStyle(document.querySelector('g[id^="ink-"] text')).fill]"""
        )
        page.screenshot(path=str(ARTIFACTS / f"rnn-stacked-svg-{scheme}.png"))
        page.close()
    assert fills["light"] == ["rgb(255, 255, 255)", "rgb(31, 41, 51)"]
    assert fills["dark"][0] != fills["light"][0] and fills["dark"][1] != fills["light"][1]
