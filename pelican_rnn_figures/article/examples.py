"""Read an article's example data (tokens and embeddings) and figure metadata.

The article says which words its figures show and what their embeddings are::

    Rnn_example: I=[0.5, 0.4] am=[0.3, 0.1] groot=[0.7, 0.5]
    Rnn_seed: 7
    Rnn_timeout: 30
    Rnn_embedding_figure: /images/i-am-groot-embedding.png
    Rnn_words_figure: /images/i-am-groot-sentence.png = I am groot

Pure parsing; errors carry the line of the metadata key in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

EXAMPLE_KEY = "rnn_example"
SEED_KEY = "rnn_seed"
TIMEOUT_KEY = "rnn_timeout"
EMBEDDING_FIGURE_KEY = "rnn_embedding_figure"
WORDS_FIGURE_KEY = "rnn_words_figure"

_PAIR_RE = re.compile(r"\s*(?P<token>[^=\s\[\]]+)\s*=\s*\[(?P<values>[^\]]*)\]\s*[,;]?")


class MetadataError(ValueError):
    """Metadata the plugin cannot use; ``key`` names the offending field."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


@dataclass
class Example:
    """The example sentence: one token and one embedding per time step."""

    tokens: list[str] = field(default_factory=list)
    embeddings: list[list[float]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tokens)


@dataclass
class WordsFigure:
    """A figure of a sentence's words (``*word*`` highlighted, ``-> label``)."""

    url: str
    words: list[str]
    highlighted: list[int]
    label: str


def _as_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def parse_example(value) -> Example:
    text = _as_text(value).strip()
    example = Example()
    position = 0
    while position < len(text):
        match = _PAIR_RE.match(text, position)
        if not match:
            raise MetadataError(
                EXAMPLE_KEY,
                f"cannot read {text[position : position + 30]!r}: write each step as "
                "token=[number, number, ...], e.g. I=[0.5, 0.4] am=[0.3, 0.1]",
            )
        try:
            vector = [float(v) for v in match.group("values").split(",") if v.strip()]
        except ValueError:
            raise MetadataError(
                EXAMPLE_KEY, f"the embedding of {match.group('token')!r} is not a list of numbers"
            ) from None
        if not vector:
            raise MetadataError(EXAMPLE_KEY, f"the embedding of {match.group('token')!r} is empty")
        example.tokens.append(match.group("token"))
        example.embeddings.append(vector)
        position = match.end()
    if not example.tokens:
        raise MetadataError(EXAMPLE_KEY, "no token=[...] pairs found")
    widths = {len(v) for v in example.embeddings}
    if len(widths) != 1:
        raise MetadataError(
            EXAMPLE_KEY, f"all embeddings must have the same length, got lengths {sorted(widths)}"
        )
    return example


def parse_seed(value, default: int) -> int:
    if value is None:
        return default
    try:
        return int(_as_text(value).strip())
    except ValueError:
        raise MetadataError(SEED_KEY, f"seed {value!r} is not an integer") from None


def parse_timeout(value) -> float:
    """Seconds, or infinity when the article sets none."""
    if value is None:
        return float("inf")
    try:
        seconds = float(_as_text(value).strip())
    except ValueError:
        raise MetadataError(TIMEOUT_KEY, f"timeout {value!r} is not a number of seconds") from None
    if not seconds > 0:
        raise MetadataError(TIMEOUT_KEY, f"timeout {value!r} must be more than 0 seconds")
    return seconds


def parse_words_figures(value) -> list[WordsFigure]:
    """``URL = words`` per line; ``*word*`` highlights, ``-> label`` labels."""
    if value is None:
        return []
    lines = value if isinstance(value, (list, tuple)) else [value]
    figures = []
    for line in lines:
        url, sep, sentence = str(line).partition("=")
        if not sep or not url.strip() or not sentence.strip():
            raise MetadataError(WORDS_FIGURE_KEY, f"{line!r} is not of the form /images/name.png = the words")
        sentence, _, label = sentence.partition("->")
        words: list[str] = []
        highlighted: list[int] = []
        for word in sentence.split():
            if len(word) > 2 and word.startswith("*") and word.endswith("*"):
                highlighted.append(len(words))
                word = word[1:-1]
            words.append(word)
        figures.append(WordsFigure(url.strip(), words, highlighted, label.strip()))
    return figures


def metadata_line(source_path: str | Path, key: str) -> int:
    """Line of ``key:`` in the article's header, or 1 if it is not found."""
    try:
        lines = Path(source_path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:", re.IGNORECASE)
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return number
        if not line.strip():
            break
    return 1
