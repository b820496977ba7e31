"""Python-Markdown extension: find the snippets while the article is read.

Runs before ``fenced_code`` and before ``meta`` strips the header, so line
numbers are the article's own. It records the snippets in the article's
metadata (``rnn_figures_snippets``, JSON; Pelican's reader cache keeps it) and
leaves a slot after each explicit ```` ```python rnn-figure ```` block, which
the plugin fills with the figure once it exists.
"""

from __future__ import annotations

import json

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from .snippets import SnippetOptionsError, find_snippets

METADATA_KEY = "rnn_figures_snippets"
ERRORS_KEY = "rnn_figures_errors"


def slot_marker(number: int) -> str:
    """The HTML left where snippet ``number``'s explicit figure goes."""
    return f"<!--rnn-figure-slot:{number}-->"


class SnippetPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if hasattr(self.md, "rnn_snippets"):
            return lines  # a later convert() of the same instance (Pelican's summary)
        try:
            text, snippets = find_snippets("\n".join(lines))
        except SnippetOptionsError as error:
            self.md.rnn_snippets = []
            self.md.rnn_errors = [{"line": error.line, "message": str(error)}]
            return lines
        self.md.rnn_snippets = [snippet.to_dict() for snippet in snippets]
        self.md.rnn_errors = []
        lines = text.split("\n")
        for snippet in reversed(snippets):
            if snippet.explicit:
                marker = self.md.htmlStash.store(slot_marker(snippet.number))
                lines[snippet.closing_line:snippet.closing_line] = ["", marker, ""]
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
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's API
        # 29: after normalize_whitespace (30, keeps line count), before meta (27).
        md.preprocessors.register(SnippetPreprocessor(md), "rnn_figures_snippets", 29)
        md.postprocessors.register(MetadataPostprocessor(md), "rnn_figures_metadata", 5)


def makeExtension(**kwargs) -> RnnFiguresExtension:  # noqa: N802 - Markdown's API
    return RnnFiguresExtension(**kwargs)
