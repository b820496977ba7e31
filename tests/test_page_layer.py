"""What a page adds to its figures (SVG at natural size, text layer, tooltips)
and what feeds keep (a plain PNG), in real builds."""

from __future__ import annotations

import json
import re

import pytest
from figure_checks import check_figure, check_portrait_figure
from helpers import HEADER, build, build_in_process, run_pelican, span_regions

from pelican_rnn_figures.site.page_layer import STYLE_ID

ARTICLE = (
    HEADER.format(title="Layered", slug="layered")
    + """Rnn_example: I=[0.5, 0.4] am=[0.3, 0.1] groot=[0.7, 0.5]

A layer drawn where the author put its image:

```python
model = Sequential([Input((3, 2)), SimpleRNN(4)])
```

![](/images/by-reference.png)

And one drawn right after its code:

```python rnn-figure caption="An LSTM" name=explicit
model = Sequential([Input((3, 2)), LSTM(3)])
```
"""
)
FEEDS = 'FEED_ALL_ATOM = "feeds/all.atom.xml"\nCACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True'


@pytest.fixture(scope="module")
def layered(tmp_path_factory):
    result = build(tmp_path_factory.mktemp("layered"), {"layered.md": ARTICLE}, extra=FEEDS)
    assert result.returncode == 0, result.log
    return result


def page_regions(frame) -> list[list]:
    """A figure's text layer as the page has it."""
    return span_regions(frame.select(".rnn-figure-layer span"))


def test_pages_show_the_svg_with_a_true_text_layer(layered):
    page = layered.page("layered.html")
    frames = page.select(".rnn-figure-box .rnn-landscape")
    assert len(frames) == 2
    style = page.head.find("style", id=STYLE_ID).get_text()
    for frame in frames:
        _check_portrait_frame(layered, frame, style)
        source, img = frame.select_one("picture source"), frame.select_one("picture img")
        assert source["type"] == "image/svg+xml" and source["srcset"].endswith(".svg")
        assert (layered.output / source["srcset"].lstrip("/")).is_file()
        assert img["src"].endswith(".png") and int(img["width"]) > 0
        # Shown at its natural size (the width Pelican's reader reserves), never shrunk.
        assert f"width:{img['width']}px" in img["style"]
        tips = [span["data-tip"] for span in frame.select(".rnn-figure-layer [data-tip]")]
        assert len(tips) >= 3 * 2 + 3 * 3, tips  # every input and state cell at least
        # Each tooltip over its own cell: the value of the layer, step and unit
        # it names, the one the SVG shows there (cell_checks.py).
        check_figure(layered.output / img["src"].lstrip("/"), regions=page_regions(frame))
        # Tokens are in the text layer, for the browser's find.
        texts = {span.get_text() for span in frame.select(".rnn-figure-layer span")}
        assert {"I", "am", "groot"} <= texts
        assert frame.find_next("a", class_="rnn-figure-open")["href"].endswith(".svg")
    assert len(page.find_all("style", id=STYLE_ID)) == 1
    assert page.head.find("style", id=STYLE_ID) is not None


def _check_portrait_frame(layered, frame, style: str) -> None:
    """Beside the landscape frame, the portrait one: its SVG, its own true text
    layer, shown (a container query) in a box narrower than the landscape figure."""
    portrait = frame.find_next_sibling("span", class_="rnn-portrait")
    assert portrait is not None and portrait.img["src"].endswith(".portrait.svg")
    png = layered.output / frame.select_one("picture img")["src"].lstrip("/")
    assert (layered.output / portrait.img["src"].lstrip("/")).is_file()
    assert portrait.img["alt"] == frame.select_one("picture img")["alt"]
    data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    check_portrait_figure(png, data, regions=page_regions(portrait))
    landscape_width = int(frame.select_one("picture img")["width"])
    threshold = -(-landscape_width // 10)
    assert f"rnn-w{threshold}" in frame.parent["class"]
    assert f"@container (max-width:{threshold * 10 - 0.02}px){{.rnn-w{threshold}>.rnn-landscape{{display:none}}" in style


def test_figures_are_numbered_in_page_order(layered):
    page = layered.page("layered.html")
    [caption] = page.select("figure.rnn-figure figcaption")
    # The image-reference figure is the page's first figure, so this is Figure 2.
    assert caption.get_text() == "Figure 2. An LSTM"


def test_feeds_get_a_plain_png(layered):
    feed = (layered.output / "feeds/all.atom.xml").read_text(encoding="utf-8")
    assert "by-reference.png" in feed and "explicit.png" in feed
    for page_only in ("rnn-figure-layer", "picture", "data-tip", STYLE_ID):
        assert page_only not in feed


def test_pages_without_figures_are_untouched(layered):
    for name in ("archives.html", "tags.html"):
        assert "rnn-figure" not in (layered.output / name).read_text(encoding="utf-8")


def test_a_rebuild_from_pelicans_reader_cache_adds_each_layer_once(layered):
    again = run_pelican(layered.root)
    assert again.returncode == 0, again.log
    text = (again.output / "layered.html").read_text(encoding="utf-8")
    assert text.count('class="rnn-figure-layer"') == 2 * 2  # the landscape and the portrait layout's
    assert text.count(f'id="{STYLE_ID}"') == 1
    assert re.search(r"Figure 2\. An LSTM", text)


HUGE = (
    HEADER.format(title="Huge", slug="huge")
    + """
Two long inputs, three wide layers:

```python rnn-figure name=huge
e = keras.Input((200, 8))
d = keras.Input((200, 8))
_, h, c = LSTM(64, return_state=True)(LSTM(64, return_sequences=True)(e))
model = keras.Model([e, d], LSTM(64, return_sequences=True)(d, initial_state=[h, c]))
```
"""
)


def test_a_figure_too_large_to_read_is_drawn_with_a_warning_at_its_fence(tmp_path):
    result = build(tmp_path, {"huge.md": HUGE})
    assert result.returncode == 0, result.log
    fence = HUGE.splitlines().index("```python rnn-figure name=huge") + 1
    assert f"huge.md:{fence}: figure size: the figure is" in result.log, result.log
    assert "layers=" in result.log and "ERROR" not in result.log
    assert (result.output / "images/rnn-figures/huge.png").is_file()


def test_lists_of_articles_show_figures_without_their_text_layers(layered):
    """The index (and category, author, tag pages) show each figure as the
    article does, boxed, as its SVG, with its link; the text layer (a figure's
    every value again, as HTML) only in the article's own page."""
    index = layered.page("index.html")
    article = layered.page("layered.html")
    assert index.select(".rnn-figure-box picture") and index.select("a.rnn-figure-open")
    assert len(index.select(".rnn-figure-box")) == len(article.select(".rnn-figure-box"))
    assert not index.select(".rnn-figure-layer")
    assert len(article.select(".rnn-landscape .rnn-figure-layer")) == len(article.select(".rnn-figure-box"))


def test_pages_another_plugins_writer_writes_are_changed_after_writing(tmp_path):
    """Pelican uses the first writer a plugin gives: when it is not ours, each
    written page is rewritten in place (``content_written``), to the same end."""
    from pelican import signals
    from pelican.writers import Writer

    class OtherWriter(Writer):
        pages: list[str] = []

        def write_file(self, name, *args, **kwargs):
            OtherWriter.pages.append(name)
            return super().write_file(name, *args, **kwargs)

    def other_writer(pelican):
        return OtherWriter

    from pelican_rnn_figures.site import plugin

    # Before ours (connected by an earlier build of this process, if any): Pelican takes it.
    signals.get_writer.disconnect(plugin.get_writer)
    signals.get_writer.connect(other_writer)
    signals.get_writer.connect(plugin.get_writer)
    try:
        result = build_in_process(tmp_path, {"layered.md": ARTICLE}, RNN_FIGURES_EXECUTE="auto")
    finally:
        signals.get_writer.disconnect(other_writer)
    assert "layered.html" in OtherWriter.pages  # written by it, not by ours
    page = result.page("layered.html")
    assert len(page.select(".rnn-figure-box .rnn-landscape .rnn-figure-layer")) == 2
    index = result.page("index.html")
    assert index.select(".rnn-figure-box picture") and not index.select(".rnn-figure-layer")
