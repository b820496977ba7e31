"""An article's notebook: ``SLUG.ipynb`` beside its page, and a link to it under the post.

The notebook is the post's code as a reader can run it: a markdown cell with
the title and a link back to the post, a code cell with the prelude spelled
out, then every block the plugin runs, in article order, the prose between
them as markdown cells. Each code cell first sets the random seed, as the
build does before each block, so it prints the numbers the page shows; what
a block printed in the build is its cell's output.

Written with the standard library (nbformat 4.5 JSON), with stable bytes:
sorted keys, no timestamps, cell ids from the cells' positions, so a rebuild
writes nothing new and changes make clean diffs.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..article.prelude import PRELUDE
from ..article.session import SKIP_MARKER
from ..common.files import write_text
from ..messages import printable
from . import page_html
from . import pelican_internals as internals
from .planning import ArticlePlan

logger = logging.getLogger(__name__)

SEED_LINE = "keras.utils.set_random_seed({seed})  # as the post's build does before each block\n"
METADATA_LINE_RE = re.compile(r"^[A-Za-z][\w -]*:")
# Root-relative links (Pelican's {static} ones too): absolute once SITEURL is prefixed.
ROOT_LINK_RE = re.compile(r"\]\(\s*(?:\{static\}|\|static\|)?/")
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


@dataclass(frozen=True)
class NotebookBlock:
    """A block the build runs: its first line of code, its code, its seed."""

    line: int
    code: str
    seed: int

    @property
    def end(self) -> int:
        """The article line of its closing fence."""
        return self.line + self.code.count("\n")


def notebook_path(content: Any) -> str:
    """``SLUG.ipynb`` in the folder of the article's page (its ``save_as``), output-relative."""
    folder = posixpath.dirname(str(getattr(content, "save_as", "") or ""))
    return posixpath.join(folder, f"{getattr(content, 'slug', None) or 'article'}.ipynb")


def notebook_blocks(plan: ArticlePlan) -> list[NotebookBlock]:
    """The blocks the build runs for the article's snippets, each once, in
    article order (blocks marked to skip stay out)."""
    found: dict[int, NotebookBlock] = {}
    for figure in plan.figures:
        job = figure.job
        if not job.kind.runs_snippet:
            continue
        for needed in job.spec.needed:
            found.setdefault(needed.line, NotebookBlock(needed.line, needed.code, needed.seed))
        found.setdefault(job.first_line, NotebookBlock(job.first_line, job.spec.code, job.spec.seed))
    kept = [
        block for line, block in found.items() if line > 0 and not block.code.lstrip().startswith(SKIP_MARKER)
    ]
    return sorted(kept, key=lambda block: block.line)


def _body_start(lines: list[str]) -> int:
    """The index of the first line after the metadata header (0 if none)."""
    if not lines or not METADATA_LINE_RE.match(lines[0]):
        return 0
    return next((index + 1 for index, line in enumerate(lines) if not line.strip()), len(lines))


def _prose(lines: list[str], start: int, end: int, siteurl: str) -> str:
    """Article lines ``start`` to ``end`` (0-based, end excluded), links made absolute."""
    return ROOT_LINK_RE.sub(f"]({siteurl}/", "\n".join(lines[max(start, 0) : end]).strip())


def _source(text: str) -> list[str]:
    """A cell's source as nbformat writes it: its lines, each with its newline but the last."""
    return text.splitlines(keepends=True)


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": _source(text)}


def _code(text: str, printed: str = "") -> dict[str, Any]:
    outputs = [{"name": "stdout", "output_type": "stream", "text": _source(printed)}] if printed else []
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": outputs,
        "source": _source(text),
    }


def notebook_cells(
    title: str,
    url: str,
    article: list[str],
    blocks: list[NotebookBlock],
    printed: dict[int, str],
    siteurl: str,
) -> list[dict[str, Any]]:
    """The notebook's cells: title and link, prelude, then prose and blocks in
    article order (``article``: the article's lines; ``printed``: what each
    block printed, by its first line, where known)."""
    cells = [
        _markdown(
            f"# {title}\n\nThe code of the post [{title}]({url}), to run top to bottom. Each code cell "
            "sets the random seed first, as the post's build does before every block, so it prints "
            "the numbers the post shows."
        ),
        _code("# The names every block of the post uses without importing them\n" + PRELUDE.rstrip("\n")),
    ]
    prose_from = _body_start(article)
    for block in blocks:
        if prose := _prose(article, prose_from, block.line - 2, siteurl):  # up to its opening fence
            cells.append(_markdown(prose))
        code = SEED_LINE.format(seed=block.seed) + block.code.rstrip("\n")
        cells.append(_code(code, printable(printed.get(block.line, ""))))
        prose_from = block.end  # after its closing fence
    if prose := _prose(article, prose_from, len(article), siteurl):
        cells.append(_markdown(prose))
    return [{**cell, "id": f"cell-{number}"} for number, cell in enumerate(cells, 1)]


def notebook_text(cells: list[dict[str, Any]]) -> str:
    """The notebook's JSON (nbformat 4.5), the same bytes for the same cells."""
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _post_url(content: Any, siteurl: str) -> str:
    url = str(getattr(content, "url", "") or "")
    return f"{siteurl}/{url}" if siteurl else url


def _write_if_changed(target: Path, text: str) -> None:
    try:
        if target.read_text(encoding="utf-8") == text:
            return
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    write_text(target, text)


def write_notebook(
    content: Any, plan: ArticlePlan, printed: dict[int, str], settings: dict[str, Any]
) -> bool:
    """The article's notebook in the output, and the link to it under the
    post; False (and nothing written) if the article runs no block."""
    blocks = notebook_blocks(plan)
    if not blocks:
        return False
    siteurl = str(settings.get("SITEURL") or "").rstrip("/")
    source = Path(plan.source_path).read_text(encoding="utf-8") if plan.source_path else ""
    title = str(getattr(content, "title", "") or getattr(content, "slug", ""))
    cells = notebook_cells(title, _post_url(content, siteurl), source.splitlines(), blocks, printed, siteurl)
    relative = notebook_path(content)
    output_root = Path(settings["OUTPUT_PATH"]).resolve()
    target = output_root / relative
    if not target.resolve().is_relative_to(output_root):
        raise ValueError(f"{relative} leads outside the output directory")
    _write_if_changed(target, notebook_text(cells))
    link = page_html.notebook_link(internals.static_link(content, relative))
    internals.set_page_html(content, page_html.add_notebook_link(internals.page_html(content), link))
    return True


def write_notebooks(
    plans: Iterable[tuple[Any, ArticlePlan]], printed: dict[str, dict[int, str]], settings: dict[str, Any]
) -> int:
    """Every article's notebook (see :func:`write_notebook`); how many were written.
    One that cannot be written is an error in the log, and its post gets no link."""
    written = 0
    for content, plan in plans:
        try:
            written += write_notebook(content, plan, printed.get(plan.source_path, {}), settings)
        except (OSError, ValueError) as error:
            logger.error("%s: its notebook could not be written: %s", plan.source_path, error)
    logger.debug("RNN figures: %d notebook(s) written under %s", written, os.fspath(settings["OUTPUT_PATH"]))
    return written
