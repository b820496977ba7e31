"""Figures in the themes bloggers use, in headless Chromium: Pelican's default
theme (its article page and every page that lists articles, where the newest
one is "featured" in full), its ``simple`` theme, and Reflex (a maintained
fork of Flex) light, dark by its setting, and auto. And every cell's tooltip,
whole, hovered at 1280 px and tapped on a phone.

The figures are the demo site's (``demo_build``, built once per session);
each theme's site is built again from its cache, warm, without TensorFlow.
"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from helpers import REPO, make_site, run_pelican

sys.path.insert(0, str(REPO / "benchmarks"))
from legibility import serve  # noqa: E402

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts"
ARTICLE = "keras-recurrent-layers-tour.html"
# The article's own page, then each page that lists it (archives: titles only).
PAGES = [ARTICLE, "index.html", "category/nlp.html", "tag/keras.html", "author/amit-chaudhary.html"]
PAGES += ["archives.html"]
# Reflex's footer reads CC_LICENSE (an empty one: no licence shown); its
# fonts come from Google unless told not to, and tests load nothing from other sites.
REFLEX = 'THEME = "reflex"\nCC_LICENSE = {}\nUSE_GOOGLE_FONTS = False\n'
THEMES = {
    "default": "",
    "simple": 'THEME = "simple"\n',
    "reflex-light": REFLEX + 'THEME_COLOR = "light"\n',
    "reflex-dark": REFLEX + 'THEME_COLOR = "dark"\n',
    "reflex-auto": REFLEX + "THEME_COLOR_AUTO_DETECT_BROWSER_PREFERENCE = True\n",
}
PHONE = {"is_mobile": True, "has_touch": True}


def _articles(content: Path) -> dict[str, str]:
    """The demo's articles, the tour made the newest (so the default theme's
    index, category, tag and author pages show it in full) and tagged."""
    articles = {path.name: path.read_text(encoding="utf-8") for path in content.glob("*.md")}
    tour = articles["keras-recurrent-layers-tour.md"]
    assert "Date: 2020-04-12 10:00\n" in tour
    articles["keras-recurrent-layers-tour.md"] = tour.replace(
        "Date: 2020-04-12 10:00\n", "Date: 2030-04-12 10:00\nTags: keras\n"
    )
    return articles


@pytest.fixture(scope="module")
def sites(demo_build, tmp_path_factory) -> Iterator[dict[str, str]]:
    """Each theme's site, built warm from the demo's figures, served: name -> base URL."""
    pytest.importorskip("pelican.themes.reflex", reason="pip install pelican-theme-reflex")
    ARTIFACTS.mkdir(exist_ok=True)
    root = tmp_path_factory.mktemp("themes")
    cache = root / "cache"
    shutil.copytree(demo_build.root / "cache", cache)
    articles = _articles(demo_build.root / "content")
    plugin_settings = f"RNN_FIGURES_SEED = 42\nDEFAULT_PAGINATION = 10\nCACHE_PATH = {str(cache)!r}\n"
    with ExitStack() as stack:
        bases = {}
        for name, theme in THEMES.items():
            built = run_pelican(make_site(root / name, articles, plugin_settings + theme))
            assert built.returncode == 0, built.log
            assert "RNN figures: 0 generated" in built.log, built.log  # warm: no TensorFlow
            bases[name] = stack.enter_context(serve(built.output))
        yield bases


# Each figure as shown (its natural width, its box's, its text column's), text
# of the page outside the figures that a figure's box covers, and how far the
# figures make the page scroll sideways.
GEOMETRY_JS = """() => {
  const boxes = [...document.querySelectorAll('.rnn-figure-box')];
  const rects = boxes.map(b => b.getBoundingClientRect());
  const overlaps = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    if (!node.textContent.trim() || node.parentElement.closest('.rnn-figure-box, script, style')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const t of range.getClientRects()) for (const r of rects)
      if (t.width > 0 && t.left < r.right - 1 && t.right > r.left + 1 && t.top < r.bottom - 1 && t.bottom > r.top + 1)
        overlaps.push(node.textContent.trim().slice(0, 40));
  }
  const figures = boxes.map((b, i) => {
    // The layout shown: the landscape one, or the portrait one in a narrow box.
    const shownFrame = [...b.querySelectorAll('.rnn-figure-frame')].find(f => getComputedStyle(f).display !== 'none');
    const img = shownFrame.querySelector('img');
    const column = (b.parentElement.closest('figure.rnn-figure') || b.parentElement).parentElement;
    const style = getComputedStyle(column);
    const shown = img.getBoundingClientRect(), frame = shownFrame.getBoundingClientRect();
    return {name: b.querySelector('img[data-rnn-figure]').dataset.rnnFigure, natural: [+img.getAttribute('width'), +img.getAttribute('height')],
            shown: [shown.width, shown.height], box: [rects[i].width, rects[i].height],
            frame: [frame.left - shown.left, frame.top - shown.top, frame.width, frame.height],
            column: column.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)};
  });
  // Sideways scrolling the figures cause (a theme's own wide code blocks aside).
  const root = document.documentElement, scrolled = root.scrollWidth;
  boxes.forEach(b => { b.style.display = 'none'; });
  const without = root.scrollWidth;
  boxes.forEach(b => { b.style.display = ''; });
  return {overflow: scrolled - Math.max(without, root.clientWidth), figures, overlaps};
}"""


def _check_shown(shown: dict, where: tuple) -> None:
    """One page's figures as GEOMETRY_JS found them (``where``: theme, width, page)."""
    assert shown["overflow"] <= 0, (*where, "the figures make the page scroll sideways")
    assert shown["overlaps"] == [], where
    for figure in shown["figures"]:
        (width, height), (box_width, box_height) = figure["natural"], figure["box"]
        # At its natural size, never shrunk.
        assert all(abs(a - b) < 0.5 for a, b in zip(figure["shown"], figure["natural"], strict=True)), figure
        # As wide as the column lets it be (less a theme's border or padding
        # around figures), and as high as the figure: all of it shown, or scrolled.
        assert min(width, figure["column"]) - 8 <= box_width <= figure["column"] + 1, (*where, figure)
        assert box_height >= height - 1, (*where, figure)
        # The text layer is placed in percentages of the frame: it must be the image's box.
        assert all(abs(a - b) < 0.5 for a, b in zip(figure["frame"], [0, 0, width, height], strict=True)), (
            *where,
            figure,
        )


@pytest.mark.parametrize("theme", THEMES)
def test_figures_keep_their_size_and_cover_no_text_in_every_theme(browser, sites, theme):
    """In Pelican's default theme, ``#featured figure {float:right;
    max-width:248px}`` caught the newest article's figures on every list of
    articles: squeezed to 248 px, beside one-word columns of text."""
    for width in (1280, 390):
        phone = PHONE if width < 500 else {}
        context = browser.new_context(viewport={"width": width, "height": 900}, **phone)
        page = context.new_page()
        for relative in PAGES:
            page.goto(f"{sites[theme]}/{relative}", wait_until="load")
            shown = page.evaluate(GEOMETRY_JS)
            _check_shown(shown, (theme, width, relative))
            # The default theme shows the newest article in full on each list of articles.
            if relative == ARTICLE or (theme == "default" and relative != "archives.html"):
                assert len(shown["figures"]) == 15, (theme, width, relative)
            if relative in (ARTICLE, "index.html"):
                name = f"theme-{theme}-{relative.removesuffix('.html')}-{width}px.png"
                page.screenshot(path=str(ARTIFACTS / name), full_page=not phone and relative == "index.html")
        context.close()


# Every cell's tooltip in turn (the cell under the pointer, or the focused one,
# as a tap focuses it): shown, saying the cell's data-tip, its text not cut
# (scrollWidth), inside the window, beside the cell rather than over it.
TOOLTIPS_JS = """(tap) => {
  const W = document.documentElement.clientWidth, H = window.innerHeight;
  // The cells of the layout shown (a box shows its landscape or its portrait layout).
  const cells = [...document.querySelectorAll('.rnn-figure-layer [data-tip]')].filter(c => c.getClientRects().length);
  const bad = [];
  for (const cell of cells) {
    cell.scrollIntoView({block: 'center', inline: 'center'});
    if (tap) cell.focus({preventScroll: true});
    else cell.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    const tip = document.querySelector('.rnn-figure-tip');
    const r = tip && getComputedStyle(tip).display !== 'none' ? tip.getBoundingClientRect() : null;
    const c = cell.getBoundingClientRect();
    const whole = r !== null && tip.textContent === cell.dataset.tip && tip.scrollWidth <= tip.clientWidth + 1
        && r.left >= 0 && r.right <= W && r.top >= 0 && r.bottom <= H
        && !(r.left < c.right - 1 && r.right > c.left + 1 && r.top < c.bottom - 1 && r.bottom > c.top + 1);
    if (!whole) bad.push([cell.dataset.tip, r && [r.left, r.top, r.right, r.bottom]]);
    if (tap) cell.blur();
  }
  return {count: cells.length, bad};
}"""

# A figure's right-most cell (its tooltip was cut or squashed); -1: none (a schematic).
RIGHTMOST = """frame => { const cells = [...frame.querySelectorAll('[data-tip]')];
  const right = Math.max(...cells.map(c => c.getBoundingClientRect().right));
  return cells.findIndex(c => c.getBoundingClientRect().right === right); }"""


def _tip_of(page) -> dict:
    return page.evaluate(
        """() => { const t = document.querySelector('.rnn-figure-tip'); const r = t.getBoundingClientRect();
           return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                   cut: t.scrollWidth > t.clientWidth + 1, width: document.documentElement.clientWidth}; }"""
    )


@pytest.mark.parametrize(("theme", "width"), [("default", 1280), ("default", 360), ("reflex-dark", 390)])
def test_every_tooltip_is_whole_hovered_or_tapped(browser, sites, theme, width):
    """Tooltips of right-hand cells were squashed ("inp", `.end::after`
    losing to `:hover::after`), and on a phone cut at the edge of the
    figure's box. Every cell through the page's own events, then each
    figure's right-most cell by a real hover or tap."""
    tap = width < 500
    context = browser.new_context(viewport={"width": width, "height": 800}, **(PHONE if tap else {}))
    page = context.new_page()
    page.goto(f"{sites[theme]}/{ARTICLE}", wait_until="load")
    every = page.evaluate(TOOLTIPS_JS, tap)
    assert (
        every["count"] > 400 and every["bad"] == []
    )  # (the portrait layout shows fewer cells), (theme, width, every["bad"][:5], len(every["bad"]))
    frames = page.locator(".rnn-figure-frame")
    for index in range(frames.count()):
        frame = frames.nth(index)
        if not frame.is_visible():  # the layout the box does not show
            continue
        rightmost = frame.evaluate(RIGHTMOST)
        if rightmost < 0:
            continue
        cell = frame.locator("[data-tip]").nth(rightmost)
        cell.tap() if tap else cell.hover()
        tip = _tip_of(page)
        assert tip["text"] == cell.get_attribute("data-tip") and not tip["cut"], tip
        assert tip["left"] >= 0 and tip["right"] <= tip["width"] and tip["top"] >= 0, tip
        if index == 0:
            page.screenshot(path=str(ARTIFACTS / f"tooltip-{theme}-{width}px.png"))
    if tap:  # a cell tapped in a figure that scrolls, scrolled out of its box: its tooltip goes too
        wide = page.locator(".rnn-figure-box.rnn-scrolls .rnn-figure-frame:visible").last
        wide.locator("[data-tip]").nth(wide.evaluate(RIGHTMOST)).tap()
        page.evaluate("() => { document.activeElement.closest('.rnn-figure-box').scrollLeft = 0; }")
        page.wait_for_function("() => document.querySelector('.rnn-figure-tip').hidden", timeout=5_000)
    context.close()


def test_without_javascript_a_right_hand_cells_tooltip_is_whole(browser, sites):
    """With JavaScript off the cell's own ::after is the tooltip: a cell at
    the figure's right edge anchors it to its right side, at its full width."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{sites['default']}/{ARTICLE}", wait_until="load")
    frame = page.locator(".rnn-figure-frame").first
    cell = frame.locator("[data-tip]").nth(frame.evaluate(RIGHTMOST))
    cell.hover()
    shown = cell.evaluate(
        """c => { const a = getComputedStyle(c, '::after'), box = c.closest('.rnn-figure-box').getBoundingClientRect();
           const ctx = document.createElement('canvas').getContext('2d'); ctx.font = a.font;
           const right = c.getBoundingClientRect().right - parseFloat(a.right);
           return {content: a.content, width: parseFloat(a.width), text: ctx.measureText(c.dataset.tip).width,
                   right, left: right - parseFloat(a.width) - parseFloat(a.paddingLeft) - parseFloat(a.paddingRight),
                   box: [box.left, box.right]}; }"""
    )
    assert cell.get_attribute("data-tip") in shown["content"], shown
    assert shown["width"] >= shown["text"] - 1, shown  # not squashed
    assert shown["box"][0] <= shown["left"] and shown["right"] <= shown["box"][1] + 1, shown  # inside the box
    page.screenshot(path=str(ARTIFACTS / "tooltip-no-javascript-1280px.png"))
    context.close()


def _figure_is_dark(page) -> bool:
    """Whether the first figure, as the page shows it, has a dark background."""
    from PIL import Image

    img = page.locator("img[data-rnn-figure]").first
    img.scroll_into_view_if_needed()
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
    box = img.bounding_box()
    assert box is not None
    shot = page.screenshot(clip={"x": box["x"] + 2, "y": box["y"] + 2, "width": 4, "height": 4})
    red, green, blue = Image.open(io.BytesIO(shot)).convert("RGB").getpixel((1, 1))
    return (red + green + blue) / 3 < 100


# Theme, the reader's system, and whether the page and so its figures are dark.
SCHEMES = [
    ("default", "light", False),
    ("default", "dark", True),  # the default theme follows the system; so do the figures
    ("simple", "dark", True),
    ("reflex-light", "light", False),
    ("reflex-light", "dark", False),  # the theme says light: a light figure on a dark system
    ("reflex-dark", "light", True),  # the theme says dark (body.dark-theme)
    ("reflex-dark", "dark", True),
    ("reflex-auto", "light", False),
    ("reflex-auto", "dark", True),
]


@pytest.mark.parametrize(("theme", "scheme", "dark"), SCHEMES)
def test_figures_follow_the_themes_dark_mode(browser, sites, theme, scheme, dark):
    page = browser.new_page(color_scheme=scheme, viewport={"width": 1280, "height": 800})
    page.goto(f"{sites[theme]}/{ARTICLE}", wait_until="load")
    assert _figure_is_dark(page) == dark, (theme, scheme)
    if theme.startswith("reflex"):  # the theme really is as dark as we expect
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        channels = [int(value) for value in background[4:-1].split(",")[:3]]
        assert (sum(channels) / 3 < 100) == dark, background
        page.screenshot(path=str(ARTIFACTS / f"theme-{theme}-system-{scheme}.png"))
    if theme == "reflex-light" and scheme == "light":
        # Reflex's switch (THEME_COLOR_ENABLE_USER_OVERRIDE) swaps the class on <body>: the figures follow.
        page.evaluate("document.body.classList.replace('light-theme', 'dark-theme')")
        assert _figure_is_dark(page)
    page.close()
