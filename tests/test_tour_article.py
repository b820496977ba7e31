"""The demo site's second article, the tour of Keras' recurrent layers: every
figure in it is checked against NumPy, and each class and option it shows has
the JSON fields the README documents."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from figure_checks import check_figure, png_size

ARTICLE = "keras-recurrent-layers-tour.html"
FIGURES = "images/rnn-figures"


def figure(demo_build, name: str) -> dict:
    return check_figure(demo_build.output / FIGURES / f"{name}.png")


def svg(demo_build, name: str) -> str:
    return (demo_build.output / FIGURES / f"{name}.svg").read_text(encoding="utf-8")


def test_every_figure_of_the_tour_is_in_the_page_and_checks_out(demo_build):
    page = demo_build.page(ARTICLE)
    figures = page.select("figure.rnn-figure")
    assert len(figures) == 15
    assert not page.select(".rnn-figure-error")
    for number, block in enumerate(figures, start=1):
        assert block.figcaption.get_text().startswith(f"Figure {number}. ")
        src = block.img["src"]
        png = demo_build.output / src
        assert png.is_file(), src
        assert png_size(png)[0] >= 2 * int(block.img["width"])
        assert block.img["alt"].strip()
        check_figure(png)


@pytest.mark.parametrize("name", ["tour-lstm", "tour-tagger"])
def test_lstm_records_cell_states_and_gates(demo_build, name):
    lstm = figure(demo_build, name)["layers"][0]
    assert np.asarray(lstm["cell_states"]).shape == (3, 4)
    assert set(lstm["gates"]) == {"input", "forget", "candidate", "output"}
    assert "mean forget (f)" in svg(demo_build, name)  # check_figure found each step's gate means


def test_gru_both_reset_after_settings(demo_build):
    modern = figure(demo_build, "tour-gru")["layers"][0]
    classic = figure(demo_build, "tour-gru-classic")["layers"][0]
    assert modern["reset_after"] is True and np.asarray(modern["weights"]["bias"]).shape == (2, 12)
    assert classic["reset_after"] is False and np.asarray(classic["weights"]["bias"]).shape == (12,)
    assert set(modern["gates"]) == {"update", "reset", "candidate"}


def test_return_state_is_labelled(demo_build):
    data = figure(demo_build, "tour-lstm-state")
    [lstm] = data["layers"]
    assert lstm["return_state"] is True and len(lstm["output_shape"]) == 3
    assert "return_state: + h, c" in svg(demo_build, "tour-lstm-state")


def test_heads_per_step_and_on_the_last_state(demo_build):
    _, tagger = figure(demo_build, "tour-tagger")["layers"]
    assert tagger["class"] == "TimeDistributed" and tagger["layer"]["class"] == "Dense"
    assert np.asarray(tagger["outputs"]).shape == (3, 2)
    np.testing.assert_allclose(np.asarray(tagger["outputs"]).sum(axis=1), 1, atol=1e-5)  # softmax per word
    _, head = figure(demo_build, "tour-sentiment")["layers"]
    assert head["class"] == "Dense" and head["activation"] == "sigmoid" and len(head["outputs"]) == 1


def test_go_backwards_feeding_another_layer(demo_build):
    backwards, second = figure(demo_build, "tour-backwards")["layers"]
    assert backwards["go_backwards"] is True and second["input_from"] == {
        "layer": backwards["name"],
        "output": 0,
    }
    text = svg(demo_build, "tour-backwards")
    assert "last step first" in text


@pytest.mark.parametrize(
    ("name", "mode", "width"), [("tour-bidirectional", "concat", 8), ("tour-bidirectional-sum", "sum", 4)]
)
def test_bidirectional_merge_modes(demo_build, name, mode, width):
    [layer] = figure(demo_build, name)["layers"]
    assert layer["merge_mode"] == mode
    assert np.asarray(layer["outputs"]).shape[-1] == width
    assert layer["forward"]["go_backwards"] is False and layer["backward"]["go_backwards"] is True


def test_mask_zero_skips_the_padding(demo_build):
    data = figure(demo_build, "tour-masking")
    embedding, lstm = data["layers"]
    assert data["token_ids"] == [4, 7, 9, 0, 0]
    assert data["tokens"] == ["I", "am", "groot", "<pad>", "<pad>"]
    assert lstm["mask"] == [True, True, True, False, False]
    states = np.asarray(lstm["states"])
    np.testing.assert_array_equal(states[3], states[2])  # carried through unchanged
    np.testing.assert_array_equal(states[4], states[2])
    assert lstm["gates"]["forget"][3] is None
    assert svg(demo_build, "tour-masking").count(">masked<") == 2


def test_masking_layer_masks_the_zero_vector(demo_build):
    data = figure(demo_build, "tour-masking-layer")
    masking, gru = data["layers"]
    assert masking["class"] == "Masking" and data["tokens"] == ["I", "am", "<pad>"]
    assert gru["mask"] == [True, True, False]
    assert gru["states"][2] == gru["states"][1]


def test_three_stacked_layers(demo_build):
    layers = figure(demo_build, "tour-three-layers")["layers"]
    assert [layer["class"] for layer in layers] == ["SimpleRNN", "GRU", "LSTM"]
    text = svg(demo_build, "tour-three-layers")
    assert ">LSTM(2)<" in text and ">layer 3 · " in text


def test_encoder_hands_its_states_to_the_decoder(demo_build):
    data = figure(demo_build, "tour-encoder-decoder")
    encoder, decoder, scores = data["layers"]
    assert [s["tokens"] for s in data["sequences"]] == [["I", "am", "groot"], ["je", "suis", "groot"]]
    assert encoder["input_from"] == {"input": 0} and decoder["input_from"] == {"input": 1}
    assert decoder["initial_state_from"] == [
        {"layer": encoder["name"], "output": 1},
        {"layer": encoder["name"], "output": 2},
    ]
    # check_figure recomputed the decoder from the encoder's final h and c.
    assert decoder["initial_state"] == [encoder["states"][-1], encoder["cell_states"][-1]]
    text = svg(demo_build, "tour-encoder-decoder")
    assert "initial_state" in text and f"h₀ from {encoder['name']}" in text


def test_shape_check_snippet_runs_without_a_figure_or_warning(demo_build):
    assert "snippet output" not in demo_build.log, demo_build.log


def test_long_and_wide_is_elided(demo_build):
    [lstm] = figure(demo_build, "tour-long")["layers"]
    assert np.asarray(lstm["states"]).shape == (50, 64)
    hidden = [int(n) for n in re.findall(r">(\d+) more steps<", svg(demo_build, "tour-long"))]
    assert hidden and sum(hidden) + 5 - len(hidden) == 50  # five columns: steps and "…"s


def test_values_off_is_a_schematic(demo_build):
    data = json.loads((demo_build.output / FIGURES / "tour-schematic.json").read_text())
    assert data["figure_options"] == {"values": False, "caption": "The same stacked model as a schematic."}
    check_figure(demo_build.output / FIGURES / "tour-schematic.png")  # the data is still all there
    text = svg(demo_build, "tour-schematic")
    for value in data["layers"][0]["states"][0]:
        assert f">{value:.2f}<".replace("-", "\u2212") not in text
    assert "cell colour" not in text and "SimpleRNN" in text
