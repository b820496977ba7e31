"""Say why a model cannot be drawn unrolled, before any input is made for it.

A figure unrolls recurrent layers whose input at each step is a vector: they
read batch × steps × features, and the model's inputs are steps × features
(or token ids, steps). A ConvLSTM (each step an image or a signal), a
recurrent layer inside ``TimeDistributed``, a custom RNN over a grid, or a
model whose input is an image per step would otherwise be called on made-up
inputs of the wrong shape and fail inside Keras, as if the plugin were at
fault. A ``keras.layers.RNN`` around a cell the figures do not step (a custom
cell, also among ``StackedRNNCells``, or stacked cells read backwards) would fail later, as a layer whose output stepping
could not reproduce; so would a stateful ``Bidirectional`` layer (whose
halves start from states the figures do not draw). Here such a model gets a writer's refusal that names the layer, its
input and why. Duck-typed on the model: no Keras import.
"""

from __future__ import annotations

from typing import Any

from .figure_data import STEPPED_CELLS

WHAT_IS_DRAWN = (
    "the figures unroll layers whose input at each step is a vector "
    "(SimpleRNN, LSTM or GRU over steps × features)"
)
INPUTS_DRAWN = (
    "the figures draw models whose input at each step is a vector (steps × features) or a token id (steps)"
)
NO_FIGURE = "to show this code without a figure, remove its image (or rnn-figure)"
CELLS_DRAWN = (
    "the figures draw the cells of SimpleRNN, LSTM and GRU (SimpleRNNCell, LSTMCell or GRUCell, "
    "also in keras.layers.RNN)"
)
# What one step of a ConvLSTM is, by the cell's rank, when its shape is not known yet.
GRID_AXES = {1: "rows", 2: "rows × columns", 3: "depth × rows × columns"}


def undrawable(model: Any) -> str:
    """Why ``model`` cannot be drawn unrolled (its layer, input and why), or ""
    if nothing known yet stands in the way (an unbuilt model's shapes are not)."""
    layers = _layers_of(model)
    for layer in layers:
        reason = _recurrent_reason(layer) or _cell_reason(layer) or _stateful_reason(layer)
        if reason:
            return reason
    return _model_input_reason(model, next((layer for layer in layers if _core(layer)), None))


def _layers_of(model: Any) -> list[Any]:
    """The model's layers, a nested model's (an encoder built as its own
    Sequential) in its place, as tracing watches them."""
    found: list[Any] = []
    for layer in getattr(model, "layers", []):
        found.extend(_layers_of(layer) if hasattr(layer, "layers") else [layer])
    return found


def _core(layer: Any) -> Any:
    """The recurrent layer ``layer`` is or wraps (``Bidirectional``,
    ``TimeDistributed``), or None."""
    if hasattr(layer, "cell") and hasattr(layer, "return_sequences"):
        return layer
    inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
    return _core(inner) if inner is not None and inner is not layer else None


def _class_title(layer: Any) -> str:
    """``ConvLSTM1D``, ``RNN(LSTMCell)``, ``Bidirectional(RNN(MyCell))``: the
    layer's class, with the cell a ``keras.layers.RNN`` runs."""
    core = _core(layer)
    if core is not None and core is not layer:
        return f"{type(layer).__name__}({_class_title(core)})"
    if type(layer).__name__ == "RNN":
        return f"RNN({type(layer.cell).__name__})"
    return type(layer).__name__


def _title(layer: Any) -> str:
    """``conv_lstm1d (ConvLSTM1D)``, ``bidirectional (Bidirectional(ConvLSTM1D))``."""
    return f"{layer.name} ({_class_title(layer)})"


def _cell_reason(layer: Any) -> str:
    """Why the cell of the recurrent layer ``layer`` is (or wraps) is not one the
    figures step (a custom cell, StackedRNNCells), or "" (also for a ConvLSTM's,
    refused for its input)."""
    core = _core(layer)
    if core is None or _is_convolutional(core):
        return ""
    cell = core.cell
    kind = type(cell).__name__
    if kind in STEPPED_CELLS:
        return ""
    if kind == "StackedRNNCells":
        inner = ", ".join(type(each).__name__ for each in getattr(cell, "cells", []))
        custom = [
            type(each).__name__
            for each in getattr(cell, "cells", [])
            if type(each).__name__ not in STEPPED_CELLS
        ]
        if not custom:
            return _stack_reason(layer, core, inner)
        return (
            f"{_title(layer)} is not drawn: its cells are stacked (StackedRNNCells: {inner}) and {custom[0]} is a "
            f"custom cell, and {CELLS_DRAWN}; {NO_FIGURE}"
        )
    return f"{_title(layer)} is not drawn: its cell, {kind}, is a custom cell, and {CELLS_DRAWN}; {NO_FIGURE}"


def _stateful_reason(layer: Any) -> str:
    """Why a stateful ``Bidirectional`` layer is not drawn, or "" (one-way
    stateful layers are drawn from the state they carry)."""
    halves = [getattr(layer, "forward_layer", None), getattr(layer, "backward_layer", None)]
    if not any(getattr(half, "stateful", False) for half in halves):
        return ""
    return (
        f"{_title(layer)} is not drawn: it is stateful (each direction starts from the state its last call "
        "left), and the figures draw the state carried over only for layers reading one way; draw it with "
        f"stateful=False, or {NO_FIGURE}"
    )


def _stack_reason(layer: Any, core: Any, inner: str) -> str:
    """Why stacked cells of SimpleRNN, LSTM or GRU are not drawn (they are
    drawn as the stacked layers they equal, but not read backwards, returning
    their states, stateful or inside Bidirectional), or ""."""
    why = [
        option
        for option, on in (
            ("go_backwards=True", getattr(core, "go_backwards", False)),
            ("return_state=True", getattr(core, "return_state", False)),
            ("stateful=True", getattr(core, "stateful", False)),
            ("in Bidirectional", core is not layer),
        )
        if on
    ]
    if not why:
        return ""
    return (
        f"{_title(layer)} is not drawn: its cells are stacked (StackedRNNCells: {inner}) {' and '.join(why)}, which "
        "the figures do not draw yet (stacked cells are drawn as the layers they equal otherwise); stack recurrent "
        f"layers instead (one RNN(cell, return_sequences=True), or LSTM, GRU or SimpleRNN layer, per cell), or {NO_FIGURE}"
    )


def _input_shape(layer: Any) -> tuple[int | None, ...] | None:
    """The shape of the tensor ``layer`` was built on (batch first), if known."""
    try:
        tensor = layer.input
    except (AttributeError, ValueError, TypeError, RuntimeError):  # never called: not known yet
        return None
    if isinstance(tensor, (list, tuple)):  # an initial_state comes after the sequence
        tensor = tensor[0] if tensor else None
    shape = getattr(tensor, "shape", None)
    return None if shape is None else tuple(None if d is None else int(d) for d in shape)


def _dims(dims: tuple[int | None, ...]) -> str:
    return " × ".join("None" if d is None else str(d) for d in dims)


def _is_convolutional(core: Any) -> bool:
    return type(core).__name__.startswith("ConvLSTM") or hasattr(core.cell, "rank")


def _grid(core: Any, shape: tuple[int | None, ...] | None) -> str:
    """One step of a ConvLSTM's input: ``4 × 1``, or its axes if not built yet."""
    if shape is not None:
        return _dims(shape[2:])
    rank = int(getattr(core.cell, "rank", 2))
    axes = GRID_AXES.get(rank, f"{rank} axes")
    if getattr(core.cell, "data_format", "") == "channels_first":
        return f"channels × {axes}"
    return f"{axes} × channels"


def _recurrent_reason(layer: Any) -> str:
    """Why the recurrent layer ``layer`` is (or wraps) cannot be unrolled, or ""."""
    core = _core(layer)
    if core is None:
        return ""
    shape = _input_shape(layer)
    if _is_convolutional(core):
        grid = _grid(core, shape)
        why = f"steps × {grid} (a convolutional recurrent layer over images or signals: each step is a {grid} grid)"
    elif type(layer).__name__ != "Bidirectional" and core is not layer:
        if shape is None or len(shape) < 4:
            return ""
        why = (
            f"{_dims(shape[1:])} ({type(layer).__name__} runs the {type(core).__name__} over each of "
            f"{shape[1] or 'its'} items, each a sequence of its own: a second time axis)"
        )
    elif shape is not None and len(shape) > 3:
        why = f"steps × {_dims(shape[2:])} (each step is a {_dims(shape[2:])} array)"
    else:
        return ""
    return f"{_title(layer)} is not drawn: its input is {why}, and {WHAT_IS_DRAWN}; {NO_FIGURE}"


def _model_input_reason(model: Any, recurrent: Any) -> str:
    """Why the model's inputs cannot be steps × features (an image per step,
    even if the layers before its recurrent layer make vectors of it), or ""."""
    try:
        shapes = [tuple(tensor.shape) for tensor in model.inputs]
    except (AttributeError, ValueError, TypeError):
        return ""
    for number, shape in enumerate(shapes):
        per_step = shape[2:]
        # Keras reads steps × features data into an input of steps × features × 1.
        if len(shape) <= 3 or (len(shape) == 4 and per_step[-1] == 1):
            continue
        which = (
            "the model's input" if len(shapes) == 1 else f"the model's input {number + 1} (of {len(shapes)})"
        )
        subject = f"{_title(recurrent)} is not drawn" if recurrent is not None else "the model is not drawn"
        before = (
            f", made a vector only by the layers before {recurrent.name}" if recurrent is not None else ""
        )
        return (
            f"{subject}: {which} is steps × {_dims(per_step)} (each step is a {_dims(per_step)} array{before}), "
            f"and {INPUTS_DRAWN}; {NO_FIGURE}"
        )
    return ""
