"""Lay out a model unrolled in time, from its figure data (``NAME.json``).

From the bottom up: the tokens, their input vectors, then one band per layer
level: a recurrent layer's cells (one per time step, the state carried from
cell to cell) with its outputs above, heads such as ``Dense`` on top. Each
model input has columns of its own, left to right, and a layer sits one band
above what feeds it: an encoder whose final states become a decoder's
``initial_state`` is drawn on the left, handing its states right to the
decoder's row in the same band.

This module runs the steps, each another module's job: the model read into
segments and rows (:mod:`.model_rows`, asking :mod:`.layer_records`), their
spacing, columns, bands and canvas (:mod:`.geometry`), the words
(:mod:`.wording`), the shapes placed (:mod:`.placement`, the lanes between
cells by :mod:`.lanes`); everything as shapes of a :class:`.scene.Scene`,
which :mod:`.render` draws.
"""

from __future__ import annotations

from typing import Any

from ..figure_data import is_recurrent
from .geometry import KEY_BELOW_TOP, Y_INPUTS, Y_TOKENS, canvas_size, place_bands, place_columns, spacing
from .model_rows import LayoutError, Row, Segment, UndrawableError, read_rows, read_segments
from .placement import Placer
from .scene import Scene, ValueScale, on_a_scale_reaching
from .wording import key_notes

__all__ = ["LayoutError", "UndrawableError", "layout_unrolled"]

TOP_ROOM = 0.06  # above the highest text


def layout_unrolled(data: dict[str, Any]) -> Scene:
    """The model unrolled in time; see the module's docstring."""
    show_values = data.get("figure_options", {}).get("values", True)
    segments = read_segments(data)
    rows = read_rows(data, segments)
    space = spacing(segments, rows)
    place_columns(segments, rows, space)
    y_top = place_bands(rows, show_values)
    notes = key_notes(rows, show_values, data)
    width, height = canvas_size(segments, y_top, show_values, notes)

    def place(scale: ValueScale) -> Scene:
        scene = Scene(width, height, scale, show_values=show_values)
        figure = Placer(scene, space.pitch, rows, data)
        for segment in segments:
            figure.place_inputs(segment, Y_TOKENS, Y_INPUTS)
        for row in rows:
            figure.place_row(row)
        figure.place_key(height - KEY_BELOW_TOP, notes)
        return scene

    scene = on_a_scale_reaching(place, values_scaled_first(segments, rows))
    # With no key on top (a schematic), the top row's labels may reach higher
    # than its cells: the canvas grows to hold them.
    scene.height = max(height, max(text.extent[3] for text in scene.texts()) + TOP_ROOM)
    return scene


def values_scaled_first(segments: list[Segment], rows: list[Row]) -> list[list[float]]:
    """The values the scale reaches before a cell goes past it (on_a_scale_reaching):
    the inputs and states of every step and unit, the elided ones too, as it
    always has, so a figure that draws no value past them keeps its colours."""
    values = [v for s in segments for v in s.inputs]
    for layer in (row.layer for row in rows if is_recurrent(row.layer)):
        for part in (layer, layer.get("forward", {}), layer.get("backward", {})):
            values += part.get("states", []) + part.get("cell_states", [])
    return values
