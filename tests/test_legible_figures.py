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
def _draw(tracer, tmp_path_factory, code: str):
    folder = tmp_path_factory.mktemp("generated")
    png = tracer(code, folder)
    check_figure(png)
    check_legible(png)


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
