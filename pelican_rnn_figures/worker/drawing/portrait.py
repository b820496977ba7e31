"""Lay out a model unrolled in time for a narrow screen: time running down.

The same figure data as :mod:`.unrolled`, turned a quarter: one row per
time step (its token, then its input vector), one column per drawn layer,
left to right in the order the data flows. A recurrent layer's cell at step
t holds the state it leaves, ``hₜ`` (an LSTM's ``cₜ`` beside or over it, a
Bidirectional layer's ``→hₜ`` and ``←hₜ``), as a vector standing up; the
state is carried down to the next step's cell (up, read backwards), from
the zeros (or the initial state) named over the first cell. A head over
every step is a column of vectors; a head over the last state only sits
under the last step. Vectors stand up so that a layer's column is one or
two value cells wide: three layers fit a phone's 320 px text column.

Drawn for one model input, and for layers whose outputs are read in step
order (an encoder handing its states to a decoder stays side by side in
:mod:`.unrolled`, as does a ``go_backwards`` layer another reads every step
of); for the others :func:`layout_portrait` returns None and the page shows
the landscape figure alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..describe import subscript
from ..figure_data import has_cell_state, is_bidirectional, is_recurrent
from .glyphs import text_width
from .layer_records import masked, outputs_shown, per_step
from .model_rows import Row, Segment, read_rows, read_segments
from .scene import (
    KEY_BAR_H,
    KEY_BAR_STEPS,
    KEY_BAR_W,
    MAX_CELLS,
    MUTED,
    SMALLEST_FONT,
    ColourBar,
    Scene,
    ValueScale,
    fitted,
    key_value,
    on_a_scale_reaching,
)
from .unrolled import values_scaled_first
from .wording import cell_title, input_meaning, key_notes, output_meaning, tokens_label

CELL = (0.40, 0.25)  # a value cell: a value at the value font wide, a line high
PHONE_WIDTH = 3.2  # inches at 100 px: a 360 px phone's text column (320 px)
MARGIN = 0.06
GAP = 0.18  # between two columns: the arrow from one to the next
PAD = 0.05  # inside a cell's box, around its vectors
LANE_GAP = 0.04  # between two vectors side by side in a cell
LANE_LABEL = 0.17  # a vector's name (h₂) over it, in its cell
STEP_GAP = 0.36  # between two steps' cells: the state carried down
TOKEN_FONT = 10.0
HEADER_FONT = 8.5
TEXT_FONT = 8.0  # the key and its notes
LINE = 0.16  # between lines of text
HEADER_CLEARANCE = 0.1  # between two columns' titles
START_ROOM = 0.46  # over the first cell (under the last): the state the lane starts from


@dataclass
class Lane:
    """A state a cell holds: its name, its value after each step, its direction."""

    name: str
    states: list[list[float]]
    down: bool = True  # carried to the next step (False: to the one before, read backwards)
    x: float = 0.0  # middle of its vectors
    top: float = 0.0  # where its label starts, under the cell's top


@dataclass
class Column:
    """A drawn layer's column: its cells (a head: its vectors) and where they are."""

    row: Row
    lanes: list[Lane] = field(default_factory=list)
    x: float = 0.0  # left edge
    width: float = 0.0  # of its cells (a head: of its vector)
    merged_x: float | None = None  # a Bidirectional layer's merged outputs, right of its cells

    @property
    def layer(self) -> dict[str, Any]:
        return self.row.layer

    @property
    def head(self) -> bool:
        return not self.lanes

    @property
    def right(self) -> float:
        return self.merged_x + CELL[0] / 2 if self.merged_x is not None else self.x + self.width


def layout_portrait(data: dict[str, Any]) -> Scene | None:
    """The model unrolled with time running down (see the module's docstring),
    or None for a model this layout does not draw."""
    segments = read_segments(data)
    if len(segments) != 1:
        return None
    rows = read_rows(data, segments)
    columns = _columns(rows)
    if columns is None:
        return None
    show_values = data.get("figure_options", {}).get("values", True)
    notes = [note for note in key_notes(rows, show_values, data) if " cells: mean " not in note]
    figure = _Portrait(segments[0], columns, data, show_values, _wrapped(notes))
    return on_a_scale_reaching(figure.place, values_scaled_first(segments, rows))


def _columns(rows: list[Row]) -> list[Column] | None:
    """A column per drawn row; None if a layer is handed its state by another."""
    columns: list[Column] = []
    for row in rows:
        layer = row.layer
        if layer.get("initial_state_from"):
            return None
        columns.append(Column(row, _lanes(layer)))
    return columns


def _lanes(layer: dict[str, Any]) -> list[Lane]:
    if not is_recurrent(layer):
        return []
    if is_bidirectional(layer):
        return [Lane("→h", layer["forward"]["states"]), Lane("←h", layer["backward"]["states"], down=False)]
    down = not layer.get("go_backwards")
    lanes = [Lane("h", layer["states"], down)]
    if has_cell_state(layer):
        lanes.insert(0, Lane("c", layer["cell_states"], down))
    return lanes


def _wrapped(notes: list[str]) -> list[str]:
    """Each note in lines that fit a phone's column."""
    lines: list[str] = []
    for note in notes:
        line = ""
        for word in note.split(" "):
            trial = f"{line} {word}".strip()
            if line and text_width(trial, TEXT_FONT) > PHONE_WIDTH - 2 * MARGIN:
                lines.append(line)
                trial = word
            line = trial
        lines.append(line)
    return lines


def _start_groups(column: Column) -> dict[tuple[float, bool], list[Lane]]:
    """A column's lanes by where their start is named: their x, and whether they run down."""
    groups: dict[tuple[float, bool], list[Lane]] = {}
    for lane in column.lanes:
        groups.setdefault((lane.x, lane.down), []).append(lane)
    return groups


def _title(layer: dict[str, Any]) -> str:
    """A column's bold title: the layer its cells compute (``Dense`` for a ``TimeDistributed(Dense)``)."""
    return "Bidirectional" if is_bidirectional(layer) else cell_title(layer)


def _vector_height(units: int) -> float:
    return CELL[1] * (units if units <= MAX_CELLS + 1 else MAX_CELLS)


class _Portrait:
    """Places one portrait figure: the columns across, then the key, headers and rows from the top."""

    def __init__(
        self,
        segment: Segment,
        columns: list[Column],
        data: dict[str, Any],
        show_values: bool,
        notes: list[str],
    ):
        self.segment, self.columns, self.data = segment, columns, data
        self.show_values, self.notes = show_values, notes
        self.steps = segment.columns  # the steps drawn, None for "…"
        self.words = tokens_label(segment, data.get("batch_size", 1))
        widths = [text_width(segment.tokens[t], TOKEN_FONT, True) for t in self.steps if t is not None]
        widths += [
            text_width(f"t = {len(segment.inputs)}", SMALLEST_FONT),
            text_width(self.words[0], HEADER_FONT, True),
        ]
        self.token_w = min(0.9, max(widths))
        self.inputs_x = MARGIN + self.token_w + 0.1 + CELL[0] / 2
        right = self._across(stacked=False)
        if right + MARGIN > PHONE_WIDTH:
            right = self._across(stacked=True)
        key = [text_width(note, TEXT_FONT) for note in notes] + [KEY_BAR_W + 1.0]
        self.width = max(right + MARGIN, 2 * MARGIN + max(key))
        self.row_h = max(_vector_height(len(segment.inputs[0])), *(self._cell_height(c) for c in columns))

    def _across(self, stacked: bool) -> float:
        """Places the columns left to right, two-lane cells' vectors over each
        other if ``stacked``; returns the right edge of the last."""
        x = self.inputs_x + CELL[0] / 2
        for column in self.columns:
            column.x = x + GAP
            # A title wider than its column (SimpleRNN) widens the gaps on either side.
            span = CELL[0] if column.head else 2 * PAD + CELL[0] * (1 if stacked else len(column.lanes))
            widen = max(
                0.0, text_width(_title(column.layer), SMALLEST_FONT, True) + HEADER_CLEARANCE - span - GAP
            )
            column.x += widen / 2
            if column.head:
                column.width = CELL[0]
            elif stacked and len(column.lanes) > 1:
                column.width = 2 * PAD + CELL[0]
                top = PAD
                for lane in column.lanes:
                    lane.x, lane.top = column.x + PAD + CELL[0] / 2, top
                    top += LANE_LABEL + _vector_height(len(lane.states[0])) + 0.06
            else:
                for i, lane in enumerate(column.lanes):
                    lane.x, lane.top = column.x + PAD + (CELL[0] + LANE_GAP) * i + CELL[0] / 2, PAD
                column.width = 2 * PAD + CELL[0] * len(column.lanes) + LANE_GAP * (len(column.lanes) - 1)
            merged = is_bidirectional(column.layer) and column.layer["merge_mode"] is not None
            column.merged_x = column.x + column.width + GAP + CELL[0] / 2 if merged else None
            x = column.right + widen / 2
        return x

    def _cell_height(self, column: Column) -> float:
        layer = column.layer
        if column.head:
            return _vector_height(len(outputs_shown(layer)[0])) if per_step(layer) else 0.0
        lanes = max(lane.top + LANE_LABEL + _vector_height(len(lane.states[0])) for lane in column.lanes)
        merged = _vector_height(len(layer["outputs"][0])) if column.merged_x and per_step(layer) else 0.0
        return max(lanes + PAD, merged)

    # From the top: the key, the headers, the rows, what the lanes start from and return.

    def place(self, scale: ValueScale) -> Scene:
        key_lines = (2 if self.show_values else 0) + len(self.notes)
        header = 3 * LINE + 0.06
        first_top = (
            MARGIN + key_lines * LINE + 0.14 + header + START_ROOM + self._start_lines(down=True) * LINE
        )
        rows = len(self.steps)
        self.height = first_top + rows * self.row_h + (rows - 1) * STEP_GAP + self._room_under() + MARGIN
        self.scene = Scene(self.width, self.height, scale, show_values=self.show_values)
        y = self._key(self.height - MARGIN)
        self._headers(y - 0.14)
        self.first_top = self.height - first_top
        for i, step in enumerate(self.steps):
            self._step(i, step)
        self._starts()
        self._returned()
        return self.scene

    def _room_under(self) -> float:
        """Under the last row: where the backward lanes start, the one output and the heads over it."""
        once = [
            _vector_height(len(outputs_shown(c.layer)[0]))
            for c in self.columns
            if (c.head and not per_step(c.layer)) or (c.merged_x is not None and not per_step(c.layer))
        ]
        start = START_ROOM + self._start_lines(down=False) * LINE
        if once:
            return start + 0.3 + max(once)
        last = self.columns[-1]
        return start + (LINE if not last.head and not per_step(last.layer) else 0.0)

    def row_top(self, i: int) -> float:
        return self.first_top - i * (self.row_h + STEP_GAP)

    def _text(self, x: float, y: float, text: str, **style: Any) -> None:
        self.scene.text(x, y, text, color=MUTED, size=style.pop("size", TEXT_FONT), **style)

    def _key(self, top: float) -> float:
        """The colour key and its notes, from ``top``; returns where they end."""
        scene, y = self.scene, top - LINE / 2
        if self.show_values:
            self._text(MARGIN, y, "cell colour = value:", ha="left")
            y -= LINE
            low = key_value(scene.scale.low)
            x0 = MARGIN + text_width(low, TEXT_FONT) + 0.08
            self._text(MARGIN, y, low, ha="left")
            scene.shapes.append(ColourBar(x0, y - KEY_BAR_H / 2, KEY_BAR_W, KEY_BAR_H, KEY_BAR_STEPS))
            self._text(x0 + KEY_BAR_W + 0.06, y, key_value(scene.scale.high), ha="left")
            y -= LINE
        for note in self.notes:
            self._text(MARGIN, y, note, ha="left")
            y -= LINE
        return y + LINE / 2

    def _headers(self, top: float) -> None:
        """Over each column, what it is: a bold line, muted ones."""
        words = self.words
        self._header(MARGIN + self.token_w / 2, self.token_w + 0.04, top, words[0], words[1].split(" ")[0])
        self._header(self.inputs_x, CELL[0] + GAP, top, "inputs", f"{len(self.segment.inputs[0])} each")
        number = 0
        for column in self.columns:
            number += not column.head
            x, room, lines = self._header_lines(column, number)
            self._header(x, room, top, *lines)

    def _header_lines(self, column: Column, number: int) -> tuple[float, float, list[str]]:
        """A column's header: its middle, its room, its bold line then its muted ones."""
        layer = column.layer
        room = max(
            column.right - column.x + GAP, text_width(_title(layer), SMALLEST_FONT, True) + HEADER_CLEARANCE
        )
        room -= HEADER_CLEARANCE
        if column.head:
            return column.x + column.width / 2, room, [_title(layer), layer.get("activation", "")]
        units = layer["forward"]["units"] if is_bidirectional(layer) else layer["units"]
        return (column.x + column.right) / 2, room, [_title(layer), f"{units} units", f"layer {number}"]

    def _header(self, x: float, room: float, top: float, bold: str, *muted: str) -> None:
        text, size = fitted(bold, room, HEADER_FONT, bold=True)
        self.scene.text(x, top - LINE / 2, text, size=size, weight="bold")
        for i, line in enumerate(line for line in muted if line):
            text, size = fitted(line, room, SMALLEST_FONT)
            self._text(x, top - (1.5 + i) * LINE, text, size=size)

    def _step(self, i: int, step: int | None) -> None:
        """Row ``i``: its token, its input vector, each column's cell."""
        top = self.row_top(i)
        middle = top - self.row_h / 2
        token_x = MARGIN + self.token_w / 2
        if step is None:
            hidden = len(self.segment.inputs) - len(self.steps) + 1
            self._text(token_x, middle + 0.06, "…", size=14)
            self._text(token_x, middle - 0.16, f"{hidden} more", size=SMALLEST_FONT)
            for column in self.columns:
                for x in sorted({lane.x for lane in column.lanes}):  # stacked lanes: one "…"
                    self._text(x, middle, "…", size=14)
            return
        text, size = fitted(self.segment.tokens[step], self.token_w, TOKEN_FONT, bold=True)
        self.scene.text(token_x, middle + 0.08, text, size=size, weight="bold")
        self._text(token_x, middle - 0.11, f"t = {step + 1}", size=SMALLEST_FONT)
        inputs = self.segment.inputs[step]
        self.scene.column(
            self.inputs_x,
            middle + _vector_height(len(inputs)) / 2,
            inputs,
            CELL,
            input_meaning(self.segment, step),
            "feature",
        )
        source: tuple[float, float] | None = (self.inputs_x + CELL[0] / 2, middle)
        for column in self.columns:
            source = self._cell(column, i, step, source)

    def _row_of(self, step: int) -> int | None:
        return self.steps.index(step) if step in self.steps else None

    def _fed_at(self, column: Column, step: int, right: float, middle: float) -> tuple[float, float] | None:
        """Where ``column``'s output at ``step`` leaves from (None: its row is elided):
        a ``go_backwards`` layer returns the state after reading x_T … x_(T-t) at
        position t, the state its cell at step T-t holds."""
        if not column.layer.get("go_backwards") or column.head:
            return right, middle
        row = self._row_of(len(self.segment.inputs) - 1 - step)
        return None if row is None else (right, self.row_top(row) - self.row_h / 2)

    def _feed(self, source: tuple[float, float] | None, x: float, y: float, dashed: bool = False) -> None:
        if source is not None:
            self.scene.arrow((source[0] + 0.02, source[1]), (x - 0.02, y), dashed=dashed)

    def _cell(
        self, column: Column, i: int, step: int, source: tuple[float, float] | None
    ) -> tuple[float, float] | None:
        """``column``'s cell at ``step``, fed from ``source`` on its left;
        returns where what it outputs at that step leaves from."""
        scene, layer = self.scene, column.layer
        top = self.row_top(i)
        middle = top - self.row_h / 2
        if column.head:
            if not per_step(layer):
                return source
            values = outputs_shown(layer)[step]
            self._feed(source, column.x, middle)
            scene.column(
                column.x + CELL[0] / 2,
                middle + _vector_height(len(values)) / 2,
                values,
                CELL,
                output_meaning(layer, step),
            )
            return column.right, middle
        is_masked = masked(layer, step)
        scene.frame(column.x, top - self.row_h, column.width, self.row_h, masked=is_masked)
        self._feed(source, column.x, middle, dashed=is_masked)
        for lane in column.lanes:
            name = f"{lane.name}{subscript(step + 1)}"
            self._text(lane.x, top - lane.top - LANE_LABEL / 2, name, size=SMALLEST_FONT)
            scene.column(
                lane.x, top - lane.top - LANE_LABEL, lane.states[step], CELL, f"{name} of {layer['name']}"
            )
        if i + 1 < len(self.steps):
            self._carry(column, top - self.row_h, self.row_top(i + 1))
        if column.merged_x is None or not per_step(layer):
            return self._fed_at(column, step, column.x + column.width, middle)
        values = layer["outputs"][step]
        if i == 0:
            self._text(
                column.merged_x, top - PAD - LANE_LABEL / 2, str(layer["merge_mode"]), size=SMALLEST_FONT
            )
        scene.arrow((column.x + column.width + 0.02, middle), (column.merged_x - CELL[0] / 2 - 0.02, middle))
        scene.column(
            column.merged_x,
            middle + _vector_height(len(values)) / 2,
            values,
            CELL,
            output_meaning(layer, step),
        )
        return column.right, middle

    def _carry(self, column: Column, bottom: float, next_top: float) -> None:
        """The states carried from one row's cell to the next's (or back):
        an arrow per direction, side by side when the lanes are stacked."""
        directions = {lane.down: lane for lane in column.lanes}
        stacked = len({lane.x for lane in column.lanes}) == 1 and len(directions) == 2
        for down, lane in directions.items():
            x = lane.x + ((-0.1 if down else 0.1) if stacked else 0.0)
            upper, lower = (x, bottom - 0.02), (x, next_top + 0.02)
            self.scene.arrow(upper, lower) if down else self.scene.arrow(lower, upper)

    def _starts(self) -> None:
        """What each lane starts from: zeros (or the initial state the code
        gives) over the first cell; under the last, for a lane read backwards.
        Lanes over each other (an LSTM's c over h) name theirs in lines."""
        first_top = self.row_top(0)
        last_bottom = self.row_top(len(self.steps) - 1) - self.row_h
        for column in self.columns:
            initial = column.layer.get("initial_state") or []
            for (x, down), group in _start_groups(column).items():
                room = (column.width if len(_start_groups(column)) == 1 else CELL[0] + LANE_GAP) + 0.1
                for k, lane in enumerate(group):
                    label = f"{lane.name}₀ = 0" if down else f"{lane.name} = 0"
                    if len(initial) > (1 if lane.name == "c" else 0):
                        label = f"{lane.name}₀ given"
                    text, size = fitted(label, room, SMALLEST_FONT)
                    offset = 0.34 + (len(group) - 1 - k) * LINE
                    self._text(x, first_top + offset if down else last_bottom - offset, text, size=size)
                if down:
                    self.scene.arrow((x, first_top + 0.24), (x, first_top + 0.02))
                else:
                    self.scene.arrow((x, last_bottom - 0.24), (x, last_bottom - 0.02))

    def _start_lines(self, down: bool) -> int:
        """How many lines more than one the starts over the first cell (under the last) take."""
        return max(
            [0] + [len(g) - 1 for c in self.columns for (_, d), g in _start_groups(c).items() if d == down]
        )

    def _returned(self) -> None:
        """Under the last step: what a layer returns once (its last state; a
        Bidirectional layer's merged), and the heads over it."""
        bottom = self.row_top(len(self.steps) - 1) - self.row_h
        top = bottom - START_ROOM - self._start_lines(down=False) * LINE - 0.1
        source: tuple[float, float] | None = None
        for column in self.columns:
            layer = column.layer
            if per_step(layer):
                source = None
                continue
            if column.head or column.merged_x is not None:
                values = outputs_shown(layer)[0]
                x = column.merged_x if column.merged_x is not None else column.x + CELL[0] / 2
                start = source or (column.x + column.width - 0.04, bottom - 0.02)
                self.scene.arrow(start, (x - CELL[0] / 2 - 0.02, top - 0.12))
                self.scene.column(x, top, values, CELL, output_meaning(layer, 0))
                self._text(x, top + 0.1, "output", size=SMALLEST_FONT)
                source = (x + CELL[0] / 2 + 0.02, top - 0.12)
                continue
            # The state after the last step read (the first step, read backwards) is the output.
            last = column.lanes[-1]
            step = 0 if layer.get("go_backwards") else len(self.segment.inputs) - 1
            source = (column.x + column.width + 0.02, self.row_top(self.steps.index(step)) - self.row_h / 2)
            if column is self.columns[-1]:
                y = top + 0.08
                self._text(
                    column.x + column.width, y, f"output: {last.name}{subscript(step + 1)}", ha="right"
                )
