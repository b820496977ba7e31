"""One test per Pelican internal the plugin relies on (see
``pelican_rnn_figures/site/pelican_internals.py``): a Pelican release that changes
one fails here, by name, before any figure goes missing."""

from __future__ import annotations

import pytest
from helpers import HEADER, build_in_process
from pelican import signals
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import SafeDatetime

from pelican_rnn_figures.site import pelican_internals as internals

pytestmark = pytest.mark.fast  # no TensorFlow: `make test-fast` runs these alone


def _article(html: str, context: dict | None = None) -> Article:
    settings = {**DEFAULT_CONFIG, "SITEURL": "", "RELATIVE_URLS": False}
    metadata = {"title": "A", "date": SafeDatetime(2024, 1, 1), "slug": "a"}
    return Article(html, metadata=metadata, settings=settings, context=context or {}, source_path="a.md")


def test_content_html_is_the_readers_output_and_renders_as_set():
    article = _article("<p>as read</p>")
    assert internals.page_html(article) == "<p>as read</p>"
    internals.set_page_html(article, "<p>filled</p>")
    assert article.get_content("") == "<p>filled</p>"


def test_get_content_is_memoized_and_the_memo_can_be_dropped():
    article = _article("<p>first</p>")
    assert article.get_content("") == "<p>first</p>"
    internals.set_page_html(article, "<p>second</p>")
    assert article.get_content("") == "<p>first</p>", "Pelican no longer memoizes get_content"
    internals.forget_rendered([article])
    assert article.get_content("") == "<p>second</p>"


def test_static_links_resolve_through_registered_output_files():
    context: dict = {"static_content": {}, "generated_content": {}, "localsiteurl": ""}
    article = _article("", context)
    src = internals.static_link(article, "images/rnn-figures/x.png")
    internals.set_page_html(article, f'<img src="{src}"/>')
    assert article.get_content("") == '<img src="/images/rnn-figures/x.png"/>'
    assert context["static_content"]["images/rnn-figures/x.png"].url == "images/rnn-figures/x.png"


def test_pelicans_console_prints_a_line(capsys):
    internals.console_line("RNN figures: a line")
    assert "RNN figures: a line" in capsys.readouterr().out


@pytest.fixture
def signals_seen():
    seen: dict[str, list] = {"pages": [], "feeds": [], "contents": [], "context": []}

    def pages(path, context=None):
        seen["pages"].append(str(path))
        seen["context"].append(context)

    def feeds(path, context=None, feed=None):
        seen["feeds"].append(str(path))

    def finalized(generators):
        seen["contents"] = [content.source_path for content in internals.generated_contents(generators)]
        internals.share_with_pages(generators, "SHARED_BY_TEST", "shared")

    receivers = (pages, feeds, finalized)  # signals hold receivers weakly
    signals.content_written.connect(pages)
    signals.feed_written.connect(feeds)
    signals.all_generators_finalized.connect(finalized)
    yield seen
    signals.content_written.disconnect(receivers[0])
    signals.feed_written.disconnect(receivers[1])
    signals.all_generators_finalized.disconnect(receivers[2])


def test_pages_and_feeds_are_written_through_their_own_signals_and_contents_are_found(tmp_path, signals_seen):
    articles = {
        "one.md": HEADER.format(title="One", slug="one") + "\nText.\n",
        "two.md": HEADER.format(title="Two", slug="two") + "Status: draft\n\nText.\n",
    }
    (tmp_path / "content" / "pages").mkdir(parents=True)
    (tmp_path / "content" / "pages" / "about.md").write_text("Title: About\n\nA page.\n", encoding="utf-8")
    build_in_process(tmp_path, articles, FEED_ALL_ATOM="feeds/all.atom.xml")
    assert any(path.endswith("one.html") for path in signals_seen["pages"])
    assert not any(path.endswith(".xml") for path in signals_seen["pages"])
    assert any(path.endswith("all.atom.xml") for path in signals_seen["feeds"])
    found = {path.rsplit("/", 1)[-1] for path in signals_seen["contents"]}
    assert {"one.md", "two.md", "about.md"} <= found  # article, draft and page
    assert all(context.get("SHARED_BY_TEST") == "shared" for context in signals_seen["context"])


def test_the_console_is_widened_only_when_it_is_no_terminal(monkeypatch):
    from pelican.log import console

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(console, "_width", 80)
    monkeypatch.setattr(type(console), "is_terminal", property(lambda self: False))
    internals.widen_console_for_logs()
    assert console.width == internals.LOG_WIDTH
    monkeypatch.setattr(console, "_width", 80)
    monkeypatch.setattr(type(console), "is_terminal", property(lambda self: True))
    internals.widen_console_for_logs()
    assert console.width == 80


def test_a_writer_of_ours_changes_each_page_as_it_is_rendered(tmp_path, signals_seen):
    """``signals.get_writer``'s Writer: ``write_file`` renders through the
    template it is given and sends ``content_written`` with the context the
    page was rendered with."""
    from jinja2 import Template

    def transform(page: str, context: dict) -> str:
        context["TRANSFORMED"] = True
        return page.replace("</body>", "<!--changed--></body>")

    writer_class = internals.writer_transforming_pages(transform)
    assert internals.writer_transforming_pages(transform) is writer_class  # one class, every build
    settings = {**DEFAULT_CONFIG, "OUTPUT_PATH": str(tmp_path)}
    writer = writer_class(str(tmp_path), settings=settings)
    template = Template("<html><body>{{ title }}</body></html>")
    writer.write_file("page.html", template, {"localsiteurl": ""}, title="Hello")
    assert (tmp_path / "page.html").read_text(
        encoding="utf-8"
    ) == "<html><body>Hello<!--changed--></body></html>"
    assert signals_seen["pages"] == [str(tmp_path / "page.html")]
    assert signals_seen["context"][0]["TRANSFORMED"] is True


def test_a_fatal_build_stops_at_a_logged_warning_with_the_error_the_plugin_lets_through(monkeypatch):
    import logging

    from pelican.log import FatalLogger

    logger = FatalLogger("pelican_rnn_figures.test_fatal")
    logger.addHandler(logging.NullHandler())
    monkeypatch.setattr(FatalLogger, "fatal_lvl", logging.WARNING)
    with pytest.raises(RuntimeError) as raised:
        logger.warning("changed since its figures were made")
    assert internals.is_fatal_log_stop(raised.value)
    assert not internals.is_fatal_log_stop(RuntimeError("a bug of ours"))
    monkeypatch.setattr(FatalLogger, "fatal_lvl", logging.CRITICAL + 1)
    assert not internals.is_fatal_log_stop(raised.value)  # not a --fatal build
