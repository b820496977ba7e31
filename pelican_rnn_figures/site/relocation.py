"""Article lines in what the cache keeps, moved to where the blocks are now.

A figure's cache key ignores where its blocks are in the article, so prose
added or removed above a snippet keeps its entry (and its cached failure).
But what the entry says names the article lines its blocks had when it was
made (``EntrySummary.block_lines``): :func:`line_moves` compares those with
where the blocks are now and, if any moved, gives the :class:`LineMoves`
that moves every line the site shows (warnings, alt text, captions, errors
and their tracebacks, the lines of ``figure.json``). A line moves with the
block it is in, the block's fences included; any other line stays. The
cache itself is never changed. Pure and stdlib only.

A mention is ``line N`` or ``lines N`` in a text (as tracebacks write
``File "post.md", line 14``); a line of code a traceback echoes (indented four
spaces) is code as written and is left alone. What the author's own values
say (a printed ``line 5`` quoted in a warning) cannot be told from a mention.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ..messages import EntrySummary, ErrorInfo, FigureWarning, Outcome

LINE_MENTION_RE = re.compile(r"\b(lines?) (\d+)\b")
CODE_ECHO = "    "  # how a traceback indents the line of code under its frame


@dataclass(frozen=True)
class Span:
    """A block's article lines when the entry was made, fences included, and how far it moved."""

    first: int
    last: int
    shift: int


@dataclass(frozen=True)
class LineMoves:
    """The blocks that moved since an entry was made; a line in none of them stays."""

    spans: tuple[Span, ...]

    def line(self, line: int) -> int:
        """Where the article line ``line`` of then is now."""
        for span in self.spans:
            if span.first <= line <= span.last:
                return line + span.shift
        return line

    def text(self, text: str) -> str:
        """``text`` with every mention of an article line moved."""

        def moved(match: re.Match[str]) -> str:
            return f"{match.group(1)} {self.line(int(match.group(2)))}"

        if "line" not in text:
            return text
        return "".join(
            part if part.startswith(CODE_ECHO) else LINE_MENTION_RE.sub(moved, part)
            for part in text.splitlines(keepends=True)
        )

    def summary(self, summary: EntrySummary) -> EntrySummary:
        """A cache entry's summary, naming the lines of now."""
        warnings = [
            FigureWarning(self.line(warning.line), self.text(warning.message), warning.about)
            for warning in summary.warnings
        ]
        return dataclasses.replace(
            summary,
            warnings=warnings,
            alt=self.text(summary.alt),
            caption=self.text(summary.caption),
            block_lines=[self.line(line) for line in summary.block_lines],
        )

    def error(self, error: ErrorInfo) -> ErrorInfo:
        """A cached failure, at the lines of now."""
        return dataclasses.replace(
            error,
            line=None if error.line is None else self.line(error.line),
            message=self.text(error.message),
            traceback=self.text(error.traceback),
        )

    def outcome(self, outcome: Outcome) -> Outcome:
        summary, error = outcome.summary, outcome.error
        return Outcome(
            self.summary(summary) if summary is not None else None,
            self.error(error) if error is not None else None,
        )

    def in_figure_data(self, data: dict[str, Any]) -> dict[str, Any]:
        """A figure's JSON with its article lines moved: the call whose data it
        shows and the fits that trained it (``worker/model_figure.py`` writes them)."""
        moved = dict(data)
        if isinstance(data.get("data_from"), dict):
            moved["data_from"] = {**data["data_from"], "line": self.line(data["data_from"]["line"])}
        if isinstance(data.get("training"), dict):
            lines = [self.line(line) for line in data["training"].get("lines", [])]
            moved["training"] = {**data["training"], "lines": lines}
        return moved


def line_moves(made_at: list[int], blocks: list[tuple[int, str]]) -> LineMoves | None:
    """How the blocks moved since an entry was made with them starting at
    ``made_at``; ``blocks`` are the same blocks now (first code line, code).
    None if none moved: the usual case, which costs one comparison."""
    now_at = [line for line, _ in blocks]
    # (Lengths differ only for an entry that recorded no lines: it is shown as it is.)
    if made_at == now_at or len(made_at) != len(now_at):
        return None
    spans = tuple(
        # From its opening fence to its closing one, as it was.
        Span(was - 1, was + len(code.splitlines()), now - was)
        for was, (now, code) in zip(made_at, blocks, strict=True)
        if now != was
    )
    return LineMoves(spans)
