"""Lay out a model unrolled in time, from its figure data (``NAME.json``).

From the bottom up: the tokens, their input vectors, then one band per layer
level: a recurrent layer's cells (one per time step, the state carried from
cell to cell) with its outputs above, heads such as ``Dense`` on top. Each
model input has columns of its own, left to right, and a layer sits one band
above what feeds it: an encoder whose final states become a decoder's
``initial_state`` is drawn on the left, handing its states right to the
decoder's row in the same band. The lanes between cells are laid out by
:mod:`.lanes`; everything as shapes of a :class:`.scene.Scene`, which
:mod:`.render` draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..describe import format_shape, layer_title, provenance_note, subscript, training_note
from ..example_inputs import are_words
from ..figure_data import has_cell_state, has_two_lanes, is_bidirectional, is_one_way, is_recurrent
from .glyphs import text_width
from .lanes import FLOAT_ROOM, STUB, Lanes
from .scene import (
    BOX_H,
    BOX_W,
    CELL_H,
    KEEP_FIRST_STEPS,
    KEY_WIDTH,
    LABEL_FONT,
    MARGIN,
    MAX_STEPS,
    MUTED,
    TITLE_FONT,
    Scene,
    ValueScale,
    elide,
    on_a_scale_reaching,
    strip_width,
)

SEGMENT_GAP = 0.45  # between the columns of two model inputs
HAND_OVER_RUN = text_width("initial_state", LABEL_FONT) + 0.3  # the shortest hand-over arrow
LANE = 0.22  # an LSTM's c above the middle of its cells, h below
LABEL_W = 1.5  # the left column of row labels
LINE = 0.18  # between the lines of a label
KEY_LINE = 0.24  # between the lines of the key
MIN_LANE_ARROW = 0.5  # the shortest lane arrow from cell to cell
BESIDE_GAP = 0.2  # between a head's cell (or outputs) and the label beside it
TOP_ROOM = 0.06  # above the highest text
STATE_CLEARANCE = 0.2  # a floating state stays this clear of the arrows up from the cells
GATE_LETTERS = {"input": "i", "forget": "f", "output": "o", "update": "z", "reset": "r"}
# Layers before the first recurrent one that the inputs row stands for: an
# Embedding's vectors are the inputs drawn; the others leave values as they are.
INPUT_LAYERS = frozenset(
    {"Embedding", "Masking", "Dropout", "SpatialDropout1D", "GaussianNoise", "InputLayer"}
)
GATES_SHOWN = {"LSTM": ("forget", "input", "output"), "GRU": ("update", "reset")}


class LayoutError(ValueError):
    """The figure options ask for something the data cannot give."""


class UndrawableError(ValueError):
    """The model is one this figure cannot show (the message says which layer and why)."""


def _steps_of(layer: dict[str, Any]) -> int | None:
    """How many time steps a layer's row has, if it has one per step."""
    if is_bidirectional(layer):
        return len(layer["forward"]["states"])
    if is_one_way(layer):
        return len(layer["states"])
    return len(layer["outputs"]) if _per_step(layer) else None


@dataclass
class Segment:
    """One model input: its steps, drawn in columns of their own."""

    number: int
    tokens: list[str]
    inputs: list[list[float]]
    input_shape: list
    token_ids: list[int] | None
    columns: list[int | None]
    xs: list[float] = field(default_factory=list)
    left: float = 0.0  # where its label column starts
    right: float = 0.0  # where the segment's drawing ends


@dataclass
class Row:
    """A drawn layer: its band (level) and the input whose columns it uses."""

    layer: dict[str, Any]
    segment: Segment
    level: int
    y: float = 0.0  # middle of its cells
    y_outputs: float = 0.0
    y_fed_from: float = 0.0  # top of what feeds its cells: the inputs, or the outputs below
    lanes: Lanes | None = None  # where its states were placed


def _segments(data: dict[str, Any]) -> list[Segment]:
    sequences = data.get("sequences") or [data]
    return [
        Segment(
            number,
            sequence["tokens"],
            sequence["inputs"],
            sequence["input_shape"],
            sequence.get("token_ids"),
            elide(list(range(len(sequence["inputs"]))), MAX_STEPS, KEEP_FIRST_STEPS),
        )
        for number, sequence in enumerate(sequences)
    ]


def _selected(layer: dict[str, Any], wanted: list[str] | None) -> bool:
    if wanted is None:
        return True
    return layer["name"].lower() in wanted or layer["class"].lower() in wanted


def _rows(data: dict[str, Any], segments: list[Segment]) -> list[Row]:
    """Which layers are drawn, in which band: one above what feeds them.
    An Embedding or Masking before a segment's first recurrent layer makes its
    inputs row and is not drawn as a row of its own; nor are layers left out
    by the ``layers=`` option."""
    wanted = data.get("figure_options", {}).get("layers")
    wanted = [name.lower() for name in wanted] if wanted else None
    if wanted:
        known = {name for layer in data["layers"] for name in (layer["name"].lower(), layer["class"].lower())}
        unknown = [name for name in wanted if name not in known]
        if unknown:
            names = ", ".join(layer["name"] for layer in data["layers"])
            raise LayoutError(f"layers={','.join(unknown)} names no layer of the model (its layers: {names})")
    placed: dict[str, tuple[Segment, int, bool]] = {}  # name -> segment, level, past a recurrent layer
    top: dict[int, int] = {}
    rows: list[Row] = []
    for layer in data["layers"]:
        source = layer.get("input_from") or {"input": 0}
        if "layer" in source and source["layer"] in placed:
            segment, level, past_recurrent = placed[source["layer"]]
        else:
            segment, level, past_recurrent = (
                segments[min(source.get("input", 0), len(segments) - 1)],
                0,
                False,
            )
        for state_source in layer.get("initial_state_from") or []:
            # A state handed over within an input's columns comes from below; from
            # another input's columns it comes from the left, in the same band.
            source_segment, source_level, _ = placed.get(state_source.get("layer"), (None, 0, False))
            if source_segment is segment:
                level = max(level, source_level)
        makes_inputs = not past_recurrent and layer["class"] in INPUT_LAYERS
        drawn = not makes_inputs and _selected(layer, wanted)
        steps = _steps_of(layer) if drawn else None
        if steps is not None and steps != len(segment.inputs) and (is_recurrent(layer) or past_recurrent):
            raise UndrawableError(
                f"{layer['name']} has {steps} time step(s) where the model's input has "
                f"{len(segment.inputs)} (a RepeatVector or a Reshape changes the time axis): "
                "a figure with two time axes is not drawn yet; draw the layers before it with layers=..."
            )
        if drawn:
            level = max(level, top.get(segment.number, 0)) + 1
            top[segment.number] = level
            rows.append(Row(layer, segment, level))
        placed[layer["name"]] = (segment, level, past_recurrent or is_recurrent(layer))
    if not any(is_recurrent(row.layer) for row in rows):
        raise LayoutError("layers= leaves no recurrent layer to draw")
    return rows


def _box_height(layer: dict[str, Any], gates: bool) -> float:
    """Cells with two lanes are taller: an LSTM's c runs through their top and h
    through their bottom; a Bidirectional layer's forward and backward states.
    A GRU's cells grow a line for their gates."""
    if has_two_lanes(layer):
        return BOX_H + 2 * LANE
    return BOX_H + 0.2 if gates and "gates" in layer else BOX_H


def _per_step(layer: dict[str, Any]) -> bool:
    """Whether a layer outputs one vector per time step."""
    if is_recurrent(layer):
        return bool(layer["return_sequences"])
    outputs = layer["outputs"]
    return bool(outputs) and isinstance(outputs[0], list)


def _output_rows(layer: dict[str, Any]) -> list:
    """What a layer's outputs row shows: one vector per step, or its one output."""
    sequences = _per_step(layer)
    if is_bidirectional(layer) and layer["merge_mode"] is None:  # two outputs: the forward one shown
        forward = layer["forward"]["states"]
        return forward if sequences else [forward[-1]]
    if is_one_way(layer) and not sequences:  # the state after the last step read
        return [layer["states"][0] if layer.get("go_backwards") else layer["states"][-1]]
    values = layer["states"] if is_one_way(layer) else layer["outputs"]
    return values if sequences else [values]


def _masks_a_step(rows: list[Row]) -> bool:
    return any(row.layer.get("mask") and not all(row.layer["mask"]) for row in rows)


def _hands_over(row: Row, rows: list[Row]) -> bool:
    return any(
        source.get("layer") == row.layer["name"]
        for other in rows
        for source in other.layer.get("initial_state_from") or []
    )


def output_details(layer: dict[str, Any]) -> list[str]:
    """The lines under a row's "outputs" label: how Keras returns them, and their shape."""
    per_step, backwards = _per_step(layer), bool(layer.get("go_backwards"))
    how, step_note = "", ""
    if layer.get("return_sequences"):
        how = "return_sequences=True"
    elif is_recurrent(layer):
        how = "last state only"
    if is_bidirectional(layer):
        how, step_note = f"merge_mode={layer['merge_mode']!r}", "per step" if per_step else ""
    shape = layer["output_shape"]
    state_note = ""
    if layer.get("return_state"):
        # Keras returns [output, h] (and c for an LSTM): the states drawn above.
        state_note = f"return_state: + h{', c' if 'cell_states' in layer else ''}"
        shape = shape[0]
    order = "last step first" if backwards and per_step else ""
    return [line for line in (how, step_note, order, state_note, format_shape(shape)) if line]


def gate_summary(layer: dict[str, Any], t: int) -> str:
    """``f.62 i.48 o.51``: each gate's mean over the units at step ``t``."""
    parts = []
    for name in GATES_SHOWN.get(layer["class"], ()):
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


def _masked(layer: dict[str, Any], t: int) -> bool:
    mask = layer.get("mask")
    return mask is not None and bool(mask) and not mask[t]


def _state_width(layer: dict[str, Any]) -> float:
    return strip_width(layer["units"])


def _floats_below(layer: dict[str, Any]) -> bool:
    """Two-lane cells float their lower lane's states below them (h of an
    LSTM, the backward h of a Bidirectional layer)."""
    return has_two_lanes(layer)


def _givers(row: Row, rows: list[Row]) -> list[Row]:
    """The rows in other inputs' columns that hand this row its initial state."""
    sources = {source.get("layer") for source in row.layer.get("initial_state_from") or []}
    return [other for other in rows if other.layer["name"] in sources and other.segment is not row.segment]


def _receives_from_another_input(row: Row, rows: list[Row]) -> bool:
    return bool(_givers(row, rows))


def _receives_aslant(row: Row, rows: list[Row]) -> bool:
    """Whether a hand-over arrow runs aslant: from another band, or from a lane
    at another height (an LSTM's h runs under its cells, a GRU's over them)."""
    return any(
        giver.level != row.level or has_cell_state(giver.layer) != has_cell_state(row.layer)
        for giver in _givers(row, rows)
    )


def _ends_right(row: Row, rows: list[Row]) -> bool:
    """Whether a row draws a state right of its last cell: a final state (of a
    Bidirectional forward lane, an LSTM's c when Keras returns it, a state
    handed to another layer), or the zeros a backwards lane starts from."""
    layer = row.layer
    return bool(
        is_bidirectional(layer)
        or layer.get("go_backwards")
        or _hands_over(row, rows)
        or (has_cell_state(layer) and layer.get("return_state"))
    )


def row_title(layer: dict[str, Any], number: int) -> tuple[list[str], list[str]]:
    """A row's label in the left column: bold lines (the layer), muted ones."""
    inner = layer.get("layer", {}).get("class")
    if is_bidirectional(layer):
        bold = ["Bidirectional", f"{layer['forward']['class']}({layer['units']})"]
    elif inner:
        bold = [layer["class"], f"({inner})"]
    else:
        bold = [layer_title(layer)]
    muted = [
        f"layer {number} · {layer['params']} params" if is_recurrent(layer) else f"{layer['params']} params"
    ]
    if layer.get("go_backwards"):
        muted.append("go_backwards=True")
    return bold, muted


def layout_unrolled(data: dict[str, Any]) -> Scene:
    """The model unrolled in time; see the module's docstring."""
    options = data.get("figure_options", {})
    show_values = options.get("values", True)
    segments = _segments(data)
    rows = _rows(data, segments)
    recurrent = [row.layer for row in rows if is_recurrent(row.layer)]
    # Strips drawn in a step's column (inputs, outputs of every step) and
    # states floating between two columns: the pitch fits the wider of them.
    output_cells = {id(row): len(_output_rows(row.layer)[0]) for row in rows}
    # (The widest strip, not the strip of the most cells: 7 cells are drawn,
    # 8 are elided to 6.)
    column_strip = max(
        strip_width(cells)
        for cells in [len(s.inputs[0]) for s in segments]
        + [output_cells[id(row)] for row in rows if _per_step(row.layer)]
    )
    edge_strip = max([column_strip] + [strip_width(cells) for cells in output_cells.values()])
    state_strip = max(_state_width(layer) for layer in recurrent)
    pitch = max(BOX_W + MIN_LANE_ARROW, state_strip + STATE_CLEARANCE, column_strip + STATE_CLEARANCE)

    # Columns, left to right: each segment's steps after its label column.
    left = MARGIN
    handed_from = 0.0  # right edge of the final states an earlier input's layer hands over
    for segment in segments:
        own = [row for row in rows if row.segment is segment]
        receives = any(_receives_from_another_input(row, rows) for row in own)
        if any(_receives_aslant(row, rows) for row in own):
            # An arrow aslant crosses this input's label column: its "initial_state"
            # label sits before it, in a gap of its own.
            left = max(left, handed_from + HAND_OVER_RUN)
        # A lane read backwards leaves a state on each side of the "…".
        backwards = any(is_bidirectional(row.layer) or row.layer.get("go_backwards") for row in own)
        first = max(
            left + LABEL_W + STUB + BOX_W / 2 + 0.05,
            left + pitch / 2 + state_strip / 2,  # the floating initial state
            left + LABEL_W + 0.12 + edge_strip / 2,
            # The hand-over arrow runs long enough for its "initial_state" label.
            handed_from + HAND_OVER_RUN + pitch / 2 + state_strip / 2 if receives else 0.0,
        )
        xs = [first]
        segment.left = left
        for c in range(1, len(segment.columns)):
            if segment.columns[c] is None:  # "…" after the state the last shown step leaves
                xs.append(xs[-1] + max(BOX_W / 2 + 0.45, column_strip / 2 + 0.35))
            elif segment.columns[c - 1] is None:
                xs.append(
                    max(
                        xs[-1] + max(BOX_W / 2 + 0.3, column_strip / 2 + 0.35),
                        xs[-2] + pitch / 2 + state_strip / 2 + 0.12,  # clear of that floating state
                        xs[-2] + pitch + state_strip + 0.15 if backwards else 0.0,
                    )
                )
            else:
                xs.append(xs[-1] + pitch)
        segment.xs = xs
        segment.right = xs[-1] + max(BOX_W / 2, edge_strip / 2 + 0.25)
        if any(_ends_right(row, rows) for row in own):
            segment.right = max(segment.right, xs[-1] + pitch / 2 + state_strip / 2)
            handed_from = xs[-1] + pitch / 2 + state_strip / 2
        left = segment.right + SEGMENT_GAP

    # Bands from the bottom: tokens, inputs, then per level its cells (their
    # states floating above and below) and outputs.
    row_gap = 0.32
    y_tokens, y_inputs = 0.30, 0.85
    y = y_inputs + CELL_H / 2
    for level in sorted({row.level for row in rows}):
        band = [row for row in rows if row.level == level]
        below = max(
            _box_height(r.layer, show_values) / 2 + (FLOAT_ROOM if _floats_below(r.layer) else 0)
            for r in band
        )
        above = max(
            _box_height(r.layer, show_values) / 2 + (FLOAT_ROOM if is_recurrent(r.layer) else 0) for r in band
        )
        y += row_gap + below
        for row in band:
            row.y = y
        # An outputs label of more than three lines needs room below it.
        lines = max(len(output_details(row.layer)) for row in band)
        y += above + row_gap + CELL_H / 2 + 0.18 * max(lines - 3, 0)
        for row in band:
            row.y_outputs = y
        y += CELL_H / 2
    tops = {segment.number: y_inputs + CELL_H / 2 for segment in segments}
    for row in rows:  # in the order Keras built them: each fed by the one before in its columns
        row.y_fed_from = tops[row.segment.number]
        tops[row.segment.number] = row.y_outputs + CELL_H / 2

    canvas_width = max(segment.right for segment in segments) + MARGIN
    notes = _key_notes(rows, show_values, data)
    key_lines = (1 if show_values else 0) + len(notes)
    y_key = y + 0.42
    height = y_key + KEY_LINE * max(key_lines - 1, 0) + 0.22 if key_lines else y + 0.15
    if show_values:  # the colour key's own width, and its notes'
        canvas_width = max(canvas_width, MARGIN + KEY_WIDTH)
    for note in notes:
        canvas_width = max(canvas_width, MARGIN + 0.6 * len(note) * LABEL_FONT / 72 + MARGIN)

    # The scale reaches every value a cell draws (on_a_scale_reaching), and the
    # inputs and states of every step and unit, the elided ones too, as it
    # always has: a figure that draws no value past them keeps its colours.
    states = [v for s in segments for v in s.inputs]
    for layer in recurrent:
        for part in (layer, layer.get("forward", {}), layer.get("backward", {})):
            states += part.get("states", []) + part.get("cell_states", [])

    def place(scale: ValueScale) -> Scene:
        scene = Scene(canvas_width, height, scale, show_values=show_values)
        figure = Unrolled(scene, pitch, rows, data)
        for segment in segments:
            figure.place_inputs(segment, y_tokens, y_inputs)
        for row in rows:
            figure.place_row(row)
        figure.place_key(height - 0.2, notes)
        return scene

    scene = on_a_scale_reaching(place, states)
    # With no key on top (a schematic), the top row's labels may reach higher
    # than its cells: the canvas grows to hold them.
    scene.height = max(height, max(text.extent[3] for text in scene.texts()) + TOP_ROOM)
    return scene


def _key_notes(rows: list[Row], show_values: bool, data: dict[str, Any]) -> list[str]:
    notes = [training_note(data["training"])] if data.get("training") else []
    notes += [note for note in (provenance_note(data),) if note]
    if show_values:
        gated = {row.layer["class"] for row in rows if "gates" in row.layer}
        if "LSTM" in gated:
            notes.append("in LSTM cells: mean forget (f), input (i), output (o) gate")
        if "GRU" in gated:
            notes.append("in GRU cells: mean update (z), reset (r) gate")
    if _masks_a_step(rows):
        notes.append("grey dashed cell: masked step, state passed on unchanged")
    return notes


@dataclass
class Unrolled:
    """Places the shapes of an unrolled model on its scene, once the bands
    and columns are known."""

    scene: Scene
    pitch: float
    rows: list[Row]
    data: dict[str, Any]

    def label(self, x: float, y_center: float, title: str, *details: str, ha: str = "left") -> None:
        self.block(x, y_center, [title], list(details), ha)

    def block(self, x: float, y_center: float, bold: list[str], muted: list[str], ha: str = "left") -> None:
        """Lines of a label, centred on ``y_center``: bold ones, then muted ones."""
        lines = [(line, True) for line in bold] + [(line, False) for line in muted]
        top = y_center + LINE * (len(lines) - 1) / 2
        for i, (line, strong) in enumerate(lines):
            if strong:
                self.scene.text(x, top - LINE * i, line, size=TITLE_FONT, weight="bold", ha=ha)
            else:
                self.scene.text(x, top - LINE * i, line, color=MUTED, ha=ha)

    def x_label(self, segment: Segment) -> float:
        """Left edge of a row's labels: its segment's label column."""
        return segment.left

    def skipped(self, segment: Segment, c: int, y: float, count: bool = False) -> None:
        self.scene.text(segment.xs[c], y, "…", size=14, color=MUTED)
        if count:
            hidden = len(segment.inputs) - len(segment.columns) + 1
            self.scene.text(segment.xs[c], y - 0.2, f"{hidden} more steps", color=MUTED)

    def place_inputs(self, segment: Segment, y_tokens: float, y_inputs: float) -> None:
        scene, steps = self.scene, len(segment.inputs)
        shape = f"shape {format_shape(segment.input_shape)}"
        x_label = self.x_label(segment)
        batch = self.data.get("batch_size", 1)
        sample = [f"sample 1 of {batch}"] if batch > 1 and segment.number == 0 else []
        what = "words" if are_words(segment.tokens) else "steps"
        if segment.number:
            what = f"input {segment.number + 1}: {what}"
        self.label(x_label, y_tokens, what, f"{steps} time step{'s' if steps != 1 else ''}", *sample)
        if segment.token_ids is not None:
            ids = ", ".join(str(i) for i in segment.token_ids[:5]) + (", …" if steps > 5 else "")
            self.label(x_label, y_inputs, "Embedding lookup", f"ids {ids}", shape)
        else:
            self.label(x_label, y_inputs, "inputs", shape)
        for c, t in enumerate(segment.columns):
            if t is None:
                self.skipped(segment, c, y_tokens, count=True)
                self.skipped(segment, c, y_inputs)
                continue
            scene.text(segment.xs[c], y_tokens, segment.tokens[t], size=13, weight="bold")
            what = "token id" if segment.token_ids is not None else "input"
            meaning = f"{what} x{subscript(t + 1)} “{segment.tokens[t]}”"
            scene.strip(segment.xs[c], y_inputs, segment.inputs[t], meaning=meaning, part="feature")
            scene.arrow((segment.xs[c], y_tokens + 0.17), (segment.xs[c], y_inputs - CELL_H / 2 - 0.03))

    def place_row(self, row: Row) -> None:
        scene, layer, segment = self.scene, row.layer, row.segment
        xs, columns = segment.xs, segment.columns
        recurrent = is_recurrent(layer)
        box_height = _box_height(layer, scene.show_values)
        top = row.y + box_height / 2
        number = sum(is_recurrent(r.layer) for r in self.rows[: self.rows.index(row) + 1])
        inner = layer.get("layer", {}).get("class")  # TimeDistributed(Dense): cells say Dense
        if recurrent:
            self.place_lanes(row)
            drawn = list(range(len(columns)))
        else:
            drawn = list(range(len(columns))) if _per_step(layer) else [len(columns) - 1]
        x_label, ha = self.x_label(segment), "left"
        if len(drawn) == 1 and len(columns) > 1:
            # A head over the last step only: its label beside it, not far left.
            x_label, ha = xs[-1] - BOX_W / 2 - BESIDE_GAP, "right"
        self.block(x_label, row.y, *row_title(layer, number), ha=ha)
        for c in drawn:
            t = columns[c]
            if t is None:
                self.skipped(segment, c, row.y)
                continue
            masked = _masked(layer, t)
            if recurrent:
                lines = [
                    f"t = {t + 1}",
                    "masked" if masked else (gate_summary(layer, t) if scene.show_values else ""),
                ]
            else:
                lines = [layer.get("activation", "")]
            name = layer["forward"]["class"] if is_bidirectional(layer) else inner or layer["class"]
            scene.box(xs[c], row.y, name, lines, box_height, masked=masked)
            scene.arrow((xs[c], row.y_fed_from), (xs[c], row.y - box_height / 2), dashed=masked)
        self.place_outputs(row, top, beside=ha == "right")

    def place_lanes(self, row: Row) -> None:
        """The states carried from cell to cell."""
        layer, segment = row.layer, row.segment
        half = _box_height(layer, self.scene.show_values) / 2
        lanes = Lanes(
            self.scene, segment.xs, segment.columns, self.pitch, layer["name"], row.y + half, row.y - half
        )
        row.lanes = lanes
        if is_bidirectional(layer):
            # One cell per step holds both directions: forward on the upper
            # lane, carried right; backward on the lower one, carried left.
            lanes.right(row.y + LANE, layer["forward"]["states"], "→h", final=True, above=True)
            lanes.left(row.y - LANE, layer["backward"]["states"], "←h", above=False)
            return
        if layer.get("go_backwards"):
            if has_cell_state(layer):  # an LSTM reading backwards: c on the upper lane
                lanes.left(row.y + LANE, layer["cell_states"], "c", above=True)
                lanes.left(row.y - LANE, layer["states"], "h", above=False)
            else:
                lanes.left(row.y, layer["states"], "h", above=True)
            return
        initial = layer.get("initial_state")
        source = (layer.get("initial_state_from") or [{}])[0].get("layer")
        hands_over = _hands_over(row, self.rows)
        lane = LANE if has_cell_state(layer) else 0.0
        if lane:
            start_c = initial[1] if initial and len(initial) > 1 else None
            lanes.right(
                row.y + lane,
                layer["cell_states"],
                "c",
                final=hands_over or bool(layer.get("return_state")),
                above=True,
                initial=start_c,
                source=source,
            )
        lanes.right(
            row.y - lane,
            layer["states"],
            "h",
            final=hands_over,
            above=not lane,
            initial=initial[0] if initial else None,
            source=source,
        )
        if initial and source:
            self.place_hand_over(row, source)

    def place_hand_over(self, row: Row, source_name: str) -> None:
        """Arrows from the encoder's final states to the decoder's initial ones."""
        source = next((r for r in self.rows if r.layer["name"] == source_name), None)
        if source is None or source.lanes is None or row.lanes is None:
            return
        finals, initials = source.lanes.ends, row.lanes.ends
        pairs = [(name, name) for name in ("h", "c") if name in finals and name in initials]
        if not pairs and "h" in initials:  # an LSTM's h handed to a GRU, or the other way
            pairs = [(name, "h") for name in ("h",) if name in finals]
        for from_name, to_name in pairs:
            if "final" not in finals[from_name] or "initial" not in initials[to_name]:
                continue
            from_x, from_y, from_half = finals[from_name]["final"]
            to_x, to_y, to_half = initials[to_name]["initial"]
            self.scene.arrow(
                (from_x + from_half + 0.03, from_y), (to_x - to_half - 0.03, to_y), color="#b7791f", width=1.6
            )
            if from_name != pairs[0][0]:
                continue  # one label for the arrows, over the first
            if from_y == to_y:  # level: over its middle
                x_middle = (from_x + from_half + to_x - to_half) / 2
                self.scene.text(x_middle, from_y + 0.14, "initial_state", color=MUTED)
            else:  # aslant: by its start, in the gap before the receiving input's labels
                self.scene.text(
                    from_x + from_half + 0.12, from_y + 0.14, "initial_state", color=MUTED, ha="left"
                )

    def place_outputs(self, row: Row, cells_top: float, beside: bool = False) -> None:
        """The outputs row over the cells; a head's is labelled beside its
        strip (``beside``), clear of its cells however many there are."""
        scene, layer, segment = self.scene, row.layer, row.segment
        xs, columns = segment.xs, segment.columns
        values = _output_rows(layer)
        per_step = _per_step(layer)
        backwards = bool(layer.get("go_backwards"))
        is_top = row is max(self.rows, key=lambda r: r.y_outputs)
        title = "output" if is_top else "outputs"
        if beside:
            reach = max(BOX_W, strip_width(len(values[0]))) / 2
            self.label(xs[-1] - reach - BESIDE_GAP, row.y_outputs, title, *output_details(layer), ha="right")
        else:
            self.label(self.x_label(segment), row.y_outputs, title, *output_details(layer))
        steps = len(segment.inputs)
        positions = range(len(columns)) if per_step else [0 if backwards else len(columns) - 1]
        for c in positions:
            t = columns[c]
            if t is None:
                self.skipped(segment, c, row.y_outputs)
                continue
            step = t
            if backwards and per_step:
                # Keras returns a backwards layer's outputs in reading order:
                # position t holds the state after reading x_T ... x_(T-t).
                step = steps - 1 - t
            row_values = values[step] if per_step else values[0]
            if is_one_way(layer) and layer.get("zero_output_for_mask") and _masked(layer, step):
                row_values = [0.0] * len(row_values)
            if step in columns:
                scene.arrow((xs[columns.index(step)], cells_top), (xs[c], row.y_outputs - CELL_H / 2))
            where = f"step {step + 1}" if per_step else "the output"
            scene.strip(xs[c], row.y_outputs, row_values, meaning=f"{where} of {layer['name']}")
            if is_one_way(layer):
                scene.text(
                    xs[c] + strip_width(len(row_values)) / 2 + 0.03,
                    row.y_outputs + CELL_H / 2 - 0.02,
                    f"h{subscript(step + 1)}",
                    color=MUTED,
                    ha="left",
                    va="bottom",
                )

    def place_key(self, y: float, notes: list[str]) -> None:
        if self.scene.show_values:
            self.scene.colour_key(MARGIN, y)
            y -= KEY_LINE
        for note in notes:
            self.scene.text(MARGIN, y, note, color=MUTED, ha="left")
            y -= KEY_LINE
