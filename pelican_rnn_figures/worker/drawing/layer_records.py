"""What the unrolled figure asks of a layer's record, and of the rows around it.

Of one record (``NAME.json``'s layer): its steps, whether it outputs one
vector per step, what its outputs row shows, which steps its mask skips. Of a
row among the others: which rows hand it its initial state, whether it hands
its own over, whether it draws a state right of its last cell. Answers only:
the words are :mod:`.wording`'s, the places :mod:`.geometry`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..figure_data import has_cell_state, has_two_lanes, is_bidirectional, is_one_way, is_recurrent

if TYPE_CHECKING:
    from .model_rows import Row


def per_step(layer: dict[str, Any]) -> bool:
    """Whether a layer outputs one vector per time step."""
    if is_recurrent(layer):
        return bool(layer["return_sequences"])
    outputs = layer["outputs"]
    return bool(outputs) and isinstance(outputs[0], list)


def steps_of(layer: dict[str, Any]) -> int | None:
    """How many time steps a layer's row has, if it has one per step."""
    if is_bidirectional(layer):
        return len(layer["forward"]["states"])
    if is_one_way(layer):
        return len(layer["states"])
    return len(layer["outputs"]) if per_step(layer) else None


def outputs_shown(layer: dict[str, Any]) -> list:
    """What a layer's outputs row shows: one vector per step, or its one output."""
    sequences = per_step(layer)
    if is_bidirectional(layer) and layer["merge_mode"] is None:  # two outputs: the forward one shown
        forward = layer["forward"]["states"]
        return forward if sequences else [forward[-1]]
    if is_one_way(layer) and not sequences:  # the state after the last step read
        return [layer["states"][0] if layer.get("go_backwards") else layer["states"][-1]]
    values = layer["states"] if is_one_way(layer) else layer["outputs"]
    return values if sequences else [values]


def masked(layer: dict[str, Any], t: int) -> bool:
    """Whether the layer's mask skips step ``t``."""
    mask = layer.get("mask")
    return mask is not None and bool(mask) and not mask[t]


def floats_below(layer: dict[str, Any]) -> bool:
    """Two-lane cells float their lower lane's states below them (h of an
    LSTM, the backward h of a Bidirectional layer)."""
    return has_two_lanes(layer)


def masks_a_step(rows: list[Row]) -> bool:
    return any(row.layer.get("mask") and not all(row.layer["mask"]) for row in rows)


def hands_over(row: Row, rows: list[Row]) -> bool:
    """Whether another row starts from this row's final states."""
    return any(
        source.get("layer") == row.layer["name"]
        for other in rows
        for source in other.layer.get("initial_state_from") or []
    )


def givers(row: Row, rows: list[Row]) -> list[Row]:
    """The rows in other inputs' columns that hand this row its initial state."""
    sources = {source.get("layer") for source in row.layer.get("initial_state_from") or []}
    return [other for other in rows if other.layer["name"] in sources and other.segment is not row.segment]


def receives_from_another_input(row: Row, rows: list[Row]) -> bool:
    return bool(givers(row, rows))


def receives_aslant(row: Row, rows: list[Row]) -> bool:
    """Whether a hand-over arrow runs aslant: from another band, or from a lane
    at another height (an LSTM's h runs under its cells, a GRU's over them)."""
    return any(
        giver.level != row.level or has_cell_state(giver.layer) != has_cell_state(row.layer)
        for giver in givers(row, rows)
    )


def ends_right(row: Row, rows: list[Row]) -> bool:
    """Whether a row draws a state right of its last cell: a final state (of a
    Bidirectional forward lane, an LSTM's c when Keras returns it, a state
    handed to another layer), or the zeros a backwards lane starts from."""
    layer = row.layer
    return bool(
        is_bidirectional(layer)
        or layer.get("go_backwards")
        or hands_over(row, rows)
        or (has_cell_state(layer) and layer.get("return_state"))
    )
