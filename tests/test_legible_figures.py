"""Figures of models nobody here wrote stay legible and true.

Hypothesis generates models (1–6 steps, 1–8 units, 1–4 layers, LSTM, GRU,
SimpleRNN, Bidirectional, heads, Embedding with and without masking,
Masking, two inputs handing states over), each is
traced and drawn as in the worker, checked against NumPy, and its layout
against the README's legibility rules. Pages show figures at their natural
size (the browser test measures that), so a font size in the SVG, in points
at 100 px per inch, is the reader's size in CSS px times 72/100.
"""

from __future__ import annotations

import json
import re
import statistics

import pytest
from figure_checks import check_figure
from helpers import entry_regions, entry_scene
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from layout_checks import check_layout, overlap

PX_PER_PT = 100 / 72
FONT_RE = re.compile(r"font-size: ([\d.]+)px")
NUMBER_RE = re.compile(r">(−?[\d.]+(?:e−?\d+)?)<")
CELLS = ("SimpleRNN", "LSTM", "GRU")
MERGES = ("concat", "sum", "mul", "ave")


@st.composite
def stacked_models(draw) -> str:
    steps, features = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    depth = draw(st.integers(1, 4))
    layers = [f"Input(({steps}, {features}))"]
    for number in range(depth):
        cell, units = draw(st.sampled_from(CELLS)), draw(st.integers(1, 8))
        last = number == depth - 1
        sequences = not last or draw(st.booleans())
        if draw(st.integers(0, 3)) == 0:  # Keras wraps only a layer reading forwards
            layer = f"{cell}({units}, return_sequences={sequences})"
            layer = f"Bidirectional({layer}, merge_mode={draw(st.sampled_from(MERGES))!r})"
        else:
            layer = f"{cell}({units}, return_sequences={sequences}, go_backwards={draw(st.booleans())})"
        layers.append(layer)
    if draw(st.booleans()):
        head = f"Dense({draw(st.integers(1, 5))}, activation='sigmoid')"
        layers.append(f"TimeDistributed({head})" if "return_sequences=True" in layers[-1] else head)
    return f"model = Sequential([{', '.join(layers)}])"


@st.composite
def embedded_models(draw) -> str:
    """Token ids looked up by an Embedding (padding masked or not), or vectors
    through a Masking layer; the tracer's example has ids 3, 4, 0, 0."""
    cell, units = draw(st.sampled_from(CELLS)), draw(st.integers(1, 8))
    sequences = draw(st.booleans())
    if draw(st.booleans()):
        first = f"Embedding(20, {draw(st.integers(1, 6))}, mask_zero={draw(st.booleans())})"
    else:
        first = "Input((4, 2)), Masking(0.0)"
    head = ", Dense(3, activation='softmax')" if not sequences and draw(st.booleans()) else ""
    return f"model = Sequential([{first}, {cell}({units}, return_sequences={sequences}){head}])"


@st.composite
def two_input_models(draw) -> str:
    units = draw(st.integers(1, 8))
    encoder, decoder = draw(st.sampled_from(CELLS)), draw(st.sampled_from(CELLS))
    states = "_, h, c" if encoder == "LSTM" else "_, h"
    handed = "[h, c]" if encoder == "LSTM" and decoder == "LSTM" else "h"
    if decoder == "LSTM" and encoder != "LSTM":
        handed = "[h, h]"
    return (
        f"e = keras.Input(({draw(st.integers(1, 6))}, {draw(st.integers(1, 4))}))\n"
        f"d = keras.Input(({draw(st.integers(1, 6))}, {draw(st.integers(1, 4))}))\n"
        f"{states} = {encoder}({units}, return_state=True)(e)\n"
        f"out = {decoder}({units}, return_sequences=True)(d, initial_state={handed})\n"
        f"model = keras.Model([e, d], Dense(2)(out))"
    )


def _corners(region: list) -> tuple[float, float, float, float]:
    """A text layer region's box (left, top, width, height) as its corners."""
    left, top, width, height = region[:4]
    return left, top, left + width, top + height


def check_legible(png) -> None:
    svg = png.with_suffix(".svg").read_text(encoding="utf-8")
    sizes = [float(size) * PX_PER_PT for size in FONT_RE.findall(svg)]
    assert min(sizes) >= 10, f"smallest text {min(sizes):.1f} px"
    assert statistics.median(sizes) >= 12, f"median text {statistics.median(sizes):.1f} px"
    for text in NUMBER_RE.findall(svg):
        # A shown number is zero only if it is exactly zero ("0"), never 0.00.
        assert text == "0" or float(text.replace("−", "-")) != 0, text
    regions = entry_regions(png)  # the page's text layer, as the worker made it
    cells = [region for region in regions if region[5]]
    texts = [region for region in regions if not region[5]]
    for region in cells + texts:
        left, top, width, height = region[:4]
        assert left >= -1e-3 and top >= -1e-3, region
        assert left + width <= 1.001 and top + height <= 1.001, region
    for i, cell in enumerate(cells):
        for other in cells[i + 1 :]:
            assert not overlap(_corners(cell), _corners(other)), (cell, other)
    # The layout the figure was drawn from, as data.
    check_layout(entry_scene(png))


# A phone held upright (README, "In the page"): a 360 × 780 px screen's text
# column is 320 px; a typical figure is seen whole in it, at most 2.5 screens tall.
PHONE_COLUMN, PHONE_SCREEN = 320, 780


def _typical(data: dict) -> bool:
    """One input, at most 6 steps, 8 units a layer, 3 recurrent layers. Not yet
    whole on a phone (README): a Bidirectional layer merging its directions by
    sum, ave or mul at every step, whose merged outputs are a third vector
    beside its two lanes (the generated models found stacks 359 px wide and
    2.8 screens tall); nor a model with more than one other layer drawn as a
    column (normalisations, attention and heads beside the recurrent layers:
    374 px for two normalisations, a Bidirectional GRU, an attention and a head)."""
    recurrent = [layer for layer in data["layers"] if "states" in layer or "forward" in layer]
    inputs_row = {"Embedding", "Masking", "Dropout", "SpatialDropout1D", "GaussianNoise", "InputLayer"}
    others, past_recurrent = 0, False
    for layer in data["layers"]:  # the layers drawn as a column of their own, but the recurrent ones
        drawn = past_recurrent or layer["class"] not in inputs_row
        others += layer.get("kind") == "other" and drawn
        past_recurrent = past_recurrent or layer in recurrent
    if others > 1:
        return False
    if any(
        layer.get("merge_mode") in ("sum", "ave", "mul") and layer.get("return_sequences")
        for layer in recurrent
    ):
        return False
    units = [layer.get("units") or layer["forward"]["units"] for layer in recurrent]
    one_input = len(data.get("sequences") or [data]) == 1
    return one_input and len(data["inputs"]) <= 6 and max(units) <= 8 and len(recurrent) <= 3


def check_whole_on_a_phone(png) -> None:
    """A typical figure's portrait layout fits a phone's column, its text legible."""
    data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    portrait = png.with_name(png.stem + ".portrait.svg")
    if not _typical(data):
        return
    assert portrait.exists(), f"{png.name}: a typical figure without a portrait layout"
    svg = portrait.read_text(encoding="utf-8")
    width, height = (
        float(v) * PX_PER_PT for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups()
    )
    assert width <= PHONE_COLUMN, (
        f"{portrait.name}: {width:.0f} px wide, past a phone's {PHONE_COLUMN} px column"
    )
    assert height <= 2.5 * PHONE_SCREEN, f"{portrait.name}: {height / PHONE_SCREEN:.1f} screens tall"
    sizes = [float(size) * PX_PER_PT for size in FONT_RE.findall(svg)]
    assert min(sizes) >= 10, f"{portrait.name}: smallest text {min(sizes):.1f} px"


def _draw(tracer, tmp_path_factory, code: str):
    folder = tmp_path_factory.mktemp("generated")
    png = tracer(code, folder)
    check_figure(png)
    check_legible(png)
    # (Only for this module's models: test_generated_models' wider ones, with a
    # Dropout or a normalisation between the layers, can be 347-403 px wide.)
    check_whole_on_a_phone(png)


GENERATED = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same models on every run: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@GENERATED
@given(stacked_models())
def test_generated_stacks_are_legible_and_true(tracer, tmp_path_factory, code):
    _draw(tracer, tmp_path_factory, code)


@GENERATED
@given(embedded_models())
def test_generated_embeddings_and_masks_are_legible_and_true(tracer, tmp_path_factory, code):
    _draw(tracer, tmp_path_factory, code)


@GENERATED
@given(two_input_models())
def test_generated_encoder_decoders_are_legible_and_true(tracer, tmp_path_factory, code):
    _draw(tracer, tmp_path_factory, code)


@pytest.mark.fast  # needs no TensorFlow
@settings(max_examples=2000, derandomize=True)
@given(st.floats(-1e6, 1e6, allow_nan=False, width=32))  # Keras computes in float32
def test_a_shown_value_is_never_a_false_zero_and_is_close(value):
    # Imported here: collecting tests must not load matplotlib (test_cache checks that).
    from pelican_rnn_figures.worker.drawing.scene import exact_value, format_value

    label = format_value(value)
    assert len(label.lstrip("−")) <= (5 if abs(value) >= 1e-9 else 6), label
    parsed = float(label.replace("−", "-"))
    if value == 0:
        assert label == "0"
        return
    assert parsed != 0, (value, label)
    assert (parsed < 0) == (value < 0), (value, label)
    # Within half a unit of the last digit shown.
    error, magnitude = abs(parsed - value), abs(value)
    if 0.00995 <= magnitude < 9999.5:
        assert error <= max(0.0051, 0.0051 * magnitude), (value, label)
    elif magnitude >= 9999.5:
        assert error <= 0.051 * magnitude, (value, label)
    elif magnitude >= 0.000995:
        assert error <= 0.00051, (value, label)
    else:  # one significant digit for what is all but zero; the tooltip has more
        assert error <= 0.51 * magnitude, (value, label)
    tip = float(exact_value(value).replace("−", "-"))
    assert abs(tip - value) <= max(0.0000501, 0.0005 * magnitude), (value, exact_value(value))


def test_a_state_handed_across_lanes_stays_clear_of_labels(tracer, tmp_path):
    """Found by the layout checks: the "initial_state" label ran into the decoder's."""
    code = (
        "e = keras.Input((1, 1))\nd = keras.Input((1, 1))\n_, h = SimpleRNN(1, return_state=True)(e)\n"
        "out = LSTM(1, return_sequences=True)(d, initial_state=[h, h])\nmodel = keras.Model([e, d], Dense(2)(out))"
    )
    check_legible(tracer(code, tmp_path))
