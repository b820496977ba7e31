"""Plan the figures of one article: what to make, from what, and where it goes.

Turns a Pelican content object (its metadata and the snippets the Markdown
extension found) into :class:`PlannedFigure` objects, each a job for the
runner plus its place in the output and in the page. Paths from the article are
resolved here and refused if they would lead outside ``OUTPUT_PATH``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from ..article import examples, figure_options
from ..article.snippets import LINK_PREFIX_RE, Snippet, link_figure, prints
from ..messages import JobKind, JobSpec, SetupBlock, WordsSpec
from .markdown_ext import ERRORS_KEY, METADATA_KEY

HIDE_OUTPUT_MARKER = "# rnn-figures: hide-output"
SCHEME_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 100


class PlanError(ValueError):
    """A problem in the article itself, at ``line``."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


@dataclass
class PlannedFigure:
    """A figure of an article: its job, its output path and how it is shown."""

    kind: JobKind
    spec: JobSpec
    output: str  # path of the PNG relative to OUTPUT_PATH, POSIX style ("" for a check)
    line: int  # article line the figure is reported at
    first_line: int = 1  # article line of the snippet's first code line
    setup_lines: list[int] = field(default_factory=list)  # first lines of the spec's setup blocks
    url: str | None = None  # the image reference it fills, as written
    slot: int | None = None  # or the explicit slot it fills
    options: dict[str, str] = field(default_factory=dict)
    snippet: int | None = None  # the snippet it comes from, whose output goes under it
    show_output: bool = False  # whether what the snippet prints is shown under it

    @property
    def blocks(self) -> list[tuple[int, str]]:
        """The blocks it runs, as (article line of the first line of code, code):
        its setup blocks, then its snippet (none for a figure that runs none)."""
        if not self.kind.runs_snippet:
            return []
        setup = zip(self.setup_lines, (block.code for block in self.spec.setup), strict=False)
        return [*setup, (self.first_line, self.spec.code)]

    @property
    def stem(self) -> str:
        """The output path without ``.png``: the SVG and JSON beside the PNG share it."""
        return self.output.removesuffix(".png")


@dataclass
class ArticlePlan:
    source_path: str
    timeout: float
    figures: list[PlannedFigure] = field(default_factory=list)
    errors: list[PlanError] = field(default_factory=list)


def _promises_output(code: str) -> bool:
    """Whether a comment promises what the code prints (tokenizing the code:
    asked only of blocks that show no figure and print nothing shown)."""
    from ..article.expectations import expected_outputs

    return bool(expected_outputs(code))


def _setup_block(block: dict[str, Any], article_seed: int) -> SetupBlock:
    """An earlier block the snippet needs, seeded as it is wherever it runs: by
    its own fence's seed option (an unreadable one is reported at that block's
    own figure), or the article's seed."""
    try:
        seed = int(block["seed"]) if "seed" in block else article_seed
    except ValueError:
        seed = article_seed
    return SetupBlock(block["code"], block["needs"], seed)


def resolve_output(url: str, content, settings: dict[str, Any]) -> str | None:
    """The output-relative path an image URL points at; None if not a local file."""
    url = url.split("#", 1)[0].split("?", 1)[0]
    if SCHEME_RE.match(url):
        return None
    prefixed = LINK_PREFIX_RE.match(url)
    if prefixed:
        url = url[prefixed.end() :]
        if not url.startswith("/"):
            source_dir = posixpath.dirname(getattr(content, "relative_source_path", "") or "")
            url = posixpath.join(source_dir, url)
    elif not url.startswith("/"):
        url = posixpath.join(posixpath.dirname(getattr(content, "save_as", "") or ""), url)
    path = posixpath.normpath(url.lstrip("/"))
    if path.startswith("..") or path in ("", "."):
        return None
    return path


def _is_site_file(content, settings: dict[str, Any]):
    content_root = str(settings["PATH"])

    def check(url: str) -> bool:
        if SCHEME_RE.match(url):
            return True  # remote images are never ours to make
        path = resolve_output(url, content, settings)
        # A path out of the site is claimed, so that it is refused with its line.
        return path is not None and os.path.exists(os.path.join(content_root, path))

    return check


def _checked_output(url: str, content, settings, line: int) -> str:
    path = resolve_output(url, content, settings)
    if path is None:
        raise PlanError(f"figure path {url!r} does not lead into the output directory", line)
    if not path.lower().endswith(".png"):
        raise PlanError(f"figure path {url!r} must end in .png (an SVG and a JSON file go beside it)", line)
    if len(posixpath.basename(path)) > MAX_NAME + 4:
        raise PlanError(f"figure file name {posixpath.basename(path)!r} is too long", line)
    return path


def _explicit_output(snippet: Snippet, content, settings) -> str:
    base = snippet.options.get("name") or f"{getattr(content, 'slug', 'article')}-{snippet.number}"
    base = SAFE_NAME_RE.sub("-", base).strip("-.")[:MAX_NAME] or f"figure-{snippet.number}"
    return posixpath.join(settings["RNN_FIGURES_OUTPUT_DIR"].strip("/"), base + ".png")


def _metadata(content, key: str):
    return content.metadata.get(key)


def plan_article(content, settings: dict[str, Any]) -> ArticlePlan:
    source = str(getattr(content, "source_path", "") or "")
    plan = ArticlePlan(source, timeout=float(settings["RNN_FIGURES_TIMEOUT"]))
    dpi = int(settings["RNN_FIGURES_DPI"])

    def metadata_error(error: examples.MetadataError) -> PlanError:
        return PlanError(f"metadata {error.key}: {error}", examples.metadata_line(source, error.key))

    try:
        declared = _metadata(content, examples.EXAMPLE_KEY)
        example = examples.parse_example(declared) if declared else examples.Example()
    except examples.MetadataError as error:
        plan.errors.append(metadata_error(error))
        example = examples.Example()
    try:
        seed = examples.parse_seed(_metadata(content, examples.SEED_KEY), settings["RNN_FIGURES_SEED"])
    except examples.MetadataError as error:
        plan.errors.append(metadata_error(error))
        seed = settings["RNN_FIGURES_SEED"]

    try:
        # An article may lower the site's timeout, never raise it.
        plan.timeout = min(plan.timeout, examples.parse_timeout(_metadata(content, examples.TIMEOUT_KEY)))
    except examples.MetadataError as error:
        plan.errors.append(metadata_error(error))

    for found in json.loads(_metadata(content, ERRORS_KEY) or "[]"):
        plan.errors.append(PlanError(found["message"], found["line"]))
    snippets = [Snippet.from_dict(d) for d in json.loads(_metadata(content, METADATA_KEY) or "[]")]
    is_site_file = _is_site_file(content, settings)
    for snippet in snippets:
        try:
            chosen = figure_options.read(snippet.options)
        except figure_options.FigureOptionError as error:
            plan.errors.append(PlanError(str(error), snippet.fence_line))
            continue
        shown = chosen.example or example
        spec = JobSpec(
            code=snippet.code,
            tokens=shown.tokens,
            embeddings=shown.embeddings,
            seed=seed if chosen.seed is None else chosen.seed,
            dpi=dpi,
            labels=chosen.tokens,
            token_ids=chosen.token_ids,
            options=chosen.drawing,
            setup=[_setup_block(block, seed) for block in snippet.setup],
            # (tokens= only labels the steps of whatever data is drawn)
            fence_inputs=bool(chosen.example or chosen.token_ids),
        )
        kind = JobKind.RNN
        show_output = (
            settings["RNN_FIGURES_SHOW_OUTPUT"] if chosen.show_output is None else chosen.show_output
        )
        show_output = show_output and not snippet.code.lstrip().startswith(HIDE_OUTPUT_MARKER)
        try:
            ref = link_figure(snippet, is_site_file)
            if snippet.explicit and ref is None:
                output, url = _explicit_output(snippet, content, settings), None
            else:
                if ref is None:
                    if not (show_output and prints(snippet.code)) and not _promises_output(snippet.code):
                        continue  # no figure shows this snippet, and nothing it prints is shown
                    # Run only for what it prints (no figure, so no dpi).
                    kind, output, url = JobKind.CHECK, "", None
                    spec = dataclasses.replace(spec, dpi=None)
                else:
                    output, url = _checked_output(ref.url, content, settings, ref.line), ref.url
        except PlanError as error:
            plan.errors.append(error)
            continue
        plan.figures.append(
            PlannedFigure(
                kind,
                spec,
                output,
                line=snippet.fence_line,
                first_line=snippet.first_code_line,
                setup_lines=[block["fence_line"] + 1 for block in snippet.setup],
                url=url,
                # An explicit fence followed by an image fills the image, with its options.
                slot=snippet.number if snippet.explicit and url is None else None,
                options=snippet.options,
                snippet=snippet.number,
                show_output=show_output,
            )
        )

    extra: list[tuple[JobKind, str, int, JobSpec]] = []
    embedding_url = _metadata(content, examples.EMBEDDING_FIGURE_KEY)
    if embedding_url:
        line = examples.metadata_line(source, examples.EMBEDDING_FIGURE_KEY)
        if example:
            extra.append(
                (
                    JobKind.EMBEDDING,
                    str(embedding_url).strip(),
                    line,
                    JobSpec(tokens=example.tokens, embeddings=example.embeddings, dpi=dpi),
                )
            )
        else:
            plan.errors.append(
                PlanError(
                    f"metadata {examples.EMBEDDING_FIGURE_KEY} needs {examples.EXAMPLE_KEY} (the tokens "
                    "and embeddings to draw)",
                    line,
                )
            )
    try:
        words = examples.parse_words_figures(_metadata(content, examples.WORDS_FIGURE_KEY))
    except examples.MetadataError as error:
        plan.errors.append(metadata_error(error))
        words = []
    line = examples.metadata_line(source, examples.WORDS_FIGURE_KEY) if words else 1
    for words_figure in words:
        extra.append(
            (
                JobKind.WORDS,
                words_figure.url,
                line,
                JobSpec(
                    words=WordsSpec(words_figure.words, words_figure.highlighted, words_figure.label), dpi=dpi
                ),
            )
        )
    for kind, url, line, spec in extra:
        try:
            output = _checked_output(url, content, settings, line)
        except PlanError as error:
            plan.errors.append(error)
            continue
        plan.figures.append(PlannedFigure(kind, spec, output, line=line, url=url))

    claimed: dict[str, PlannedFigure] = {}
    for figure in list(plan.figures):
        if not figure.output:
            continue
        if figure.output in claimed:
            plan.errors.append(
                PlanError(
                    f"figure {figure.output} is already made by the figure at line "
                    f"{claimed[figure.output].line}",
                    figure.line,
                )
            )
            plan.figures.remove(figure)
        else:
            claimed[figure.output] = figure
    return plan
