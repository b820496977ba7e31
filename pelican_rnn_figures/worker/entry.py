"""Make one job's cache entry: trace, lay out, draw, describe.

Everything is written into a partial folder next to the entry and renamed
into place at the end (:func:`..common.files.replacing`), so an entry is
complete or absent, never partial.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..common.files import replacing
from ..messages import (
    ENTRY_FILES,
    PORTRAIT_FILE,
    EntrySummary,
    ErrorKind,
    FigureWarning,
    Job,
    JobKind,
    JobMessage,
)
from .author_errors import SnippetError, plugin_bug
from .describe import describe_caption, describe_figure
from .model_figure import model_figure_data
from .notebook import Notebook, promise_warnings
from .text_layer import layer_html

# CSS px: past these, a figure shown at its legible size needs a lot of scrolling.
LEGIBLE_WIDTH, LEGIBLE_HEIGHT = 1600, 1400


def _display_size(png: Path, dpi: int) -> list[int]:
    """CSS pixels of the PNG: figures are laid out at 100 px per inch."""
    with open(png, "rb") as file:
        width, height = struct.unpack(">II", file.read(24)[16:24])
    return [round(width * 100 / dpi), round(height * 100 / dpi)]


def _size_warnings(size: list[int], fence_line: int) -> list[FigureWarning]:
    """A figure readers must scroll far to see, even after elision, is drawn,
    with a warning that says how to make it smaller."""
    width, height = size
    if width <= LEGIBLE_WIDTH and height <= LEGIBLE_HEIGHT:
        return []
    message = (
        f"the figure is {width}×{height} px at a legible size, more than a screen can show "
        f"({LEGIBLE_WIDTH}×{LEGIBLE_HEIGHT}): draw fewer layers (layers=...) or use a shorter example"
    )
    return [FigureWarning(fence_line, message, about="figure size")]


def block_printed(job: Job, notebook: Notebook | None) -> str:
    """What the job's own block printed (nothing if a block it needs failed,
    so it did not run): shown under the block whatever came of its figure."""
    run = notebook.runs.get(job.first_line) if notebook is not None and job.kind.runs_snippet else None
    return run.printed if run is not None else ""


def _entry_data(job: Job, notebook: Notebook | None) -> tuple[Any, str, list[FigureWarning]]:
    """What the figure is drawn from (its JSON), what the snippet printed, warnings."""
    spec = job.spec
    if job.kind.runs_snippet:
        assert notebook is not None  # a snippet's job runs after its block, in the session
        run = notebook.runs[job.first_line]
        if run.error is not None:
            if run.failed_block == job.first_line:
                raise SnippetError(run.error)
            raise SnippetError(run.error.in_needed_block(run.failed_block or 0, job.first_line))
        warnings = promise_warnings(run)
        if job.kind is JobKind.OUTPUT_ONLY:
            return None, run.printed, warnings
        data, notes = model_figure_data(spec, run, notebook)
        data["figure_options"] = spec.options
        return data, run.printed, notes + warnings
    if job.kind is JobKind.EMBEDDING:
        return {"tokens": spec.tokens, "inputs": spec.embeddings}, "", []
    assert spec.words is not None
    return (
        {"words": spec.words.words, "highlighted": spec.words.highlighted, "label": spec.words.label},
        "",
        [],
    )


def _draw(kind: JobKind, data: dict[str, Any], folder: Path, dpi: int) -> tuple[list[list[Any]], Any]:
    """Lay the figure out, then render it (and its portrait layout, if it has
    one: SVG only, for article pages); returns its text layer's regions, and
    the portrait's scene and regions (or None)."""
    from .drawing.attention_grid import layout_attention
    from .drawing.portrait import layout_portrait
    from .drawing.render import render
    from .drawing.small_figures import layout_embeddings, layout_words, portrait_embeddings, portrait_words
    from .drawing.unrolled import LayoutError, UndrawableError, layout_unrolled

    def drawn(scene: Any, portrait: Any) -> tuple[list[list[Any]], Any]:
        regions = render(scene, folder / "figure", dpi)
        if portrait is None:
            return regions, None
        return regions, (portrait, render(portrait, folder / PORTRAIT_FILE.removesuffix(".svg"), None))

    if kind is JobKind.EMBEDDING:
        return drawn(layout_embeddings(data), portrait_embeddings(data))
    if kind is not JobKind.RNN:
        return drawn(layout_words(data), portrait_words(data))
    try:
        if data.get("figure_options", {}).get("attention"):  # its weights, not the model unrolled
            return drawn(layout_attention(data), None)  # the grid has no portrait layout
        return drawn(layout_unrolled(data), layout_portrait(data))
    except LayoutError as error:
        raise SnippetError.of(ErrorKind.OPTION, str(error)) from None
    except UndrawableError as error:
        raise SnippetError.of(ErrorKind.TRACE, str(error)) from None
    except Exception as error:  # a bug of ours must cost this figure, not the worker
        raise SnippetError(plugin_bug(error, "drawing the figure")) from None


def _fill(folder: Path, job: Job, notebook: Notebook | None) -> EntrySummary:
    """Write the job's entry into ``folder``: its figure files, if it has a
    figure, and ``result.json``; returns the summary written."""
    try:
        data, printed, warnings = _entry_data(job, notebook)
    except SnippetError as error:
        raise SnippetError(replace(error.info, printed=block_printed(job, notebook))) from None
    summary = EntrySummary(printed=printed, warnings=warnings, block_lines=job.block_lines)
    if data is not None:
        assert job.spec.dpi is not None
        regions, portrait = _draw(job.kind, data, folder, job.spec.dpi)
        size = _display_size(folder / "figure.png", job.spec.dpi)
        if job.kind is JobKind.RNN:
            summary.warnings += _size_warnings(size, job.first_line - 1)
        (folder / "figure.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
        summary.alt = describe_figure(job.kind, data)
        summary.caption = describe_caption(job.kind, data)
        # Sizes let a reader of the cache tell a complete entry from a damaged one.
        names = [*ENTRY_FILES, PORTRAIT_FILE] if portrait else ENTRY_FILES
        summary.files = {name: (folder / name).stat().st_size for name in names}
        summary.display_size = size
        # The page's text layers, made once here rather than on every build.
        summary.layer_html = layer_html(regions)
        if portrait:
            scene, portrait_regions = portrait
            summary.portrait_size = [round(scene.width * 100), round(scene.height * 100)]
            summary.portrait_layer_html = layer_html(portrait_regions)
    (folder / "result.json").write_text(json.dumps(summary.to_json()), encoding="utf-8")
    return summary


def build_entry(message: JobMessage, notebook: Notebook | None = None) -> EntrySummary:
    """Make the cache entry of one job (a snippet's, once its block has run in
    ``notebook``); return its summary (alt text etc.). A failure is a
    :class:`SnippetError` that keeps what the block printed."""
    dest = Path(message.dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    summary = None
    try:
        with replacing(dest) as partial:
            os.mkdir(partial)
            summary = _fill(Path(partial), message.job, notebook)
    except OSError:
        # Filled, but not renamed: another job committed the same entry first.
        # The same figure, perhaps made at other article lines, which its
        # summary names (the site moves them).
        committed = dest / "result.json"
        if summary is None or not committed.exists():
            raise
        summary = EntrySummary.from_json(json.loads(committed.read_text(encoding="utf-8")))
    return summary
