"""A ``keras.layers.RNN`` around ``StackedRNNCells`` (what ``RNN([cell, cell])``
builds), read as the stacked layers it equals: one record per cell.

At each step Keras runs the cells in turn, each reading the output of the
one before; that is one recurrent layer per cell with ``return_sequences=True``
feeding the next, the last returning what the ``RNN`` returns. Each cell is
stepped as such a layer (:func:`.stepping.step_layer`, masked steps skipped
by every cell, as Keras skips them), and the last one's outputs must
reproduce the layer's own. Duck-typed on the layer: NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .figure_data import STEPPED_CELLS
from .stepping import SteppedLayer, expected_output, step_layer


@dataclass(frozen=True)
class CellAsLayer:
    """One cell of the stack, with what :mod:`.stepping` asks of a layer."""

    cell: Any
    return_sequences: bool
    zero_output_for_mask: bool = False
    go_backwards: bool = False
    return_state: bool = False


def is_stack(layer: Any) -> bool:
    """An ``RNN`` whose cell is ``StackedRNNCells`` of cells the figures step."""
    cells = list(getattr(getattr(layer, "cell", None), "cells", None) or [])
    return (
        type(getattr(layer, "cell", None)).__name__ == "StackedRNNCells"
        and hasattr(layer, "return_sequences")
        and bool(cells)
        and all(type(cell).__name__ in STEPPED_CELLS for cell in cells)
    )


def stack_name(layer_name: str, number: int) -> str:
    """``stack.cells[0]``: a cell's record, named as the code reaches it."""
    return f"{layer_name}.cells[{number}]"


def step_stack(layer: Any, x: Any, mask: Any) -> list[tuple[CellAsLayer, SteppedLayer]]:
    """Each cell stepped over the sequence the one before it outputs."""
    cells = list(layer.cell.cells)
    stepped = []
    for number, cell in enumerate(cells):
        last = number == len(cells) - 1
        as_layer = CellAsLayer(
            cell,
            return_sequences=bool(layer.return_sequences) if last else True,
            zero_output_for_mask=bool(getattr(layer, "zero_output_for_mask", False)),
        )
        record = step_layer(as_layer, x, mask)
        stepped.append((as_layer, record))
        x = expected_output(CellAsLayer(cell, True), record)[None, ...]
    return stepped
