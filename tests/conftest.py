"""The fixtures: the demo site built once, the author's draft, and a tracer
that makes a figure's cache entry as the worker does, in this process. The
helpers they use, and the tests' own, are in ``helpers.py``."""

from __future__ import annotations

import json
import pickle
import shutil

import pytest

# build_in_process and make_site only for test_faults.py and test_cache.py, which import them from here.
from helpers import REPO, SEED_COPY, Build, build_in_process, make_site, run_pelican  # noqa: F401


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
