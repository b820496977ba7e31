"""The colour key reaches every value a figure shows (issue 22, point 5).

The README: the colour scale "reaches the largest value the figure shows ...
the key states the range". The inputs and the recurrent states are not all a
figure shows: a Dense head, a LayerNormalization between layers and a
Bidirectional layer merging by sum or product draw value cells of their own,
which may go past every state. Each model below does (asserted first, so the
case stays one the inputs and states alone would miss); its key must reach
the largest value shown, and cells of different values past the states must
differ in colour in the PNG, not share the scale's saturated end.
(``figure_checks.check_figure`` checks the key of every traced figure.)
"""

from __future__ import annotations

import itertools

import pytest
from cell_checks import key_ends, key_number, key_precision, shown, svg_texts
from figure_checks import check_figure
from helpers import TRACER_DPI as DPI
from helpers import entry_scene

from pelican_rnn_figures.worker.drawing.scene import ValueCell

ONES = "kernel_initializer=keras.initializers.Constant(1.0), recurrent_initializer='zeros'"
THREES = "kernel_initializer=keras.initializers.Constant(3.0)"
# The tracer's example: 4 steps of 2 features, 0.0 to 0.7.
CASES = {
    "Dense head": (
        f"model = Sequential([Input((4, 2)), SimpleRNN(2, return_sequences=True, {ONES}), Dense(1, {THREES})])"
    ),
    "TimeDistributed(Dense)": (
        f"model = Sequential([Input((4, 2)), SimpleRNN(2, return_sequences=True, {ONES}), "
        f"TimeDistributed(Dense(2, {THREES}))])"
    ),
    "Dense on the last state": (
        f"model = Sequential([Input((4, 2)), SimpleRNN(2, {ONES}), Dense(1, {THREES})])"
    ),
    "LayerNormalization": (
        "model = Sequential([Input((4, 2)), SimpleRNN(3, return_sequences=True), LayerNormalization(), "
        "SimpleRNN(2)])"
    ),
    "Bidirectional sum": (
        f"model = Sequential([Input((4, 2)), Bidirectional(SimpleRNN(2, return_sequences=True, {ONES}), "
        "merge_mode='sum')])"
    ),
    # A product goes past its factors only past 1: a relu state.
    "Bidirectional mul": (
        f"model = Sequential([Input((4, 2)), Bidirectional(SimpleRNN(2, return_sequences=True, "
        f"activation='relu', {ONES.replace('1.0', '3.0')}), merge_mode='mul')])"
    ),
}


def _states_peak(data: dict) -> float:
    """The largest input or recurrent state (cell states too), every step's."""
    values = [v for row in data["inputs"] for v in row]
    for layer in data["layers"]:
        for part in (layer, layer.get("forward", {}), layer.get("backward", {})):
            for rows in (part.get("states", []), part.get("cell_states", [])):
                values += [v for row in rows for v in row]
    return max(abs(v) for v in values)


def _pixel(image, scene, cell: ValueCell) -> tuple[int, ...]:
    """A cell's colour in the PNG, near its bottom left: clear of its border and text."""
    x, y = cell.left + 0.08, cell.bottom + 0.06
    row, column = int((scene.height - y) * DPI), int(x * DPI)
    return tuple(round(float(channel) * 255) for channel in image[row, column][:3])


@pytest.mark.parametrize("code", CASES.values(), ids=CASES.keys())
def test_the_key_reaches_every_value_shown(tracer, tmp_path, code):
    from matplotlib.image import imread

    png = tracer(code, tmp_path)
    data = check_figure(png)  # the key's ends reach every value cell of the JSON
    scene = entry_scene(png)
    cells = [shape for shape in scene.shapes if isinstance(shape, ValueCell) and shape.value is not None]
    largest = max(abs(cell.value) for cell in cells)
    states = _states_peak(data)
    assert largest > states * 1.1, f"the case no longer goes past its states ({largest} vs {states})"

    svg = svg_texts(png.with_suffix(".svg").read_text(encoding="utf-8"))
    low_text, high_text = key_ends(svg.texts)
    high = key_number(high_text)
    assert key_number(low_text) == -high
    assert abs(high - largest) <= key_precision(high), f"key {high_text}, largest value shown {largest}"
    assert scene.scale.peak == largest

    image = imread(png)
    past = [(cell.value, _pixel(image, scene, cell)) for cell in cells if abs(cell.value) > states]
    for (value, colour), (other, other_colour) in itertools.combinations(past, 2):
        if abs(value - other) > 0.05 * largest:
            assert colour != other_colour, f"{shown(value)} and {shown(other)} share the colour {colour}"
