"""What the tests share: building real Pelican sites into temporary folders
(as a user runs ``pelican``, or in this process as ``make devserver`` does),
making one figure's cache entry as the worker does, reading what a build
logged and cached, and finding the browser.

The fixtures that use these are in ``conftest.py``; tests import the rest
from here (``from helpers import build, line_of``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from bs4 import BeautifulSoup

if TYPE_CHECKING:
    from pelican_rnn_figures.worker.drawing.scene import Scene

REPO = Path(__file__).resolve().parent.parent
# The header of the articles tests write: .format(title=..., slug=...).
HEADER = "Title: {title}\nDate: 2024-01-01\nSlug: {slug}\n"

SETTINGS = """\
AUTHOR = "Test"
SITENAME = "Test site"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
PLUGINS = [{plugins}]
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
RELATIVE_URLS = True
{extra}
"""


def import_playwright():
    """Playwright's sync API; without it a browser test is skipped, but under
    ``CI=true``, where the browser tests must run, it fails."""
    if os.environ.get("CI") == "true":
        try:
            import playwright.sync_api as api
        except ImportError as error:
            pytest.fail(f"Playwright is missing ({error}); CI must run the browser tests")
        return api
    return pytest.importorskip("playwright.sync_api")


@dataclass
class BuiltSite:
    """A site built into ``root/output``."""

    root: Path

    @property
    def output(self) -> Path:
        return self.root / "output"

    def page(self, relative: str) -> BeautifulSoup:
        return BeautifulSoup((self.output / relative).read_text(encoding="utf-8"), "html.parser")


@dataclass
class Build(BuiltSite):
    returncode: int
    log: str


def make_site(root: Path, articles: dict[str, str], extra: str = "", plugin: bool = True) -> Path:
    (root / "content").mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    plugins = '"pelican_rnn_figures"' if plugin else ""
    (root / "pelicanconf.py").write_text(SETTINGS.format(plugins=plugins, extra=extra), encoding="utf-8")
    return root


def run_pelican(root: Path, *args: str, env: dict[str, str] | None = None) -> Build:
    """``pelican content`` in ``root``, as a user runs it."""
    completed = subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "COLUMNS": "400", **(env or {})},
    )
    return Build(root, completed.returncode, completed.stdout + completed.stderr)


def build(root: Path, articles: dict[str, str], extra: str = "", plugin: bool = True) -> Build:
    return run_pelican(make_site(root, articles, extra, plugin))


SEED_COPY = REPO / "tests" / "data" / "illustrated-lstm-keras.md"


@dataclass
class InProcessBuild(BuiltSite):
    records: list[logging.LogRecord]

    def ours(self, level: int) -> list[str]:
        """Messages of the plugin's own loggers at ``level``."""
        return [
            r.getMessage()
            for r in self.records
            if r.levelno == level and r.name.startswith("pelican_rnn_figures")
        ]


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class WorkerStarted(BaseException):
    """A build given ``no_worker=True`` ran a worker or asked an interpreter
    (a BaseException: the plugin's guard against its own bugs lets it through)."""


@contextlib.contextmanager
def _no_worker():
    from unittest import mock

    from pelican_rnn_figures.site import runner, worker_python

    def refuse(*args, **kwargs):
        raise WorkerStarted("the build ran a worker")

    with (
        mock.patch.object(runner.WorkerPool, "run_all", refuse),
        mock.patch.object(worker_python, "_ask", refuse),
    ):
        yield


def build_in_process(
    root: Path, articles: dict[str, str] | None = None, *, no_worker: bool = False, **settings
) -> InProcessBuild:
    """A Pelican build in this process (as `make devserver` rebuilds), its log
    records collected, like Pelican's own LoggedTestCase does. ``no_worker``:
    the build fails (:class:`WorkerStarted`) if it runs a snippet or draws a
    figure in a worker, or starts one to ask an interpreter anything."""
    from pelican import Pelican
    from pelican.log import LimitFilter
    from pelican.settings import read_settings

    for name, text in (articles or {}).items():
        (root / "content").mkdir(parents=True, exist_ok=True)
        (root / "content" / name).write_text(text, encoding="utf-8")
    override = {
        "PATH": str(root / "content"),
        "OUTPUT_PATH": str(root / "output"),
        "CACHE_PATH": str(root / "cache"),
        "PLUGINS": ["pelican_rnn_figures"],
        "TIMEZONE": "UTC",
        "SITEURL": "",
        "FEED_ALL_ATOM": None,
        "CATEGORY_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None,
        "AUTHOR_FEED_RSS": None,
        "TRANSLATION_FEED_ATOM": None,
        **settings,
    }
    LimitFilter._raised_messages.clear()  # Pelican de-duplicates warnings per process
    handler = _Collect()
    root_logger = logging.getLogger()
    root_logger.addHandler(handler)
    previous = root_logger.level
    root_logger.setLevel(logging.DEBUG)
    try:
        with _no_worker() if no_worker else contextlib.nullcontext():
            Pelican(read_settings(None, override=override)).run()
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(previous)
    return InProcessBuild(root, handler.records)


def line_of(text: str, needle: str) -> int:
    """The number (from 1) of the first line of ``text`` that contains ``needle``."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def tally(result: InProcessBuild) -> str:
    """The build's count of figures: "RNN figures: N generated, N from cache, N failed ..."."""
    return next(m for m in result.ours(logging.DEBUG) if m.startswith("RNN figures:") and "generated" in m)


def failures(result: InProcessBuild) -> list[str]:
    """The build's errors about failed figures, one per figure."""
    return [m for m in result.ours(logging.ERROR) if "RNN figure failed" in m]


def cache_summaries(root: Path) -> list[dict[str, Any]]:
    """Every cache entry's result.json (EntrySummary's JSON) under ``root/cache``."""
    entries = (root / "cache" / "rnn_figures").rglob("result.json")
    return [json.loads(path.read_text(encoding="utf-8")) for path in entries]


def chromium() -> str:
    """Chromium's executable; without it a browser test is skipped, but under
    ``CI=true``, where the browser tests must run, it fails."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing (apt-get install chromium); CI must run the browser test")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


# The job the tracer makes (the ``tracer`` fixture, tests/data/figures/regenerate.py):
# an example of 4 steps of 2 features, token ids 3 4 0 0, drawn at 50 dpi.
TRACER_EXAMPLE = [[0.5, 0.4], [0.0, 0.0], [0.7, 0.5], [0.1, 0.2]]
TRACER_IDS = [[3, 4, 0, 0]]
TRACER_DPI = 50


def make_entry(
    code: str, dest: Path, labels: list[list[str]] | None = None, options: dict[str, Any] | None = None
) -> Path:
    """The cache entry of ``code``'s figure, made as the worker makes a job's
    (a session of this one RNN job, ``worker/session_run.run_session``) but in
    this process: figure.png, figure.svg, figure.json and result.json in
    ``dest``. ``labels``: a fence's tokens=; ``options``: its drawing options
    (``{"layers": ["encoder"]}``). Returns the PNG's path; a job
    that failed raises the :class:`SnippetError` of the worker's ErrorInfo."""
    from pelican_rnn_figures.messages import Job, JobKind, JobMessage, JobSpec, SessionMessage
    from pelican_rnn_figures.worker.author_errors import SnippetError
    from pelican_rnn_figures.worker.session_run import run_session

    spec = JobSpec(
        code=code,
        seed=1,
        dpi=TRACER_DPI,
        embeddings=TRACER_EXAMPLE,
        token_ids=TRACER_IDS,
        labels=labels or [],
        options=options or {},
    )
    job = JobMessage(0, str(dest), Job(JobKind.RNN, spec, "variant.md", 1))
    finished = []
    run_session(
        SessionMessage(0, [job]), lambda line: None, lambda job, summary, error: finished.append(error)
    )
    [error] = finished
    if error is not None:
        raise SnippetError(error)
    return dest / "figure.png"


def entry_summary(png: Path) -> dict[str, Any]:
    """The result.json (EntrySummary's JSON) of the cache entry ``png`` is in."""
    return json.loads((png.parent / "result.json").read_text(encoding="utf-8"))


BOX_RE = re.compile(r"left:([\d.]+)%;top:([\d.]+)%;width:([\d.]+)%;height:([\d.]+)%")


def span_regions(spans) -> list[list]:
    """A text layer's spans (a page's, or an entry's layer_html) as regions:
    each box (fractions of the figure from its top left), its text and its tooltip."""
    regions = []
    for span in spans:
        box = BOX_RE.search(span["style"])
        assert box, span
        regions.append([float(v) / 100 for v in box.groups()] + [span.get_text(), span.get("data-tip", "")])
    return regions


def entry_regions(png: Path) -> list[list]:
    """The text layer the worker made with the figure ``png`` (its entry's layer_html)."""
    layer = BeautifulSoup(entry_summary(png)["layer_html"], "html.parser")
    return span_regions(layer.select("span"))


def entry_scene(png: Path) -> Scene:
    """The layout the figure ``png`` was drawn from, again from its JSON (layouts are deterministic)."""
    from pelican_rnn_figures.worker.drawing.unrolled import layout_unrolled

    return layout_unrolled(json.loads(png.with_suffix(".json").read_text(encoding="utf-8")))
