"""Words for a figure: alt text and short labels, made from its data alone."""

from __future__ import annotations

from typing import Any


def _join(words: list[str]) -> str:
    quoted = [f"“{w}”" for w in words]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def format_shape(shape: Any) -> str:
    """``[None, 3, 4]`` -> ``(None, 3, 4)``, as Keras prints shapes."""
    if shape and isinstance(shape[0], list):
        return ", ".join(format_shape(s) for s in shape)
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def describe_layer(layer: dict[str, Any]) -> str:
    output = "an output at every step" if layer.get("return_sequences") else "only its last state as output"
    return (
        f"{layer['class']} with {layer['units']} units ({layer['params']} parameters, "
        f"output shape {format_shape(layer['output_shape'])}), {output}"
    )


def describe_figure(kind: str, data: dict[str, Any]) -> str:
    tokens = data.get("tokens") or []
    if kind == "embedding":
        width = len(data["inputs"][0]) if data.get("inputs") else 0
        return f"Embeddings of {_join(tokens)}: each word as a vector of {width} numbers."
    if kind == "words":
        text = f"The words {_join(data['words'])} in reading order"
        if data.get("label"):
            text += f", labelled {data['label']}"
        return text + "."
    recurrent = [layer for layer in data["layers"] if "states" in layer]
    steps = len(data["inputs"])
    layers = "; then ".join(describe_layer(layer) for layer in recurrent)
    stacked = f"{len(recurrent)} stacked recurrent layers" if len(recurrent) > 1 else "A recurrent layer"
    return (
        f"{stacked} unrolled over {steps} time steps ({_join(tokens)}), each step's "
        f"{len(data['inputs'][0])}-number input feeding one cell: {layers}. "
        "The hidden state starts at zeros and is carried from step to step; "
        "cells show the values Keras computes."
    )


def describe_caption(kind: str, data: dict[str, Any]) -> str:
    """A one-line caption for figures whose author gave none."""
    if kind != "rnn":
        return describe_figure(kind, data)
    layers = " → ".join(
        f"{layer['class']}({layer['units']})" if "units" in layer else layer["class"]
        for layer in data["layers"]
    )
    return f"{layers}, unrolled over {len(data['inputs'])} time steps."
