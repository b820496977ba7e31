"""Checks shared by the build tests: a figure's files agree with NumPy."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from cell_checks import _columns as cell_columns
from cell_checks import check_cells, scene_regions, svg_texts
from layout_checks import check_layout
from portrait_checks import check_portrait
from reference_attention import recompute_attention
from reference_rnn import recompute, sigmoid

if TYPE_CHECKING:
    from pelican_rnn_figures.worker.drawing.scene import Scene

TOLERANCE = 1e-4


def png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def check_states(layer: dict, inputs, initial=None):
    """A recurrent layer's states, cell states and gates against NumPy.
    Returns what Keras returns as the layer's output."""
    states, cells, gates, output = recompute(layer, inputs, initial)
    np.testing.assert_allclose(layer["states"], states, atol=TOLERANCE)
    assert np.asarray(layer["states"]).shape == (len(inputs), layer["units"])
    if cells is not None:
        np.testing.assert_allclose(layer["cell_states"], cells, atol=TOLERANCE)
    for gate, per_step in layer.get("gates", {}).items():
        for t, values in enumerate(per_step):
            if gates[t] is None:
                assert values is None, f"{gate} gate at masked step {t + 1}"
            else:
                np.testing.assert_allclose(values, gates[t][gate], atol=TOLERANCE)
    return output


MERGES = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": np.add,
    "mul": np.multiply,
    "ave": lambda a, b: (a + b) / 2,
}


def check_bidirectional(layer: dict, inputs):
    """Both directions against NumPy (the backward one reads x_T first and its
    states are aligned with the tokens); the merge as Keras merges."""
    for half in ("forward", "backward"):
        layer[half].setdefault("mask", layer.get("mask"))  # both directions skip the masked steps
    forward = check_states(layer["forward"], inputs)
    backward = check_states(layer["backward"], inputs)
    if layer["return_sequences"]:
        backward = backward[::-1]  # Keras lines the backward outputs up with the tokens
    if layer["merge_mode"] is None:
        return forward
    merged = MERGES[layer["merge_mode"]](forward, backward)
    np.testing.assert_allclose(layer["outputs"], merged, atol=TOLERANCE)
    return merged


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "softmax": lambda x: (
        np.exp(x - x.max(-1, keepdims=True)) / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)
    ),
}


def check_dense(layer: dict, inputs) -> np.ndarray:
    """A Dense (or TimeDistributed(Dense)) head: activation(x W + b)."""
    inner = layer.get("layer", layer)
    kernel = np.asarray(inner["weights"]["kernel"])
    bias = np.asarray(inner["weights"].get("bias", np.zeros(kernel.shape[1])))
    expected = ACTIVATIONS[inner["activation"]](np.asarray(inputs) @ kernel + bias)
    np.testing.assert_allclose(layer["outputs"], expected, atol=TOLERANCE)
    return expected


def check_attention(layer: dict, produced: dict[str, list], sequences: list[dict]) -> np.ndarray:
    """An attention layer's weights (rows summing to 1) and contexts against
    NumPy, from the query, values and keys its record says it was given."""
    attention = layer["attention"]

    def given(source: dict):
        if "input" in source:
            return sequences[source["input"]]["inputs"]
        return produced[source["layer"]][source["output"]]

    q, v, k = (given(attention[f"{side}_from"]) for side in ("query", "value", "key"))
    weights, output = recompute_attention(layer, q, v, k)
    np.testing.assert_allclose(layer["outputs"], output, atol=TOLERANCE)
    if not attention["reproduced"]:
        assert "weights" not in attention and "contexts" not in attention
        return output
    np.testing.assert_allclose(attention["weights"], weights, atol=TOLERANCE)
    np.testing.assert_allclose(np.sum(attention["weights"], axis=-1), 1.0, atol=TOLERANCE)
    np.testing.assert_allclose(attention["contexts"], output, atol=TOLERANCE)
    assert len(attention["weights"]) == attention["heads"]
    return output


def laid_out(data: dict, svg: str) -> Scene:
    """The scene of the figure ``svg`` drawn from ``data`` (as the worker
    lays it out, without matplotlib): its text layer (value cells, where they
    are, what they show and their tooltips) and its colour scale."""
    from pelican_rnn_figures.worker.drawing.unrolled import layout_unrolled

    scene = layout_unrolled(data)
    drawing = svg_texts(svg)
    assert (round(scene.width * 72, 1), round(scene.height * 72, 1)) == (
        round(drawing.width, 1),
        round(drawing.height, 1),
    ), "the SVG was not drawn from this JSON"
    return scene


def check_figure(png: Path, regions: list[list] | None = None) -> dict:
    """Assert that ``png``'s JSON matches NumPy, layer after layer as the layers
    feed each other, and that its SVG shows each value in its cell and its
    colour key reaches them all (:func:`cell_checks.check_cells`, against the
    scale the layout stored too; ``regions``: the text layer, by default as
    the figure's JSON lays out)."""
    data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    svg = png.with_suffix(".svg").read_text(encoding="utf-8")
    assert "<text" in svg, "SVG text must stay text"
    check_data(data)
    scene = laid_out(data, svg)
    regions = scene_regions(scene) if regions is None else regions
    check_cells(data, svg_texts(svg), regions, png.name, peak=scene.scale.peak)
    check_portrait_figure(png, data)
    return data


def check_portrait_figure(png: Path, data: dict, regions: list[list] | None = None) -> None:
    """The figure's portrait layout, if the figure has one (every figure of one
    input does): its layout and each value at its cell (:mod:`portrait_checks`)."""
    from pelican_rnn_figures.worker.drawing.portrait import layout_portrait

    path = png.with_name(png.stem + ".portrait.svg")
    scene = layout_portrait(data)
    assert path.exists() == (scene is not None), (
        f"{path.name}: made {path.exists()}, laid out {scene is not None}"
    )
    if scene is None:
        return
    svg = path.read_text(encoding="utf-8")
    drawing = svg_texts(svg)
    # (The SVG writes its size to 2 decimals: 197.65 for a scene of 197.6499… pt.)
    assert abs(scene.width * 72 - drawing.width) < 0.02 and abs(scene.height * 72 - drawing.height) < 0.02, (
        "the portrait SVG was not drawn from this JSON"
    )
    check_layout(scene)
    steps = check_portrait(data, drawing, scene_regions(scene) if regions is None else regions, path.name)
    landscape = svg_texts(png.with_suffix(".svg").read_text(encoding="utf-8")).texts
    [columns] = cell_columns([data], landscape)
    # The same steps as the landscape figure, or (past 2.5 screens) fewer of them, the first and last kept.
    drawn, landscape_drawn = ([s for s in shown if s is not None] for shown in (steps, columns.steps))
    assert steps == columns.steps or (
        set(drawn) < set(landscape_drawn) and drawn[-1] == landscape_drawn[-1]
    ), f"{path.name}: steps {steps} drawn, the landscape figure's {columns.steps}"
    check_whole_on_a_phone(data, svg, path.name)


PX_PER_PT = 100 / 72  # the figures are drawn at 100 px an inch
PHONE_COLUMN, PHONE_SCREEN = 320, 780  # a 360 x 780 phone's text column and screen, px
FONT_SIZE_RE = re.compile(r"font-size: ([\d.]+)px")


def typical(data: dict) -> bool:
    """The README's typical figure: one input, at most 6 steps, 8 units a
    layer and 3 recurrent layers (an embeddings or words figure is typical)."""
    if "layers" not in data:
        return True
    recurrent = [layer for layer in data["layers"] if "states" in layer or "forward" in layer]
    units = [layer.get("units") or layer["forward"]["units"] for layer in recurrent]
    one_input = len(data.get("sequences") or [data]) == 1
    return one_input and len(data["inputs"]) <= 6 and max(units) <= 8 and len(recurrent) <= 3


def check_whole_on_a_phone(data: dict, portrait_svg: str, name: str) -> None:
    """A typical figure's portrait layout fits a phone's column and 2.5 screens, its text legible."""
    if not typical(data):
        return
    width, height = (
        float(v) * PX_PER_PT for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', portrait_svg).groups()
    )
    assert width <= PHONE_COLUMN, f"{name}: {width:.0f} px wide, past a phone's {PHONE_COLUMN} px column"
    assert height <= 2.5 * PHONE_SCREEN, f"{name}: {height / PHONE_SCREEN:.1f} screens tall"
    sizes = [float(size) * PX_PER_PT for size in FONT_SIZE_RE.findall(portrait_svg)]
    assert min(sizes) >= 10, f"{name}: smallest text {min(sizes):.1f} px"


def check_data(data: dict) -> dict[str, list]:
    """A figure's JSON against NumPy, layer after layer as the layers feed each
    other; returns each layer's outputs as NumPy computes them, by name."""
    inputs = np.asarray(data["inputs"])
    assert inputs.shape == (len(data["tokens"]), len(data["inputs"][0]))
    sequences = data.get("sequences") or [data]
    produced: dict[str, list] = {}
    recurrent = 0
    for layer in data["layers"]:
        source = layer.get("input_from") or {"input": 0}
        if "input" in source:
            sequence = sequences[source["input"]]
            x = sequence.get("token_ids") if layer["class"] == "Embedding" else sequence["inputs"]
        else:
            x = produced[source["layer"]][source["output"]]
        initial = None
        if layer.get("initial_state_from"):
            initial = [produced[s["layer"]][s["output"]] for s in layer["initial_state_from"]]
            np.testing.assert_allclose(layer["initial_state"], initial, atol=TOLERANCE)
        elif layer.get("initial_state_carried"):
            # A stateful layer's state its last call left (test_stateful re-computes that call).
            initial = layer["initial_state"]
        if "forward" in layer:
            recurrent += 1
            produced[layer["name"]] = [check_bidirectional(layer, x)]
        elif "states" in layer:
            recurrent += 1
            output = check_states(layer, x, initial)
            final = 0 if layer["go_backwards"] else -1
            finals = [np.asarray(layer["states"][final])]
            if "cell_states" in layer:
                finals.append(np.asarray(layer["cell_states"][final]))
            produced[layer["name"]] = [output, *finals]
        elif layer["class"] == "Embedding":
            table = np.asarray(layer["weights"]["embeddings"])
            np.testing.assert_allclose(layer["outputs"], table[np.asarray(x, dtype=int)], atol=1e-6)
            produced[layer["name"]] = [np.asarray(layer["outputs"])]
        elif layer["class"] in ("Dense", "TimeDistributed"):
            produced[layer["name"]] = [check_dense(layer, x)]
        elif "attention" in layer:
            produced[layer["name"]] = [check_attention(layer, produced, sequences)]
        else:
            produced[layer["name"]] = [np.asarray(layer["outputs"])]
    assert recurrent
    return produced
