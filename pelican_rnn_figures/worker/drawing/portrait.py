"""Lay out a model unrolled in time for a narrow screen: time running down.

The same figure data as :mod:`.unrolled`, turned a quarter: one row per
time step (its token, then its input vector), one column per drawn layer,
left to right in the order the data flows. A recurrent layer's cell at step
t holds the state it leaves, ``hₜ`` (an LSTM's ``cₜ`` beside or over it, a
Bidirectional layer's ``→hₜ`` and ``←hₜ``), as a vector standing up; the
state is carried down to the next step's cell (up, read backwards), from
the zeros (or the initial state: a stateful layer's carried over) named over
the first cell. A head over every step is a column of vectors; a head over
the last state only sits under the last step (a wide softmax head: its
largest outputs, each with its class beside it). Vectors stand up so that a
layer's column is one or two value cells wide: three layers fit a phone's
320 px text column. The steps drawn are the landscape figure's
(:mod:`.step_choice`), a "…" row for each run of the others, saying how many.

Drawn for one model input, and for layers whose outputs are read in step
order (an encoder handing its states to a decoder stays side by side in
:mod:`.unrolled`, as does a ``go_backwards`` layer another reads every step
of); for the others :func:`layout_portrait` returns None and the page shows
the landscape figure alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..describe import subscript, units
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
    largest,
    on_a_scale_reaching,
)
from .unrolled import values_scaled_first
from .wording import (
    cell_title,
    class_label,
    input_meaning,
    key_notes,
    output_meaning,
    ranks_classes,
    stack_place,
    tokens_label,
)

CELL = (0.40, 0.25)  # a value cell: a value at the value font wide, a line high
PHONE_WIDTH = 3.2  # inches at 100 px: a 360 px phone's text column (320 px)
MARGIN = 0.05
GAP = 0.16  # between two columns: the arrow from one to the next
NARROW_GAP = 0.1  # the same, where a phone has no room for more
PAD = 0.04  # inside a cell's box, around its vectors
LANE_GAP = 0.04  # between two vectors side by side in a cell
LANE_LABEL = 0.17  # a vector's name (h₂) over it, in its cell
STEP_GAP = 0.36  # between two steps' cells: the state carried down
ELIDED_ROW = 0.44  # the "…" row of the steps not shown
ONCE_GAP = 0.3  # between two vectors returned once, under the last row (the arrow from one to the next)
TOKEN_FONT = 10.0
HEADER_FONT = 8.5
TEXT_FONT = 8.0  # the key and its notes
LINE = 0.16  # between lines of text
HEADER_CLEARANCE = 0.1  # between two columns' titles
HEADER_LINES = 3  # a column's header: its bold title and two muted lines
PHONE_HEIGHT = 19.5  # inches at 100 px: 2.5 screens of a 360 x 780 phone
START_ROOM = 0.46  # over the first cell (under the last): the state the lane starts from
TOKEN_OVER = 0.38  # a token and its "t = N" over its input vector, when the tokens have no column
# Layers that hand their inputs on unchanged when the model predicts (Keras
# turns them on in training only): a column of theirs would repeat the one before.
UNCHANGED_WHEN_PREDICTING = frozenset(
    {
        "Dropout",
        "SpatialDropout1D",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
    }
)
CLASS_W = 0.34  # right of a wide head's cell: its class (a character, a word, an index)


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
    merged_x: float | None = None  # a Bidirectional layer's merged outputs at every step, right of its cells
    merged_top: float | None = None  # or in its cells, under its stacked lanes (where its label starts)

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
    passed_on = [row for row in rows if _unchanged(row.layer, data)]
    columns = _columns([row for row in rows if row not in passed_on])
    if columns is None:
        return None
    show_values = data.get("figure_options", {}).get("values", True)
    notes = [note for note in key_notes(rows, show_values, data) if " cells: mean " not in note]
    notes += [
        f"{row.layer['name']} ({row.layer['class']}) passes its inputs on unchanged: not drawn"
        for row in passed_on
    ]
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


def _unchanged(layer: dict[str, Any], data: dict[str, Any]) -> bool:
    """A layer whose outputs are its inputs (a Dropout when predicting): named in the key, not drawn."""
    if layer["class"] not in UNCHANGED_WHEN_PREDICTING or is_recurrent(layer):
        return False
    source_name = (layer.get("input_from") or {}).get("layer")
    source = next((other for other in data["layers"] if other["name"] == source_name), None)
    return source is not None and outputs_shown(source) == outputs_shown(layer)


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


def _carry_shift(column: Column, down: bool) -> float:
    """Where a direction's arrows run beside the middle of stacked cells (left: down)."""
    both = len({lane.x for lane in column.lanes}) == 1 and len({lane.down for lane in column.lanes}) == 2
    return (-0.1 if down else 0.1) if both else 0.0


def _merged(layer: dict[str, Any]) -> bool:
    """A Bidirectional layer merging its two directions (drawn beside its cells, or under the last)."""
    return is_bidirectional(layer) and layer["merge_mode"] is not None


def _start_groups(column: Column) -> dict[tuple[float, bool], list[Lane]]:
    """A column's lanes by where their start is named: their x, and whether they run down."""
    groups: dict[tuple[float, bool], list[Lane]] = {}
    for lane in column.lanes:
        groups.setdefault((lane.x, lane.down), []).append(lane)
    return groups


def _carried(column: Column) -> bool:
    """A stateful layer's lanes, starting from the state its last call left."""
    return bool(column.layer.get("initial_state_carried"))


def _title(layer: dict[str, Any]) -> str:
    """A column's bold title: the layer its cells compute (``Dense`` for a ``TimeDistributed(Dense)``)."""
    return "Bidirectional" if is_bidirectional(layer) else cell_title(layer)


def _vector_height(units: int) -> float:
    return CELL[1] * (units if units <= MAX_CELLS + 1 else MAX_CELLS)


def hidden_at(steps: list[int | None], i: int) -> int:
    """How many steps the "…" of row ``i`` stands for: those between its neighbours
    (the first and last step are always drawn)."""
    before, after = steps[i - 1], steps[i + 1]
    assert before is not None and after is not None, steps
    return after - before - 1


def _ranked(layer: dict[str, Any]) -> bool:
    """A wide softmax head: its largest outputs drawn, largest first, each with its class."""
    return ranks_classes(layer, len(outputs_shown(layer)[0]))


def _ranking(layer: dict[str, Any]) -> str:
    """A wide head's header line: which of its outputs are drawn."""
    return f"largest {MAX_CELLS - 1} of {len(outputs_shown(layer)[0])}" if _ranked(layer) else ""


def _class_room(layer: dict[str, Any]) -> float:
    """Right of a head's vector: room for its classes (none unless :func:`_ranked`)."""
    if not _ranked(layer):
        return 0.0
    labels = layer.get("class_labels") or [str(unit) for unit in range(len(outputs_shown(layer)[0]))]
    return 0.04 + min(CLASS_W, max(text_width(label, SMALLEST_FONT) for label in labels))


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
        widths.append(text_width(f"t = {len(segment.inputs)}", SMALLEST_FONT))  # (its header may reach past)
        if len(segment.inputs) > 2:  # a "…" row, here or in :meth:`_fitting_steps`
            widths.append(text_width(f"{len(segment.inputs)} more", SMALLEST_FONT))  # (any gap is fewer)
        self.token_w = min(0.9, max(widths))
        self.tokens_over = False  # each token over its input vector, not in a column left of them
        self.inputs_x = MARGIN + self.token_w + 0.1 + CELL[0] / 2
        self.header_levels, self.gap = 1, GAP
        self.stacked: set[int] = set()  # the columns whose cells' vectors are over each other
        self.merged_under: set[int] = set()  # the columns whose merged outputs are in their cells
        right = self._fit_a_phone()
        key = [text_width(note, TEXT_FONT) for note in notes] + [KEY_BAR_W + 1.0]
        self.width = max(right + MARGIN, 2 * MARGIN + max(key))
        inputs_h = _vector_height(len(segment.inputs[0])) + (TOKEN_OVER if self.tokens_over else 0.0)
        self.row_h = max(inputs_h, *(self._cell_height(c) for c in columns))
        self.steps = self._fitting_steps()

    def _fit_a_phone(self) -> float:
        """Places the columns (:meth:`_across`), giving way in turn until the
        figure fits a phone's column: two-lane cells stack their vectors,
        fewest units first; the tokens go over their inputs; the merged outputs
        into their cells; the columns close up; the headers take up to three
        levels. Returns the right edge."""
        right = self._across()
        by_units = sorted(
            (i for i, c in enumerate(self.columns) if len(c.lanes) > 1),
            key=lambda i: len(self.columns[i].lanes[0].states[0]),
        )
        for i in by_units:
            if right + MARGIN <= PHONE_WIDTH:
                break
            self.stacked.add(i)
            right = self._across()
        if right + MARGIN > PHONE_WIDTH:
            self.tokens_over = True
            self.token_w = min(self.token_w, CELL[0] + GAP)
            self.inputs_x = MARGIN + max(CELL[0], self.token_w) / 2
            right = self._across()
        for i in (i for i in by_units if self.columns[i].merged_x is not None):  # (all stacked by now)
            if right + MARGIN <= PHONE_WIDTH:
                break
            self.merged_under.add(i)
            right = self._across()
        if right + MARGIN > PHONE_WIDTH:
            self.gap = NARROW_GAP
            right = self._across()
        while right + MARGIN > PHONE_WIDTH and self.header_levels < 3:  # the headers reach past the columns
            self.header_levels += 1
            right = self._across()
        return right

    def _across(self) -> float:
        """Places the columns left to right, the vectors of the :attr:`stacked`
        ones' cells over each other; returns the right edge of the last
        (or of its header, if that reaches further)."""
        x = self.inputs_x + CELL[0] / 2
        chain = x  # where the next vector returned once (under the last row) goes
        for number, column in enumerate(self.columns):
            if column.head and not per_step(column.layer):  # under the last row, under the one before
                column.x, column.width = chain - CELL[0] / 2, CELL[0] + _class_room(column.layer)
                x = max(x, column.x + column.width)
                continue
            column.x, column.merged_top = x + self.gap, None
            over = number in self.stacked
            if column.head:
                column.width = CELL[0] + _class_room(column.layer)
            elif over and len(column.lanes) > 1:
                column.width = 2 * PAD + CELL[0]
                top = PAD
                for lane in column.lanes:
                    lane.x, lane.top = column.x + PAD + CELL[0] / 2, top
                    top += LANE_LABEL + _vector_height(len(lane.states[0])) + 0.06
                column.merged_top = top if number in self.merged_under else None
            else:
                for i, lane in enumerate(column.lanes):
                    lane.x, lane.top = column.x + PAD + (CELL[0] + LANE_GAP) * i + CELL[0] / 2, PAD
                column.width = 2 * PAD + CELL[0] * len(column.lanes) + LANE_GAP * (len(column.lanes) - 1)
            # Concatenated, a step's outputs are the two lanes its cell shows: not drawn again.
            merged = (
                _merged(column.layer) and per_step(column.layer) and column.layer["merge_mode"] != "concat"
            )
            column.merged_x = None
            if merged and column.merged_top is None:
                column.merged_x = column.x + column.width + self.gap + CELL[0] / 2
            x = column.right
            merged_once = column.lanes and _merged(column.layer)
            chain = column.lanes[0].x if merged_once else column.x + column.width / 2
        return max(x, *(x_ + width / 2 for x_, width, _, _ in self._header_places()))

    def _cell_height(self, column: Column) -> float:
        layer = column.layer
        if column.head:
            return _vector_height(len(outputs_shown(layer)[0])) if per_step(layer) else 0.0
        lanes = max(lane.top + LANE_LABEL + _vector_height(len(lane.states[0])) for lane in column.lanes)
        merged = _vector_height(len(layer["outputs"][0])) if column.merged_x and per_step(layer) else 0.0
        if column.merged_top is not None:
            lanes = column.merged_top + LANE_LABEL + _vector_height(len(layer["outputs"][0]))
        return max(lanes + PAD, merged)

    # From the top: the key, the headers, the rows, what the lanes start from and return.

    def _first_top(self) -> float:
        """From the figure's top to its first row's."""
        key_lines = (2 if self.show_values else 0) + len(self.notes)
        header = HEADER_LINES * self.header_levels * LINE + 0.06
        return MARGIN + key_lines * LINE + 0.14 + header + START_ROOM + self._start_lines(down=True) * LINE

    def _height(self, steps: list[int | None]) -> float:
        heights = [ELIDED_ROW if step is None else self.row_h for step in steps]
        return self._first_top() + sum(heights) + (len(steps) - 1) * STEP_GAP + self._room_under() + MARGIN

    def _fitting_steps(self) -> list[int | None]:
        """The steps shown, fewer than the landscape figure's if a phone would
        need more than 2.5 screens: the middle ones go first, into "…" rows;
        the first and last stay."""
        steps = list(self.steps)
        while self._height(steps) > PHONE_HEIGHT:
            drawn = [i for i, step in enumerate(steps) if step is not None]
            if len(drawn) <= 2:
                break
            middle = drawn[1:-1][(len(drawn) - 2) // 2]
            steps[middle] = None
            steps = [s for i, s in enumerate(steps) if s is not None or i == 0 or steps[i - 1] is not None]
        return steps

    def place(self, scale: ValueScale) -> Scene:
        first_top = self._first_top()
        self.heights = [ELIDED_ROW if step is None else self.row_h for step in self.steps]
        self.height = self._height(self.steps)
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
            if (c.head or _merged(c.layer)) and not per_step(c.layer)
        ]
        start = START_ROOM + self._start_lines(down=False) * LINE + self._clear_of_starts()
        if once:
            return start + sum(ONCE_GAP + height for height in once) - ONCE_GAP + 0.3
        last = self.columns[-1]
        return start + (LINE if not last.head and not per_step(last.layer) else 0.0)

    def row_top(self, i: int) -> float:
        return self.first_top - sum(self.heights[:i]) - i * STEP_GAP

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

    def _header_list(self) -> list[tuple[float, list[str]]]:
        """Each column's header: the middle of its column, its bold line then its muted ones."""
        words = self.words
        each = f"{len(self.segment.inputs[0])} each"
        headers = [
            (MARGIN + self.token_w / 2, [words[0], words[1].split(" ")[0]]),
            (self.inputs_x, ["inputs", each]),
        ]
        if self.tokens_over:  # one column: the words over their vectors
            headers = [(self.inputs_x, ["inputs", f"{words[0]}, {each}"])]
        number = 0
        for column in self.columns:
            layer = column.layer
            if column.head and not per_step(layer):
                continue  # named at its vector, under the last row
            if column.head:
                lines = [_title(layer), layer.get("activation", ""), _ranking(layer)]
                headers.append((column.x + CELL[0] / 2, lines))
                continue
            number += 1
            x = (column.x + column.right) / 2
            if is_bidirectional(layer):
                inner = f"{cell_title(layer)}({layer['forward']['units']})"
                headers.append((x, [_title(layer), inner, f"merge: {layer['merge_mode']}"]))
            else:
                place = stack_place(layer) if layer.get("stacked_in") else f"layer {number}"
                headers.append((x, [_title(layer), units(layer["units"]), place]))
        return headers

    def _header_places(self) -> list[tuple[float, float, list[str], int]]:
        """Each header's middle, width and level: over its column, moved aside
        (the columns stay) so that neighbours keep HEADER_CLEARANCE apart;
        on :attr:`header_levels` levels (more than one: the layers' headers
        in turn a level lower, so that each needs room only from the ones
        on its level)."""
        headers = self._header_list()
        widths = [
            max(
                [
                    text_width(lines[0], SMALLEST_FONT, True),
                    *(text_width(m, SMALLEST_FONT) for m in lines[1:] if m),
                ]
            )
            for _, lines in headers
        ]
        first_layer = 1 if self.tokens_over else 2
        levels = [
            (i - first_layer + 1) % self.header_levels if i >= first_layer else 0 for i in range(len(headers))
        ]
        xs = [max(x, MARGIN + w / 2) for (x, _), w in zip(headers, widths, strict=True)]
        for level in set(levels):
            mine = [i for i in range(len(xs)) if levels[i] == level]
            for before, i in zip(mine, mine[1:], strict=False):
                xs[i] = max(xs[i], xs[before] + (widths[before] + widths[i]) / 2 + HEADER_CLEARANCE)
        return [(x, w, lines, lv) for x, w, (_, lines), lv in zip(xs, widths, headers, levels, strict=True)]

    def _headers(self, top: float) -> None:
        """Over each column, what it is: a bold line, muted ones."""
        places = self._header_places()
        for level in range(self.header_levels):
            mine = [place for place in places if place[3] == level]
            # The free space between two headers, half of it each's (for the bold line at its full size).
            gaps = [
                (right[0] - right[1] / 2) - (left[0] + left[1] / 2) - HEADER_CLEARANCE
                for left, right in zip(mine, mine[1:], strict=False)
            ]
            for i, (x, width, lines, _) in enumerate(mine):
                beside = [gaps[j] for j in (i - 1, i) if 0 <= j < len(gaps)]
                room = width + min(beside, default=0.0)
                # (A packed header's width is its room.)
                self._header(x, room + 1e-3, top - level * HEADER_LINES * LINE, *lines)

    def _header(self, x: float, room: float, top: float, bold: str, *muted: str) -> None:
        text, size = fitted(bold, room, HEADER_FONT, bold=True)
        self.scene.text(x, top - LINE / 2, text, size=size, weight="bold")
        for i, line in enumerate(line for line in muted if line):
            text, size = fitted(line, room, SMALLEST_FONT)
            self._text(x, top - (1.5 + i) * LINE, text, size=size)

    def _step(self, i: int, step: int | None) -> None:
        """Row ``i``: its token, its input vector, each column's cell."""
        top = self.row_top(i)
        middle = top - self.heights[i] / 2
        token_x = self.inputs_x if self.tokens_over else MARGIN + self.token_w / 2
        if step is None:
            hidden = hidden_at(self.steps, i)
            self._text(token_x, middle + 0.1, "…", size=14)
            self._text(token_x, middle - 0.12, f"{hidden} more", size=SMALLEST_FONT)
            for column in self.columns:
                for x in sorted({lane.x for lane in column.lanes}):  # stacked lanes: one "…"
                    self._text(x, middle, "…", size=14)
                if column.lanes:
                    self._carry(column, top - self.heights[i], self.row_top(i + 1))
            return
        inputs = self.segment.inputs[step]
        inputs_top = middle + _vector_height(len(inputs)) / 2
        token_y = middle + 0.08
        if self.tokens_over:  # the token, its t, then its vector, from the row's top
            token_y, inputs_top = top - 0.08, top - TOKEN_OVER
        text, size = fitted(self.segment.tokens[step], self.token_w, TOKEN_FONT, bold=True)
        self.scene.text(token_x, token_y, text, size=size, weight="bold")
        self._text(token_x, token_y - 0.19, f"t = {step + 1}", size=SMALLEST_FONT)
        self.scene.column(
            self.inputs_x, inputs_top, inputs, CELL, input_meaning(self.segment, step), "feature"
        )
        source: tuple[float, float] | None = (
            self.inputs_x + CELL[0] / 2,
            inputs_top - _vector_height(len(inputs)) / 2,
        )
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

    def _feed(
        self, source: tuple[float, float] | None, x: float, y: float, reach: float, dashed: bool = False
    ) -> None:
        """An arrow from ``source`` to the left edge of what spans ``y`` ± ``reach``:
        level when it leaves from within that span (a step's vector into its
        row's next column), sloping when it comes from another row (go_backwards)."""
        if source is None:
            return
        if abs(source[1] - y) < reach + self.row_h / 2:  # from this row
            y = min(max(source[1], y - reach + 0.05), y + reach - 0.05)
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
            self._feed(source, column.x, middle, _vector_height(len(values)) / 2)
            self._head_vector(layer, column.x + CELL[0] / 2, middle + _vector_height(len(values)) / 2, step)
            return column.x + CELL[0], middle
        is_masked = masked(layer, step)
        scene.frame(column.x, top - self.row_h, column.width, self.row_h, masked=is_masked)
        self._feed(source, column.x, middle, self.row_h / 2, dashed=is_masked)
        for lane in column.lanes:
            name = f"{lane.name}{subscript(step + 1)}"
            self._text(lane.x, top - lane.top - LANE_LABEL / 2, name, size=SMALLEST_FONT)
            scene.column(
                lane.x, top - lane.top - LANE_LABEL, lane.states[step], CELL, f"{name} of {layer['name']}"
            )
        if i + 1 < len(self.steps):
            self._carry(column, top - self.row_h, self.row_top(i + 1))
        if column.merged_top is not None:
            values = layer["outputs"][step]
            label_y = top - column.merged_top - LANE_LABEL / 2
            self._text(column.lanes[0].x, label_y, str(layer["merge_mode"]), size=SMALLEST_FONT)
            y = top - column.merged_top - LANE_LABEL
            scene.column(column.lanes[0].x, y, values, CELL, output_meaning(layer, step))
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

    def _returned_once(
        self, column: Column, source: tuple[float, float] | None, bottom: float, top: float
    ) -> tuple[float, float]:
        """A head over the last state (or a Bidirectional layer's merged output)
        under the last row, from ``top``, fed from ``source`` (else its column's
        last cell); returns its height and its x."""
        layer = column.layer
        if column.head:
            x = column.x + CELL[0] / 2
            self.scene.arrow(source or (x, bottom - 0.02), (x, top + 0.02))
            self._text(x - CELL[0] / 2 - 0.04, top - 0.12, _title(layer), size=SMALLEST_FONT, ha="right")
            if _ranked(layer):
                self._text(x - CELL[0] / 2 - 0.04, top - 0.12 - LINE, _ranking(layer), ha="right")
            return self._head_vector(layer, x, top, 0), x
        # A Bidirectional layer's merged output, under its forward side (which starts on top).
        x = column.lanes[0].x
        side = x + _carry_shift(column, True)
        self.scene.arrow((side, bottom - 0.02), (side, top + 0.02))
        self._text(x - CELL[0] / 2 - 0.04, top - 0.12, "output", size=SMALLEST_FONT, ha="right")
        return self.scene.column(x, top, outputs_shown(layer)[0], CELL, output_meaning(layer, 0)), x

    def _head_vector(self, layer: dict[str, Any], x: float, top: float, step: int) -> float:
        """A head's outputs at ``step``, down from ``top`` (a wide softmax head's
        largest first, each with its class on its right); returns their height."""
        values = outputs_shown(layer)[step]
        units = largest(values) if _ranked(layer) else None
        height = self.scene.column(x, top, values, CELL, output_meaning(layer, step), units=units)
        for i, unit in enumerate(units or []):
            if unit is not None:
                label, size = fitted(class_label(layer, unit), CLASS_W, SMALLEST_FONT)
                y = top - (i + 0.5) * CELL[1]
                self._text(x + CELL[0] / 2 + 0.04, y, label, size=size, ha="left")
        return height

    def _carry(self, column: Column, bottom: float, next_top: float) -> None:
        """The states carried from one row's cell to the next's (or back):
        an arrow per direction, side by side when the lanes are stacked."""
        directions = {lane.down: lane for lane in column.lanes}
        for down, lane in directions.items():
            x = lane.x + _carry_shift(column, down)
            upper, lower = (x, bottom - 0.02), (x, next_top + 0.02)
            self.scene.arrow(upper, lower) if down else self.scene.arrow(lower, upper)

    def _starts(self) -> None:
        """What each lane starts from: zeros (or the initial state the code
        gives) over the first cell; under the last, for a lane read backwards.
        Lanes over each other (an LSTM's c over h) name theirs in lines; a
        stateful layer's names them, then says ``carried over`` once, across
        its column."""
        first_top = self.row_top(0)
        last_bottom = self.row_top(len(self.steps) - 1) - self.row_h
        for column in self.columns:
            carried = _carried(column)
            for (x, down), group in _start_groups(column).items():
                x += _carry_shift(column, down)
                lines = self._start_label(column, group, down) + ([("", 0.0)] if carried else [])
                for j, (text, size) in enumerate(lines):
                    # Down: the last line nearest the first cell; up: the first nearest the last.
                    offset = 0.34 + (len(lines) - 1 - j if down else j) * LINE
                    y = first_top + offset if down else last_bottom - offset
                    if text:
                        self._text(x, y, text, size=size)
                    elif (x, down) == next(iter(_start_groups(column))):  # once: "carried over"
                        text, size = fitted("carried over", column.width + GAP, SMALLEST_FONT)
                        self._text(column.x + column.width / 2, y, text, size=size)
                if down:
                    self.scene.arrow((x, first_top + 0.24), (x, first_top + 0.02))
                else:
                    self.scene.arrow((x, last_bottom - 0.24), (x, last_bottom - 0.02))

    def _start_label(self, column: Column, group: list[Lane], down: bool) -> list[tuple[str, float]]:
        """The lines naming where a group of lanes starts, top to bottom, each
        fitted to its room: ``h₀ = 0``, ``h₀ given``, or a stateful layer's ``h₀``."""
        initial = column.layer.get("initial_state") or []
        room = (column.width if len(_start_groups(column)) == 1 else CELL[0] + LANE_GAP) + 0.1
        lines: list[tuple[str, float]] = []
        for lane in group if down else group[::-1]:
            label = f"{lane.name}₀ = 0" if down else f"{lane.name} = 0"
            if len(initial) > (1 if lane.name == "c" else 0):
                label = f"{lane.name}₀" if _carried(column) else f"{lane.name}₀ given"
            lines.append(fitted(label, room, SMALLEST_FONT))
        return lines

    def _clear_of_starts(self) -> float:
        """Room between a backward lane's start and an output under it."""
        return LINE if any(_merged(c.layer) and not per_step(c.layer) for c in self.columns) else 0.0

    def _start_lines(self, down: bool) -> int:
        """How many lines more than one the starts over the first cell (under the last) take."""
        return max(
            [0]
            + [
                len(self._start_label(c, g, down)) - 1 + _carried(c)
                for c in self.columns
                for (_, d), g in _start_groups(c).items()
                if d == down
            ]
        )

    def _returned(self) -> None:
        """Under the last step: what a layer returns once (its last state; a
        Bidirectional layer's merged), and the heads over it."""
        bottom = self.row_top(len(self.steps) - 1) - self.row_h
        top = bottom - START_ROOM - self._start_lines(down=False) * LINE - self._clear_of_starts() - 0.1
        source: tuple[float, float] | None = None
        for column in self.columns:
            layer = column.layer
            if per_step(layer):
                source = None
                continue
            if column.head or _merged(layer):
                height, x = self._returned_once(column, source, bottom, top)
                source = (x, top - height - 0.02)
                top -= height + ONCE_GAP
                continue
            # The state after the last step read (the first step, read backwards) is the output.
            last = column.lanes[-1]
            step = 0 if layer.get("go_backwards") else len(self.segment.inputs) - 1
            source = (column.x + column.width / 2, bottom - 0.02)  # under the last cell
            if step == 0 and len(self.segment.inputs) > 1:  # read backwards: from the first row's cell
                source = (column.x + column.width + 0.02, self.row_top(0) - self.row_h / 2)
            if column is self.columns[-1]:
                y = top + 0.08
                self._text(
                    column.x + column.width, y, f"output: {last.name}{subscript(step + 1)}", ha="right"
                )
