"""Make every planned figure of a build and put it in the output and the pages.

For each figure: look it up in the cache, run what is missing in the worker
pool, copy the files into ``OUTPUT_PATH`` (atomically), then fill the
article's HTML. Runs on every build, also when Pelican's reader cache skipped
the Markdown, so figures are in the output even after
``DELETE_OUTPUT_DIRECTORY``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..article.prelude import PRELUDE
from ..common.files import is_partial, replacing
from ..messages import (
    PLEASE_REPORT,
    EntrySummary,
    ErrorInfo,
    ErrorKind,
    JobKind,
    JobMessage,
    Outcome,
    entry_suffix,
    failure,
)
from . import page_html
from . import pelican_internals as internals
from .cache import FigureCache, error_key, job_key, worker_versions
from .frozen import CHANGED, FrozenFigures
from .planning import ArticlePlan, PlannedFigure
from .prune import after_full_build
from .relocation import LineMoves, line_moves
from .settings import cache_folder

logger = logging.getLogger(__name__)

# Below this many TensorFlow jobs a second worker costs more (its own
# TensorFlow import) than it saves.
JOBS_PER_WORKER = 4
# About the bytes of a new cache entry's result.json (for the cache's size, :mod:`.prune`).
NEW_ENTRY_BYTES = 2048


@dataclass
class Tally:
    generated: int = 0
    cached: int = 0
    failed: int = 0
    # Per shown figure (its output path without .png): its size and text
    # layer's HTML, for the page pass (:mod:`.page_layer`).
    text_layers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Work:
    """A planned figure in its article, with its cache key and outcome."""

    content: Any
    figure: PlannedFigure
    key: str
    outcome: Outcome | None = None
    from_cache: bool = False
    # How its blocks moved since its outcome was made (cached when they were
    # elsewhere); None if they did not.
    moves: LineMoves | None = None
    # The common stem of its files when they are not the cache entry's (the
    # frozen folder's, :mod:`.frozen`).
    files: str | None = None

    @property
    def source_path(self) -> str:
        return self.figure.job.source_path


def announce(message: str) -> None:
    """A line on Pelican's own console (where it prints "Done: ..."), shown at
    every verbosity, and a log record for those who collect them."""
    internals.console_line(message)
    logger.debug("%s", message)


def _atomic_copy(source: str, target: str) -> None:
    """Copy unless ``target`` already is this cache file (same size and time)."""
    stat = os.stat(source)
    try:
        existing = os.stat(target)
        if existing.st_size == stat.st_size and existing.st_mtime_ns == stat.st_mtime_ns:
            return
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    with replacing(target) as partial:
        shutil.copyfile(source, partial)
        os.utime(partial, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _write_moved_json(source: str, target: str, moves: LineMoves) -> None:
    """Write the entry's figure data naming the lines of now, unless ``target``
    already holds exactly that (the entry itself is never changed)."""
    with open(source, encoding="utf-8") as file:
        text = json.dumps(moves.in_figure_data(json.load(file)), indent=1).encode()
    try:
        with open(target, "rb") as existing:
            if existing.read() == text:
                return
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    with replacing(target) as partial, open(partial, "wb") as file:
        file.write(text)


def publish(
    entry: Path,
    names: list[str],
    output_root: Path,
    relative_png: str,
    checked: dict[Path, bool],
    moves: LineMoves | None = None,
    files: str | None = None,
) -> None:
    """Copy a cache entry's files (``names``) to ``relative_png`` and its .svg/.json siblings
    (the JSON with its lines moved, if its blocks have moved since it was made);
    ``files``: the stem of the same files elsewhere (the frozen folder's).

    ``checked`` remembers which folders were found inside the output (a
    symlink could lead out), so each is resolved once per build."""
    png = output_root / relative_png
    if png.parent not in checked:
        checked[png.parent] = png.parent.resolve().is_relative_to(output_root)
    if not checked[png.parent]:
        raise ValueError(f"{relative_png} leads outside the output directory")
    stem = str(png)[: -len(".png")]
    for name in names:
        target = stem + entry_suffix(name)
        source = files + entry_suffix(name) if files else os.path.join(entry, name)
        if name == "figure.json" and moves is not None:
            _write_moved_json(source, target, moves)
        else:
            _atomic_copy(source, target)


def _remove_partial_copies(directories: set[Path]) -> None:
    """Partial files of a build that was killed while copying."""
    for directory in directories:
        try:
            leftovers = [path for path in directory.iterdir() if is_partial(path.name)]
        except FileNotFoundError:
            continue
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)


def _report(
    source: str, line: int, error: ErrorInfo, level: int = logging.ERROR, what: str = "RNN figure"
) -> None:
    line = error.line or line
    detail = f"\n{error.traceback}" if error.traceback else ""
    logger.log(level, "%s:%d: %s failed: %s: %s%s", source, line, what, error.title, error.message, detail)


def _put_in_page(content: Any, figure: PlannedFigure, block: str) -> None:
    """Put ``block`` where the figure goes: its slot, or in place of its image."""
    if figure.slot is not None:
        page, found = page_html.fill_slot(internals.page_html(content), figure.slot, block)
    else:
        assert figure.url is not None  # a figure without a slot fills an image reference
        page, found = page_html.replace_image(internals.page_html(content), figure.url, block)
    if found:
        internals.set_page_html(content, page)


def _show(content: Any, figure: PlannedFigure, summary: EntrySummary) -> None:
    width, height = summary.display_size
    stem = figure.stem
    if figure.slot is not None:
        caption = figure.options.get("caption") or summary.caption
        src = internals.static_link(content, figure.output)
        internals.static_link(content, stem + ".svg")  # the figure the page shows, and links to
        _put_in_page(content, figure, page_html.figure_block(src, stem, summary.alt, caption, width, height))
    else:
        assert figure.url is not None
        page, _ = page_html.fill_image(
            internals.page_html(content), figure.url, stem, summary.alt, width, height
        )
        internals.set_page_html(content, page)


def _show_error(item: Work, error: ErrorInfo) -> None:
    """The error's box where the figure would be, with the line of code that failed."""
    figure = item.figure
    code = error.code or _code_at(figure, error.line)
    block = page_html.error_block(
        os.path.basename(item.source_path), error.line or figure.line, f"{error.title}: {error.message}", code
    )
    _put_in_page(item.content, figure, block)


def _show_output(item: Work) -> None:
    """What the snippet printed, under it, as in a notebook: also when it or
    its figure failed (what it printed before), the error's box apart."""
    figure, outcome = item.figure, item.outcome
    if figure.snippet is None or not figure.show_output or outcome is None:
        return
    result = outcome.summary or outcome.error
    if result is None or not result.printed:
        return
    page = internals.page_html(item.content)
    internals.set_page_html(item.content, page_html.fill_output(page, figure.snippet, result.printed))


def _claim_outputs(work: list[Work]) -> list[Work]:
    """Fail (and so report) figures whose path another article's figure already has."""
    owners: dict[str, Work] = {}
    for item in work:
        owner = owners.get(item.figure.output) if item.figure.output else None
        if owner is not None and owner.key != item.key:
            item.outcome = failure(
                ErrorKind.DUPLICATE_FIGURE,
                f"{item.figure.output} is also made by {owner.source_path}, line {owner.figure.line}",
            )
        else:
            owners.setdefault(item.figure.output, item)
    return work


def _sessions(missing: list[Work]) -> list[list[Work]]:
    """Group the figures to make into sessions: those of one article whose
    blocks overlap run in one session, so that each block runs once. Figures
    that share nothing run apart (on any worker: in parallel)."""
    sessions: list[list[Work]] = []
    by_article: dict[str, list[tuple[set[int], list[Work]]]] = {}
    for item in missing:
        job = item.figure.job
        if not job.kind.runs_snippet:
            sessions.append([item])
            continue
        lines = set(job.block_lines)
        groups = by_article.setdefault(job.source_path, [])
        joined = [group for group in groups if group[0] & lines]
        apart = [group for group in groups if not group[0] & lines]
        merged = (
            lines.union(*(group[0] for group in joined)),
            [i for group in joined for i in group[1]] + [item],
        )
        groups[:] = [*apart, merged]
    for groups in by_article.values():
        sessions += [sorted(items, key=lambda item: item.figure.job.first_line) for _, items in groups]
    return sessions


def _worker_count(sessions: list[list[Work]], settings: dict[str, Any]) -> int:
    """As many workers as the setting allows, but one per ``JOBS_PER_WORKER``
    snippets, and no more than sessions (a session is one worker's)."""
    snippets = sum(item.figure.job.kind.runs_snippet for session in sessions for item in session)
    wanted = min(int(settings["RNN_FIGURES_WORKERS"]), math.ceil(snippets / JOBS_PER_WORKER), len(sessions))
    return max(1, wanted)


def _running_line(missing: list[Work], workers: int) -> str:
    """What is about to run: the snippets, and the figures of the metadata
    (drawn without code)."""
    snippets = sum(item.figure.job.kind.runs_snippet for item in missing)
    drawn = len(missing) - snippets
    doing = [f"running {snippets} snippet(s)"] if snippets else []
    doing += [f"drawing {drawn} figure(s) of the metadata"] if drawn else []
    return f"RNN figures: {' and '.join(doing)} on {workers} worker(s)"


def _progress(total: int) -> Callable[[JobMessage, Outcome], None]:
    """A console line as each job ends: how many of ``total``, where, how long since the start."""
    started = time.monotonic()
    done = 0

    def report(message: JobMessage, outcome: Outcome) -> None:
        nonlocal done
        done += 1
        job = message.job
        announce(
            f"RNN figures: [{done}/{total}] {os.path.basename(job.source_path)}:{job.first_line} "
            f"{'done' if outcome.ok else 'failed'} ({time.monotonic() - started:.1f} s)"
        )

    return report


def _run_missing(missing: list[Work], cache: FigureCache, settings: dict[str, Any]) -> None:
    """Make the missing figures in the worker pool, each session on one worker."""
    from .runner import shared_pool  # threads and subprocesses: only when something runs

    sessions = _sessions(missing)
    entries = _entries_for(missing, cache)
    messages = [
        [
            JobMessage(number, str(entries.entry(item.key)), item.figure.job)
            for number, item in enumerate(session)
        ]
        for session in sessions
    ]
    workers = _worker_count(sessions, settings)
    announce(_running_line(missing, workers))
    pool = shared_pool(settings["RNN_FIGURES_PYTHON"], float(settings["RNN_FIGURES_MEMORY_LIMIT"]))
    for session, outcomes in zip(
        sessions, pool.run_all(messages, workers, _progress(len(missing))), strict=True
    ):
        for item, outcome in zip(session, outcomes, strict=True):
            if outcome.summary is not None:  # (the entry may be one another place made first)
                _settle(item, outcome, outcome.summary.block_lines)
            else:
                item.outcome = outcome


def _entries_for(missing: list[Work], cache: FigureCache) -> FigureCache:
    """Where the workers make the missing entries: the cache, or, when it
    cannot be written, a folder of this build's alone, with a warning (the
    figures are shown, only not kept)."""
    problem = cache.cannot_write()
    if problem is None:
        return cache
    import atexit
    import tempfile

    unkept = tempfile.mkdtemp(prefix="rnn-figures-unkept-")
    atexit.register(shutil.rmtree, unkept, True)
    logger.warning(
        "The figure cache %s cannot be written (%s): this build's %d new figure(s) are made but not kept",
        cache.root,
        problem,
        len(missing),
    )
    for item in missing:
        item.files = os.path.join(unkept, item.key[:2], item.key, "figure")
    return FigureCache(unkept)


def _settle(item: Work, outcome: Outcome, made_at: list[int]) -> None:
    """Give ``item`` an outcome made when its blocks started at ``made_at``,
    naming the lines they are at now."""
    item.moves = line_moves(made_at, item.figure.job.blocks)
    item.outcome = item.moves.outcome(outcome) if item.moves is not None else outcome


def _from_cache(item: Work, cache: FigureCache) -> None:
    """The item's figure from the cache, else the snippet's own failure as
    before; none if the cache has neither."""
    if (summary := cache.lookup(item.key)) is not None:
        _settle(item, Outcome(summary), summary.block_lines)
        item.from_cache = True
    elif (known := cache.lookup_error(_error_key(item))) is not None:
        error, made_at = known
        _settle(item, Outcome(error=error), made_at)


def _from_frozen(work: list[Work], frozen: FrozenFigures) -> None:
    """What the cache lacks, from the frozen folder (this build cannot make
    it); a snippet not as it was frozen is a warning at its line."""
    for item in work:
        if item.outcome is not None:
            continue
        found = frozen.lookup(item.source_path, item.figure.job)
        if found is None:
            item.outcome = failure(ErrorKind.NOT_EXECUTED, CHANGED)
        else:
            outcome, made_at, item.files = found
            _settle(item, outcome, made_at)
            item.from_cache = True


def _code_at(figure: PlannedFigure, line: int | None) -> str:
    """The article's line of code at ``line``, among the blocks the figure runs."""
    for first, code in figure.job.blocks:
        lines = code.splitlines()
        if line is not None and first <= line < first + len(lines):
            return lines[line - first].strip()
    return ""


def _error_key(item: Work) -> str:
    return error_key(item.key, item.source_path)


def _place(item: Work) -> tuple[str, str, int]:
    return (item.key, item.source_path, item.figure.job.first_line)


def _report_plan_errors(plans: list[tuple[Any, ArticlePlan]], tally: Tally) -> None:
    """The problems of the articles' text, each a failure at its line."""
    for _, plan in plans:
        for error in plan.errors:
            _report(plan.source_path, error.line, ErrorInfo(ErrorKind.ARTICLE, str(error)))
            tally.failed += 1


def _planned_work(plans: list[tuple[Any, ArticlePlan]], versions: dict[str, Any]) -> list[Work]:
    """Every planned figure of the build, with its cache key (``versions``: its worker's)."""
    return [
        Work(content, figure, job_key(figure.job.kind, figure.job.spec.key_json(), PRELUDE, versions))
        for content, plan in plans
        for figure in plan.figures
    ]


def _make_missing(work: list[Work], cache: FigureCache, settings: dict[str, Any]) -> None:
    """Give every item without an outcome one: made in the workers (unless
    RNN_FIGURES_EXECUTE is 'never'), a snippet's own failure kept in the cache.
    Identical snippets at the same place run once; elsewhere they run again,
    so that a failure is reported with each one's own file and line."""
    unique: dict[tuple[str, str, int], Work] = {}
    for item in work:
        if item.outcome is None:
            unique.setdefault(_place(item), item)
    if unique and settings["RNN_FIGURES_EXECUTE"] == "never":
        for item in unique.values():
            item.outcome = failure(
                ErrorKind.NOT_EXECUTED, "not in the cache, and RNN_FIGURES_EXECUTE is 'never'"
            )
    elif unique:
        _run_missing(list(unique.values()), cache, settings)
        for item in unique.values():
            error = item.outcome.error if item.outcome is not None else None
            if error is not None and error.deterministic:
                _keep_error(cache, item, error)
    for item in work:
        if item.outcome is None:  # the same figure as another item's, at the same place
            item.outcome, item.moves = unique[_place(item)].outcome, unique[_place(item)].moves


def _keep_error(cache: FigureCache, item: Work, error: ErrorInfo) -> None:
    """Keep a snippet's own failure for the next build; a cache that cannot
    be written costs only that, with a warning."""
    try:
        cache.store_error(_error_key(item), error, item.figure.job.block_lines)
    except OSError as problem:
        logger.warning(
            "%s:%d: its failure could not be kept in the figure cache (%s); the next build runs it again",
            item.source_path,
            item.figure.line,
            problem,
        )


def _log_warnings(item: Work) -> None:
    outcome = item.outcome
    for warning in outcome.summary.warnings if outcome is not None and outcome.summary else []:
        logger.warning("%s:%d: %s: %s", item.source_path, warning.line, warning.about, warning.message)


def _report_output_only(item: Work) -> None:
    """An output-only snippet that failed: no figure depends on it, so a
    warning, and the page is left as written (a missing TensorFlow is
    reported by the figures)."""
    error = item.outcome.error if item.outcome is not None else None
    if error and error.kind is not ErrorKind.MISSING_DEPENDENCY:
        _report(item.source_path, item.figure.line, error, logging.WARNING, what="output-only snippet")


def _report_failure(item: Work, error: ErrorInfo, reported: set[ErrorKind]) -> None:
    """A figure's failure in the log: a missing dependency once a build (every
    figure meets it), a figure the settings did not let run as a warning."""
    source, line = item.source_path, item.figure.line
    if error.kind is ErrorKind.MISSING_DEPENDENCY:
        if error.kind not in reported:
            _report(source, line, error)
        reported.add(error.kind)
    elif error.kind is ErrorKind.NOT_EXECUTED:
        _report(source, line, error, logging.WARNING)
    else:
        _report(source, line, error)


class _Placing:
    """Puts each made figure into the output and its page, or its error box."""

    def __init__(self, cache: FigureCache, settings: dict[str, Any], tally: Tally):
        self.cache, self.tally = cache, tally
        self.output_root = Path(settings["OUTPUT_PATH"]).resolve()
        self.checked: dict[Path, bool] = {}  # see publish()
        self.reported: set[ErrorKind] = set()

    def place_all(self, work: list[Work]) -> None:
        _remove_partial_copies(
            {(self.output_root / item.figure.output).parent for item in work if item.figure.output}
        )
        for item in work:
            _log_warnings(item)
            if item.figure.job.kind is JobKind.OUTPUT_ONLY:
                _report_output_only(item)
            else:
                self.place(item)
        for item in work:
            _show_output(item)

    def place(self, item: Work) -> None:
        """The figure in the output and its page, counted; else its failure
        (also one to write its files) reported and shown in the page."""
        outcome, figure = item.outcome, item.figure
        assert outcome is not None
        summary = outcome.summary
        if summary is not None and outcome.ok:
            try:
                entry = self.cache.entry(item.key)
                names = list(summary.files)
                publish(entry, names, self.output_root, figure.output, self.checked, item.moves, item.files)
            except (OSError, ValueError) as error:
                outcome = failure(ErrorKind.OUTPUT, f"cannot write {figure.output}: {error}")
            else:
                self.shown(item, summary)
                return
        self.tally.failed += 1
        assert outcome.error is not None
        _report_failure(item, outcome.error, self.reported)
        _show_error(item, outcome.error)

    def shown(self, item: Work, summary: EntrySummary) -> None:
        _show(item.content, item.figure, summary)
        layers: dict[str, Any] = {"size": summary.display_size, "html": summary.layer_html}
        if summary.portrait_layer_html or summary.portrait_size[0]:
            layers["portrait"] = {"size": summary.portrait_size, "html": summary.portrait_layer_html}
        self.tally.text_layers[item.figure.stem] = layers
        if item.from_cache:
            self.tally.cached += 1
        else:
            self.tally.generated += 1


def _write_notebooks(
    plans: list[tuple[Any, ArticlePlan]], work: list[Work], settings: dict[str, Any]
) -> None:
    """Each article's notebook (:mod:`.notebook_file`), with what its blocks
    printed where the page shows it; a bug there costs the notebooks only."""
    from .notebook_file import write_notebooks

    printed: dict[str, dict[int, str]] = {}
    for item in work:
        result = item.outcome and (item.outcome.summary or item.outcome.error)
        if item.figure.snippet is not None and item.figure.show_output and result and result.printed:
            printed.setdefault(item.source_path, {})[item.figure.job.first_line] = result.printed
    try:
        write_notebooks(plans, printed, settings)
    except Exception:
        logger.exception("RNN figures: the notebooks could not be written (%s)", PLEASE_REPORT)


def _finish_pages(contents: Iterable[Any]) -> None:
    """Number the figures of every article with snippets and remove the
    markers nothing filled (also of those that made nothing)."""
    contents = list({id(content): content for content in contents}.values())
    for content in contents:
        page = page_html.remove_output_markers(page_html.number_figures(internals.page_html(content)))
        internals.set_page_html(content, page)
    internals.forget_rendered(contents)


def _record_full_build(
    cache: FigureCache, work: list[Work], settings: dict[str, Any], started: float
) -> None:
    """What this full build used, for pruning (:mod:`.prune`), with about how
    many bytes its new entries added to the cache."""
    made = [item.outcome.summary for item in work if item.outcome is not None and not item.from_cache]
    added = sum(sum(summary.files.values()) + NEW_ENTRY_BYTES for summary in made if summary is not None)
    keys = [item.key for item in work]
    errors = [_error_key(item) for item in work]
    after_full_build(str(cache.root), keys, errors, started, settings["RNN_FIGURES_CACHE_LIMIT_MB"], added)


def make_figures(
    plans: list[tuple[Any, ArticlePlan]], settings: dict[str, Any], complete: bool = True
) -> Tally:
    """Every planned figure of the build, from the cache or made, in the
    output and in its article's page; what came of them. ``complete``: the
    plans are of every article, so the build is a full one (:mod:`.prune`)."""
    started = time.time()
    cache = FigureCache(cache_folder(settings))
    tally = Tally()
    _report_plan_errors(plans, tally)
    versions = worker_versions(settings["RNN_FIGURES_PYTHON"], cache.root)
    work = _claim_outputs(_planned_work(plans, versions))
    if settings["RNN_FIGURES_EXECUTE"] != "force":
        for item in work:
            if item.outcome is None:
                _from_cache(item, cache)
    if (frozen := FrozenFigures.of(settings)) is not None and not frozen.writes:
        _from_frozen(work, frozen)
    _make_missing(work, cache, settings)
    if frozen is not None and frozen.writes:
        frozen.write(work, cache, complete)
    _Placing(cache, settings, tally).place_all(work)
    if settings["RNN_FIGURES_NOTEBOOKS"]:
        _write_notebooks(plans, work, settings)
    _finish_pages(content for content, _ in plans)
    if complete:
        _record_full_build(cache, work, settings, started)
    return tally
