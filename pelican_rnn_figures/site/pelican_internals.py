"""Every Pelican internal the plugin relies on, in one place.

Pelican's documented plugin API (signals, settings, ``content.metadata``) does
not reach far enough for figures, so the plugin also uses these; each has a
test of its own in ``tests/test_pelican_internals.py``, so a Pelican release
that changes one fails there, by name:

* ``content._content``: the HTML the reader produced, before Pelican's link
  replacement; figures are filled in there.
* ``Content.get_content`` is memoized (``memoized``'s ``.cache`` dict, keyed by
  ``(content, siteurl)``): pages changed after a first render must be dropped
  from it.
* ``{static}`` links resolve through ``content._context["static_content"]``,
  of which ``_link_replacer`` reads only ``.url``: generated files are
  registered there so Pelican links them per page, as the author's own files.
* ``pelican.log.console``: the rich console Pelican prints "Done: ..." on.
* ``content_written`` is sent for pages, not for feeds (``feed_written``):
  the page pass relies on it to leave feeds a plain ``<img>``.
* A plugin may give Pelican its ``Writer`` (``signals.get_writer``), whose
  ``write_file(name, template, context, ...)`` renders each page with
  ``template.render(localcontext)``, writes it, then sends ``content_written``
  with that same ``localcontext``: a page can be changed as it is rendered,
  without writing it twice.
* ``--fatal warnings`` (or ``errors``) makes Pelican's logger class,
  ``pelican.log.FatalLogger``, raise ``RuntimeError("Warning or error
  encountered")`` from the logging call
  itself once a record reaches ``FatalLogger.fatal_lvl``: that error is the
  writer's choice to stop, never a bug of ours.
* Generators keep their contents in list attributes (``articles``,
  ``drafts``, ``pages``, ``hidden_pages``, ...), and share one ``context``
  dict, which each page's template context is copied from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pelican.contents import Content
from pelican.writers import Writer

FATAL_LOG_MESSAGE = "Warning or error encountered"  # what FatalLogger raises
PageTransform = Callable[[str, dict[str, Any]], str]  # (rendered page, its template context) -> page


def page_html(content: Any) -> str:
    return content._content


def set_page_html(content: Any, page: str) -> None:
    content._content = page


def forget_rendered(contents: list[Any]) -> None:
    """Drop what Pelican's ``get_content`` memo holds for these contents (once
    per build: the memo is shared by all contents)."""
    if not contents:
        return
    memo = getattr(contents[0].get_content, "cache", {})
    changed = {id(content) for content in contents}
    for key in [k for k in memo if k and id(k[0]) in changed]:
        del memo[key]


@dataclass(frozen=True)
class OutputFile:
    """All Pelican's ``{static}`` links need of a linked file: its URL."""

    url: str


def static_link(content: Any, relative: str) -> str:
    """A ``{static}`` link to a generated file: Pelican resolves it for every
    page the content appears on (the article, index and category pages, with
    SITEURL or RELATIVE_URLS), as it does for the author's own static files."""
    context = getattr(content, "_context", None)
    if not isinstance(context, dict):
        return "/" + relative
    context.setdefault("static_content", {}).setdefault(relative, OutputFile(relative))
    return "{static}/" + relative


# A CI log is not a terminal: rich then wraps Pelican's log at 80 columns,
# cutting "content/post.md:12: ..." into pieces. Wide enough for a path and a message.
LOG_WIDTH = 220


def widen_console_for_logs() -> None:
    """Unwrap Pelican's console when it writes to a file or a pipe (a CI log)
    and nobody set ``COLUMNS``; a terminal keeps its own width."""
    import os

    from pelican.log import console

    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = max(console.width, LOG_WIDTH)


def console_line(message: str) -> None:
    """A line on Pelican's own console, shown at every verbosity."""
    from pelican.log import console

    console.print(message, highlight=False, markup=False)


def generated_contents(generators: Iterable) -> Iterator[Content]:
    """Every article, page and draft of every generator, once."""
    seen: set[int] = set()
    for generator in generators:
        for value in vars(generator).values():
            if not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, Content) and id(item) not in seen:
                    seen.add(id(item))
                    yield item


def share_with_pages(generators: list[Any], key: str, value: Any) -> None:
    """Put ``value`` in the context every page's template context is copied from."""
    generators[0].context[key] = value


class _RenderedThrough:
    """A template whose rendered page passes through ``transform``."""

    def __init__(self, template: Any, transform: PageTransform):
        self.template, self.transform = template, transform

    def render(self, context: dict[str, Any]) -> str:
        return self.transform(self.template.render(context), context)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.template, name)


@cache
def writer_transforming_pages(transform: PageTransform) -> type[Writer]:
    """A Pelican ``Writer`` (for ``signals.get_writer``) that passes every
    page it renders through ``transform`` before writing it (feeds are not
    pages: ``write_feed`` is left as it is)."""

    class PageTransformingWriter(Writer):
        def write_file(self, name: Any, template: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            return super().write_file(name, _RenderedThrough(template, transform), context, *args, **kwargs)

    return PageTransformingWriter


def is_fatal_log_stop(error: BaseException) -> bool:
    """Whether ``error`` is Pelican stopping a ``--fatal`` build at a logged
    warning or error (see the module's docstring), to be let through."""
    from pelican.log import FatalLogger

    return (
        isinstance(error, RuntimeError)
        and FatalLogger.fatal_lvl <= logging.CRITICAL
        and str(error) == FATAL_LOG_MESSAGE
    )
