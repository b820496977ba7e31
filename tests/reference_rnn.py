"""Independent NumPy implementations of Keras' recurrent layers, for checking.

Written from the cells' equations as Keras documents them (the gates in its
kernels' order: LSTM's input, forget, candidate, output; GRU's update, reset,
candidate, with ``reset_after`` either way), not from the plugin's code: each cell maps (x, states) to new states and its gates;
:func:`recompute` runs one over a figure's inputs, with Keras' rules for masks
(a masked step keeps the state), initial states and go_backwards.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# A SimpleRNN's activation by its Keras name (None is "linear").
ACTIVATIONS = {"tanh": np.tanh, "linear": lambda z: z, "relu": lambda z: np.maximum(z, 0), "sigmoid": sigmoid}


def simple_rnn_cell(x, states, w, activation="tanh"):
    (h,) = states
    return [ACTIVATIONS[activation](x @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"])], {}


def lstm_cell(x, states, w):
    h, c = states
    units = h.shape[-1]
    z = x @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"]
    i, f, g, o = (z[k * units : (k + 1) * units] for k in range(4))
    gates = {"input": sigmoid(i), "forget": sigmoid(f), "candidate": np.tanh(g), "output": sigmoid(o)}
    c = gates["forget"] * c + gates["input"] * gates["candidate"]
    return [gates["output"] * np.tanh(c), c], gates


def gru_cell(x, states, w, reset_after=True):
    (h,) = states
    units = h.shape[-1]
    part = lambda m, k: m[..., k * units : (k + 1) * units]  # noqa: E731 - z, r, h blocks
    kernel, recurrent = w["kernel"], w["recurrent_kernel"]
    input_bias, recurrent_bias = (w["bias"][0], w["bias"][1]) if reset_after else (w["bias"], None)
    z_in = x @ part(kernel, 0) + part(input_bias, 0)
    r_in = x @ part(kernel, 1) + part(input_bias, 1)
    h_in = x @ part(kernel, 2) + part(input_bias, 2)
    if reset_after:
        z = sigmoid(z_in + h @ part(recurrent, 0) + part(recurrent_bias, 0))
        r = sigmoid(r_in + h @ part(recurrent, 1) + part(recurrent_bias, 1))
        candidate = np.tanh(h_in + r * (h @ part(recurrent, 2) + part(recurrent_bias, 2)))
    else:
        z = sigmoid(z_in + h @ part(recurrent, 0))
        r = sigmoid(r_in + h @ part(recurrent, 1))
        candidate = np.tanh(h_in + (r * h) @ part(recurrent, 2))
    return [z * h + (1 - z) * candidate], {"update": z, "reset": r, "candidate": candidate}


def recompute(layer: dict, inputs, initial=None):
    """A layer record of figure JSON re-run: (h per step, c per step or None,
    gates per step (None where masked), what Keras returns as the output).
    States are aligned with the tokens, also for go_backwards."""
    w = {name: np.asarray(value, dtype=np.float64) for name, value in layer["weights"].items()}
    w.setdefault("bias", np.zeros(np.shape(w["recurrent_kernel"])[-1]))  # use_bias=False
    inputs = np.asarray(inputs, dtype=np.float64)
    units = layer["units"]
    steps = len(inputs)
    mask = layer.get("mask") or [True] * steps
    # The equations are the cell's: an RNN(LSTMCell) is an LSTM.
    if layer["cell"] == "SimpleRNNCell":
        activation = layer.get("activation") or "linear"
        cell = lambda x, s, w: simple_rnn_cell(x, s, w, activation)  # noqa: E731
    elif layer["cell"] == "LSTMCell":
        cell = lstm_cell
    elif layer["cell"] == "GRUCell":
        reset_after = layer.get("reset_after", True)
        cell = lambda x, s, w: gru_cell(x, s, w, reset_after)  # noqa: E731
    else:
        raise ValueError(layer["cell"])
    count = 2 if layer["cell"] == "LSTMCell" else 1
    states = [np.asarray(s, dtype=np.float64) for s in initial] if initial else [np.zeros(units)] * count
    order = range(steps - 1, -1, -1) if layer.get("go_backwards") else range(steps)
    hs, cs, gates, returned = [None] * steps, [None] * steps, [None] * steps, []
    output = np.zeros(units)
    for t in order:
        if mask[t]:
            states, gates[t] = cell(inputs[t], states, w)
            output = states[0]
        hs[t] = states[0]
        if count == 2:
            cs[t] = states[1]
        returned.append(np.zeros(units) if not mask[t] and layer.get("zero_output_for_mask") else output)
    returned = np.array(returned)
    output = returned if layer["return_sequences"] else returned[-1]
    return np.array(hs), (np.array(cs) if count == 2 else None), gates, output
