"""Make every planned figure of a build and put it in the output and the pages.

For each figure: look it up in the cache, run what is missing in one worker,
copy the files into ``OUTPUT_PATH`` (atomically), then fill the article's
HTML. Runs on every build, also when Pelican's reader cache skipped the
Markdown, so figures are in the output even after ``DELETE_OUTPUT_DIRECTORY``.
"""

from __future__ import annotations

import logging
import os
import posixpath
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import page_html
from .cache import FigureCache, job_key
from .planning import ArticlePlan, PlannedFigure
from .runner import Job, Outcome, Runner
from .worker import PRELUDE

logger = logging.getLogger(__name__)

OUTPUT_FILES = (("figure.png", ".png"), ("figure.svg", ".svg"), ("figure.json", ".json"))


@dataclass
class Tally:
    generated: int = 0
    cached: int = 0
    failed: int = 0


def png_size(path: Path) -> tuple[int, int]:
    with open(path, "rb") as file:
        header = file.read(24)
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _atomic_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def publish(entry: Path, output_root: Path, relative_png: str) -> Path:
    """Copy a cache entry's files to ``relative_png`` and its .svg/.json siblings."""
    png = (output_root / relative_png).resolve()
    if not png.is_relative_to(output_root.resolve()):
        raise ValueError(f"{relative_png} leads outside the output directory")
    for name, suffix in OUTPUT_FILES:
        _atomic_copy(entry / name, png.with_suffix(suffix))
    return png


def _report(source: str, line: int, error: dict[str, Any]) -> None:
    line = error.get("line") or line
    detail = f"\n{error['traceback']}" if error.get("traceback") else ""
    logger.error("%s:%d: RNN figure failed: %s: %s%s", source, line, error["type"], error["message"], detail)


def _fill_page(content, figure: PlannedFigure, html: str) -> None:
    page = content._content
    if figure.slot is not None:
        page, found = page_html.fill_slot(page, figure.slot, html)
    else:
        page, found = page_html.replace_image(page, figure.url, html)
    if found:
        _set_content(content, page)


def _set_content(content, page: str) -> None:
    content._content = page
    # Pelican memoizes get_content per object; forget what it may hold for this one.
    cache = getattr(content.get_content, "cache", {})
    for key in [k for k in cache if k and k[0] is content]:
        del cache[key]


def _show(content, figure: PlannedFigure, png: Path, summary: dict[str, Any], dpi: int) -> None:
    width, height = png_size(png)
    scale = dpi / 100
    size = (round(width / scale), round(height / scale))
    if figure.slot is not None:
        caption = figure.options.get("caption") or summary.get("caption", "")
        # Relative to the page, so the site works under any SITEURL.
        page_dir = posixpath.dirname(getattr(content, "save_as", "") or "")
        src = posixpath.relpath(figure.output, page_dir or ".")
        page, _ = page_html.fill_slot(
            content._content, figure.slot, page_html.figure_block(src, summary["alt"], caption, *size)
        )
    else:
        page, _ = page_html.fill_image(content._content, figure.url, summary["alt"], *size)
    _set_content(content, page)


def make_figures(plans: list[tuple[Any, ArticlePlan]], settings: dict[str, Any]) -> Tally:
    cache = FigureCache(Path(settings["CACHE_PATH"]).resolve() / "rnn_figures")
    output_root = Path(settings["OUTPUT_PATH"]).resolve()
    dpi = int(settings["RNN_FIGURES_DPI"])
    tally = Tally()

    for _, plan in plans:
        for error in plan.errors:
            _report(plan.source_path, error.line, {"type": "ArticleError", "message": str(error)})
            tally.failed += 1

    work: list[tuple[Any, ArticlePlan, PlannedFigure, str]] = [
        (content, plan, figure, job_key(figure.kind, figure.spec, PRELUDE))
        for content, plan in plans
        for figure in plan.figures
    ]
    outcomes: dict[str, Outcome] = {}
    for _, _, _, key in work:
        summary = cache.lookup(key)
        if summary is not None:
            outcomes[key] = Outcome(True, summary=summary)
    missing = [item for item in work if item[3] not in outcomes]
    if missing:
        logger.info("RNN figures: running %d snippet(s) in a worker", len(missing))
        with (
            tempfile.TemporaryDirectory(prefix="rnn-figures-") as scratch,
            Runner(
                settings["RNN_FIGURES_PYTHON"], float(settings["RNN_FIGURES_TIMEOUT"]), Path(scratch)
            ) as runner,
        ):
            for number, (_, plan, figure, key) in enumerate(missing):
                if key in outcomes:
                    continue  # the same figure asked for twice
                job = Job(figure.kind, figure.spec, cache.entry(key), plan.source_path, figure.first_line)
                outcomes[key] = runner.run(job, number)
                if outcomes[key].ok:
                    tally.generated += 1

    for content, plan, figure, key in work:
        outcome = outcomes[key]
        if not outcome.ok:
            tally.failed += 1
            _report(plan.source_path, figure.line, outcome.error)
            line = outcome.error.get("line") or figure.line
            _fill_page(
                content,
                figure,
                page_html.error_block(
                    os.path.basename(plan.source_path),
                    line,
                    f"{outcome.error['type']}: {outcome.error['message']}",
                ),
            )
            continue
        if cache.lookup(key) is None:
            tally.failed += 1
            _report(plan.source_path, figure.line, {"type": "CacheError", "message": "figure files vanished"})
            continue
        if key not in {k for *_, k in missing}:
            tally.cached += 1
        png = publish(cache.entry(key), output_root, figure.output)
        _show(content, figure, png, outcome.summary, dpi)
    return tally
