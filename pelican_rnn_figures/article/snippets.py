"""Find the Keras snippets of a Markdown article and the figure each one owns.

Pure text analysis, no Pelican and no TensorFlow: given the article source,
return every fenced Python block that builds a recurrent model, with its line
numbers in the article, its explicit figure options (```` ```python rnn-figure
caption="..." ````) and the image references that follow it. Which of those
references is the snippet's figure is decided by :func:`link_figure`, once the
caller knows which files belong to the site's content.
"""

from __future__ import annotations

import bisect
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown.extensions.fenced_code import FencedBlockPreprocessor

from .session import CodeBlock, Names, names_of, needed_blocks, sources

#: Layer names whose presence makes a snippet worth drawing (a ConvLSTM's figure
#: is refused, at its fence, with the reason: better than an image that never comes).
RECURRENT_LAYERS = frozenset(
    {"SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"}
)
RECURRENT_CALL_RE = re.compile(r"\b(?:" + "|".join(sorted(RECURRENT_LAYERS)) + r")\s*\(")
STRING_OR_COMMENT_RE = re.compile(
    r"""(?s)(?:'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")|#[^\n]*"""
)
PYTHON_LANGS = frozenset({"python", "py", "python3", "keras"})
EXPLICIT_MARKER = "rnn-figure"

FENCE_RE = FencedBlockPreprocessor.FENCED_BLOCK_RE
# ```python rnn-figure caption="A" name=b : the explicit form. Python-Markdown's
# fence regex would not accept the extra words, so they are cut off the fence
# before fenced_code sees it.
EXPLICIT_FENCE_RE = re.compile(
    r"^(?P<fence>(?:~{3,}|`{3,}))[ ]*\.?(?P<lang>[\w#.+-]+)[ ]+"
    + EXPLICIT_MARKER
    + r"\b(?P<options>[^\n]*)$",
    re.MULTILINE,
)
IMAGE_RE = re.compile(
    r"!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(\s*(?P<url><[^>\n]*>|[^)\s]+)"
    r"(?:\s+(?P<title>\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
)
# Pelican's link syntax: {static}/x.png, |filename|x.png ...
LINK_PREFIX_RE = re.compile(r"^(?:\{(?:static|filename|attach)\}|\|(?:static|filename|attach)\|)")
HEADING_RE = re.compile(r"^(?:#{1,6}(?:[ \t]|$)|(?:=+|-+)[ \t]*$)", re.MULTILINE)


@dataclass
class ImageRef:
    """An image reference in the article: ``![alt](url)`` at ``line``."""

    url: str
    alt: str
    line: int


@dataclass
class Snippet:
    """A fenced Python block that builds a recurrent Keras model."""

    number: int  # 1-based, in article order, among the snippets found
    code: str
    fence_line: int  # article line of the opening fence
    closing_line: int  # article line of the closing fence
    explicit: bool = False
    options: dict[str, str] = field(default_factory=dict)
    candidates: list[ImageRef] = field(default_factory=list)
    # The article's earlier blocks this one needs (see .session), as
    # {"code", "fence_line", "needs", "seed"?}: run before it, as in a notebook.
    needed: list[dict] = field(default_factory=list)
    # A block of a Keras post that builds no model but prints: run for its output only.
    output_only: bool = False

    @property
    def first_code_line(self) -> int:
        return self.fence_line + 1

    def to_dict(self) -> dict:
        # By hand: dataclasses.asdict deep-copies, and this runs for every snippet of every build.
        data = dict(vars(self))
        data["candidates"] = [dict(vars(c)) for c in self.candidates]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Snippet:
        data = dict(data)
        data["candidates"] = [ImageRef(**c) for c in data.get("candidates", [])]
        return cls(**data)


class SnippetOptionsError(ValueError):
    """The options after ``rnn-figure`` on a fence line cannot be parsed."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def _line_of(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset)


def builds_recurrent_model(code: str) -> bool:
    """True if the code calls a recurrent Keras layer (by name or attribute).

    A regular expression on the code with its strings and comments blanked,
    not ``ast``: this runs for every block of every build, and it must also
    accept code that does not parse (the author is to see that error)."""
    return RECURRENT_CALL_RE.search(STRING_OR_COMMENT_RE.sub(" ", code)) is not None


PRINTS_RE = re.compile(r"\bprint\s*\(|\.summary\s*\(")


def prints(code: str) -> bool:
    """Whether a block prints something (``print(...)``, ``model.summary()``)."""
    return PRINTS_RE.search(STRING_OR_COMMENT_RE.sub(" ", code)) is not None


def parse_options(text: str, line: int) -> dict[str, str]:
    """``caption="Two layers" name=stacked`` -> ``{"caption": ..., "name": ...}``."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise SnippetOptionsError(f"cannot parse figure options: {error}", line) from error
    options = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise SnippetOptionsError(f"figure option {word!r} is not of the form key=value", line)
        options[key.strip().lower()] = value
    return options


def strip_explicit_markers(text: str) -> tuple[str, dict[int, dict[str, str]]]:
    """Cut ``rnn-figure ...`` off fence lines; return the text and the options per
    fence line. Line numbers are unchanged."""
    starts = _line_starts(text)
    explicit: dict[int, dict[str, str]] = {}

    def replace(match: re.Match) -> str:
        line = _line_of(starts, match.start())
        explicit[line] = parse_options(match.group("options"), line)
        return f"{match.group('fence')}{match.group('lang')}"

    return EXPLICIT_FENCE_RE.sub(replace, text), explicit


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def find_snippets(text: str, analyse: Callable[[str], Names] = names_of) -> tuple[str, list[Snippet]]:
    """Return the text with explicit markers removed, and the snippets in it.
    ``analyse`` tells what a block needs and defines (see :func:`.session.needed_blocks`).

    Raises :class:`SnippetOptionsError` for unreadable explicit options.
    """
    text, explicit = strip_explicit_markers(text)
    starts = _line_starts(text)
    blocks = []
    index = 0
    while match := FENCE_RE.search(text, index):
        blocks.append(match)
        index = match.end()

    python = {
        fence_line: CodeBlock(block.group("code"), fence_line)
        for block in blocks
        if (fence_line := _line_of(starts, block.start())) in explicit or _language(block) in PYTHON_LANGS
    }
    # A block sees what the blocks above it define: the blocks each one needs, and
    # whether it builds a recurrent model itself or through them (a helper).
    in_session = len(python) > 1 and _any_recurrent(python)
    needs = needed_blocks(list(python.values()), analyse) if in_session else {}
    made_from = sources(list(python.values()), analyse) if in_session else {}
    snippets: list[Snippet] = []
    for position, block in enumerate(blocks):
        fence_line = _line_of(starts, block.start())
        code = block.group("code")
        is_explicit = fence_line in explicit
        recurrent = fence_line in python and (
            builds_recurrent_model(code)
            or any(builds_recurrent_model(earlier.code) for earlier in made_from.get(fence_line, []))
        )
        output_only = not recurrent and fence_line in python and bool(needs) and prints(code)
        if not is_explicit and not recurrent and not output_only:
            continue
        window_end = blocks[position + 1].start() if position + 1 < len(blocks) else len(text)
        heading = HEADING_RE.search(text, block.end() + 1, window_end)
        if heading:
            window_end = heading.start()
        candidates = [
            ImageRef(url=m.group("url").strip("<>"), alt=m.group("alt"), line=_line_of(starts, m.start()))
            for m in IMAGE_RE.finditer(text, block.end(), window_end)
        ]
        snippets.append(
            Snippet(
                number=len(snippets) + 1,
                code=code,
                fence_line=fence_line,
                closing_line=_line_of(starts, block.end() - 1),
                explicit=is_explicit,
                options=explicit.get(fence_line, {}),
                # An explicit fence may still be followed by the image it fills.
                candidates=[] if output_only else candidates,
                output_only=output_only and not is_explicit,
                needed=_needed_entries(needs.get(fence_line, []), needs, explicit),
            )
        )
    return text, snippets


def _needed_entries(
    needed: list[CodeBlock], needs: dict[int, list[CodeBlock]], explicit: dict[int, dict[str, str]]
) -> list[dict]:
    """The blocks a snippet needs as it carries them: each one's code, where it
    is, which of the others it needs in turn, and its fence's seed option."""
    position = {block.fence_line: index for index, block in enumerate(needed)}
    entries = []
    for block in needed:
        entry = {
            "code": block.code,
            "fence_line": block.fence_line,
            "needs": [position[earlier.fence_line] for earlier in needs.get(block.fence_line, [])],
        }
        if "seed" in explicit.get(block.fence_line, {}):
            entry["seed"] = explicit[block.fence_line]["seed"]
        entries.append(entry)
    return entries


def _language(block: re.Match) -> str:
    return (block.group("lang") or _lang_from_attrs(block.group("attrs"))).lower()


def _any_recurrent(blocks: dict[int, CodeBlock]) -> bool:
    return any(builds_recurrent_model(block.code) for block in blocks.values())


def _lang_from_attrs(attrs: str | None) -> str:
    if not attrs:
        return ""
    classes = re.findall(r"(?:^|\s)\.([\w#.+-]+)", attrs)
    return classes[0] if classes else ""


def link_figure(snippet: Snippet, is_site_file) -> ImageRef | None:
    """The snippet's figure: the first image after it (before the next code block
    or heading) whose file is not part of the site's content."""
    for ref in snippet.candidates:
        if not is_site_file(ref.url):
            return ref
    return None
