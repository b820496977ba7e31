"""Many recurrent models through tracing and drawing, without Pelican around
them: every option combination a post might use must trace, draw, and agree
with NumPy (the builds elsewhere show the same path inside Pelican)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from cell_checks import svg_texts
from figure_checks import check_figure
from test_legible_figures import check_legible

CELLS = ("SimpleRNN", "LSTM", "GRU")
ATTENTIONS = (
    "Attention()([dec_out, enc_out])",
    "AdditiveAttention()([dec_out, enc_out])",
    "MultiHeadAttention(num_heads=2, key_dim=2)(dec_out, enc_out)",
)
VARIANTS = [
    *(
        f"inputs = keras.Input((3, 2))\n"
        f"out = {cell}(3, return_sequences={rs}, go_backwards={gb}, return_state={st})(inputs)\n"
        "model = keras.Model(inputs, out)"
        for cell, (rs, gb, st) in itertools.product(CELLS, itertools.product([False, True], repeat=3))
    ),
    *(
        f"model = Sequential([Input((4, 2)), Masking(0.0), Bidirectional({cell}(2, return_sequences={rs}), "
        f"merge_mode={mode!r})])"
        for cell, rs, mode in itertools.product(CELLS, [False, True], ["concat", "sum", "mul", "ave", None])
    ),
    *(
        f"model = Sequential([Input((3, 2)), {cell}(3, go_backwards=True, return_sequences=True), "
        f"{cell}(2, go_backwards=True, return_sequences=True), TimeDistributed(Dense(2))])"
        for cell in CELLS
    ),
    *(
        f"model = Sequential([Embedding(20, 3, mask_zero=True), {cell}(3, return_sequences=True), {cell}(2)])"
        for cell in CELLS
    ),
    *(f"model = Sequential([Input((3, 2)), Dense(4), {cell}(2)])" for cell in CELLS),
    "model = Sequential([Input((60, 9)), LSTM(70, return_sequences=True), Dense(3)])",
    # Found by tests/test_legible_figures.py in the portrait layout (issue 19):
    # two "…" over each other in stacked lanes; a backwards LSTM's starts
    # named over each other under its last cell.
    "model = Sequential([Input((6, 1)), Bidirectional(SimpleRNN(1, return_sequences=True), merge_mode='concat'), "
    "Bidirectional(SimpleRNN(1, return_sequences=False), merge_mode='concat')])",
    "model = Sequential([Input((1, 1)), LSTM(1, return_sequences=True, go_backwards=True), "
    "Bidirectional(SimpleRNN(1, return_sequences=False), merge_mode='concat')])",
    # Found by tests/test_legible_figures.py: a backwards lane past the "…"; a
    # 7-cell strip is wider than an elided 8-cell one.
    "model = Sequential([Input((6, 1)), Bidirectional(SimpleRNN(1), merge_mode='concat')])",
    "model = Sequential([Input((1, 1)), SimpleRNN(8, return_sequences=True), SimpleRNN(1, return_sequences=True), "
    "SimpleRNN(7)])",
    "e = keras.Input((None, 2)); d = keras.Input((None, 3))\n"
    "_, h = GRU(3, return_state=True)(e)\n"
    "model = keras.Model([e, d], Dense(2)(SimpleRNN(3, return_sequences=True)(d, initial_state=h)))",
    "e = keras.Input((4,)); d = keras.Input((2,))\n"
    "_, h, c = LSTM(3, return_state=True)(Embedding(10, 2, mask_zero=True)(e))\n"
    "model = keras.Model([e, d], LSTM(3, return_sequences=True)(Embedding(10, 2)(d), initial_state=[h, c]))",
    # Issue 12: token-id inputs of unknown length, each through an Embedding
    # (crashed in drawing); one Embedding shared by both (Keras calls it on
    # the decoder first, and the two inputs must not be confused).
    "enc_in = keras.Input(shape=(None,)); dec_in = keras.Input(shape=(None,))\n"
    "_, h, c = LSTM(4, return_state=True)(Embedding(50, 3)(enc_in))\n"
    "dec_out, _, _ = LSTM(4, return_sequences=True, return_state=True)(Embedding(60, 3)(dec_in), "
    "initial_state=[h, c])\n"
    "model = keras.Model([enc_in, dec_in], Dense(5, activation='softmax')(dec_out))",
    "enc_in = keras.Input(shape=(None,)); dec_in = keras.Input(shape=(None,))\n"
    "emb = Embedding(50, 3, mask_zero=True)\n"
    "_, h = GRU(3, return_state=True)(emb(enc_in))\n"
    "model = keras.Model([enc_in, dec_in], GRU(3, return_sequences=True)(emb(dec_in), initial_state=h))",
    # Issue 18 (appended: data/figures/regenerate.py picks variants by number).
    # keras.layers.RNN around each built-in cell is the layer it equals.
    *(
        f"inputs = keras.Input((3, 2))\n"
        f"out = RNN({cell}Cell(3), return_sequences={rs}, go_backwards={gb}, return_state={st})(inputs)\n"
        "model = keras.Model(inputs, out)"
        for cell, (rs, gb, st) in itertools.product(CELLS, [(True, False, False), (False, True, True)])
    ),
    "model = Sequential([Embedding(20, 3, mask_zero=True), RNN(LSTMCell(3), return_sequences=True), "
    "RNN(GRUCell(2, reset_after=False))])",
    "model = Sequential([Input((4, 2)), Masking(0.0), Bidirectional(RNN(GRUCell(2), return_sequences=True))])",
    "e = keras.Input((None, 2)); d = keras.Input((None, 3))\n"
    "_, h, c = RNN(LSTMCell(3), return_state=True)(e)\n"
    "model = keras.Model([e, d], RNN(LSTMCell(3), return_sequences=True)(d, initial_state=[h, c]))",
    # Issue 18: decoder outputs attending to the encoder's (crashed in tracing
    # on the list of masks, [None, None], Keras gives the attention layer); the
    # attention layer is drawn as another layer, and layers= leaves it out.
    *(
        "src = keras.Input((None, 2)); tgt = keras.Input((None, 3))\n"
        "enc_out, h, c = LSTM(3, return_sequences=True, return_state=True, name='encoder')(src)\n"
        "dec_out = LSTM(3, return_sequences=True, name='decoder')(tgt, initial_state=[h, c])\n"
        f"context = {attention}\n"
        "model = keras.Model([src, tgt], Dense(2)(Concatenate()([dec_out, context])))"
        for attention in ATTENTIONS
    ),
    # Issue 18: stateful layers, drawn from the state their last call left (and
    # a stateful layer never called: the zeros it holds, carried over all the same).
    *(
        f"model = Sequential([Input(batch_shape=(2, 3, 2)), {layer}, Dense(2)])\n"
        "_ = model.predict(np.linspace(-1, 1, 12).reshape(2, 3, 2), verbose=0)"
        for layer in (
            "SimpleRNN(3, stateful=True, return_sequences=True)",
            "GRU(2, stateful=True)",
            "RNN(LSTMCell(3), stateful=True, return_sequences=True)",
        )
    ),
    "model = Sequential([Input(batch_shape=(1, None, 2)), LSTM(3, stateful=True, return_sequences=True), "
    "LSTM(2, stateful=True, go_backwards=True)])\n"
    "for _ in range(2):\n    model.predict(np.ones((1, 4, 2)), verbose=0)",
    "model = Sequential([Input(batch_shape=(3, 4, 1)), GRU(2, stateful=True)])",
    # Issue 18: StackedRNNCells (also RNN([cell, cell])) drawn as the stacked layers they equal.
    "model = Sequential([Input((3, 2)), RNN(StackedRNNCells([LSTMCell(3), GRUCell(2)]), name='stack')])",
    "model = Sequential([Embedding(20, 3, mask_zero=True), RNN([SimpleRNNCell(3), LSTMCell(2), GRUCell(2)], "
    "return_sequences=True), TimeDistributed(Dense(2))])",
    "inputs = keras.Input((None, 2))\n"
    "model = keras.Model(inputs, Dense(1)(RNN([GRUCell(2, reset_after=False), GRUCell(3)])(inputs)))",
]


@pytest.mark.parametrize("code", VARIANTS)
def test_variant_traces_draws_and_matches_numpy(tracer, tmp_path, code):
    png = tracer(code, tmp_path)
    data = check_figure(png)
    check_legible(png)
    for layer in data["layers"]:
        if layer.get("stateful"):  # drawn from the state it carries (test_stateful: that it is the code's)
            assert layer["initial_state_carried"], layer["name"]
            assert len(layer["initial_state"]) == (2 if "cell_states" in layer else 1), layer["name"]
            called = "predict" in code
            assert any(v != 0 for state in layer["initial_state"] for v in state) == called, layer["name"]
        if layer.get("mask") and (
            "states" in layer or "forward" in layer
        ):  # (a head after one is masked too)
            assert len(layer["mask"]) == len(layer.get("states") or layer["forward"]["states"])


def drawn_texts(png) -> list[str]:
    """Every text the figure's SVG draws."""
    return [text.text for text in svg_texts(png.with_suffix(".svg").read_text(encoding="utf-8")).texts]


SAME_WEIGHTS = (
    "built_in = Sequential([Input((3, 2)), LSTM(3, return_sequences=True, name='rnn')])\n"
    "wrapped = Sequential([Input((3, 2)), RNN(LSTMCell(3), return_sequences=True, name='rnn')])\n"
    "wrapped.set_weights(built_in.get_weights())\n"
)


def test_a_cell_in_rnn_is_the_layer_it_equals_and_says_its_class(tracer, tmp_path):
    """``RNN(LSTMCell(3))`` with an ``LSTM(3)``'s weights: the same figure data
    but for its class; its row is titled RNN / LSTMCell(3), its cells LSTM."""
    drawn = {}
    for model in ("built_in", "wrapped"):
        png = tracer(f"{SAME_WEIGHTS}model = {model}\n", tmp_path / model)
        data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
        drawn[model] = (data, drawn_texts(png))
    (built_in, built_in_texts), (wrapped, wrapped_texts) = drawn["built_in"], drawn["wrapped"]
    [layer] = wrapped["layers"]
    assert (layer["class"], layer["cell"], built_in["layers"][0]["class"]) == ("RNN", "LSTMCell", "LSTM")
    assert layer["gates"] and layer["cell_states"]
    layer["class"] = "LSTM"
    assert wrapped == built_in
    assert wrapped_texts.count("LSTM") == built_in_texts.count("LSTM") == len(wrapped["tokens"])
    assert "RNN" in wrapped_texts and "LSTMCell(3)" in wrapped_texts and "LSTM(3)" not in wrapped_texts
    assert "LSTM(3)" in built_in_texts and "RNN" not in built_in_texts


@pytest.mark.parametrize("attention", ATTENTIONS, ids=lambda code: code.split("(")[0])
def test_layers_option_draws_the_recurrent_layers_of_a_model_with_attention(tracer, tmp_path, attention):
    """``layers=encoder,decoder``: the two LSTMs are drawn, the attention
    layer (and the head over it) is not."""
    [code] = [variant for variant in VARIANTS if f"context = {attention}\n" in variant]
    png = tracer(code, tmp_path, options={"layers": ["encoder", "decoder"]})
    data = check_figure(png)
    texts = drawn_texts(png)
    attention_class = attention.split("(")[0]
    assert any(layer["class"] == attention_class for layer in data["layers"])
    assert texts.count("LSTM") == 2 * len(data["tokens"]) and attention_class not in texts


STACKS = (
    "stacked = Sequential([Input((4, 2)), RNN([LSTMCell(3), GRUCell(2)], return_sequences=True, name='stack')])\n"
    "layered = Sequential([Input((4, 2)), RNN(LSTMCell(3), return_sequences=True), RNN(GRUCell(2), "
    "return_sequences=True)])\n"
    "layered.set_weights(stacked.get_weights())\n"
)


def test_stacked_cells_are_the_stacked_layers_they_equal(tracer, tmp_path):
    """``RNN([LSTMCell(3), GRUCell(2)])`` with the weights of two stacked
    ``RNN`` layers: the same states, step by step, as Keras computes them
    for the layers (and NumPy, by cell); each cell's row says which it is."""
    drawn = {}
    for model in ("stacked", "layered"):
        png = tracer(f"{STACKS}model = {model}\n", tmp_path / model)
        drawn[model] = (check_figure(png), drawn_texts(png))
    (stacked, texts), (layered, _) = drawn["stacked"], drawn["layered"]
    assert [layer["name"] for layer in stacked["layers"]] == ["stack.cells[0]", "stack.cells[1]"]
    for mine, theirs in zip(stacked["layers"], layered["layers"], strict=True):
        assert (mine["cell"], mine["units"], mine["return_sequences"]) == (
            theirs["cell"],
            theirs["units"],
            True,
        )
        assert mine["weights"] == theirs["weights"]
        for key in ("states", "cell_states"):
            np.testing.assert_allclose(mine.get(key, []), theirs.get(key, []), atol=1e-6, err_msg=key)
        for gate, values in mine["gates"].items():
            np.testing.assert_allclose(values, theirs["gates"][gate], atol=1e-6, err_msg=gate)
    assert stacked["layers"][1]["input_from"] == {"layer": "stack.cells[0]", "output": 0}
    assert "cells[0] of stack" in texts and "cells[1] of stack" in texts
