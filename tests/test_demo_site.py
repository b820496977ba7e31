"""The demo site, built as `make html` builds it: the draft with its figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from figure_checks import check_figure, png_size
from helpers import REPO, SEED_COPY, build, run_pelican

ARTICLE = "drafts/illustrated-lstm-keras.html"
CODE_FIGURES = ("images/rnn-default-keras.png", "images/rnn-stacked.png")


def test_demo_article_is_the_seed_plus_metadata():
    demo = (REPO / "content" / "illustrated-lstm-keras.md").read_text(encoding="utf-8")
    without_ours = "".join(line for line in demo.splitlines(keepends=True) if not line.startswith("Rnn_"))
    assert without_ours == SEED_COPY.read_text(encoding="utf-8")
    shared = REPO.parent / "shared" / "seed" / SEED_COPY.name
    if shared.exists():
        assert shared.read_text(encoding="utf-8") == without_ours


def test_demo_build_is_clean(demo_build):
    assert "WARNING" not in demo_build.log and "ERROR" not in demo_build.log, demo_build.log


def test_every_image_of_the_draft_exists(demo_build):
    page = demo_build.page(ARTICLE)
    images = page.select("article img, .entry-content img") or page.find_all("img")
    sources = {img["src"] for img in images}
    assert {
        "/images/rnn-default-keras.png",
        "/images/rnn-stacked.png",
        "/images/i-am-groot-embedding.png",
        "/images/rnn-necessity.png",
        "/images/i-am-groot-sentence.png",
    } <= sources
    for img in images:
        path = demo_build.output / img["src"].lstrip("/")
        assert path.is_file(), img["src"]
        assert png_size(path)[0] > 0
        assert img.get("alt", "").strip(), f"empty alt for {img['src']}"


def test_code_figures_are_checked_against_numpy(demo_build):
    for relative in CODE_FIGURES:
        png = demo_build.output / relative
        data = check_figure(png)
        assert data["tokens"] == ["I", "am", "groot"]
        assert data["inputs"] == [[0.5, 0.4], [0.3, 0.1], [0.7, 0.5]]
        assert data["inputs_origin"] == "article"


def test_keras_facts_of_the_two_snippets(demo_build):
    default = json.loads((demo_build.output / "images/rnn-default-keras.json").read_text())
    [layer] = default["layers"]
    assert (layer["class"], layer["units"], layer["params"]) == ("SimpleRNN", 4, 28)
    assert layer["return_sequences"] is False
    assert layer["output_shape"] == [None, 4]
    assert np.asarray(layer["weights"]["kernel"]).shape == (2, 4)
    assert np.asarray(layer["weights"]["recurrent_kernel"]).shape == (4, 4)
    assert np.asarray(layer["weights"]["bias"]).shape == (4,)
    stacked = json.loads((demo_build.output / "images/rnn-stacked.json").read_text())
    first, second = stacked["layers"]
    assert (first["params"], second["params"], stacked["total_params"]) == (28, 36, 64)
    assert first["output_shape"] == [None, 3, 4] and first["return_sequences"] is True
    assert second["output_shape"] == [None, 4]
    # States are bounded by tanh, unlike the hand-drawn 1.2 and 1.4.
    assert np.abs(np.asarray(first["states"])).max() < 1


def test_figures_are_high_density_and_wide(demo_build):
    page = demo_build.page(ARTICLE)
    for relative in CODE_FIGURES:
        png = demo_build.output / relative
        width, height = png_size(png)
        assert width >= 1200
        [img] = page.find_all("img", src="/" + relative)
        assert width >= 2 * int(img["width"]) and height >= 2 * int(img["height"])
        alt = img["alt"]
        assert "SimpleRNN" in alt and "4 units" in alt and "3 time steps" in alt


def test_embedding_figure_uses_the_same_example_data(demo_build):
    embedding = json.loads((demo_build.output / "images/i-am-groot-embedding.json").read_text())
    default = json.loads((demo_build.output / "images/rnn-default-keras.json").read_text())
    assert embedding["tokens"] == default["tokens"]
    assert embedding["inputs"] == default["inputs"]
    svg = (demo_build.output / "images/i-am-groot-embedding.svg").read_text()
    for token in ("I", "am", "groot"):
        assert f">{token}<" in svg
    words = json.loads((demo_build.output / "images/rnn-necessity.json").read_text())
    assert "not" in words["words"]


def test_code_blocks_render_as_before(demo_build, tmp_path):
    text = (REPO / "content" / "illustrated-lstm-keras.md").read_text(encoding="utf-8")
    plain = build(tmp_path, {"illustrated-lstm-keras.md": text}, plugin=False)
    assert plain.returncode == 0, plain.log

    def blocks(build_result):
        return [str(b) for b in build_result.page(ARTICLE).select("div.highlight, pre")]

    assert blocks(demo_build) == blocks(plain)
    assert len(blocks(plain)) >= 2


def test_svg_keeps_text_and_no_timestamp(demo_build):
    svg = (demo_build.output / "images/rnn-stacked.svg").read_text()
    assert re.search(r"<text[^>]*>[^<]*SimpleRNN", svg)
    assert "<dc:date>" not in svg


def test_pelican_process_never_imports_tensorflow(demo_build):
    warm = run_pelican(demo_build.root, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert warm.returncode == 0, warm.log
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in warm.log.splitlines()
        if line.startswith("import time:")
    }
    assert "pelican" in imported
    assert not imported & {"tensorflow", "keras", "matplotlib", "numpy"}
    figures = len(list(Path(demo_build.output).rglob("*.png"))) - len(
        list(Path(demo_build.output).rglob("theme/**/*.png"))
    )
    assert re.search(rf"0 generated, {figures} from cache, 0 failed", warm.log), warm.log
    assert (Path(demo_build.output) / CODE_FIGURES[0]).exists()
