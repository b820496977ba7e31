"""Trace a built Keras model step by step on example inputs.

Works on the model object it is given (duck-typed, so this module imports only
NumPy): recurrent layers are unrolled by stepping their cell, so the state after
every time step is recorded; every other layer is called once. The result is
the data behind a figure, in the schema documented in the README (``NAME.json``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

STEPPED_LAYERS = frozenset({"SimpleRNN", "LSTM", "GRU"})
# How far the stepped states may drift from the layer's own output before the
# trace is called wrong; float32 arithmetic in a different order stays far below.
TRACE_TOLERANCE = 1e-4
# Bigger weight arrays (a 10,000-word Embedding) are left out of the JSON.
MAX_RECORDED_WEIGHTS = 20_000


class TraceError(RuntimeError):
    """The model cannot be traced (for example, it has no recurrent layer)."""


def _to_list(array) -> Any:
    # float32 -> float64 is exact, so the JSON holds Keras' values bit for bit.
    return np.asarray(array, dtype=np.float64).tolist()


def _shape(tensor) -> list[int | None]:
    return [None] + [int(d) for d in np.shape(tensor)[1:]]


def _reported_output_shape(layer, fallback) -> Any:
    try:
        output = layer.output
    except (AttributeError, ValueError):
        return fallback
    # A model built by calling it on one example has batch size 1; Keras'
    # own summary says None for that dimension, and so do we.
    if isinstance(output, (list, tuple)):
        return [[None, *o.shape[1:]] for o in output]
    return [None, *output.shape[1:]]


def _weights(layer) -> dict[str, Any]:
    weights: dict[str, Any] = {}
    for variable in layer.weights:
        name = variable.path.split("/")[-1] if hasattr(variable, "path") else variable.name
        weights[name] = _to_list(variable.numpy())
    return weights


def _initial_states(cell) -> list[np.ndarray]:
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    return [np.zeros((1, int(size)), dtype=np.float32) for size in sizes]


def _step_cell(layer, inputs: np.ndarray) -> tuple[list[list[float]], list[list[float]] | None]:
    """States after each step, aligned with the inputs' time steps."""
    cell = layer.cell
    states = _initial_states(cell)
    steps = inputs.shape[1]
    order = range(steps - 1, -1, -1) if getattr(layer, "go_backwards", False) else range(steps)
    hidden: dict[int, np.ndarray] = {}
    carry: dict[int, np.ndarray] = {}
    for t in order:
        output, new_states = cell(inputs[:, t, :], states, training=False)
        states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        states = [np.asarray(s, dtype=np.float32) for s in states]
        hidden[t] = np.asarray(output)[0]
        if len(states) > 1:
            carry[t] = states[1][0]
    hidden_rows = [_to_list(hidden[t]) for t in range(steps)]
    carry_rows = [_to_list(carry[t]) for t in range(steps)] if carry else None
    return hidden_rows, carry_rows


def _check_against_layer(layer, states: list[list[float]], output) -> None:
    primary = output[0] if isinstance(output, (list, tuple)) else output
    primary = np.asarray(primary)[0]
    stepped = np.asarray(states)
    if getattr(layer, "go_backwards", False):
        stepped = stepped[::-1]
    expected = stepped if getattr(layer, "return_sequences", False) else stepped[-1]
    if primary.shape != expected.shape or not np.allclose(primary, expected, atol=TRACE_TOLERANCE):
        raise TraceError(
            f"stepping the cell of {layer.name} did not reproduce the layer's output "
            "(masking or a custom cell?); this layer cannot be drawn unrolled yet"
        )


def _recurrent_record(layer, x: np.ndarray) -> dict[str, Any]:
    """A SimpleRNN, LSTM or GRU, stepped over ``x``: its options and states."""
    states, cell_states = _step_cell(layer, x)
    record: dict[str, Any] = {
        "units": int(layer.units),
        "return_sequences": bool(layer.return_sequences),
        "return_state": bool(getattr(layer, "return_state", False)),
        "go_backwards": bool(getattr(layer, "go_backwards", False)),
        "activation": getattr(layer.activation, "__name__", str(layer.activation)),
        "states": states,
    }
    if cell_states is not None:
        record["cell_states"] = cell_states
    if type(layer).__name__ == "GRU":
        record["reset_after"] = bool(layer.reset_after)
    return record


MERGES = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2,
}


def _bidirectional_record(layer, x: np.ndarray, output) -> dict[str, Any]:
    """Both directions stepped; ``outputs`` merged as Keras merges them."""
    halves = {}
    for name, sublayer in (("forward", layer.forward_layer), ("backward", layer.backward_layer)):
        halves[name] = {
            "class": type(sublayer).__name__,
            "name": sublayer.name,
            "params": int(sublayer.count_params()),
            "weights": _weights(sublayer),
            **_recurrent_record(sublayer, x),
        }
    forward = np.asarray(halves["forward"]["states"])
    backward = np.asarray(halves["backward"]["states"])  # aligned with the tokens
    sequences = bool(layer.return_sequences)
    mode = layer.merge_mode
    if mode is None:  # two outputs, not merged
        merged = None
        produced = [forward if sequences else forward[-1], backward if sequences else backward[0]]
        actual = [np.asarray(o)[0] for o in output[:2]]
    else:
        merged = MERGES[mode](forward, backward) if sequences else MERGES[mode](forward[-1], backward[0])
        produced = [merged]
        actual = [np.asarray(output[0] if isinstance(output, (list, tuple)) else output)[0]]
    for mine, theirs in zip(produced, actual, strict=True):
        if mine.shape != theirs.shape or not np.allclose(mine, theirs, atol=TRACE_TOLERANCE):
            raise TraceError(f"stepping {layer.name} did not reproduce its output; it cannot be drawn yet")
    record = {
        "units": halves["forward"]["units"],
        "merge_mode": mode,
        "return_sequences": sequences,
        "forward": halves["forward"],
        "backward": halves["backward"],
    }
    if merged is not None:
        record["outputs"] = _to_list(merged)
    return record


def _check_against_model(model, model_inputs: np.ndarray, traced: np.ndarray) -> None:
    """The layers called one by one must give what the model gives: a figure
    never shows numbers the model would not compute (masks are not carried
    from layer to layer yet, nor are branches)."""
    expected = model(model_inputs)
    expected = np.asarray(expected[0] if isinstance(expected, (list, tuple)) else expected)
    if expected.shape != traced.shape or not np.allclose(expected, traced, atol=TRACE_TOLERANCE):
        raise TraceError(
            "calling the layers one by one does not reproduce the model's output (masking, or a "
            "model that is not a single chain of layers?); this model cannot be drawn yet"
        )


def _is_recurrent(record: dict[str, Any]) -> bool:
    return "states" in record or "forward" in record


def trace_model(model, inputs: np.ndarray, tokens: list[str]) -> dict[str, Any]:
    """Run ``inputs`` (1 x T x features, or 1 x T token ids) through ``model``
    layer by layer."""
    x = np.asarray(inputs)
    x = x if np.issubdtype(x.dtype, np.integer) else x.astype(np.float32)
    model_inputs = x
    layers: list[dict[str, Any]] = []
    token_ids = None
    for layer in model.layers:
        class_name = type(layer).__name__
        if class_name == "InputLayer":
            continue
        if layers and layers[-1].get("go_backwards") and layers[-1].get("return_sequences"):
            raise TraceError(
                f"{layers[-1]['name']} (go_backwards=True, return_sequences=True) feeds {layer.name} its "
                "outputs last step first; such stacks cannot be drawn yet"
            )
        output = layer(x)
        record: dict[str, Any] = {
            "class": class_name,
            "name": layer.name,
            "params": int(layer.count_params()),
            "input_shape": _shape(x),
            "output_shape": _reported_output_shape(
                layer, [_shape(o) for o in output] if isinstance(output, (list, tuple)) else _shape(output)
            ),
        }
        if class_name in STEPPED_LAYERS:
            record["weights"] = _weights(layer)
            record.update(_recurrent_record(layer, x))
            _check_against_layer(layer, record["states"], output)
        elif class_name == "Bidirectional" and type(layer.forward_layer).__name__ in STEPPED_LAYERS:
            record.update(_bidirectional_record(layer, x, output))
        else:
            record["weights"] = _weights(layer) if layer.count_params() <= MAX_RECORDED_WEIGHTS else {}
            activation = getattr(layer, "activation", None)
            inner = getattr(layer, "layer", None)  # TimeDistributed(Dense(...))
            if inner is not None:
                record["layer"] = {
                    "class": type(inner).__name__,
                    "weights": _weights(inner),
                    "activation": getattr(getattr(inner, "activation", None), "__name__", None),
                }
                activation = getattr(inner, "activation", None)
            if activation is not None:
                record["activation"] = getattr(activation, "__name__", str(activation))
            primary = output[0] if isinstance(output, (list, tuple)) else output
            record["outputs"] = _to_list(np.asarray(primary)[0])
        if class_name == "Embedding" and not layers:
            # Token ids in: the vectors looked up are what the recurrent layers read.
            token_ids = np.asarray(inputs)[0].tolist()
            record["token_ids"] = token_ids
        layers.append(record)
        x = np.asarray(output[0] if isinstance(output, (list, tuple)) else output)
    if not any(_is_recurrent(layer) for layer in layers):
        names = ", ".join(layer["class"] for layer in layers) or "none"
        raise TraceError(f"the model has no SimpleRNN, LSTM or GRU layer to unroll (layers: {names})")
    _check_against_model(model, model_inputs, x)
    if token_ids is not None:
        inputs = np.asarray([layers[0]["outputs"]])
    data = {
        "tokens": list(tokens),
        # float32 inputs shown at float32's own precision: 0.4, not 0.4000000059604645.
        "inputs": np.asarray(inputs, dtype=np.float64)[0].round(7).tolist(),
        "input_shape": _shape(inputs),
        "total_params": int(model.count_params()),
        "layers": layers,
    }
    if token_ids is not None:
        data["token_ids"] = token_ids
    return data
