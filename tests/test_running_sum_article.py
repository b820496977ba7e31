"""The demo's notebook-style article: a setup block, helpers, data, a printed
summary and a model trained on a toy task, whose states become a running sum."""

from __future__ import annotations

import json

import numpy as np
from figure_checks import check_figure

PAGE = "rnn-running-sum.html"


def test_the_trained_adder_keeps_a_running_sum(demo_build):
    data = check_figure(demo_build.output / "images" / "adder-trained.png")  # against NumPy
    assert data["training"]["epochs"] == 100 and data["inputs_origin"] == "snippet data"
    assert data["batch_size"] == 4  # model.predict(x_test): the figure shows sample 1 of 4
    digits = np.asarray(data["inputs"]).ravel()
    states = np.asarray(data["layers"][0]["states"]).ravel()
    # What the reader learns from the figure: h_t is the sum of the digits read so far.
    assert np.allclose(states, np.cumsum(digits), atol=0.02), (states, digits)


def test_the_untrained_adder_does_not(demo_build):
    data = json.loads((demo_build.output / "images" / "adder-untrained.json").read_text())
    assert "training" not in data
    states = np.asarray(data["layers"][0]["states"]).ravel()
    assert not np.allclose(states, np.cumsum(np.asarray(data["inputs"]).ravel()), atol=0.02)


def test_every_block_that_prints_shows_its_output(demo_build):
    page = demo_build.page(PAGE)
    outputs = [output.get_text() for output in page.select("pre.rnn-figure-output")]
    assert len(outputs) == 4, outputs
    data, summary, training, weights = outputs
    assert data.startswith("[0.4 0.5 0.7 0.9 0. ] sum [2.5]")
    assert "SimpleRNN" in summary and "Total params: 2" in summary
    assert training.startswith("loss 0.0")
    assert weights == "input weight 1.000, recurrent weight 1.000"
    assert len(page.select("img[data-rnn-figure]")) == 2
