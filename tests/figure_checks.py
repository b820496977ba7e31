"""Checks shared by the build tests: a figure's files agree with NumPy."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
from reference_rnn import recompute

TOLERANCE = 1e-4


def png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def shown(value: float) -> str:
    """A value as the figure prints it: 2 decimals, a real minus sign, no -0.00."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text.replace("-", "\u2212")


def visible(values: list) -> list:
    """What a figure shows of a long row: all of up to 6 values, else the
    first 3 and the last 2 (cells), and of up to 4 steps all, else 2 + 1."""
    if values and isinstance(values[0], list):  # steps
        return values if len(values) <= 4 else values[:2] + values[-1:]
    return values if len(values) <= 6 else values[:3] + values[-2:]


def check_states(layer: dict, inputs, svg: str, name: str, cells_drawn: bool = True) -> None:
    """A recurrent layer's states against NumPy, and shown in the SVG (an LSTM's
    cell states too, except inside Bidirectional, which draws h only)."""
    states, cells = recompute(layer, inputs)
    np.testing.assert_allclose(layer["states"], states, atol=TOLERANCE)
    assert np.asarray(layer["states"]).shape == (len(inputs), layer["units"])
    if cells is not None:
        np.testing.assert_allclose(layer["cell_states"], cells, atol=TOLERANCE)
    for lane in (layer["states"], layer.get("cell_states") if cells_drawn else None):
        for row in visible(lane or []):
            for value in visible(row):
                assert f">{shown(value)}<" in svg, f"{shown(value)} not shown in {name}.svg"


MERGES = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": np.add,
    "mul": np.multiply,
    "ave": lambda a, b: (a + b) / 2,
}


def check_bidirectional(layer: dict, inputs, svg: str, name: str):
    """Both directions against NumPy (the backward one reads x_T first and its
    states are aligned with the tokens); the merge as Keras merges."""
    check_states(layer["forward"], inputs, svg, name, cells_drawn=False)
    check_states(layer["backward"], inputs, svg, name, cells_drawn=False)
    forward, backward = np.asarray(layer["forward"]["states"]), np.asarray(layer["backward"]["states"])
    if layer["merge_mode"] is None:
        return forward
    merge = MERGES[layer["merge_mode"]]
    merged = merge(forward, backward) if layer["return_sequences"] else merge(forward[-1], backward[0])
    np.testing.assert_allclose(layer["outputs"], merged, atol=TOLERANCE)
    return merged


def check_figure(png: Path) -> dict:
    """Assert that ``png``'s JSON states match NumPy and its SVG shows them."""
    data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    svg = png.with_suffix(".svg").read_text(encoding="utf-8")
    assert "<text" in svg, "SVG text must stay text"
    inputs = np.asarray(data["inputs"])
    assert inputs.shape == (len(data["tokens"]), len(data["inputs"][0]))
    recurrent = [layer for layer in data["layers"] if "states" in layer or "forward" in layer]
    assert recurrent
    for layer in data["layers"]:
        if "forward" in layer:
            inputs = check_bidirectional(layer, inputs, svg, png.name)
            continue
        if "states" not in layer:
            continue
        check_states(layer, inputs, svg, png.name)
        # The next layer's inputs are this layer's outputs.
        if layer["return_sequences"]:
            inputs = np.asarray(layer["states"])
    return data
