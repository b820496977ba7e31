"""The demo site as readers see it: every page in headless Chromium."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from figure_checks import typical
from helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from legibility import measure, serve  # noqa: E402

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def site(demo_build):
    with serve(demo_build.output) as base:
        yield base, demo_build.output


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


# Each article, its number of figures, and whether one fits the 1280 px column
# (three steps do; the adder reads five digits, so both its figures scroll).
ARTICLES = [
    ("drafts/illustrated-lstm-keras.html", 5, True),
    ("keras-recurrent-layers-tour.html", 15, True),
    ("rnn-running-sum.html", 2, False),
    ("attention-reverses-digits.html", 2, True),
    ("words-decide-the-sentiment.html", 2, True),
]


@pytest.mark.parametrize(("article", "figures", "one_fits"), ARTICLES)
def test_figures_are_legible_where_the_reader_meets_them(browser, site, article, figures, one_fits):
    """The README's legibility rules, measured as benchmarks/legibility.py does:
    text size as rendered, sideways scrolling, figure bytes."""
    base, _ = site
    for width in (1280, 800, 420):
        result = measure(browser, base, article, width)
        assert len(result["figures"]) == figures
        assert result["overflow"] <= 0, (width, "the page scrolls sideways")
        for figure in result["figures"]:
            if width >= 1280 and figure["layout"] == "landscape":  # the portrait's values: 11-12 px
                assert figure["median"] >= 12, (width, figure["name"], figure["median"])
                assert figure["smallest"] >= 10, (width, figure["name"], figure["smallest"])
            assert figure["smallest"] >= 9, (width, figure["name"], figure["smallest"])
        if width == 1280:
            assert result["bytes"] <= 1_000_000, result["bytes"]
            assert all(figure["bytes"] > 0 for figure in result["figures"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{base}/{article}", wait_until="networkidle")
        page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
        page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=15_000)
        # Each figure box stays inside the text column; a wider figure scrolls in it.
        boxes = page.evaluate(
            """Array.from(document.querySelectorAll('.rnn-figure-box')).map(b => ({
                box: b.getBoundingClientRect().width, figure: b.scrollWidth,
                column: b.parentElement.closest('p, figure, div, article, section').clientWidth}))"""
        )
        assert len(boxes) == figures
        for box in boxes:
            assert box["box"] <= box["column"] + 1, (width, box)
        # A figure wider than its box says so under it, and only such a figure.
        hints = page.evaluate(
            """Array.from(document.querySelectorAll('.rnn-figure-box')).map(b => [b.scrollWidth > b.clientWidth + 1,
                getComputedStyle(b.nextElementSibling, '::before').content.includes('scroll')])"""
        )
        assert all(scrolls == hinted for scrolls, hinted in hints), (width, hints)
        if width == 1280 and one_fits:  # a three-step figure fits the column of Pelican's default theme
            assert not all(scrolls for scrolls, _ in hints), hints
        name = article.rsplit("/", 1)[-1].removesuffix(".html")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}px.png"), full_page=True)
        page.close()


def _typical(output: Path, name: str) -> bool:
    data = json.loads(next(output.rglob(f"{name}.json")).read_text(encoding="utf-8"))
    return typical(data)


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844), (360, 780)])
def test_a_typical_figure_is_seen_whole_on_a_phone_and_a_laptop(browser, site, width, height):
    """Rules 1 and 2 of the README's "In the page": every typical figure of
    the demo seen whole without scrolling in its box, its smallest text at
    least 10 px, at most 2.5 screens tall; on a phone the portrait layout
    shows it, and a figure that scrolls in its box says so."""
    base, output = site
    seen = 0
    for article, _, _ in ARTICLES:
        for figure in measure(browser, base, article, width, height)["figures"]:
            if not _typical(output, figure["name"]):
                continue
            seen += 1
            where = (article, width, figure["name"], figure["layout"])
            assert figure["seen"] >= 0.999, (*where, f"{figure['seen']:.0%} of its width seen")
            assert figure["smallest"] >= 10, (*where, figure["smallest"])
            assert figure["screens"] <= 2.5, (*where, figure["screens"])
            if width < 500 and figure["name"].startswith(("tour-", "rnn-", "adder-")):
                assert figure["layout"] == "portrait", where
    assert seen >= 18, seen


def test_a_cell_tells_its_exact_value_on_hover_and_find_finds_values(browser, site):
    base, output = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/keras-recurrent-layers-tour.html", wait_until="networkidle")
    frame = page.locator('img[data-rnn-figure$="tour-lstm"]').locator("xpath=ancestor::span[1]")
    frame.scroll_into_view_if_needed()
    data = json.loads((output / "images/rnn-figures/tour-lstm.json").read_text())
    h2 = data["layers"][0]["states"][1]
    cell = frame.locator('[data-tip^="h₂ of "]').nth(2)
    tip = cell.get_attribute("data-tip")
    assert tip == f"h₂ of {data['layers'][0]['name']}, unit 3: {h2[2]:.4f}".replace("-", "\u2212")
    cell.hover()  # the page's one tooltip element (with JavaScript off, the cell's ::after)
    assert page.locator(".rnn-figure-tip").inner_text() == tip
    page.screenshot(path=str(ARTIFACTS / "tour-lstm-hover.png"))
    # The find bar lands in the figure's text layer: on a value and on a token.
    gates = frame.locator(
        ".rnn-figure-layer > span:not([data-tip])", has_text=re.compile(r"^f\.\d")
    ).first.inner_text()
    for text in (gates, cell.inner_text()):
        page.evaluate("() => document.getSelection().removeAllRanges()")
        assert page.evaluate("t => window.find(t)", text), text
        assert page.evaluate(
            "() => !!document.getSelection().anchorNode.parentElement.closest('.rnn-figure-layer')"
        )
    page.close()


def test_pages_without_javascript_show_the_same_figures(browser, site):
    base, _ = site
    context = browser.new_context(java_script_enabled=False, viewport={"width": 420, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/drafts/illustrated-lstm-keras.html", wait_until="networkidle")
    # At 420 px the page shows the portrait layout, with its own text layer.
    frame = page.locator('.rnn-figure-box:has(img[data-rnn-figure$="rnn-stacked"]) .rnn-portrait')
    frame.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    shown = page.evaluate(
        "[...document.querySelectorAll('.rnn-figure-frame img')].filter(i => i.getBoundingClientRect().width)"
        ".map(i => [i.currentSrc, i.naturalWidth])"
    )
    assert len(shown) == 5 and all(src.endswith(".svg") and width > 0 for src, width in shown), shown
    assert sum(src.endswith(".portrait.svg") for src, _ in shown) == 4, shown
    cell = frame.locator("[data-tip]").first
    cell.click()  # a tap: the cell takes focus, and its tooltip shows
    tip = cell.get_attribute("data-tip")
    assert tip.startswith("input x₁") and tip in page.evaluate(
        "e => getComputedStyle(e, '::after').content", cell.element_handle()
    )
    context.close()


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
