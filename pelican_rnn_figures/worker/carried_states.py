"""The states stateful recurrent layers carry: read before a trace, put back after.

A layer built with ``stateful=True`` starts each call from the state its
previous call left (Keras keeps it in the layer's ``states`` variables) and
overwrites it at the end. A figure is drawn from the state the code left, and
calling the model to trace it must not change what the code's next call
starts from: :func:`kept_states` reads every stateful layer's states and
writes them back when the trace is done, whatever happened in it. Such a
layer also takes batches of one size only (its states' rows): :func:`fitted_batch`
makes the trace's inputs that size, the first sample (the one drawn) first.
Duck-typed on the model: NumPy only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


def _recurrent_layers(layers: list[Any]) -> Iterator[Any]:
    """The layers, a nested model's and a Bidirectional's halves in their place."""
    for layer in layers:
        if hasattr(layer, "layers"):
            yield from _recurrent_layers(list(layer.layers))
            continue
        yield layer
        for half in (getattr(layer, "forward_layer", None), getattr(layer, "backward_layer", None)):
            if half is not None:
                yield half


def stateful_layers(model: Any) -> list[Any]:
    """The model's stateful recurrent layers whose states Keras has made (it
    makes them when the layer is built)."""
    return [
        layer
        for layer in _recurrent_layers(list(getattr(model, "layers", [])))
        if getattr(layer, "stateful", False) and getattr(layer, "states", None) is not None
    ]


def _variables(layer: Any) -> list[Any]:
    states = layer.states
    return list(states) if isinstance(states, (list, tuple)) else [states]


@contextmanager
def kept_states(model: Any) -> Iterator[dict[int, list[np.ndarray]]]:
    """The states each stateful layer of ``model`` holds (by ``id`` of the
    layer: h, and an LSTM's c, batch × units each), written back on exit."""
    held = {id(layer): [np.array(v.numpy()) for v in _variables(layer)] for layer in stateful_layers(model)}
    try:
        yield held
    finally:
        for layer in stateful_layers(model):
            for variable, value in zip(_variables(layer), held.get(id(layer), []), strict=False):
                variable.assign(value)


def stateful_batch(model: Any) -> int | None:
    """The batch size the model's stateful layers take (their states' rows), if it has any."""
    layers = stateful_layers(model)
    return int(np.shape(_variables(layers[0])[0].numpy())[0]) if layers else None


def fitted_batch(inputs: list[np.ndarray], batch: int | None) -> list[np.ndarray]:
    """``inputs`` with ``batch`` samples: cut, or the first sample repeated."""
    if batch is None or all(len(x) == batch for x in inputs):
        return inputs
    return [
        x[:batch] if len(x) >= batch else np.concatenate([x, np.repeat(x[:1], batch - len(x), 0)])
        for x in inputs
    ]
