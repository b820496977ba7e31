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


def check_figure(png: Path) -> dict:
    """Assert that ``png``'s JSON states match NumPy and its SVG shows them."""
    data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    svg = png.with_suffix(".svg").read_text(encoding="utf-8")
    assert "<text" in svg, "SVG text must stay text"
    inputs = np.asarray(data["inputs"])
    assert inputs.shape == (len(data["tokens"]), len(data["inputs"][0]))
    recurrent = [layer for layer in data["layers"] if "states" in layer]
    assert recurrent
    for layer in data["layers"]:
        if "states" not in layer:
            continue
        states, cells = recompute(layer, inputs)
        np.testing.assert_allclose(layer["states"], states, atol=TOLERANCE)
        assert np.asarray(layer["states"]).shape == (len(inputs), layer["units"])
        if cells is not None:
            np.testing.assert_allclose(layer["cell_states"], cells, atol=TOLERANCE)
        for lane in (layer["states"], layer.get("cell_states")):
            for row in visible(lane or []):
                for value in visible(row):
                    assert f">{shown(value)}<" in svg, f"{shown(value)} not shown in {png.name}.svg"
        # The next layer's inputs are this layer's outputs.
        outputs = np.asarray(layer["states"]) if layer["return_sequences"] else None
        if outputs is not None:
            inputs = outputs
    return data
