"""Helpers that build real Pelican sites into temporary directories."""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

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


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Build:
    """The repository's own demo site, built as `make html` builds it."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "pelicanconf.py", root / "pelicanconf.py")
    result = run_pelican(root)
    assert result.returncode == 0, result.log
    return result


SEED_COPY = REPO / "tests" / "data" / "illustrated-lstm-keras.md"


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The author's draft exactly as handed over (kept in tests/data)."""
    return SEED_COPY.read_text(encoding="utf-8")


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


def build_in_process(root: Path, articles: dict[str, str] | None = None, **settings) -> InProcessBuild:
    """A Pelican build in this process (as `make devserver` rebuilds), its log
    records collected, like Pelican's own LoggedTestCase does."""
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
        Pelican(read_settings(None, override=override)).run()
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(previous)
    return InProcessBuild(root, handler.records)


@pytest.fixture(scope="session")
def tracer():
    """Trace and draw a model's code as the worker does, in this process: a
    figure's PNG, SVG, JSON and text layer (regions.json) in a folder."""
    from pelican_rnn_figures.messages import JobSpec
    from pelican_rnn_figures.worker.drawing.render import render
    from pelican_rnn_figures.worker.drawing.unrolled import layout_unrolled
    from pelican_rnn_figures.worker.model_figure import run_snippet

    def trace_and_draw(code: str, folder, labels: list[list[str]] | None = None):
        """``labels``: a fence's tokens=; the build's warnings go to warnings.json."""
        spec = JobSpec(
            code=code,
            seed=1,
            embeddings=[[0.5, 0.4], [0.0, 0.0], [0.7, 0.5], [0.1, 0.2]],
            token_ids=[[3, 4, 0, 0]],
            labels=labels or [],
        )
        data, _, warnings = run_snippet(spec, "variant.md", 1)
        (folder / "warnings.json").write_text(json.dumps([vars(w) for w in warnings]), encoding="utf-8")
        data["figure_options"] = {}
        scene = layout_unrolled(data)
        (folder / "scene.pickle").write_bytes(pickle.dumps(scene))
        regions = render(scene, folder / "figure", dpi=50)
        (folder / "figure.json").write_text(json.dumps(data), encoding="utf-8")
        (folder / "regions.json").write_text(json.dumps(regions), encoding="utf-8")
        return folder / "figure.png"

    return trace_and_draw
