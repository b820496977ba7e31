"""Python-Markdown extension: find the snippets while the article is read.

Runs before ``fenced_code`` and before ``meta`` strips the header, so line
numbers are the article's own. It records the snippets in the article's
metadata (``rnn_figures_snippets``, JSON; Pelican's reader cache keeps it) and
leaves a slot after each explicit ```` ```python rnn-figure ```` block, which
the plugin fills with the figure once it exists.
"""

from __future__ import annotations

import json
import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from ..article.session import names_of
from ..article.snippets import IMAGE_RE, SnippetOptionsError, find_snippets, link_figure
from .block_names import remembered_names
from .site_files import is_site_file

METADATA_KEY = "rnn_figures_snippets"
ERRORS_KEY = "rnn_figures_errors"
# Stands in for an empty alt until the figure's description replaces it, so
# Pelican does not warn about an empty alt that the plugin is about to fill.
PROVISIONAL_ALT = "Figure generated from the Keras snippet above"


def slot_marker(number: int) -> str:
    """The HTML left where snippet ``number``'s explicit figure goes."""
    return f"<!--rnn-figure-slot:{number}-->"


def output_marker(number: int) -> str:
    """The HTML left under snippet ``number`` for what it prints."""
    return f"<!--rnn-figure-output:{number}-->"


HEADER_FIGURE_RE = re.compile(r"^\s*rnn_(?:embedding|words)_figure\s*:\s*([^\s=]+)", re.IGNORECASE)


def _header_figure_urls(lines: list[str]) -> set[str]:
    """URLs of the figures declared in the metadata header (Meta runs after us)."""
    urls = set()
    for line in lines:
        if not line.strip():
            break
        if match := HEADER_FIGURE_RE.match(line):
            urls.add(match.group(1))
    return urls


def _give_provisional_alt(line: str, url: str) -> str:
    for match in IMAGE_RE.finditer(line):
        if match.group("url").strip("<>") == url and not match.group("alt").strip():
            return line[: match.start("alt")] + PROVISIONAL_ALT + line[match.end("alt") :]
    return line


class SnippetPreprocessor(Preprocessor):
    def __init__(self, md: Markdown, content_path: str, cache_path: str, frozen_path: str = ""):
        super().__init__(md)
        self.content_path = str(content_path) if content_path else None
        self.names = remembered_names(cache_path, frozen_path or None) if cache_path else None

    def is_site_file(self, url: str) -> bool:
        """Whether an image URL names a file of the site (an early guess, not
        knowing the article's paths: the planner decides with them later)."""
        return self.content_path is not None and is_site_file(url, self.content_path)

    def run(self, lines: list[str]) -> list[str]:
        if hasattr(self.md, "rnn_snippets"):
            return lines  # a later convert() of the same instance (Pelican's summary)
        try:
            text, snippets = find_snippets("\n".join(lines), self.names or names_of)
            if self.names is not None:
                self.names.save()
        except SnippetOptionsError as error:
            self.md.rnn_snippets = []
            self.md.rnn_errors = [{"line": error.line, "message": str(error)}]
            return lines
        self.md.rnn_snippets = [snippet.to_dict() for snippet in snippets]
        self.md.rnn_errors = []
        lines = text.split("\n")
        for snippet in snippets:
            ref = link_figure(snippet, self.is_site_file)
            if ref is not None and not ref.alt.strip():
                lines[ref.line - 1] = _give_provisional_alt(lines[ref.line - 1], ref.url)
        declared = _header_figure_urls(lines)
        if declared:
            for number, line in enumerate(lines):
                for url in declared:
                    if url in line:
                        lines[number] = line = _give_provisional_alt(line, url)
        for snippet in reversed(snippets):
            after = ["", self.md.htmlStash.store(output_marker(snippet.number)), ""]
            if snippet.explicit:
                after += [self.md.htmlStash.store(slot_marker(snippet.number)), ""]
            lines[snippet.closing_line : snippet.closing_line] = after
        return lines


class MetadataPostprocessor(Postprocessor):
    """Hands the snippets to Pelican through ``Meta``, which it turns into metadata."""

    def run(self, text: str) -> str:
        meta = getattr(self.md, "Meta", None)
        snippets = getattr(self.md, "rnn_snippets", None)
        if isinstance(meta, dict) and (snippets or getattr(self.md, "rnn_errors", None)):
            meta[METADATA_KEY] = [json.dumps(snippets)]
            meta[ERRORS_KEY] = [json.dumps(self.md.rnn_errors)]
        return text


class RnnFiguresExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "content_path": ["", "Pelican's PATH, to tell site files from figures"],
            "cache_path": ["", "the plugin's cache folder, to remember what each block needs"],
            "frozen_path": ["", "the frozen figures' folder, which remembers it for a fresh checkout"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's API
        # 29: after normalize_whitespace (30, keeps line count), before meta (27).
        preprocessor = SnippetPreprocessor(
            md, self.getConfig("content_path"), self.getConfig("cache_path"), self.getConfig("frozen_path")
        )
        md.preprocessors.register(preprocessor, "rnn_figures_snippets", 29)
        md.postprocessors.register(MetadataPostprocessor(md), "rnn_figures_metadata", 5)


def makeExtension(**kwargs) -> RnnFiguresExtension:  # noqa: N802 - Markdown's API
    return RnnFiguresExtension(**kwargs)
