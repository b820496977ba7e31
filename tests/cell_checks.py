"""Every value checked at its cell, not as text anywhere in the SVG.

A figure is read by its geometry: the tokens along the bottom mark the
columns of the time steps; a layer's state after step t floats in the gap
right of step t's column (left of it for a layer reading backwards), its
outputs and the inputs sit on a step's column, and the units of a vector run
left to right. :func:`check_cells` takes a figure's JSON (checked against
NumPy by ``figure_checks``), its SVG and its text layer's regions (from the
scene, or from the page's ``data-tip`` spans) and asserts, for every value
cell, that

* the cell is where what its tooltip names belongs (layer, state, step, unit),
* the SVG text drawn inside the cell is that value as the figure prints it,
  and so is the region's text (what the page's find finds),
* the tooltip's exact value is that value;

and that every value text of the SVG is inside one cell, that every drawn
layer shows the state of each visible step, that the gate means and the
"t = N" lines are in the cell of their step, and that the colour key, centred
on zero, reaches every value a cell shows. Written from the README's
description of a figure, not from the layout's code.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

SVG = "{http://www.w3.org/2000/svg}"
FROM_SUBSCRIPT = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
TO_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
TIP_RE = re.compile(r"^(?P<meaning>.+), (?P<part>unit|feature) (?P<index>\d+): (?P<value>\S+)$")
STATE_RE = re.compile(r"^(?P<lane>→h|←h|h|c)(?P<step>[₀-₉]+) of (?P<layer>.+)$")
ZEROS_RE = re.compile(r"^(?P<lane>→h|←h|h|c) before the last step of (?P<layer>.+)$")
OUTPUT_RE = re.compile(r"^(?:step (?P<step>\d+)|the output) of (?P<layer>.+)$")
INPUT_RE = re.compile(
    r"^(?:input|token id) x(?P<step>[₀-₉]+) “(?P<token>.*?)”(?: \(id (?P<id>\d+) in (?P<vocabulary>.+)\))?$"
)
STEP_LINE_RE = re.compile(r"^t = (\d+)$")
TOKEN_SIZE, SKIPPED_SIZE = 13.0, 14.0  # points: the tokens, and the "…" of hidden steps
GATES_SHOWN = {
    "LSTM": (("f", "forget"), ("i", "input"), ("o", "output")),
    "GRU": (("z", "update"), ("r", "reset")),
}


def shown(value: float) -> str:
    """A value as the figure prints it, in at most five characters: exact zero
    as 0; else 2 decimals (1 from 10, none from 100), 3 below 0.01, then a
    power of ten, so that no value other than zero reads as zero."""
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    for lowest, decimals in ((99.95, 0), (9.995, 1), (0.00995, 2), (0.000995, 3)):
        if lowest <= magnitude < 9999.5:
            return f"{value:.{decimals}f}".replace("-", "\u2212")
    mantissa, exponent = f"{value:.{1 if magnitude >= 1 else 0}e}".split("e")
    return f"{mantissa}e{int(exponent)}".replace("-", "\u2212")


def shown_gate(value: float) -> str:
    text = f"{value:.2f}"
    return "1.0" if text == "1.00" else text.removeprefix("0")


def visible(values: list) -> list:
    """What a figure shows of a long row: all of up to 7 values, else the
    first 3 and the last 2 (cells)."""
    return values if len(values) <= 7 else values[:3] + values[-2:]


@dataclass(frozen=True)
class SvgText:
    x: float  # the anchor, in the SVG's units from its top left
    y: float
    text: str
    size: float
    bold: bool
    in_cell: bool  # drawn inside a value cell: no ink-/muted- id for the dark style


@dataclass(frozen=True)
class Drawing:
    """A figure's texts, where they are drawn, on a canvas of ``width`` × ``height``."""

    width: float
    height: float
    texts: list[SvgText]


def svg_texts(svg: str) -> Drawing:
    """The texts of an SVG the figure's renderer wrote."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    texts = []
    for group in root.iter(f"{SVG}g"):
        for element in group.findall(f"{SVG}text"):
            style = element.attrib["style"]
            size = re.search(r"font-size: ([\d.]+)px", style)
            assert size, style
            texts.append(
                SvgText(
                    float(element.attrib["x"]),
                    float(element.attrib["y"]),
                    "".join(element.itertext()),
                    float(size.group(1)),
                    "font-weight: 700" in style,
                    not group.attrib.get("id", "").startswith(("ink-", "muted-")),
                )
            )
    return Drawing(width, height, texts)


def scene_texts(scene: Any) -> Drawing:
    """The texts of a laid-out figure (a ``Scene``), as its SVG would place them
    (in points from the top left), for the tests that draw nothing."""
    texts = [
        SvgText(t.x * 72, (scene.height - t.y) * 72, t.text, t.size, t.weight == "bold", not t.on_page)
        for t in scene.texts()
    ]
    return Drawing(scene.width * 72, scene.height * 72, texts)


def scene_regions(scene: Any) -> list[list]:
    """A laid-out figure's text layer, as the page gets it."""
    return [region.as_fractions(scene.width, scene.height) for region in scene.regions]


@dataclass
class Columns:
    """One model input's columns: the x of each shown step (None: the "…")."""

    number: int  # the model input's
    count: int  # its time steps
    steps: list[int | None]
    xs: list[float]
    before: float  # the previous input's last column (or -inf)
    after: float = math.inf  # the next input's first column

    def x(self, step: int) -> float:
        assert step in self.steps, f"step {step + 1} has no column"
        return self.xs[self.steps.index(step)]

    def gap_right_of(self, step: int) -> tuple[float, float]:
        """From the column of the last shown step at or before ``step`` to the next shown one."""
        shown_steps = [s for s in self.steps if s is not None]
        left = max(s for s in shown_steps if s <= step)
        later = [s for s in shown_steps if s > left]
        return self.x(left), self.x(later[0]) if later else self.after

    def gap_left_of(self, step: int) -> tuple[float, float]:
        """From the previous shown column to the first shown step at or after ``step``."""
        shown_steps = [s for s in self.steps if s is not None]
        right = min(s for s in shown_steps if s >= step)
        earlier = [s for s in shown_steps if s < right]
        return (self.x(earlier[-1]) if earlier else self.before), self.x(right)


SEGMENT_LABEL_RE = re.compile(r"^(?:input \d+: )?(?:words|steps|characters)$")
HIDDEN_RE = re.compile(r"^(\d+) more steps$")


def _columns(sequences: list[dict], texts: list[SvgText]) -> list[Columns]:
    """Each input's columns, from its tokens along the bottom, left to right:
    an input's start at its label ("words", "input 2: steps"), and each "…"
    standing for the steps its "N more steps" says."""
    tokens = [t for t in texts if t.size == TOKEN_SIZE and t.bold]
    assert tokens, "no tokens in the SVG"
    row_y = tokens[0].y
    assert all(abs(t.y - row_y) < 1 for t in tokens), "the tokens are not on one line"
    row = sorted(
        tokens + [t for t in texts if t.size == SKIPPED_SIZE and t.text == "…" and abs(t.y - row_y) < 4],
        key=lambda t: t.x,
    )
    starts = sorted(t.x for t in texts if t.bold and SEGMENT_LABEL_RE.match(t.text))
    assert len(starts) == len(sequences), f"{len(starts)} inputs labelled, {len(sequences)} drawn"
    columns: list[Columns] = []
    for number, sequence in enumerate(sequences):
        end = starts[number + 1] if number + 1 < len(starts) else math.inf
        drawn = [t for t in row if starts[number] < t.x < end]
        steps, shown_steps, step = len(sequence["inputs"]), [], 0
        for item in drawn:
            if item.text == "…" and item.size == SKIPPED_SIZE:
                [hidden] = [
                    int(m[1]) for t in texts if abs(t.x - item.x) < 1 and (m := HIDDEN_RE.match(t.text))
                ]
                assert hidden > 1, f"a “…” for {hidden} step of input {number + 1}: the step itself fits"
                shown_steps.append(None)
                step += hidden
            else:
                shown_steps.append(step)
                step += 1
        assert step == steps, f"input {number + 1}: {step} steps drawn or counted, of {steps}"
        labels = [t.text for t in drawn]
        assert labels == [str(sequence["tokens"][s]) if s is not None else "…" for s in shown_steps], (
            f"tokens drawn {labels}, for steps {shown_steps} of {sequence['tokens']}"
        )
        before = columns[-1].xs[-1] if columns else -math.inf
        if columns:
            columns[-1].after = drawn[0].x
        columns.append(Columns(number, steps, shown_steps, [t.x for t in drawn], before))
    return columns


def check_steps_chosen(data: dict[str, Any], figure: Figure, name: str) -> None:
    """The steps drawn keep the point (README, "What a figure shows"): all of
    up to 5; else the first and the last, in at most 5 columns, the steps=
    option's, and no masked or padded step (but the first and last) while a
    step that carries a word is hidden."""
    chosen = data.get("figure_options", {}).get("steps") or []
    for columns in figure.columns:
        steps = [s for s in columns.steps if s is not None]
        wanted = chosen[columns.number] if columns.number < len(chosen) else []
        if wanted:
            assert {w - 1 for w in wanted} <= set(steps), f"{name}: steps={wanted} drawn as {steps}"
        elif columns.count <= 5:
            assert steps == list(range(columns.count)), f"{name}: {columns.count} steps drawn as {steps}"
            continue
        else:
            assert len(columns.steps) <= 5, f"{name}: {len(columns.steps)} columns"
        assert steps[0] == 0 and steps[-1] == columns.count - 1, f"{name}: steps {steps} drawn"
        padded = figure.padded(columns)
        hidden_words = [t for t in range(columns.count) if t not in steps and t not in padded]
        shown_pads = [t for t in steps[1:-1] if t in padded]
        assert not (hidden_words and shown_pads and not wanted), (
            f"{name}: padded step(s) {shown_pads} drawn, word step(s) {hidden_words} hidden"
        )


@dataclass(frozen=True)
class Cell:
    """A value cell of the text layer, in the SVG's units."""

    left: float
    top: float
    right: float
    bottom: float
    text: str
    meaning: str
    part: str
    unit: int  # 0-based
    tip_value: float

    @property
    def x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def y(self) -> float:
        return (self.top + self.bottom) / 2

    def holds(self, text: SvgText) -> bool:
        return self.left <= text.x <= self.right and self.top <= text.y <= self.bottom


def _cells(regions: list[list], width: float, height: float) -> list[Cell]:
    cells = []
    for left, top, w, h, text, tip in regions:
        if not tip:
            continue
        match = TIP_RE.match(tip)
        assert match, f"unreadable tooltip {tip!r}"
        cells.append(
            Cell(
                left * width,
                top * height,
                (left + w) * width,
                (top + h) * height,
                text,
                match["meaning"],
                match["part"],
                int(match["index"]) - 1,
                float(match["value"].replace("−", "-")),
            )
        )
    return cells


@dataclass
class Strip:
    """The cells of one vector (a state, an input, an output), left to right."""

    meaning: str
    part: str
    cells: list[Cell]

    @property
    def x(self) -> float:
        """Its middle (its "…" cell, which has no tooltip, included)."""
        return (min(cell.left for cell in self.cells) + max(cell.right for cell in self.cells)) / 2


def _strips(cells: list[Cell]) -> list[Strip]:
    """Cells side by side with the same meaning (a "…" cell may stand between
    two): two inputs' strips of a step whose tokens are the same stay two."""
    rows: dict[tuple[str, int], list[Cell]] = {}
    for cell in cells:
        rows.setdefault((cell.meaning, round(cell.y)), []).append(cell)
    strips: list[Strip] = []
    for row in rows.values():
        row.sort(key=lambda cell: cell.x)
        strip = Strip(row[0].meaning, row[0].part, [row[0]])
        for before, cell in zip(row, row[1:], strict=False):
            if cell.left - before.right > 1.5 * (before.right - before.left):
                strips.append(strip)
                strip = Strip(cell.meaning, cell.part, [])
            strip.cells.append(cell)
        strips.append(strip)
    return strips


ON_COLUMN = 1.0  # SVG units (points): a strip or a line centred on a column


class Figure:
    """What the figure's JSON says each strip shows, and where."""

    def __init__(self, data: dict[str, Any], columns: list[Columns]):
        self.data, self.columns = data, columns
        self.sequences = data.get("sequences") or [data]
        self.layers = {layer["name"]: layer for layer in data["layers"]}

    def segment(self, name: str) -> Columns:
        """The columns a layer is drawn in: those of the input it reads, through the layers before it."""
        source = self.layers[name].get("input_from") or {"input": 0}
        if source.get("layer") in self.layers:
            return self.segment(source["layer"])
        return self.columns[min(source.get("input", 0), len(self.columns) - 1)]

    def padded(self, columns: Columns) -> set[int]:
        """The steps of an input that carry no word: ``<pad>``, or skipped by the mask of a layer reading it."""
        tokens = self.sequences[columns.number]["tokens"]
        padded = {t for t, token in enumerate(tokens) if token == "<pad>"}
        for layer in self.data["layers"]:
            if (
                layer.get("mask")
                and self.segment(layer["name"]) is columns
                and len(layer["mask"]) == len(tokens)
            ):
                padded |= {t for t, kept in enumerate(layer["mask"]) if not kept}
        return padded

    def units_shown(self, strip: Strip, values: list[float]) -> list[int]:
        """The units a strip shows, in order: of a softmax head over more than
        7 classes its 5 largest values, largest first; else :func:`visible`."""
        match = OUTPUT_RE.match(strip.meaning)
        layer = self.layers.get(match["layer"]) if match else None
        head = layer is not None and "states" not in layer and "forward" not in layer
        if head and layer.get("activation") == "softmax" and len(values) > 7:
            return sorted(range(len(values)), key=lambda unit: (-values[unit], unit))[:5]
        return visible(list(range(len(values))))

    def column_at(self, x: float) -> tuple[Columns, int | None] | None:
        """The input and step of the column at ``x``, if one is there."""
        for columns in self.columns:
            for step, column_x in zip(columns.steps, columns.xs, strict=True):
                if abs(column_x - x) <= ON_COLUMN:
                    return columns, step
        return None

    def expect(self, strip: Strip) -> tuple[list[float], str]:
        """The values of a strip's vector, and where it must be ("" if it is
        there, else what is wrong)."""
        meaning = strip.meaning
        if match := INPUT_RE.match(meaning):
            assert strip.part == "feature", meaning
            step = int(match["step"].translate(FROM_SUBSCRIPT)) - 1
            found = self.column_at(strip.x)
            if found is None or found[1] != step:
                return self.sequences[0]["inputs"][step], f"{meaning} drawn off its step's column"
            sequence = self.sequences[found[0].number]
            assert str(sequence["tokens"][step]) == match["token"], meaning
            if match["id"] is not None:  # the word was looked up: the id is the step's own
                assert int(match["id"]) == sequence["token_ids"][step], meaning
            return sequence["inputs"][step], ""
        assert strip.part == "unit", meaning
        if match := ZEROS_RE.match(meaning):
            layer, columns = self.layers[match["layer"]], self.segment(match["layer"])
            last = columns.steps[-1]
            assert last is not None
            units = len(self._lane(layer, match["lane"])[0])
            # Zeros, or the state it is given (handed over, or carried over by a stateful layer).
            start = [0.0] * units if match["lane"] == "←h" else self._initial(layer, match["lane"], units)
            return start, self._in_gap(strip, columns.gap_right_of(last))
        if match := STATE_RE.match(meaning):
            layer, columns = self.layers[match["layer"]], self.segment(match["layer"])
            step = int(match["step"].translate(FROM_SUBSCRIPT))  # 1-based; 0 is the initial state
            states = self._lane(layer, match["lane"])
            backwards = bool(layer.get("go_backwards")) or match["lane"] == "←h"
            if step == 0:
                assert not backwards, meaning
                initial = self._initial(layer, match["lane"], len(states[0]))
                return initial, self._in_gap(strip, columns.gap_left_of(0))
            gap = columns.gap_left_of(step - 1) if backwards else columns.gap_right_of(step - 1)
            return states[step - 1], self._in_gap(strip, gap)
        match = OUTPUT_RE.match(meaning)
        assert match, f"a tooltip names no value: {meaning!r}"
        layer, columns = self.layers[match["layer"]], self.segment(match["layer"])
        one_way = "states" in layer and "forward" not in layer
        backwards = bool(layer.get("go_backwards"))
        if match["step"] is None:  # one output: the last state (the first, read backwards)
            values = self._output(layer, None)
            at = 0 if backwards else columns.count - 1
        else:
            step = int(match["step"]) - 1
            values = self._output(layer, step)
            at = columns.count - 1 - step if backwards and one_way else step  # in Keras' order
        x = strip.x
        if self.units_shown(strip, values) != visible(list(range(len(values)))):
            x += (strip.cells[0].right - strip.cells[0].left) / 2  # its "…" cell is its last
        if self.column_at(x) != (columns, at):
            return values, f"{meaning} drawn off the column of step {at + 1}"
        return values, ""

    def _lane(self, layer: dict[str, Any], lane: str) -> list[list[float]]:
        if lane == "→h":
            return layer["forward"]["states"]
        if lane == "←h":
            return layer["backward"]["states"]
        return layer["cell_states"] if lane == "c" else layer["states"]

    def _initial(self, layer: dict[str, Any], lane: str, units: int) -> list[float]:
        initial = layer.get("initial_state") or []
        index = 1 if lane == "c" else 0
        return initial[index] if len(initial) > index else [0.0] * units

    def _output(self, layer: dict[str, Any], step: int | None) -> list[float]:
        """A layer's output at ``step`` (None: its one output), as Keras returns it."""
        if "forward" in layer and layer["merge_mode"] is None:  # two outputs: the forward one is drawn
            states = layer["forward"]["states"]
            return states[-1] if step is None else states[step]
        if "states" in layer and "forward" not in layer:
            if step is None:
                return layer["states"][0 if layer.get("go_backwards") else -1]
            mask = layer.get("mask")
            if layer.get("zero_output_for_mask") and mask and not mask[step]:
                return [0.0] * layer["units"]
            return layer["states"][step]
        return layer["outputs"] if step is None else layer["outputs"][step]

    @staticmethod
    def _in_gap(strip: Strip, gap: tuple[float, float]) -> str:
        left, right = gap
        return "" if left < strip.x < right else f"{strip.meaning} drawn outside its gap between steps"


def _drawn_recurrent(data: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = [name.lower() for name in data.get("figure_options", {}).get("layers") or []]
    return [
        layer
        for layer in data["layers"]
        if "states" in layer or "forward" in layer
        if not wanted or layer["name"].lower() in wanted or layer["class"].lower() in wanted
    ]


def check_values(cells: list[Cell], values: list[float], in_cells: list[SvgText], name: str) -> list[float]:
    """Each cell of one vector: the SVG text inside it, the text layer's and
    its tooltip's value are its unit's value; returns the values checked."""
    checked = []
    for cell in cells:
        value = values[cell.unit]
        checked.append(value)
        drawn = [t.text for t in in_cells if cell.holds(t)]
        assert drawn == [shown(value)], (
            f"{name}: {cell.meaning}, unit {cell.unit + 1} shows {drawn}, not {shown(value)}"
        )
        assert cell.text == shown(value), f"{name}: the text layer has {cell.text} for {cell.meaning}"
        limit = 5.01e-5 if abs(value) >= 0.001 else 5.01e-4 * abs(value)
        assert abs(cell.tip_value - value) <= limit, (
            f"{name}: tooltip {cell.tip_value} for {value} ({cell.meaning})"
        )
    return checked


def check_cells(
    data: dict[str, Any], drawing: Drawing, regions: list[list], name: str, peak: float | None = None
) -> None:
    """See the module's docstring. ``drawing``: the figure's SVG
    (:func:`svg_texts`) or scene (:func:`scene_texts`); ``regions``: its text
    layer, as fractions of the figure from its top left,
    ``[left, top, width, height, text, tip]``; ``peak``: the upper end of the
    colour scale the layout stored (``Scene.scale``), if known."""
    width, height, texts = drawing.width, drawing.height, drawing.texts
    figure = Figure(data, _columns(data.get("sequences") or [data], texts))
    check_steps_chosen(data, figure, name)
    cells = _cells(regions, width, height)
    values_shown = data.get("figure_options", {}).get("values", True)
    in_cells = [t for t in texts if t.in_cell and t.text != "…"]
    if not values_shown:
        assert not cells and not in_cells, f"{name}: a schematic shows values"
        return
    for text in in_cells:
        holders = [cell for cell in cells if cell.holds(text)]
        assert len(holders) == 1, (
            f"{name}: value {text.text} at ({text.x:.1f}, {text.y:.1f}) is in {len(holders)} cells"
        )
    drawn_values: list[float] = []
    for strip in _strips(cells):
        values, misplaced = figure.expect(strip)
        assert not misplaced, f"{name}: {misplaced}"
        units = [cell.unit for cell in strip.cells]
        assert units == figure.units_shown(strip, values), (
            f"{name}: {strip.meaning}'s units drawn in the order {[unit + 1 for unit in units]}"
        )
        drawn_values += check_values(strip.cells, values, in_cells, name)
    _check_every_state_shown(data, figure, {cell.meaning for cell in cells}, name)
    _check_cell_lines(data, figure, texts, name)
    _check_key_reaches(texts, drawn_values, peak, name)


KEY_LABEL = "cell colour = value:"


def key_ends(texts: list[SvgText]) -> tuple[str, str]:
    """The colour key's two ends as printed: the two texts on its label's line."""
    labels = [t for t in texts if t.text == KEY_LABEL]
    assert len(labels) == 1, f"{len(labels)} colour keys"
    line = sorted(
        (t for t in texts if not t.in_cell and t is not labels[0] and abs(t.y - labels[0].y) < 3),
        key=lambda t: t.x,
    )
    assert len(line) == 2, f"the key's line has {[t.text for t in line]}"
    return line[0].text, line[1].text


def key_number(text: str) -> float:
    return float(text.replace("\u2212", "-"))


def key_precision(end: float) -> float:
    """Half a unit of the last digit of a key's end, printed to two
    significant digits (``0.9`` is 0.90, ``1`` is 1.0, ``1.2e+04``)."""
    return 0.5 * 10 ** (math.floor(math.log10(abs(end))) - 1)


def _check_key_reaches(texts: list[SvgText], values: list[float], peak: float | None, name: str) -> None:
    """The key, centred on zero, states the scale's range (``peak``, the
    layout's, to its two significant digits) and reaches every value a cell
    shows: within the key's ends as printed (as rounded, half a unit of their
    last digit) and, when the layout's scale is known, within it exactly. Past
    the scale, two values would share one saturated colour."""
    low_text, high_text = key_ends(texts)
    low, high = key_number(low_text), key_number(high_text)
    assert high_text.startswith("+") and low == -high, f"{name}: a key of {low_text} … {high_text}"
    reach = high + key_precision(high)
    largest = max(values, key=abs, default=0.0)
    assert abs(largest) <= reach, f"{name}: the key says {low_text} … {high_text}, a cell shows {largest}"
    if peak is None:
        return
    assert abs(peak - high) <= key_precision(high), f"{name}: the key says {high_text} of a scale to {peak}"
    assert abs(largest) <= peak, f"{name}: the colour scale ends at ±{peak}, a cell shows {largest}"


def _check_every_state_shown(data: dict[str, Any], figure: Figure, meanings: set[str], name: str) -> None:
    """The inputs of every shown step, and each drawn layer's state after it."""
    for number, sequence in enumerate(figure.sequences):
        for step in [s for s in figure.columns[number].steps if s is not None]:
            wanted = f"x{str(step + 1).translate(TO_SUBSCRIPT)} “{sequence['tokens'][step]}”"
            assert any(m.endswith(wanted) or f"{wanted} (id " in m for m in meanings), (
                f"{name}: input {number + 1} at step {step + 1} not shown"
            )
    for layer in _drawn_recurrent(data):
        steps, layer_name = [s for s in figure.segment(layer["name"]).steps if s is not None], layer["name"]
        lanes = ["→h", "←h"] if "forward" in layer else ["h"] + (["c"] if "cell_states" in layer else [])
        for lane in lanes:
            for step in steps:
                if lane == "c" and not layer.get("go_backwards") and step == steps[-1]:
                    continue  # c after the last step is drawn only when Keras returns it
                as_state = f"{lane}{str(step + 1).translate(TO_SUBSCRIPT)} of {layer_name}"
                as_output = {f"step {step + 1} of {layer_name}"}
                if lane == "h" and step == (0 if layer.get("go_backwards") else steps[-1]):
                    as_output.add(f"the output of {layer_name}")
                assert as_state in meanings or (lane == "h" and as_output & meanings), (
                    f"{name}: {as_state} not shown"
                )


def _check_cell_lines(data: dict[str, Any], figure: Figure, texts: list[SvgText], name: str) -> None:
    """A cell's "t = N" line, and its gate means, in the column of its step."""
    for text in texts:
        if match := STEP_LINE_RE.match(text.text):
            found = figure.column_at(text.x)
            assert found and found[1] == int(match[1]) - 1, f"{name}: {text.text} drawn off its step's column"
    for layer in _drawn_recurrent(data):
        if "gates" not in layer:
            continue
        # By what the cell computes: an RNN(LSTMCell)'s cells show an LSTM's gates.
        gates_shown = GATES_SHOWN[layer["cell"].removesuffix("Cell")]
        columns = figure.segment(layer["name"])
        for step in [s for s in columns.steps if s is not None]:
            gates = {gate: layer["gates"][gate][step] for _, gate in gates_shown}
            if any(values is None for values in gates.values()):
                continue  # a masked step
            summary = " ".join(
                f"{letter}{shown_gate(sum(gates[gate]) / len(gates[gate]))}" for letter, gate in gates_shown
            )
            xs = [t.x for t in texts if t.text == summary]
            assert any(abs(x - columns.x(step)) <= ON_COLUMN for x in xs), (
                f"{name}: {summary} (step {step + 1} of {layer['name']}) not in its cell"
            )
