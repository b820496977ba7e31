"""Make every planned figure of a build and put it in the output and the pages.

For each figure: look it up in the cache, run what is missing in the worker
pool, copy the files into ``OUTPUT_PATH`` (atomically), then fill the
article's HTML. Runs on every build, also when Pelican's reader cache skipped
the Markdown, so figures are in the output even after
``DELETE_OUTPUT_DIRECTORY``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..article.prelude import PRELUDE
from ..messages import EntrySummary, ErrorInfo, ErrorKind, JobKind, Outcome, failure
from . import page_html
from . import pelican_internals as internals
from .cache import FigureCache, error_key, job_key
from .planning import ArticlePlan, PlannedFigure
from .relocation import LineMoves, line_moves
from .settings import cache_folder

if TYPE_CHECKING:
    from .runner import Job

logger = logging.getLogger(__name__)

OUTPUT_FILES = (("figure.png", ".png"), ("figure.svg", ".svg"), ("figure.json", ".json"))
TEMPORARY_PREFIX = ".rnn-figure-partial-"
# Below this many TensorFlow jobs a second worker costs more (its own
# TensorFlow import) than it saves.
JOBS_PER_WORKER = 4


@dataclass
class Tally:
    generated: int = 0
    cached: int = 0
    failed: int = 0
    # Per shown figure (its output path without .png): its size and text
    # layer's HTML, for the page pass (:mod:`.page_layer`).
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Work:
    """A planned figure in its article, with its cache key and outcome."""

    content: Any
    plan: ArticlePlan
    figure: PlannedFigure
    key: str
    outcome: Outcome | None = None
    from_cache: bool = False
    # How its blocks moved since its outcome was made (cached when they were
    # elsewhere); None if they did not.
    moves: LineMoves | None = None


def announce(message: str) -> None:
    """A line on Pelican's own console (where it prints "Done: ..."), shown at
    every verbosity, and a log record for those who collect them."""
    internals.console_line(message)
    logger.debug("%s", message)


@contextlib.contextmanager
def _replacing(target: str) -> Iterator[str]:
    """A temporary file beside ``target`` to fill; renamed onto it at the end,
    removed if filling it fails."""
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=TEMPORARY_PREFIX)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _atomic_copy(source: str, target: str) -> None:
    """Copy unless ``target`` already is this cache file (same size and time)."""
    stat = os.stat(source)
    try:
        existing = os.stat(target)
        if existing.st_size == stat.st_size and existing.st_mtime_ns == stat.st_mtime_ns:
            return
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    import shutil

    with _replacing(target) as temporary:
        shutil.copyfile(source, temporary)
        os.utime(temporary, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _write_moved_json(source: str, target: str, moves: LineMoves) -> None:
    """Write the entry's figure data naming the lines of now, unless ``target``
    already holds exactly that (the entry itself is never changed)."""
    with open(source, encoding="utf-8") as file:
        text = json.dumps(moves.figure_data(json.load(file)), indent=1).encode()
    try:
        with open(target, "rb") as existing:
            if existing.read() == text:
                return
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    with _replacing(target) as temporary, open(temporary, "wb") as file:
        file.write(text)


def publish(
    entry: Path,
    output_root: Path,
    relative_png: str,
    checked: dict[Path, bool],
    moves: LineMoves | None = None,
) -> None:
    """Copy a cache entry's files to ``relative_png`` and its .svg/.json siblings
    (the JSON with its lines moved, if its blocks have moved since it was made).

    ``checked`` remembers which folders were found inside the output (a
    symlink could lead out), so each is resolved once per build."""
    png = output_root / relative_png
    if png.parent not in checked:
        checked[png.parent] = png.parent.resolve().is_relative_to(output_root)
    if not checked[png.parent]:
        raise ValueError(f"{relative_png} leads outside the output directory")
    stem = str(png)[: -len(".png")]
    for name, suffix in OUTPUT_FILES:
        if name == "figure.json" and moves is not None:
            _write_moved_json(os.path.join(entry, name), stem + suffix, moves)
        else:
            _atomic_copy(os.path.join(entry, name), stem + suffix)


def _remove_partial_copies(directories: set[Path]) -> None:
    """Temporary files of a build that was killed while copying."""
    for directory in directories:
        for leftover in directory.glob(TEMPORARY_PREFIX + "*"):
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
    """Drop (and report) figures whose path another article's figure already has."""
    owners: dict[str, Work] = {}
    kept = []
    for item in work:
        owner = owners.get(item.figure.output) if item.figure.output else None
        if owner is not None and owner.key != item.key:
            item.outcome = failure(
                ErrorKind.DUPLICATE_FIGURE,
                f"{item.figure.output} is also made by {owner.plan.source_path}, line {owner.figure.line}",
            )
        else:
            owners.setdefault(item.figure.output, item)
        kept.append(item)
    return kept


def _sessions(missing: list[Work]) -> list[list[Work]]:
    """Group the figures to make into sessions: those of one article whose
    blocks overlap run in one session, so that each block runs once. Figures
    that share nothing run apart (on any worker: in parallel)."""
    sessions: list[list[Work]] = []
    by_article: dict[str, list[tuple[set[int], list[Work]]]] = {}
    for item in missing:
        figure = item.figure
        if not figure.kind.runs_snippet:
            sessions.append([item])
            continue
        lines = {*figure.setup_lines, figure.first_line}
        groups = by_article.setdefault(item.plan.source_path, [])
        joined = [group for group in groups if group[0] & lines]
        apart = [group for group in groups if not group[0] & lines]
        merged = (
            lines.union(*(group[0] for group in joined)),
            [i for group in joined for i in group[1]] + [item],
        )
        groups[:] = [*apart, merged]
    for groups in by_article.values():
        sessions += [sorted(items, key=lambda item: item.figure.first_line) for _, items in groups]
    return sessions


def _run_missing(missing: list[Work], cache: FigureCache, settings: dict[str, Any]) -> None:
    from .runner import Job, shared_pool  # threads and subprocesses: only when something runs

    def job_of(item: Work) -> Job:
        figure = item.figure
        first_line = figure.first_line if figure.kind.runs_snippet else figure.line
        return Job(
            figure.kind,
            figure.spec,
            cache.entry(item.key),
            item.plan.source_path,
            first_line,
            item.plan.timeout,
            figure.setup_lines,
        )

    sessions = _sessions(missing)
    jobs = [[job_of(item) for item in session] for session in sessions]
    heavy = sum(job.kind.runs_snippet for session in jobs for job in session)
    # A session is one worker's: no more workers than sessions.
    workers = max(
        1, min(int(settings["RNN_FIGURES_WORKERS"]), math.ceil(heavy / JOBS_PER_WORKER), len(sessions))
    )
    announce(f"RNN figures: running {len(missing)} snippet(s) on {workers} worker(s)")
    started = time.monotonic()
    done = 0

    def progress(job: Job, outcome: Outcome) -> None:
        nonlocal done
        done += 1
        announce(
            f"RNN figures: [{done}/{len(missing)}] {os.path.basename(job.source_path)}:{job.first_line} "
            f"{'done' if outcome.ok else 'failed'} ({time.monotonic() - started:.1f} s)"
        )

    pool = shared_pool(settings["RNN_FIGURES_PYTHON"], float(settings["RNN_FIGURES_MEMORY_LIMIT"]))
    for session, outcomes in zip(sessions, pool.run_all(jobs, workers, progress), strict=True):
        for item, outcome in zip(session, outcomes, strict=True):
            if outcome.summary is not None:  # (the entry may be one another place made first)
                _settle(item, outcome, outcome.summary.block_lines)
            else:
                item.outcome = outcome


def _block_lines(figure: PlannedFigure) -> list[int]:
    return [line for line, _ in figure.blocks]


def _settle(item: Work, outcome: Outcome, made_at: list[int]) -> None:
    """Give ``item`` an outcome made when its blocks started at ``made_at``,
    naming the lines they are at now."""
    item.moves = line_moves(made_at, item.figure.blocks)
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


def _code_at(figure: PlannedFigure, line: int | None) -> str:
    """The article's line of code at ``line``, among the blocks the figure runs."""
    for first, code in figure.blocks:
        lines = code.splitlines()
        if line is not None and first <= line < first + len(lines):
            return lines[line - first].strip()
    return ""


def _error_key(item: Work) -> str:
    return error_key(item.key, item.plan.source_path)


def _place(item: Work) -> tuple[str, str, int]:
    return (item.key, item.plan.source_path, item.figure.first_line)


def make_figures(plans: list[tuple[Any, ArticlePlan]], settings: dict[str, Any]) -> Tally:
    cache = FigureCache(cache_folder(settings))
    output_root = Path(settings["OUTPUT_PATH"]).resolve()
    mode = settings["RNN_FIGURES_EXECUTE"]
    checked: dict[Path, bool] = {}
    tally = Tally()

    for _, plan in plans:
        for error in plan.errors:
            _report(plan.source_path, error.line, ErrorInfo(ErrorKind.ARTICLE, str(error)))
            tally.failed += 1

    work = _claim_outputs(
        [
            Work(content, plan, figure, job_key(figure.kind, figure.spec.to_json(), PRELUDE))
            for content, plan in plans
            for figure in plan.figures
        ]
    )
    if mode != "force":
        for item in work:
            if item.outcome is None:
                _from_cache(item, cache)

    # Identical snippets at the same place run once; elsewhere they run again,
    # so that a failure is reported with each one's own file and line.
    unique: dict[tuple[str, str, int], Work] = {}
    for item in work:
        if item.outcome is None:
            unique.setdefault(_place(item), item)
    if unique and mode == "never":
        for item in unique.values():
            item.outcome = failure(
                ErrorKind.NOT_EXECUTED, "not in the cache, and RNN_FIGURES_EXECUTE is 'never'"
            )
    elif unique:
        _run_missing(list(unique.values()), cache, settings)
        for item in unique.values():
            if (
                item.outcome is not None
                and item.outcome.error is not None
                and item.outcome.error.deterministic
            ):
                cache.store_error(_error_key(item), item.outcome.error, _block_lines(item.figure))
    for item in work:
        if item.outcome is None:  # the same figure as another item's, at the same place
            item.outcome, item.moves = unique[_place(item)].outcome, unique[_place(item)].moves

    _remove_partial_copies({(output_root / item.figure.output).parent for item in work if item.figure.output})
    missing_tensorflow_reported = False
    for item in work:
        outcome, figure, source = item.outcome, item.figure, item.plan.source_path
        assert outcome is not None
        for warning in outcome.summary.warnings if outcome.summary else []:
            logger.warning("%s:%d: %s: %s", source, warning.line, warning.about, warning.message)
        if figure.kind is JobKind.CHECK:
            if outcome.error and outcome.error.kind is not ErrorKind.MISSING_DEPENDENCY:
                # No figure depends on it: a warning, and the page is left as written.
                _report(source, figure.line, outcome.error, logging.WARNING, what="snippet (no figure)")
            continue
        summary = outcome.summary
        if summary is not None and outcome.ok:
            try:
                publish(cache.entry(item.key), output_root, figure.output, checked, item.moves)
            except (OSError, ValueError) as error:
                outcome = failure(ErrorKind.OUTPUT, f"cannot write {figure.output}: {error}")
            else:
                _show(item.content, figure, summary)
                tally.layers[figure.stem] = {"size": summary.display_size, "html": summary.layer_html}
                if item.from_cache:
                    tally.cached += 1
                else:
                    tally.generated += 1
                continue
        tally.failed += 1
        failed = outcome.error
        assert failed is not None
        if failed.kind is ErrorKind.MISSING_DEPENDENCY:
            if not missing_tensorflow_reported:
                _report(source, figure.line, failed)
            missing_tensorflow_reported = True
        elif failed.kind is ErrorKind.NOT_EXECUTED:
            _report(source, figure.line, failed, logging.WARNING)
        else:
            _report(source, figure.line, failed)
        line = failed.line or figure.line
        message = f"{failed.title}: {failed.message}"
        code = failed.code or _code_at(figure, failed.line)
        block = page_html.error_block(os.path.basename(source), line, message, code)
        _put_in_page(item.content, figure, block)
    for item in work:
        _show_output(item)
    # Every article with snippets: those that made nothing lose their markers too.
    contents = list({id(content): content for content, _ in plans}.values())
    for content in contents:
        page = page_html.remove_output_markers(page_html.number_figures(internals.page_html(content)))
        internals.set_page_html(content, page)
    internals.forget_rendered(contents)
    return tally
