"""The words of the unrolled figure: what its labels, cells and tooltips say.

Row titles and the lines under an outputs label, the labels of an input's
tokens and vectors, a cell's title and lines (its step, its gates' means),
the tooltips' meanings, the notes under the colour key. Strings only: where
they go is :mod:`.placement`'s job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..describe import format_shape, layer_title, provenance_note, subscript, training_note
from ..example_inputs import are_words
from ..figure_data import (
    FORGET,
    INPUT,
    OUTPUT,
    RESET,
    UPDATE,
    cell_kind,
    is_bidirectional,
    is_one_way,
    is_recurrent,
    names_its_cell,
    recurrent_title,
)
from ..vocabularies import PADDING
from .layer_records import masks_a_step, per_step
from .scene import MAX_CELLS

if TYPE_CHECKING:
    from .model_rows import Row, Segment

GATE_LETTERS = {INPUT: "i", FORGET: "f", OUTPUT: "o", UPDATE: "z", RESET: "r"}
# The gates a cell's means show, in the order shown, by the layer its cell makes (:func:`cell_kind`).
GATES_SHOWN = {"LSTM": (FORGET, INPUT, OUTPUT), "GRU": (UPDATE, RESET)}


def row_title(layer: dict[str, Any], number: int) -> tuple[list[str], list[str]]:
    """A row's label in the left column: bold lines (the layer), muted ones."""
    inner = layer.get("layer", {}).get("class")
    if is_bidirectional(layer):
        bold = ["Bidirectional", recurrent_title(layer["forward"])]
    elif is_one_way(layer) and names_its_cell(layer):  # RNN / LSTMCell(3): two short lines
        bold = [layer["class"], f"{layer['cell']}({layer['units']})"]
    elif inner:
        bold = [layer["class"], f"({inner})"]
    else:
        bold = [layer_title(layer)]
    muted = [
        f"layer {number} · {layer['params']} params" if is_recurrent(layer) else f"{layer['params']} params"
    ]
    if layer.get("go_backwards"):
        muted.append("go_backwards=True")
    if layer.get("stacked_in"):
        muted.append(stack_place(layer))
    return bold, muted


def stack_place(layer: dict[str, Any]) -> str:
    """Where a cell of ``StackedRNNCells`` sits (its record ``stack.cells[0]``): ``cells[0] of stack``."""
    return f"{layer['name'].removeprefix(layer['stacked_in'])[1:]} of {layer['stacked_in']}"


def output_details(layer: dict[str, Any]) -> list[str]:
    """The lines under a row's "outputs" label: how Keras returns them, and their shape."""
    every_step, backwards = per_step(layer), bool(layer.get("go_backwards"))
    how, step_note = "", ""
    if layer.get("return_sequences"):
        how = "return_sequences=True"
    elif is_recurrent(layer):
        how = "last state only"
    if is_bidirectional(layer):
        how, step_note = f"merge_mode={layer['merge_mode']!r}", "per step" if every_step else ""
    shape = layer["output_shape"]
    state_note = ""
    if layer.get("return_state"):
        # Keras returns [output, h] (and c for an LSTM): the states drawn above.
        state_note = f"return_state: + h{', c' if 'cell_states' in layer else ''}"
        shape = shape[0]
    order = "last step first" if backwards and every_step else ""
    width = shape[-1] if shape and isinstance(shape[-1], int) else 0
    ranked = f"largest {MAX_CELLS - 1} of {width}" if ranks_classes(layer, width) else ""
    if ranked and not layer.get("class_labels"):
        ranked += ", by class index"
    return [line for line in (how, step_note, order, state_note, ranked, format_shape(shape)) if line]


def tokens_label(segment: Segment, batch_size: int) -> list[str]:
    """The label of an input's tokens: what they are, how many, which sample of the batch."""
    steps = len(segment.inputs)
    sample = [f"sample 1 of {batch_size}"] if batch_size > 1 and segment.number == 0 else []
    what = "words" if are_words(segment.tokens) else "steps"
    if segment.tokens_from and all(len(token) == 1 or token == PADDING for token in segment.tokens):
        what = "characters"
    if segment.number:
        what = f"input {segment.number + 1}: {what}"
    return [what, f"{steps} time step{'s' if steps != 1 else ''}", *sample]


def inputs_label(segment: Segment) -> list[str]:
    """The label of an input's vectors: looked up (with the first ids) or given, and their shape."""
    shape = f"shape {format_shape(segment.input_shape)}"
    if segment.token_ids is None:
        return ["inputs", shape]
    ids = ", ".join(str(i) for i in segment.token_ids[:5]) + (", …" if len(segment.inputs) > 5 else "")
    return ["Embedding lookup", f"ids {ids}", shape]


def input_meaning(segment: Segment, t: int) -> str:
    """What an input vector is, for its cells' tooltips: ``input x₂ “cat”``."""
    what = "token id" if segment.token_ids is not None else "input"
    meaning = f"{what} x{subscript(t + 1)} “{segment.tokens[t]}”"
    if segment.tokens_from and segment.token_ids is not None:  # where the word was looked up
        meaning += f" (id {segment.token_ids[t]} in {segment.tokens_from.split(' (')[0]})"
    return meaning


def cell_title(layer: dict[str, Any]) -> str:
    """A layer cell's title: what the cell computes (``RNN(LSTMCell)``: LSTM,
    ``TimeDistributed(Dense)``: Dense)."""
    if is_recurrent(layer):
        return cell_kind(layer)
    return layer.get("layer", {}).get("class") or layer["class"]


def cell_lines(layer: dict[str, Any], t: int, is_masked: bool, show_values: bool) -> list[str]:
    """The lines under a cell's title: a recurrent cell's step and its gates
    (or "masked"); a head's activation."""
    if not is_recurrent(layer):
        return [layer.get("activation", "")]
    return [f"t = {t + 1}", "masked" if is_masked else (gate_summary(layer, t) if show_values else "")]


def gate_summary(layer: dict[str, Any], t: int) -> str:
    """``f.62 i.48 o.51``: each gate's mean over the units at step ``t``."""
    parts = []
    for name in GATES_SHOWN.get(cell_kind(layer), ()):
        values = layer.get("gates", {}).get(name)
        if not values or values[t] is None:
            return ""
        mean = sum(values[t]) / len(values[t])
        parts.append(f"{GATE_LETTERS[name]}{format_gate(mean)}")
    return " ".join(parts)


def format_gate(value: float) -> str:
    """Gates are in [0, 1]: ``.62``, and ``1.0`` for a gate wide open."""
    text = f"{value:.2f}"
    return "1.0" if text == "1.00" else text.removeprefix("0")


def initial_label(lane: str, source: str | None, carried: bool) -> str:
    """The label of a lane's initial state, when it is not zeros: ``h₀ from
    encoder`` (handed over), ``h₀ carried over`` (a stateful layer's, left by
    its last call), or ``h₀`` (given by a model input)."""
    if source:
        return f"{lane}₀ from {source}"
    return f"{lane}₀ carried over" if carried else f"{lane}₀"


def ranks_classes(layer: dict[str, Any], width: int) -> bool:
    """A wide head of classes (a softmax over more than ``MAX_CELLS + 1``): its
    largest outputs are drawn, largest first, each under its class."""
    return not is_recurrent(layer) and layer.get("activation") == "softmax" and width > MAX_CELLS + 1


def class_label(layer: dict[str, Any], unit: int) -> str:
    """A head's class ``unit``: its word (``class_labels``, from the vocabulary
    the steps are labelled from), else its index as ``argmax`` gives it."""
    labels = layer.get("class_labels")
    return labels[unit] if labels else str(unit)


def output_meaning(layer: dict[str, Any], step: int) -> str:
    """What an outputs strip is, for its cells' tooltips: ``step 2 of lstm``."""
    where = f"step {step + 1}" if per_step(layer) else "the output"
    return f"{where} of {layer['name']}"


def key_notes(rows: list[Row], show_values: bool, data: dict[str, Any]) -> list[str]:
    """The notes under the colour key: training, provenance, the gates'
    letters, states carried over, masked cells."""
    notes = [training_note(data["training"])] if data.get("training") else []
    notes += [note for note in (provenance_note(data),) if note]
    if show_values:
        gated = {cell_kind(row.layer) for row in rows if "gates" in row.layer}
        for kind, shown in GATES_SHOWN.items():
            if kind in gated:
                letters = ", ".join(f"{name} ({GATE_LETTERS[name]})" for name in shown)
                notes.append(f"in {kind} cells: mean {letters} gate")
    carried = [row.layer["name"] for row in rows if row.layer.get("initial_state_carried")]
    if carried:
        starts = "starts from the state its" if len(carried) == 1 else "start from the states their"
        notes.append(f"stateful {', '.join(carried)}: {starts} last call left, not zeros")
    if masks_a_step(rows):
        notes.append("grey dashed cell: masked step, state passed on unchanged")
    return notes
