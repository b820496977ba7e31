"""Checks shared by the build tests: a figure's files agree with NumPy."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
from reference_rnn import recompute, sigmoid

TOLERANCE = 1e-4
GATES_SHOWN = {
    "LSTM": (("f", "forget"), ("i", "input"), ("o", "output")),
    "GRU": (("z", "update"), ("r", "reset")),
}


def png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def shown(value: float) -> str:
    """A value as the figure prints it, in at most five characters: exact zero
    as 0; else 2 decimals (1 from 10, none from 100), 3 below 0.01, then a
    power of ten, so that no value other than zero reads as zero."""
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    for lowest, decimals in ((99.95, 0), (9.995, 1), (0.00995, 2), (0.000995, 3)):
        if lowest <= magnitude < 9999.5:
            return f"{value:.{decimals}f}".replace("-", "\u2212")
    mantissa, exponent = f"{value:.{1 if magnitude >= 1 else 0}e}".split("e")
    return f"{mantissa}e{int(exponent)}".replace("-", "\u2212")


def shown_gate(value: float) -> str:
    text = f"{value:.2f}"
    return "1.0" if text == "1.00" else text.removeprefix("0")


def visible(values: list) -> list:
    """What a figure shows of a long row: all of up to 7 values, else the
    first 3 and the last 2 (cells), and of up to 5 steps all, else 2 + 1."""
    if values and isinstance(values[0], list):  # steps
        return values if len(values) <= 5 else values[:2] + values[-1:]
    return values if len(values) <= 7 else values[:3] + values[-2:]


def visible_steps(steps: int) -> list[int]:
    return list(range(steps)) if steps <= 5 else [0, 1, steps - 1]


def _assert_in_svg(svg: str, text: str, name: str) -> None:
    assert f">{text}<" in svg, f"{text} not shown in {name}.svg"


def check_states(layer: dict, inputs, svg: str, name: str, drawn: bool = True, initial=None):
    """A recurrent layer's states, cell states and gates against NumPy, and
    shown in the SVG (inside a Bidirectional layer, h only). Returns what
    Keras returns as the layer's output."""
    states, cells, gates, output = recompute(layer, inputs, initial)
    np.testing.assert_allclose(layer["states"], states, atol=TOLERANCE)
    assert np.asarray(layer["states"]).shape == (len(inputs), layer["units"])
    if cells is not None:
        np.testing.assert_allclose(layer["cell_states"], cells, atol=TOLERANCE)
    if layer["class"] in GATES_SHOWN:
        for gate, per_step in layer.get("gates", {}).items():
            for t, values in enumerate(per_step):
                if gates[t] is None:
                    assert values is None, f"{gate} gate at masked step {t + 1}"
                else:
                    np.testing.assert_allclose(values, gates[t][gate], atol=TOLERANCE)
    if not drawn:
        return output
    cells_shown = visible(layer.get("cell_states") or [])
    if cells_shown and not layer["return_state"] and not layer["go_backwards"]:
        cells_shown = cells_shown[:-1]  # c after the last step is drawn only when Keras returns it
    for rows in (visible(layer["states"]), cells_shown):
        for row in rows:
            for value in visible(row):
                _assert_in_svg(svg, shown(value), name)
    for t in visible_steps(len(inputs)):
        if gates[t] is not None and layer["class"] in GATES_SHOWN:
            summary = " ".join(
                f"{letter}{shown_gate(np.mean(gates[t][gate]))}"
                for letter, gate in GATES_SHOWN[layer["class"]]
            )
            _assert_in_svg(svg, summary, name)
    return output


MERGES = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": np.add,
    "mul": np.multiply,
    "ave": lambda a, b: (a + b) / 2,
}


def check_bidirectional(layer: dict, inputs, svg: str, name: str):
    """Both directions against NumPy (the backward one reads x_T first and its
    states are aligned with the tokens); the merge as Keras merges."""
    for half in ("forward", "backward"):
        layer[half].setdefault("mask", layer.get("mask"))  # both directions skip the masked steps
    forward = check_states(layer["forward"], inputs, svg, name, drawn=False)
    backward = check_states(layer["backward"], inputs, svg, name, drawn=False)
    for half, states in (("forward", layer["forward"]["states"]), ("backward", layer["backward"]["states"])):
        for row in visible(states):
            for value in visible(row):
                _assert_in_svg(svg, shown(value), f"{name} ({half})")
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


def check_figure(png: Path) -> dict:
    """Assert that ``png``'s JSON matches NumPy, layer after layer as the layers
    feed each other, and that its SVG shows the values."""
    data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    svg = png.with_suffix(".svg").read_text(encoding="utf-8")
    assert "<text" in svg, "SVG text must stay text"
    inputs = np.asarray(data["inputs"])
    assert inputs.shape == (len(data["tokens"]), len(data["inputs"][0]))
    sequences = data.get("sequences") or [data]
    produced: dict[str, list] = {}
    recurrent = 0
    drawn = data.get("figure_options", {}).get("values", True)
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
        if "forward" in layer:
            recurrent += 1
            produced[layer["name"]] = [check_bidirectional(layer, x, svg, png.name)]
        elif "states" in layer:
            recurrent += 1
            output = check_states(layer, x, svg, png.name, drawn, initial)
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
        else:
            produced[layer["name"]] = [np.asarray(layer["outputs"])]
    assert recurrent
    return data
