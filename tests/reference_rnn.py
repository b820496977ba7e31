"""Independent NumPy implementations of Keras' recurrent layers, for checking.

Written from the equations (Keras' documentation and DESIGN-NOTES §2), not
from the plugin's code: each returns the state after every step.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simple_rnn(inputs, kernel, recurrent_kernel, bias):
    h = np.zeros(recurrent_kernel.shape[0])
    states = []
    for x in inputs:
        h = np.tanh(x @ kernel + h @ recurrent_kernel + bias)
        states.append(h)
    return np.array(states), None


def lstm(inputs, kernel, recurrent_kernel, bias):
    units = recurrent_kernel.shape[0]
    h, c = np.zeros(units), np.zeros(units)
    hs, cs = [], []
    for x in inputs:
        z = x @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = (z[k * units : (k + 1) * units] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        hs.append(h)
        cs.append(c)
    return np.array(hs), np.array(cs)


def gru(inputs, kernel, recurrent_kernel, bias, reset_after=True):
    units = recurrent_kernel.shape[0]
    part = lambda m, k: m[..., k * units : (k + 1) * units]  # noqa: E731 - z, r, h blocks
    bias = np.asarray(bias)
    input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, None)
    h = np.zeros(units)
    states = []
    for x in inputs:
        z_in = x @ part(kernel, 0) + part(input_bias, 0)
        r_in = x @ part(kernel, 1) + part(input_bias, 1)
        h_in = x @ part(kernel, 2) + part(input_bias, 2)
        if reset_after:
            z = sigmoid(z_in + h @ part(recurrent_kernel, 0) + part(recurrent_bias, 0))
            r = sigmoid(r_in + h @ part(recurrent_kernel, 1) + part(recurrent_bias, 1))
            candidate = np.tanh(h_in + r * (h @ part(recurrent_kernel, 2) + part(recurrent_bias, 2)))
        else:
            z = sigmoid(z_in + h @ part(recurrent_kernel, 0))
            r = sigmoid(r_in + h @ part(recurrent_kernel, 1))
            candidate = np.tanh(h_in + (r * h) @ part(recurrent_kernel, 2))
        h = z * h + (1 - z) * candidate
        states.append(h)
    return np.array(states), None


def recompute(layer: dict, inputs):
    """The states (and LSTM cell states) of a layer record from figure JSON."""
    weights = {name: np.asarray(value, dtype=np.float64) for name, value in layer["weights"].items()}
    inputs = np.asarray(inputs, dtype=np.float64)
    if layer.get("go_backwards"):
        inputs = inputs[::-1]
    args = (inputs, weights["kernel"], weights["recurrent_kernel"], weights["bias"])
    if layer["class"] == "SimpleRNN":
        states, cells = simple_rnn(*args)
    elif layer["class"] == "LSTM":
        states, cells = lstm(*args)
    elif layer["class"] == "GRU":
        states, cells = gru(*args, reset_after=layer.get("reset_after", True))
    else:
        raise ValueError(layer["class"])
    if layer.get("go_backwards"):
        states = states[::-1]
        cells = None if cells is None else cells[::-1]
    return states, cells
