"""Places the unrolled figure's shapes on its scene, once :mod:`.geometry` has
given every segment its columns and every row its band.

Labels in each input's label column, the tokens and their input vectors, a
row's cells (the lanes between them laid out by :mod:`.lanes`), the arrows
handing an encoder's final states to a decoder, the outputs row over the
cells, and the colour key with its notes; the words come from :mod:`.wording`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..describe import subscript
from ..figure_data import has_cell_state, is_bidirectional, is_one_way, is_recurrent
from .geometry import KEY_LINE, LANE, box_height
from .lanes import Lanes
from .layer_records import hands_over, masked, outputs_shown, per_step
from .model_rows import Row, Segment
from .scene import (
    BOX_W,
    CELL_H,
    CELL_W,
    MARGIN,
    MUTED,
    SMALLEST_FONT,
    TITLE_FONT,
    Scene,
    fitted,
    largest,
    strip_width,
)
from .wording import (
    cell_lines,
    cell_title,
    class_label,
    input_meaning,
    inputs_label,
    output_details,
    output_meaning,
    ranks_classes,
    row_title,
    tokens_label,
)

LINE = 0.18  # between the lines of a label
BESIDE_GAP = 0.2  # between a head's cell (or outputs) and the label beside it
HAND_OVER_COLOUR = "#b7791f"


@dataclass
class Placer:
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

    def place_ellipsis(self, segment: Segment, c: int, y: float, count: bool = False) -> None:
        """The "…" of the elided column ``c``; under the tokens, how many steps it stands for."""
        self.scene.text(segment.xs[c], y, "…", size=14, color=MUTED)
        if count:  # the steps between the shown ones either side (the first and last always are)
            before, after = segment.columns[c - 1], segment.columns[c + 1]
            assert before is not None and after is not None
            hidden = after - before - 1
            self.scene.text(segment.xs[c], y - 0.2, f"{hidden} more steps", color=MUTED)

    def place_inputs(self, segment: Segment, y_tokens: float, y_inputs: float) -> None:
        """An input's tokens, each over its input vector, with their labels."""
        scene = self.scene
        self.label(segment.left, y_tokens, *tokens_label(segment, self.data.get("batch_size", 1)))
        self.label(segment.left, y_inputs, *inputs_label(segment))
        for c, t in enumerate(segment.columns):
            if t is None:
                self.place_ellipsis(segment, c, y_tokens, count=True)
                self.place_ellipsis(segment, c, y_inputs)
                continue
            scene.text(segment.xs[c], y_tokens, segment.tokens[t], size=13, weight="bold")
            scene.strip(
                segment.xs[c], y_inputs, segment.inputs[t], meaning=input_meaning(segment, t), part="feature"
            )
            scene.arrow((segment.xs[c], y_tokens + 0.17), (segment.xs[c], y_inputs - CELL_H / 2 - 0.03))

    def place_row(self, row: Row) -> None:
        """A layer's cells (one per drawn step, or a head's one), its label and its outputs."""
        scene, layer, segment = self.scene, row.layer, row.segment
        xs, columns = segment.xs, segment.columns
        height = box_height(layer, scene.show_values)
        number = sum(is_recurrent(r.layer) for r in self.rows[: self.rows.index(row) + 1])
        if is_recurrent(layer):
            self.place_lanes(row)
        every_column = is_recurrent(layer) or per_step(layer)
        drawn = list(range(len(columns))) if every_column else [len(columns) - 1]
        x_label, ha = segment.left, "left"
        if len(drawn) == 1 and len(columns) > 1:
            # A head over the last step only: its label beside it, not far left.
            x_label, ha = xs[-1] - BOX_W / 2 - BESIDE_GAP, "right"
        self.block(x_label, row.y, *row_title(layer, number), ha=ha)
        for c in drawn:
            t = columns[c]
            if t is None:
                self.place_ellipsis(segment, c, row.y)
                continue
            is_masked = masked(layer, t)
            lines = cell_lines(layer, t, is_masked, scene.show_values)
            scene.box(xs[c], row.y, cell_title(layer), lines, height, masked=is_masked)
            scene.arrow((xs[c], row.y_fed_from), (xs[c], row.y - height / 2), dashed=is_masked)
        self.place_outputs(row, row.y + height / 2, beside=ha == "right")

    def place_lanes(self, row: Row) -> None:
        """The states carried from cell to cell."""
        layer, segment = row.layer, row.segment
        half = box_height(layer, self.scene.show_values) / 2
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
            # From zeros, or from the state given or carried over, after the last step.
            initial = layer.get("initial_state") or [None, None]
            source = (layer.get("initial_state_from") or [{}])[0].get("layer")
            start = {"source": source, "carried": bool(layer.get("initial_state_carried"))}
            if has_cell_state(layer):  # an LSTM reading backwards: c on the upper lane
                lanes.left(row.y + LANE, layer["cell_states"], "c", above=True, initial=initial[1], **start)
                lanes.left(row.y - LANE, layer["states"], "h", above=False, initial=initial[0], **start)
            else:
                lanes.left(row.y, layer["states"], "h", above=True, initial=initial[0], **start)
            return
        self.place_forward_lanes(row, lanes)

    def place_forward_lanes(self, row: Row, lanes: Lanes) -> None:
        """A layer reading forwards: h (and an LSTM's c over it) carried right
        from its initial state, which another layer may hand over."""
        layer = row.layer
        initial = layer.get("initial_state")
        source = (layer.get("initial_state_from") or [{}])[0].get("layer")
        final = hands_over(row, self.rows)
        lane = LANE if has_cell_state(layer) else 0.0
        carried = bool(layer.get("initial_state_carried"))  # a stateful layer's
        if lane:
            start_c = initial[1] if initial and len(initial) > 1 else None
            lanes.right(
                row.y + lane,
                layer["cell_states"],
                "c",
                final=final or bool(layer.get("return_state")),
                above=True,
                initial=start_c,
                source=source,
                carried=carried,
            )
        lanes.right(
            row.y - lane,
            layer["states"],
            "h",
            final=final,
            above=not lane,
            initial=initial[0] if initial else None,
            source=source,
            carried=carried,
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
                (from_x + from_half + 0.03, from_y),
                (to_x - to_half - 0.03, to_y),
                color=HAND_OVER_COLOUR,
                width=1.6,
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
        layer, segment = row.layer, row.segment
        xs, columns = segment.xs, segment.columns
        values = outputs_shown(layer)
        every_step = per_step(layer)
        backwards = bool(layer.get("go_backwards"))
        is_top = row is max(self.rows, key=lambda r: r.y_outputs)
        title = "output" if is_top else "outputs"
        if beside:
            reach = max(BOX_W, strip_width(len(values[0]))) / 2
            self.label(xs[-1] - reach - BESIDE_GAP, row.y_outputs, title, *output_details(layer), ha="right")
        else:
            self.label(segment.left, row.y_outputs, title, *output_details(layer))
        steps = len(segment.inputs)
        positions = range(len(columns)) if every_step else [0 if backwards else len(columns) - 1]
        for c in positions:
            t = columns[c]
            if t is None:
                self.place_ellipsis(segment, c, row.y_outputs)
                continue
            step = t
            if backwards and every_step:
                # Keras returns a backwards layer's outputs in reading order:
                # position t holds the state after reading x_T ... x_(T-t).
                step = steps - 1 - t
            row_values = values[step] if every_step else values[0]
            if is_one_way(layer) and layer.get("zero_output_for_mask") and masked(layer, step):
                row_values = [0.0] * len(row_values)
            self.place_output(row, c, step, row_values, cells_top)

    def place_output(self, row: Row, c: int, step: int, values: list[float], cells_top: float) -> None:
        """One output strip in column ``c``: the arrow up from its step's cell, and a one-way layer's hₜ."""
        scene, layer, xs, columns = self.scene, row.layer, row.segment.xs, row.segment.columns
        if step in columns:
            scene.arrow((xs[columns.index(step)], cells_top), (xs[c], row.y_outputs - CELL_H / 2))
        units = largest(values) if ranks_classes(layer, len(values)) else None
        scene.strip(xs[c], row.y_outputs, values, meaning=output_meaning(layer, step), units=units)
        if units is not None:
            self.place_class_labels(xs[c], row.y_outputs, layer, units, len(values))
        if is_one_way(layer):
            scene.text(
                xs[c] + strip_width(len(values)) / 2 + 0.03,
                row.y_outputs + CELL_H / 2 - 0.02,
                f"h{subscript(step + 1)}",
                color=MUTED,
                ha="left",
                va="bottom",
            )

    def place_class_labels(self, x: float, y: float, layer: dict[str, Any], units: list, width: int) -> None:
        """Over a wide head's largest outputs, the class of each (its word, or its index)."""
        left = x - strip_width(width) / 2
        for i, unit in enumerate(units):
            if unit is not None:
                label, size = fitted(class_label(layer, unit), CELL_W, SMALLEST_FONT)
                self.scene.text(
                    left + (i + 0.5) * CELL_W, y + CELL_H / 2 + 0.09, label, size=size, color=MUTED
                )

    def place_key(self, y: float, notes: list[str]) -> None:
        """The colour key (if values are shown), then its notes, one a line downwards from ``y``."""
        if self.scene.show_values:
            self.scene.colour_key(MARGIN, y)
            y -= KEY_LINE
        for note in notes:
            self.scene.text(MARGIN, y, note, color=MUTED, ha="left")
            y -= KEY_LINE
