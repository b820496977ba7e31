"""Which attention layer an attention figure draws, whether it can, and its axes.

From the figure data alone (``NAME.json``): the layer ``attention=`` asks
for (``on``: the model's one attention layer; else by name or class), the
refusals a writer can act on (attention not over a recurrent layer's steps,
a causal mask, many heads, a call whose scores did not give its output), and
the two axes: the query's steps down, the attended steps across, each
labelled with the tokens of the model input whose steps they are and named
by the recurrent layer that made them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..figure_data import ATTENTION_LAYERS, is_one_way, is_recurrent
from .model_rows import NO_FIGURE, LayoutError, UndrawableError

MAX_HEADS = 2  # side by side, a grid each: more would be too wide to read
LEAVE_IT_OUT = "leave attention= out to draw the model unrolled"
# Layers between a recurrent layer and an attention layer that keep its steps as they are.
KEEP_STEPS = frozenset({"Dropout", "LayerNormalization", "BatchNormalization", "GaussianNoise", "Masking"})


@dataclass(frozen=True)
class Axis:
    """One side of the grid: the recurrent layer whose steps it has, and their labels."""

    layer: str  # the recurrent layer's name ("encoder")
    labels: list[str]


def attention_layers(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [layer for layer in data["layers"] if "attention" in layer]


def chosen_layer(data: dict[str, Any]) -> dict[str, Any]:
    """The attention layer the ``attention=`` option asks for; a LayoutError
    if the model has none, or several and the option names none of them."""
    wanted = data.get("figure_options", {}).get("attention")
    if data.get("figure_options", {}).get("values") is False:
        raise LayoutError("attention= draws the weights themselves: leave values=off out (or attention=)")
    found = attention_layers(data)
    if not found:
        names = ", ".join(f"{layer['name']} ({layer['class']})" for layer in data["layers"])
        raise LayoutError(
            f"attention={wanted if isinstance(wanted, str) else 'on'}: the model has no "
            f"{', '.join(ATTENTION_LAYERS[:-1])} or {ATTENTION_LAYERS[-1]} layer (its layers: {names}); "
            f"{LEAVE_IT_OUT}"
        )
    named = ", ".join(layer["name"] for layer in found)
    if wanted is True:
        if len(found) > 1:
            raise LayoutError(
                f"attention=on: the model has {len(found)} attention layers ({named}): name one, "
                f"e.g. attention={found[0]['name']}"
            )
        return found[0]
    matches = [
        layer for layer in found if str(wanted).lower() in (layer["name"].lower(), layer["class"].lower())
    ]
    if len(matches) != 1:
        raise LayoutError(
            f"attention={wanted} names {'no' if not matches else 'more than one'} attention layer "
            f"of the model (its attention layers: {named})"
        )
    return matches[0]


def refusal(layer: dict[str, Any]) -> str:
    """Why the figure cannot draw this attention layer's weights, or ""."""
    attention, who = layer["attention"], f"{layer['name']} ({layer['class']})"
    if attention["use_causal_mask"]:
        return (
            f"{who} is called with use_causal_mask=True: the attention figure draws a query's weights over "
            f"every attended step, without a causal mask; {LEAVE_IT_OUT}"
        )
    if attention["heads"] > MAX_HEADS:
        return (
            f"{who} has {attention['heads']} heads: the attention figure draws at most {MAX_HEADS} "
            f"(a grid per head); use num_heads={MAX_HEADS} or fewer for the post's figure, or {LEAVE_IT_OUT}"
        )
    if not attention["reproduced"]:
        return (
            f"calling {who} again with return_attention_scores=True did not give its output "
            f"(a mask Keras does not hand on a second time?), so its weights cannot be drawn; {LEAVE_IT_OUT}"
        )
    return ""


def _recurrent_source(source: dict[str, Any], layers: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The recurrent layer whose steps ``source`` is, through layers that keep them."""
    current = layers.get(source.get("layer", ""))
    while current is not None and not is_recurrent(current) and current["class"] in KEEP_STEPS:
        current = layers.get((current.get("input_from") or {}).get("layer", ""))
    if current is None or not is_recurrent(current) or not current.get("return_sequences"):
        return None
    return current


def _input_of(layer: dict[str, Any], layers: dict[str, dict[str, Any]]) -> int | None:
    """The model input whose steps a layer's row has (through the layers feeding it)."""
    current: dict[str, Any] | None = layer
    while current is not None:
        source = current.get("input_from") or {}
        if "input" in source:
            return int(source["input"])
        current = layers.get(source.get("layer", ""))
    return None


def _from_what(source: dict[str, Any], layers: dict[str, dict[str, Any]]) -> str:
    made = layers.get(source.get("layer", ""))
    if made is None:
        return (
            f"the model's input {source.get('input', 0) + 1}"
            if "input" in source
            else "a tensor it cannot trace"
        )
    if is_recurrent(made):
        return f"{made['name']} ({made['class']}) without return_sequences=True: one vector, not steps"
    return f"{made['name']} ({made['class']})"


def axis(layer: dict[str, Any], side: str, data: dict[str, Any], steps: int) -> Axis:
    """The ``query`` or ``value`` axis of ``layer``'s grid: an UndrawableError
    naming the layer if what it attends with or over is not a recurrent layer's steps."""
    layers = {other["name"]: other for other in data["layers"]}
    source = layer["attention"][f"{side}_from"]
    recurrent = _recurrent_source(source, layers)
    if recurrent is None:
        what = "query" if side == "query" else "attended values"
        raise UndrawableError(
            f"{layer['name']} ({layer['class']}) takes its {what} from {_from_what(source, layers)}: the "
            "attention figure draws attention over the steps of a recurrent layer (SimpleRNN, LSTM, GRU or "
            f"Bidirectional with return_sequences=True), the query one too; {LEAVE_IT_OUT}, or {NO_FIGURE}"
        )
    sequences = data.get("sequences") or [data]
    number = _input_of(recurrent, layers)
    tokens = [str(t) for t in sequences[number]["tokens"]] if number is not None else []
    if len(tokens) != steps:  # another time axis (a RepeatVector before it): steps by number
        tokens = [str(t + 1) for t in range(steps)]
    elif is_one_way(recurrent) and recurrent.get("go_backwards"):
        tokens = tokens[::-1]  # Keras returns a backwards layer's outputs last step first
    return Axis(recurrent["name"], tokens)
