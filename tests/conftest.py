"""The fixtures: the demo site built once, the author's draft, and a tracer
that makes a figure's cache entry as the worker does, in this process. What
they use, and the tests' own helpers, are in ``helpers.py``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

# build_in_process and make_site only for test_faults.py and test_cache.py, which import them from here.
from helpers import REPO, SEED_COPY, Build, make_entry, run_pelican


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, through Playwright (never a downloaded browser)."""
    from helpers import chromium, import_playwright

    sys.path.insert(0, str(REPO / "benchmarks"))
    from legibility import CHROMIUM_FLAGS

    executable = chromium()
    with import_playwright().sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Build:
    """The repository's own demo site, built as `make html` builds it."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "pelicanconf.py", root / "pelicanconf.py")
    result = run_pelican(root)
    assert result.returncode == 0, result.log
    return result


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The author's draft exactly as handed over (kept in tests/data)."""
    return SEED_COPY.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tracer():
    """Make a figure of a model's code as the worker makes a job's, in this
    process (:func:`helpers.make_entry`): ``tracer(code, folder, labels)``
    writes the cache entry into ``folder/entry`` and returns its PNG
    (``options``: the fence's drawing options)."""

    def trace_and_draw(
        code: str, folder: Path, labels: list[list[str]] | None = None, options: dict[str, Any] | None = None
    ) -> Path:
        return make_entry(code, folder / "entry", labels, options)

    return trace_and_draw
