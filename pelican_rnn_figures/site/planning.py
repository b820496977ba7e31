"""Plan the figures of one article: what to make, from what, and where it goes.

Turns a Pelican content object (its metadata and the snippets the Markdown
extension found) into :class:`PlannedFigure` objects, each a
:class:`~..messages.Job` (what the worker runs) plus its place in the output
and in the page. Paths from the article are
resolved here and refused if they would lead outside ``OUTPUT_PATH``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..article import examples, figure_options
from ..article.snippets import Snippet, link_figure, prints
from ..messages import Job, JobKind, JobSpec, NeededBlock, WordsSpec
from .markdown_ext import ERRORS_KEY, METADATA_KEY
from .site_files import is_site_file, resolve_output

HIDE_OUTPUT_MARKER = "# rnn-figures: hide-output"
SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 100
T = TypeVar("T")


@dataclass(eq=False)
class PlanError(ValueError):
    """A problem in the article itself, at ``line``."""

    message: str
    line: int

    def __str__(self) -> str:
        return self.message


@dataclass
class PlannedFigure:
    """A figure of an article: its job, its output path and how it is shown."""

    job: Job
    output: str  # path of the PNG relative to OUTPUT_PATH, POSIX style ("" for an output-only snippet)
    line: int  # article line the figure is reported at
    url: str | None = None  # the image reference it fills, as written
    slot: int | None = None  # or the explicit slot it fills
    options: dict[str, str] = field(default_factory=dict)
    snippet: int | None = None  # the snippet it comes from, whose output goes under it
    show_output: bool = False  # whether what the snippet prints is shown under it

    @property
    def stem(self) -> str:
        """The output path without ``.png``: the SVG and JSON beside the PNG share it."""
        return self.output.removesuffix(".png")


@dataclass
class ArticlePlan:
    source_path: str
    figures: list[PlannedFigure] = field(default_factory=list)
    errors: list[PlanError] = field(default_factory=list)


@dataclass
class _Article:
    """What every figure of an article is planned with: the content object,
    the settings and what its metadata says (the site's value where it says
    nothing, or nothing that can be used)."""

    content: Any
    settings: dict[str, Any]
    source_path: str
    example: examples.Example
    seed: int
    timeout: float

    @property
    def dpi(self) -> int:
        return int(self.settings["RNN_FIGURES_DPI"])

    @property
    def _paths(self) -> dict[str, str]:
        """Where its relative URLs start: at its source (``{static}``), or its page."""
        content = self.content
        return {
            "relative_source_path": getattr(content, "relative_source_path", "") or "",
            "save_as": getattr(content, "save_as", "") or "",
        }

    def is_site_file(self, url: str) -> bool:
        return is_site_file(url, str(self.settings["PATH"]), **self._paths)

    def output_path(self, url: str) -> str | None:
        """The output-relative path the article's URL leads to (None if none)."""
        return resolve_output(url, **self._paths)

    def job(self, kind: JobKind, spec: JobSpec, first_line: int) -> Job:
        return Job(kind, spec, self.source_path, first_line, self.timeout)


def _metadata(content, key: str):
    return content.metadata.get(key)


def _read_or_report(plan: ArticlePlan, read: Callable[[], T], otherwise: T) -> T:
    """What ``read`` reads of the metadata; if it cannot, the error is the
    plan's (at the line of its key) and the value is ``otherwise``."""
    try:
        return read()
    except examples.MetadataError as error:
        line = examples.metadata_line(plan.source_path, error.key)
        plan.errors.append(PlanError(f"metadata {error.key}: {error}", line))
        return otherwise


def _read_article(content, settings: dict[str, Any], plan: ArticlePlan) -> _Article:
    """The article's example, seed and timeout (an article may lower the
    site's timeout, never raise it), its errors reported in ``plan``."""

    def example() -> examples.Example:
        declared = _metadata(content, examples.EXAMPLE_KEY)
        return examples.parse_example(declared) if declared else examples.Example()

    site_seed, site_timeout = settings["RNN_FIGURES_SEED"], float(settings["RNN_FIGURES_TIMEOUT"])
    return _Article(
        content,
        settings,
        plan.source_path,
        _read_or_report(plan, example, examples.Example()),
        _read_or_report(
            plan, lambda: examples.parse_seed(_metadata(content, examples.SEED_KEY), site_seed), site_seed
        ),
        min(
            site_timeout,
            _read_or_report(
                plan, lambda: examples.parse_timeout(_metadata(content, examples.TIMEOUT_KEY)), site_timeout
            ),
        ),
    )


def _promises_output(code: str) -> bool:
    """Whether a comment promises what the code prints (tokenizing the code:
    asked only of blocks that show no figure and print nothing shown)."""
    from ..article.expectations import expected_outputs

    return bool(expected_outputs(code))


def _needed_block(block: dict[str, Any], article_seed: int) -> NeededBlock:
    """An earlier block the snippet needs, seeded as it is wherever it runs: by
    its own fence's seed option (an unreadable one is reported at that block's
    own figure), or the article's seed."""
    try:
        seed = int(block["seed"]) if "seed" in block else article_seed
    except ValueError:
        seed = article_seed
    return NeededBlock(block["code"], block["needs"], seed, line=block["fence_line"] + 1)


def _checked_output(url: str, article: _Article, line: int) -> str:
    path = article.output_path(url)
    if path is None:
        raise PlanError(f"figure path {url!r} does not lead into the output directory", line)
    if not path.lower().endswith(".png"):
        raise PlanError(f"figure path {url!r} must end in .png (an SVG and a JSON file go beside it)", line)
    if len(posixpath.basename(path)) > MAX_NAME + 4:
        raise PlanError(f"figure file name {posixpath.basename(path)!r} is too long", line)
    return path


def _explicit_output(snippet: Snippet, article: _Article) -> str:
    base = snippet.options.get("name") or f"{getattr(article.content, 'slug', 'article')}-{snippet.number}"
    base = SAFE_NAME_RE.sub("-", base).strip("-.")[:MAX_NAME] or f"figure-{snippet.number}"
    return posixpath.join(article.settings["RNN_FIGURES_OUTPUT_DIR"].strip("/"), base + ".png")


def _snippet_spec(snippet: Snippet, chosen: figure_options.FigureOptions, article: _Article) -> JobSpec:
    """What the snippet's figure is made from: its code, the blocks it needs,
    its fence's options over the article's example and seed."""
    shown = chosen.example or article.example
    return JobSpec(
        code=snippet.code,
        tokens=shown.tokens,
        embeddings=shown.embeddings,
        seed=article.seed if chosen.seed is None else chosen.seed,
        dpi=article.dpi,
        labels=chosen.tokens,
        token_ids=chosen.token_ids,
        options=chosen.drawing,
        needed=[_needed_block(block, article.seed) for block in snippet.needed],
        # (tokens= only labels the steps of whatever data is drawn)
        fence_inputs=bool(chosen.example or chosen.token_ids),
    )


def _shows_output(snippet: Snippet, chosen: figure_options.FigureOptions, article: _Article) -> bool:
    """Whether what the snippet prints is shown under it: its fence's option,
    else the site's; never for a block marked to hide it."""
    shown = article.settings["RNN_FIGURES_SHOW_OUTPUT"] if chosen.show_output is None else chosen.show_output
    return bool(shown) and not snippet.code.lstrip().startswith(HIDE_OUTPUT_MARKER)


def _plan_snippet(snippet: Snippet, article: _Article) -> PlannedFigure | None:
    """The snippet's figure: in its explicit slot, in the image it links, or
    none but what it prints (an output-only snippet); None if nothing of it
    is shown. A PlanError if its fence or its figure's path is wrong."""
    try:
        chosen = figure_options.read(snippet.options)
    except figure_options.FigureOptionError as error:
        raise PlanError(str(error), snippet.fence_line) from None
    spec, show_output = _snippet_spec(snippet, chosen, article), _shows_output(snippet, chosen, article)
    kind, url = JobKind.RNN, None
    ref = link_figure(snippet, article.is_site_file)
    if ref is not None:
        output, url = _checked_output(ref.url, article, ref.line), ref.url
    elif snippet.explicit:
        output = _explicit_output(snippet, article)
    elif (show_output and prints(snippet.code)) or _promises_output(snippet.code):
        # Run only for what it prints (no figure, so no dpi).
        kind, output, spec = JobKind.OUTPUT_ONLY, "", dataclasses.replace(spec, dpi=None)
    else:
        return None  # no figure shows this snippet, and nothing it prints is shown
    return PlannedFigure(
        article.job(kind, spec, snippet.first_code_line),
        output,
        line=snippet.fence_line,
        url=url,
        # An explicit fence followed by an image fills the image, with its options.
        slot=snippet.number if snippet.explicit and url is None else None,
        options=snippet.options,
        snippet=snippet.number,
        show_output=show_output,
    )


def _embedding_figure(article: _Article, plan: ArticlePlan) -> list[tuple[JobKind, str, int, JobSpec]]:
    """The figure of the article's example embeddings, if its metadata asks for one."""
    url = _metadata(article.content, examples.EMBEDDING_FIGURE_KEY)
    if not url:
        return []
    line = examples.metadata_line(article.source_path, examples.EMBEDDING_FIGURE_KEY)
    example = article.example
    if not example:
        message = (
            f"metadata {examples.EMBEDDING_FIGURE_KEY} needs {examples.EXAMPLE_KEY} (the tokens "
            "and embeddings to draw)"
        )
        plan.errors.append(PlanError(message, line))
        return []
    spec = JobSpec(tokens=example.tokens, embeddings=example.embeddings, dpi=article.dpi)
    return [(JobKind.EMBEDDING, str(url).strip(), line, spec)]


def _words_figures(article: _Article, plan: ArticlePlan) -> list[tuple[JobKind, str, int, JobSpec]]:
    """The sentences the article's metadata asks to draw as word boxes."""
    read = functools.partial(
        examples.parse_words_figures, _metadata(article.content, examples.WORDS_FIGURE_KEY)
    )
    words: list[examples.WordsFigure] = _read_or_report(plan, read, [])
    line = examples.metadata_line(article.source_path, examples.WORDS_FIGURE_KEY) if words else 1
    return [
        (
            JobKind.WORDS,
            figure.url,
            line,
            JobSpec(words=WordsSpec(figure.words, figure.highlighted, figure.label), dpi=article.dpi),
        )
        for figure in words
    ]


def _plan_metadata_figures(article: _Article, plan: ArticlePlan) -> None:
    """The figures the article's metadata declares, without code: its
    embeddings, its sentences."""
    for kind, url, line, spec in _embedding_figure(article, plan) + _words_figures(article, plan):
        try:
            output = _checked_output(url, article, line)
        except PlanError as error:
            plan.errors.append(error)
            continue
        plan.figures.append(PlannedFigure(article.job(kind, spec, line), output, line=line, url=url))


def _refuse_paths_made_twice(plan: ArticlePlan) -> None:
    """A figure whose output path an earlier figure of the article makes is
    an error at its line, and is not made."""
    claimed: dict[str, PlannedFigure] = {}
    for figure in list(plan.figures):
        if not figure.output:
            continue
        if figure.output in claimed:
            message = (
                f"figure {figure.output} is already made by the figure at line {claimed[figure.output].line}"
            )
            plan.errors.append(PlanError(message, figure.line))
            plan.figures.remove(figure)
        else:
            claimed[figure.output] = figure


def plan_article(content, settings: dict[str, Any]) -> ArticlePlan:
    """The figures an article needs, each a job and its place, and the
    problems of its text (its metadata, its fences, its figures' paths)."""
    plan = ArticlePlan(str(getattr(content, "source_path", "") or ""))
    article = _read_article(content, settings, plan)
    for found in json.loads(_metadata(content, ERRORS_KEY) or "[]"):
        plan.errors.append(PlanError(found["message"], found["line"]))
    for data in json.loads(_metadata(content, METADATA_KEY) or "[]"):
        try:
            figure = _plan_snippet(Snippet.from_dict(data), article)
        except PlanError as error:
            plan.errors.append(error)
            continue
        if figure is not None:
            plan.figures.append(figure)
    _plan_metadata_figures(article, plan)
    _refuse_paths_made_twice(plan)
    return plan
