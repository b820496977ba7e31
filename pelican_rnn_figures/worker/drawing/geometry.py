"""Where the unrolled figure's parts go: its spacing, columns, bands and canvas.

The pitch from one column to the next fits the widest strip and state; each
model input's columns follow its label column, left to right, with room for
a state handed over from another input; the bands stack from the bottom
(tokens, inputs, then per level a row of cells with its states floating
above and below, and its outputs); the canvas holds them and the key. Sets
the positions on the :class:`.model_rows.Segment` and :class:`.model_rows.Row`
objects; :mod:`.placement` places the shapes there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..figure_data import has_two_lanes, is_bidirectional, is_recurrent
from .glyphs import rough_width, text_width
from .lanes import FLOAT_ROOM, STUB
from .layer_records import (
    ends_right,
    floats_below,
    outputs_shown,
    per_step,
    receives_aslant,
    receives_from_another_input,
)
from .model_rows import Row, Segment
from .scene import BOX_H, BOX_W, CELL_H, KEY_WIDTH, LABEL_FONT, MARGIN, strip_width
from .wording import output_details

SEGMENT_GAP = 0.45  # between the columns of two model inputs
HAND_OVER_RUN = text_width("initial_state", LABEL_FONT) + 0.3  # the shortest hand-over arrow
LANE = 0.22  # an LSTM's c above the middle of its cells, h below
LABEL_W = 1.5  # the left column of row labels
KEY_LINE = 0.24  # between the lines of the key
MIN_LANE_ARROW = 0.5  # the shortest lane arrow from cell to cell
STATE_CLEARANCE = 0.2  # a floating state stays this clear of the arrows up from the cells
ROW_GAP = 0.32  # between a band's outputs and the next band's floating states
Y_TOKENS, Y_INPUTS = 0.30, 0.85  # the middles of the bottom two bands
KEY_BELOW_TOP = 0.2  # the key's first line, under the canvas' top


@dataclass(frozen=True)
class Spacing:
    """The widths the columns are spaced by."""

    column_strip: float  # the widest strip in a step's column: inputs, outputs of every step
    edge_strip: float  # the widest strip at all (a head's one output over the last step too)
    state_strip: float  # the widest state, floating between two columns
    pitch: float  # from one column to the next


def box_height(layer: dict[str, Any], gates: bool) -> float:
    """Cells with two lanes are taller: an LSTM's c runs through their top and h
    through their bottom; a Bidirectional layer's forward and backward states.
    A GRU's cells grow a line for their gates."""
    if has_two_lanes(layer):
        return BOX_H + 2 * LANE
    return BOX_H + 0.2 if gates and "gates" in layer else BOX_H


def spacing(segments: list[Segment], rows: list[Row]) -> Spacing:
    """Strips drawn in a step's column (inputs, outputs of every step) and
    states floating between two columns: the pitch fits the wider of them."""
    output_cells = [len(outputs_shown(row.layer)[0]) for row in rows]
    # (The widest strip, not the strip of the most cells: 7 cells are drawn,
    # 8 are elided to 6.)
    column_strip = max(
        strip_width(cells)
        for cells in [len(s.inputs[0]) for s in segments]
        + [cells for row, cells in zip(rows, output_cells, strict=True) if per_step(row.layer)]
    )
    edge_strip = max([column_strip] + [strip_width(cells) for cells in output_cells])
    state_strip = max(strip_width(row.layer["units"]) for row in rows if is_recurrent(row.layer))
    pitch = max(BOX_W + MIN_LANE_ARROW, state_strip + STATE_CLEARANCE, column_strip + STATE_CLEARANCE)
    return Spacing(column_strip, edge_strip, state_strip, pitch)


def place_columns(segments: list[Segment], rows: list[Row], space: Spacing) -> None:
    """Columns, left to right: each segment's steps after its label column."""
    left = MARGIN
    handed_from = 0.0  # right edge of the final states an earlier input's layer hands over
    for segment in segments:
        own = [row for row in rows if row.segment is segment]
        if any(receives_aslant(row, rows) for row in own):
            # An arrow aslant crosses this input's label column: its "initial_state"
            # label sits before it, in a gap of its own.
            left = max(left, handed_from + HAND_OVER_RUN)
        receives = any(receives_from_another_input(row, rows) for row in own)
        first = max(
            left + LABEL_W + STUB + BOX_W / 2 + 0.05,
            left + space.pitch / 2 + space.state_strip / 2,  # the floating initial state
            left + LABEL_W + 0.12 + space.edge_strip / 2,
            # The hand-over arrow runs long enough for its "initial_state" label.
            handed_from + HAND_OVER_RUN + space.pitch / 2 + space.state_strip / 2 if receives else 0.0,
        )
        # A lane read backwards leaves a state on each side of the "…".
        backwards = any(is_bidirectional(row.layer) or row.layer.get("go_backwards") for row in own)
        segment.left = left
        segment.xs = _column_xs(segment.columns, first, space, backwards)
        xs = segment.xs
        segment.right = xs[-1] + max(BOX_W / 2, space.edge_strip / 2 + 0.25)
        if any(ends_right(row, rows) for row in own):
            segment.right = max(segment.right, xs[-1] + space.pitch / 2 + space.state_strip / 2)
            handed_from = xs[-1] + space.pitch / 2 + space.state_strip / 2
        left = segment.right + SEGMENT_GAP


def _column_xs(columns: list[int | None], first: float, space: Spacing, backwards: bool) -> list[float]:
    """The middle of each column: a pitch apart, but for the "…" column and the one after it."""
    xs = [first]
    for c in range(1, len(columns)):
        if columns[c] is None:  # "…" after the state the last shown step leaves
            xs.append(xs[-1] + max(BOX_W / 2 + 0.45, space.column_strip / 2 + 0.35))
        elif columns[c - 1] is None:
            xs.append(
                max(
                    xs[-1] + max(BOX_W / 2 + 0.3, space.column_strip / 2 + 0.35),
                    xs[-2] + space.pitch / 2 + space.state_strip / 2 + 0.12,  # clear of that floating state
                    xs[-2] + space.pitch + space.state_strip + 0.15 if backwards else 0.0,
                )
            )
        else:
            xs.append(xs[-1] + space.pitch)
    return xs


def place_bands(rows: list[Row], show_values: bool) -> float:
    """Bands from the bottom: tokens, inputs, then per level its cells (their
    states floating above and below) and outputs. Sets each row's heights;
    returns the top of the highest outputs."""
    y = Y_INPUTS + CELL_H / 2
    for level in sorted({row.level for row in rows}):
        band = [row for row in rows if row.level == level]
        below = max(
            box_height(r.layer, show_values) / 2 + (FLOAT_ROOM if floats_below(r.layer) else 0) for r in band
        )
        above = max(
            box_height(r.layer, show_values) / 2 + (FLOAT_ROOM if is_recurrent(r.layer) else 0) for r in band
        )
        y += ROW_GAP + below
        for row in band:
            row.y = y
        # An outputs label of more than three lines needs room below it.
        lines = max(len(output_details(row.layer)) for row in band)
        y += above + ROW_GAP + CELL_H / 2 + 0.18 * max(lines - 3, 0)
        for row in band:
            row.y_outputs = y
        y += CELL_H / 2
    tops: dict[int, float] = {}  # by segment: the top of what its next row is fed from
    for row in rows:  # in the order Keras built them: each fed by the one before in its columns
        row.y_fed_from = tops.get(row.segment.number, Y_INPUTS + CELL_H / 2)
        tops[row.segment.number] = row.y_outputs + CELL_H / 2
    return y


def canvas_size(
    segments: list[Segment], y_top: float, show_values: bool, notes: list[str]
) -> tuple[float, float]:
    """Width and height: the columns, and over the highest outputs the colour
    key (if values are shown) and its notes, one line each."""
    canvas_width = max(segment.right for segment in segments) + MARGIN
    key_lines = (1 if show_values else 0) + len(notes)
    y_key = y_top + 0.42
    height = y_key + KEY_LINE * max(key_lines - 1, 0) + 0.22 if key_lines else y_top + 0.15
    if show_values:  # the colour key's own width, and its notes'
        canvas_width = max(canvas_width, MARGIN + KEY_WIDTH)
    for note in notes:
        canvas_width = max(canvas_width, MARGIN + rough_width(note, LABEL_FONT) + MARGIN)
    return canvas_width, height
