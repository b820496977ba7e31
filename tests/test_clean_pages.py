"""Nothing a snippet raises or prints breaks the site: built for real, as a
user runs ``pelican content``, with Atom and RSS feeds on (Pelican's
default, and what published sites have).

Keras' error texts and progress bars carry terminal codes; a snippet may
print a NUL or a lone surrogate, raise an exception of a megabyte, or one
whose ``str()`` raises. Every page and feed is still written, parses as XML
where it is XML, carries no control character but newline and tab, and each
failure is one message at its article line.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest
from figure_checks import check_figure
from helpers import HEADER, build

FEEDS = """\
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/{slug}.rss.xml"
"""
MODEL = "model = Sequential([Input((3, 2)), SimpleRNN(2)])\n"
# slug: (code, what the failure's message says, or None for a snippet that works)
SNIPPETS = {
    "keras-error": (MODEL + "model(np.zeros((1, 4, 5)))\n", "Matrix size-incompatible"),
    "progress-bar": (
        MODEL + 'model.compile("adam", "mse")\nmodel.fit(np.zeros((4, 3, 2)), np.zeros((4, 2)), epochs=2)\n',
        None,
    ),
    "odd-prints": (MODEL + 'print("nul \\x00 bell \\x07 \\x1b[31mred\\x1b[0m lone \\udcff end")\n', None),
    "terminal-raise": (
        MODEL + 'raise ValueError("\\x1b[1mbold\\x1b[0m \\x00 <b>tag</b>")\n',
        "bold  <b>tag</b>",
    ),
    "megabyte-raise": (MODEL + 'raise ValueError("z" * 1_000_000)\n', "more characters"),
    "str-raises": (
        MODEL + "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n"
        "raise Odd()\n",
        "str() failed",
    ),
}
# XML 1.0 refuses these; no page should carry them either.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def article(slug: str, code: str) -> str:
    return (
        HEADER.format(title=slug, slug=slug)
        + "Category: tests\n\nSome text.\n\n"
        + f"```python\n{code}```\n\n![](/images/{slug}.png)\n"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    articles = {f"{slug}.md": article(slug, code) for slug, (code, _) in SNIPPETS.items()}
    return build(root, articles, extra=FEEDS)


def test_every_page_and_feed_is_written_and_clean(site):
    assert site.returncode == 0, site.log
    assert "CRITICAL" not in site.log, site.log
    for slug in SNIPPETS:
        assert (site.output / f"{slug}.html").is_file(), slug
    feeds = sorted((site.output / "feeds").glob("*.xml"))
    assert len(feeds) == 4
    for path in [*feeds, *site.output.rglob("*.svg")]:
        ElementTree.parse(path)  # raises on what XML refuses
    for path in [*site.output.rglob("*.html"), *feeds]:
        text = path.read_text(encoding="utf-8")
        assert not CONTROL.search(text), (path, CONTROL.search(text))
    assert "\x1b" not in site.log


def test_each_failure_is_one_message_at_its_line_and_its_box(site):
    for slug, (code, said) in SNIPPETS.items():
        errors = [line for line in site.log.splitlines() if f"{slug}.md:" in line and "figure failed" in line]
        if said is None:
            assert not errors, errors
            check_figure(site.output / "images" / f"{slug}.png")
            continue
        [error] = errors
        fence = article(slug, code).splitlines().index("```python") + 1
        assert f"{slug}.md:" in error and f":{fence + len(code.splitlines())}:" in error, error
        box = site.page(f"{slug}.html").select_one(".rnn-figure-error")
        assert box is not None and said in box.get_text(), (slug, box)
        assert len(box.get_text()) < 6_000, slug


def test_what_was_printed_is_shown_as_a_terminal_shows_it(site):
    odd = site.page("odd-prints.html").select_one(".rnn-figure-output").get_text()
    assert odd.strip() == "nul  bell  red lone  end"
    bar = site.page("progress-bar.html").select_one(".rnn-figure-output").get_text()
    assert "Epoch 2/2" in bar and "━" in bar and "loss" in bar
    assert bar.count("1/1") == 2  # each epoch's bar in its last state, once
