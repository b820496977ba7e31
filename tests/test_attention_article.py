"""The demo's attention article: an encoder–decoder with attention trained to
reverse five digits, whose attention figure shows what the reader learns, the
anti-diagonal (each output position looks at the digit it writes)."""

from __future__ import annotations

import json

import numpy as np
from attention_checks import check_attention_figure, check_attention_layout
from helpers import span_regions

PAGE = "attention-reverses-digits.html"
FIGURES = "images/rnn-figures"
TOKENS = (["1st", "2nd", "3rd", "4th", "5th"], ["2", "7", "1", "8", "3"])


def weights_of(demo_build, name: str) -> np.ndarray:
    data = json.loads((demo_build.output / FIGURES / f"{name}.json").read_text(encoding="utf-8"))
    [layer] = [layer for layer in data["layers"] if "attention" in layer]
    return np.asarray(layer["attention"]["weights"][0])


def test_the_trained_attention_is_the_anti_diagonal(demo_build):
    page = demo_build.page(PAGE)
    [frame] = [
        frame
        for frame in page.select(".rnn-figure-box .rnn-figure-frame")
        if frame.select_one("picture img")["src"].endswith("/reverser-trained.png")
    ]
    regions = span_regions(frame.select(".rnn-figure-layer span"))
    data = check_attention_figure(demo_build.output / FIGURES / "reverser-trained.png", regions, TOKENS)
    check_attention_layout(data)
    assert data["training"]["epochs"] == 20 and data["inputs_origin"] == "snippet data"
    weights = weights_of(demo_build, "reverser-trained")
    steps = np.arange(5)
    # What the reader learns: output position t looks at input step 5 - t, most of its weight there.
    assert (weights.argmax(-1) == steps[::-1]).all(), weights.round(2)
    assert weights[steps, steps[::-1]].min() > 0.6, weights.round(2)
    untrained = weights_of(demo_build, "reverser-untrained")
    assert untrained.max() < 0.3, untrained.round(2)  # before training: spread evenly


def test_what_the_post_prints_is_what_the_figure_shows(demo_build):
    page = demo_build.page(PAGE)
    outputs = [output.get_text() for output in page.select("pre.rnn-figure-output")]
    assert len(outputs) == 4, outputs
    _, accuracy, writes, printed = outputs
    assert writes == "writes [3 8 1 7 2]"  # the sample, reversed
    assert float(accuracy.split()[-1]) > 0.95
    shown = np.asarray([[float(v) for v in line.strip(" []").split()] for line in printed.splitlines()])
    np.testing.assert_allclose(shown, weights_of(demo_build, "reverser-trained"), atol=0.0051)
    assert len(page.select("img[data-rnn-figure]")) == 2
