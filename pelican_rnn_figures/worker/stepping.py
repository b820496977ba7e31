"""Step one recurrent layer through a sequence, recording every time step.

NumPy and duck typing only (the layer object is Keras', but this module does
not import Keras). A SimpleRNN, LSTM or GRU layer (or ``keras.layers.RNN``
around the cell of one: it is that layer) is unrolled by calling its own cell
once per step, so the states are Keras' own numbers; masked steps
carry the state through unchanged, as Keras does. The gates of LSTM and GRU
cells are re-derived from the weights and kept only if they reproduce the
states the cell computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .figure_data import CANDIDATE, FORGET, INPUT, OUTPUT, RESET, STEPPED_CELLS, UPDATE

# How far recomputed values may drift from Keras' own before they are called
# wrong; float32 arithmetic in a different order stays far below.
TOLERANCE = 1e-4


@dataclass
class SteppedLayer:
    """A layer's per-step record, aligned with the input's time steps."""

    states: list[np.ndarray]  # h after each step (carried through masked steps)
    cell_states: list[np.ndarray] | None  # an LSTM's c
    outputs: list[np.ndarray]  # what return_sequences returns, in the steps' order
    gates: dict[str, list[np.ndarray | None]] = field(default_factory=dict)


def stepped_kind(layer: Any) -> str | None:
    """The built-in layer ``layer`` computes as, by its cell ("LSTM" for an
    ``LSTM`` or an ``RNN(LSTMCell)``), or None: not a recurrent layer, or one
    whose cell is not stepped (a custom cell, StackedRNNCells, a ConvLSTM's)."""
    cell = getattr(layer, "cell", None)
    if cell is None or not hasattr(layer, "return_sequences"):
        return None
    return STEPPED_CELLS.get(type(cell).__name__)


def initial_states(cell, given: list[np.ndarray] | None = None) -> list[np.ndarray]:
    if given:
        return [np.asarray(s, dtype=np.float32)[:1] for s in given]
    sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
    return [np.zeros((1, int(size)), dtype=np.float32) for size in sizes]


def _activation(function, values: np.ndarray) -> np.ndarray:
    return np.asarray(function(values), dtype=np.float64)


def _lstm_gates(cell, x: np.ndarray, h: np.ndarray) -> dict[str, np.ndarray]:
    kernel = np.asarray(cell.kernel, dtype=np.float64)
    recurrent = np.asarray(cell.recurrent_kernel, dtype=np.float64)
    z = x @ kernel + h @ recurrent
    if cell.use_bias:
        z = z + np.asarray(cell.bias, dtype=np.float64)
    i, f, c, o = np.split(z, 4, axis=-1)
    squash = cell.recurrent_activation
    return {
        INPUT: _activation(squash, i),
        FORGET: _activation(squash, f),
        CANDIDATE: _activation(cell.activation, c),
        OUTPUT: _activation(squash, o),
    }


def _gru_gates(cell, x: np.ndarray, h: np.ndarray) -> dict[str, np.ndarray]:
    kernel = np.asarray(cell.kernel, dtype=np.float64)
    recurrent = np.asarray(cell.recurrent_kernel, dtype=np.float64)
    bias = np.asarray(cell.bias, dtype=np.float64) if cell.use_bias else None
    if bias is None:
        input_bias: np.ndarray | float = 0.0
        recurrent_bias: np.ndarray | float = 0.0
    elif cell.reset_after:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias, recurrent_bias = bias, 0.0
    gated = 2 * recurrent.shape[0]  # the z and r blocks; the candidate's block follows
    x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3, axis=-1)
    # reset_after: the recurrent product (with its bias) is taken before the reset gate applies.
    inner = h @ recurrent + recurrent_bias if cell.reset_after else h @ recurrent[:, :gated]
    h_z, h_r = np.split(inner[..., :gated], 2, axis=-1)
    z = _activation(cell.recurrent_activation, x_z + h_z)
    r = _activation(cell.recurrent_activation, x_r + h_r)
    if cell.reset_after:
        candidate = _activation(cell.activation, x_h + r * inner[..., gated:])
    else:
        candidate = _activation(cell.activation, x_h + (r * h) @ recurrent[:, gated:])
    return {UPDATE: z, RESET: r, CANDIDATE: candidate}


def _gates_reproduce(kind: str, gates: dict[str, np.ndarray], h: np.ndarray, c_before, new_states) -> bool:
    """Whether the re-derived gates give the state the cell computed (a custom
    cell or activation would not: then the gates are not drawn)."""
    if kind == "LSTM":
        c = gates[FORGET] * c_before + gates[INPUT] * gates[CANDIDATE]
        return np.allclose(c, new_states[1], atol=TOLERANCE)
    update = gates[UPDATE]
    return np.allclose(update * h + (1 - update) * gates[CANDIDATE], new_states[0], atol=TOLERANCE)


def step_layer(
    layer, inputs: np.ndarray, mask: np.ndarray | None = None, initial: list[np.ndarray] | None = None
) -> SteppedLayer:
    """Call ``layer``'s cell on each step of ``inputs`` (1 x T x features), in
    the order the layer reads them; masked steps (``mask`` False) leave the
    state as it was and repeat the previous output (or output zeros, with
    ``zero_output_for_mask``), as Keras' RNN does."""
    cell = layer.cell
    kind = stepped_kind(layer) or ""  # "": a cell of another kind; its states alone, no gates
    states = initial_states(cell, initial)
    steps = inputs.shape[1]
    backwards = bool(getattr(layer, "go_backwards", False))
    order = range(steps - 1, -1, -1) if backwards else range(steps)
    derive_gates = {"LSTM": _lstm_gates, "GRU": _gru_gates}.get(kind)
    hidden: dict[int, np.ndarray] = {}
    carry: dict[int, np.ndarray] = {}
    returned: dict[int, np.ndarray] = {}
    gates: dict[str, dict[int, np.ndarray | None]] = {}
    previous_output = np.zeros((1, int(cell.units)), dtype=np.float32)
    for t in order:
        skipped = mask is not None and not mask[t]
        if not skipped:  # a masked step's gates stay unrecorded: None in the result
            x_t = inputs[:, t, :]
            output, new_states = cell(x_t, states, training=False)
            new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
            new_states = [np.asarray(s, dtype=np.float32) for s in new_states]
            if derive_gates is not None:
                step_gates = derive_gates(cell, x_t.astype(np.float64), states[0].astype(np.float64))
                c_before = states[1] if kind == "LSTM" else None
                if _gates_reproduce(kind, step_gates, states[0], c_before, new_states):
                    for name, value in step_gates.items():
                        gates.setdefault(name, {})[t] = value[0]
                else:
                    derive_gates, gates = None, {}
            states = new_states
            previous_output = np.asarray(output, dtype=np.float32)
        hidden[t] = states[0][0]
        # Inside Bidirectional(return_sequences=True) Keras outputs zeros at masked steps.
        zero = skipped and getattr(layer, "zero_output_for_mask", False)
        returned[t] = np.zeros_like(previous_output[0]) if zero else previous_output[0]
        if len(states) > 1:
            carry[t] = states[1][0]
    return SteppedLayer(
        states=[hidden[t] for t in range(steps)],
        cell_states=[carry[t] for t in range(steps)] if carry else None,
        outputs=[returned[t] for t in range(steps)],
        gates={name: [values.get(t) for t in range(steps)] for name, values in gates.items()},
    )


def expected_output(layer, stepped: SteppedLayer) -> np.ndarray:
    """What Keras returns as the layer's (first) output, from the stepped record."""
    outputs = np.asarray(stepped.outputs)
    backwards = bool(getattr(layer, "go_backwards", False))
    if backwards:
        outputs = outputs[::-1]  # Keras returns them in reading order
    return outputs if getattr(layer, "return_sequences", False) else outputs[-1]


def reproduces(mine: Any, theirs: Any) -> bool:
    mine, theirs = np.asarray(mine), np.asarray(theirs)
    return mine.shape == theirs.shape and bool(np.allclose(mine, theirs, atol=TOLERANCE))
