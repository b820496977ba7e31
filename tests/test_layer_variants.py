"""Many recurrent models through tracing and drawing, without Pelican around
them: every option combination a post might use must trace, draw, and agree
with NumPy (the builds elsewhere show the same path inside Pelican)."""

from __future__ import annotations

import itertools

import pytest
from figure_checks import check_figure
from test_legible_figures import check_legible

CELLS = ("SimpleRNN", "LSTM", "GRU")
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
]


@pytest.mark.parametrize("code", VARIANTS)
def test_variant_traces_draws_and_matches_numpy(tracer, tmp_path, code):
    png = tracer(code, tmp_path)
    data = check_figure(png)
    check_legible(png)
    for layer in data["layers"]:
        if layer.get("mask"):
            assert len(layer["mask"]) == len(layer.get("states") or layer["forward"]["states"])
