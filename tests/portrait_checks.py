"""Every value of a portrait figure checked at its cell, as :mod:`cell_checks`
checks the landscape one.

Read by its geometry, from the README's description of the portrait layout:
time runs down, one row per shown step, its token in bold in the left column
or over its input vector (a "…" for hidden steps, with how many it hides),
its "t = N" under it; the inputs' column comes next, then one column per
drawn layer, left to right in the order the data flows through them; a
recurrent layer's cell at step t holds the states it leaves (hₜ, cₜ, →hₜ,
←hₜ) in the row of step t, and so does a head over every step; an output
returned once is under the last row; a vector's units run top to bottom (a
wide softmax head's: its largest first, each with its class on its right).
The steps shown are read from the tokens' "t = N" and each "…" row's "N
more" (``figure_checks.check_portrait_figure`` holds them to the landscape
figure's, or fewer past 2.5 screens). A layer that passes its inputs on
unchanged (a Dropout when predicting) may be named in the key instead of
drawn; its outputs must then be its inputs. :func:`check_portrait` asserts,
for every value cell, that it is where its tooltip says, that the SVG text
inside it and the text layer's are the value as the figure prints it, and
that the tooltip's value is exact; that every value text is in one cell;
that each drawn layer shows every shown step; that a stateful layer's start
says it is carried over, over its column; and that the colour key reaches
every value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from cell_checks import (
    FROM_SUBSCRIPT,
    INPUT_RE,
    OUTPUT_RE,
    STATE_RE,
    Cell,
    Columns,
    Drawing,
    Figure,
    Strip,
    SvgText,
    _cells,
    _drawn_recurrent,
    check_values,
    key_number,
    visible,
)

KEY_LABEL = "cell colour = value:"
PASSED_ON = {
    "Dropout",
    "SpatialDropout1D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
}


def _rows(data: dict[str, Any], texts: list[SvgText]) -> tuple[list[int | None], list[float], float]:
    """The shown steps (read from the "t = N" under each token, a "…" row's
    "N more"), the y of each one's row (its token), and the x past the token column."""
    inputs_header = next(t for t in texts if t.bold and t.text == "inputs")
    left = [t for t in texts if t.y > inputs_header.y + 20 and t.x < inputs_header.x + 1]
    tokens = sorted((t for t in left if t.bold or (t.text == "…" and t.size >= 13)), key=lambda t: t.y)
    shown: list[int | None] = []
    hidden: list[int] = []
    for token in tokens:
        under = [t for t in left if abs(t.x - token.x) < 1 and 0 < t.y - token.y < 2.2 * token.size]
        if token.text == "…":
            [more] = [int(t.text.split()[0]) for t in under if t.text.endswith(" more")]
            shown.append(None)
            hidden.append(more)
            continue
        [step] = [int(t.text.removeprefix("t = ")) - 1 for t in under if t.text.startswith("t = ")]
        label, word = token.text, str(data["tokens"][step])
        assert label == word or (label.endswith("…") and word.startswith(label[:-1])), (
            f"step {step + 1}'s token drawn as {label!r}, not {word!r}"
        )
        shown.append(step)
    steps = len(data["inputs"])
    drawn = [s for s in shown if s is not None]
    assert drawn[0] == 0 and drawn[-1] == steps - 1 and drawn == sorted(set(drawn)), f"steps drawn {shown}"
    for i, gap in enumerate(i for i, s in enumerate(shown) if s is None):
        before, after = shown[gap - 1], shown[gap + 1]
        assert before is not None and after is not None and hidden[i] == after - before - 1, (
            f"a '…' row says {hidden[i]} more, between steps {before} and {after} (0-based)"
        )
    for before, after in zip(shown, shown[1:], strict=False):
        assert before is None or after is None or after == before + 1, f"steps {shown}: a gap without a '…'"
    return shown, [t.y for t in tokens], max(t.x for t in tokens)


def _strips(cells: list) -> list[tuple[str, float, list]]:
    """Cells of one vector: one meaning, one x, stacked; top to bottom."""
    strips: dict[tuple[str, int], list] = {}
    for cell in cells:
        strips.setdefault((cell.meaning, round(cell.x)), []).append(cell)
    return [(meaning, x, sorted(found, key=lambda c: c.y)) for (meaning, x), found in strips.items()]


class _Portrait:
    def __init__(self, data: dict[str, Any], drawing: Drawing, cells: list[Cell], name: str):
        self.data, self.name = data, name
        self.steps, self.row_ys, self.token_right = _rows(data, drawing.texts)
        # Tokens over their input vectors (at a row's top), or in a column left of them (at its middle).
        self.tokens_over = any(
            INPUT_RE.match(c.meaning) and c.left < self.token_right < c.right for c in cells
        )
        self.layers = {layer["name"]: layer for layer in data["layers"]}
        columns = Columns(0, len(data["inputs"]), self.steps, self.row_ys, -math.inf)
        # (Which steps: the landscape figure's, or fewer past 2.5 screens;
        # figure_checks.check_portrait_figure compares the two.)
        self.figure = Figure(data, [columns])

    def row_of(self, y: float) -> int | None:
        """The shown step whose token is nearest to ``y`` (tokens over their
        inputs: the last token over ``y``); a "…" row holds no values (the
        value texts are each in a cell, checked apart)."""
        rows = [i for i, step in enumerate(self.steps) if step is not None]
        if self.tokens_over:
            over = [i for i in rows if self.row_ys[i] < y]
            return self.steps[over[-1]] if over else None
        nearest = min(rows, key=lambda i: abs(self.row_ys[i] - y))
        return self.steps[nearest]

    def expect(self, meaning: str, x: float, y: float) -> tuple[list[float], str, str]:
        """The values of a vector, the layer it belongs to ("" for the inputs), and what is wrong ("")."""
        at = self.row_of(y)
        if match := INPUT_RE.match(meaning):
            step = int(match["step"].translate(FROM_SUBSCRIPT)) - 1
            assert str(self.data["tokens"][step]) == match["token"], meaning
            wrong = "" if at == step else f"{meaning} drawn in the row of step {at}"
            return self.data["inputs"][step], "", wrong
        if match := STATE_RE.match(meaning):
            layer = self.layers[match["layer"]]
            step = int(match["step"].translate(FROM_SUBSCRIPT)) - 1
            assert step >= 0, f"{meaning}: a portrait names its initial states, it does not draw them"
            wrong = "" if at == step else f"{meaning} drawn in the row of step {at}"
            return self.figure._lane(layer, match["lane"])[step], layer["name"], wrong
        match = OUTPUT_RE.match(meaning)
        assert match, f"a tooltip names no value: {meaning!r}"
        layer = self.layers[match["layer"]]
        if match["step"] is None:
            below = y > self.row_ys[-1] + 20
            return (
                self.figure._output(layer, None),
                layer["name"],
                "" if below else f"{meaning} over the last row",
            )
        step = int(match["step"]) - 1
        wrong = "" if at == step else f"{meaning} drawn in the row of step {at}"
        return self.figure._output(layer, step), layer["name"], wrong


def check_portrait(
    data: dict[str, Any], drawing: Drawing, regions: list[list], name: str
) -> list[int | None]:
    """See the module's docstring. ``drawing``: the portrait SVG's texts
    (``cell_checks.svg_texts``) or its scene's (``scene_texts``); ``regions``:
    its text layer, as fractions of the figure from its top left. Returns the
    steps it shows (None: a "…" row)."""
    assert not data.get("sequences") or len(data["sequences"]) == 1, f"{name}: a portrait of two inputs"
    cells = _cells(regions, drawing.width, drawing.height)
    portrait = _Portrait(data, drawing, cells, name)
    in_cells = [t for t in drawing.texts if t.in_cell and t.text != "…"]
    if not data.get("figure_options", {}).get("values", True):
        assert not cells and not in_cells, f"{name}: a schematic shows values"
        return portrait.steps
    for text in in_cells:
        holders = [cell for cell in cells if cell.holds(text)]
        assert len(holders) == 1, (
            f"{name}: value {text.text} at ({text.x:.1f}, {text.y:.1f}) is in {len(holders)} cells"
        )
    columns: dict[str, list[float]] = {}
    values_drawn: list[float] = []
    for meaning, x, strip in _strips(cells):
        values, layer, wrong = portrait.expect(meaning, x, sum(c.y for c in strip) / len(strip))
        assert not wrong, f"{name}: {wrong}"
        if not OUTPUT_RE.match(meaning) or OUTPUT_RE.match(meaning)["step"] is not None:
            columns.setdefault(layer, []).append(x)  # (an output returned once is under the last row)
        units = [cell.unit for cell in strip]
        wanted = portrait.figure.units_shown(Strip(meaning, "unit", strip), values)
        assert units == wanted, f"{name}: {meaning}'s units drawn as {units}, not {wanted}"
        if wanted != visible(list(range(len(values)))):  # a wide head: its largest outputs
            _check_classes(portrait.layers[OUTPUT_RE.match(meaning)["layer"]], strip, drawing.texts, name)
        values_drawn += check_values(strip, values, in_cells, name)
    # (Tokens over their inputs: the inputs' column is the tokens' own.)
    _check_columns(data, columns, portrait.token_right - (2 if portrait.tokens_over else 0), name)
    _check_every_state_shown(data, portrait.steps, {cell.meaning for cell in cells}, name)
    _check_starts(data, portrait, columns, drawing.texts, name)
    _check_passed_on(data, columns, drawing.texts, name)
    _check_key(drawing.texts, values_drawn, name)
    return portrait.steps


def _check_classes(layer: dict[str, Any], strip: list, texts: list[SvgText], name: str) -> None:
    """A wide head's cells (its largest outputs): each one's class on its right,
    on its line (its word, else its index; cut short with "…" if too wide)."""
    for cell in strip:
        wanted = layer["class_labels"][cell.unit] if layer.get("class_labels") else str(cell.unit)
        beside = [
            t.text for t in texts if not t.in_cell and 0 < t.x - cell.right < 8 and abs(t.y - cell.y) < 3
        ]
        assert len(beside) == 1 and (
            beside[0] == wanted or (beside[0].endswith("…") and wanted.startswith(beside[0][:-1]))
        ), f"{name}: unit {cell.unit + 1} of {layer['name']} labelled {beside}, not its class {wanted!r}"


def _check_starts(
    data: dict[str, Any],
    portrait: _Portrait,
    columns: dict[str, list[float]],
    texts: list[SvgText],
    name: str,
) -> None:
    """A stateful layer's lanes start from the state its last call left: over
    its first row (under its last, read backwards), in its column, each lane
    named (h₀, c₀) and "carried over" said once."""
    for layer in _drawn_recurrent(data):
        if not layer.get("initial_state_carried") or layer["name"] not in columns:
            continue
        xs, first, last = columns[layer["name"]], portrait.row_ys[0], portrait.row_ys[-1]
        backwards = bool(layer.get("go_backwards"))
        starts = [
            t.text
            for t in texts
            if min(xs) - 12 < t.x < max(xs) + 12
            and (last < t.y < last + 150 if backwards else first - 90 < t.y < first)
        ]
        wanted = ["carried over", "h₀"] + (["c₀"] if "cell_states" in layer else [])
        assert all(starts.count(text) == 1 for text in wanted), (
            f"{name}: {layer['name']} starts from {starts}, not {wanted} (stateful: carried over)"
        )


def _check_columns(
    data: dict[str, Any], columns: dict[str, list[float]], token_right: float, name: str
) -> None:
    """The inputs first, then each layer's column, left to right in the order of the data."""
    order = [""] + [layer["name"] for layer in data["layers"] if layer["name"] in columns]
    spans = [(min(columns[layer]), max(columns[layer])) for layer in order if layer in columns]
    assert spans and spans[0][0] > token_right, f"{name}: the inputs are not right of the tokens"
    for (_, right), (left, _), layer in zip(spans, spans[1:], order[1:], strict=False):
        assert left > right, f"{name}: {layer}'s column is not right of the one before it"


def _check_passed_on(
    data: dict[str, Any], columns: dict[str, list[float]], texts: list[SvgText], name: str
) -> None:
    """A layer not drawn is a Dropout-like one the key names, whose outputs are exactly its inputs."""
    layers = {layer["name"]: layer for layer in data["layers"]}
    notes = " ".join(t.text for t in texts if not t.in_cell)
    for layer in data["layers"]:
        note = f"{layer['name']} ({layer['class']}) passes its inputs on unchanged"
        if layer["name"] in columns or note not in notes:
            continue
        source = layers[layer["input_from"]["layer"]]
        assert layer["class"] in PASSED_ON, (
            f"{name}: {layer['name']} ({layer['class']}) is named as passing its inputs on"
        )
        figure = Figure(data, [])
        if layer["outputs"] and isinstance(layer["outputs"][0], list):
            inputs = [figure._output(source, step) for step in range(len(layer["outputs"]))]
        else:
            inputs = figure._output(source, None)
        assert np.array_equal(np.asarray(layer["outputs"]), np.asarray(inputs)), (
            f"{name}: {layer['name']} is said to pass its inputs on unchanged, but changes them"
        )


def _check_every_state_shown(
    data: dict[str, Any], shown: list[int | None], meanings: set[str], name: str
) -> None:
    steps = [step for step in shown if step is not None]
    for layer in _drawn_recurrent(data):
        lanes = ["→h", "←h"] if "forward" in layer else (["c", "h"] if "cell_states" in layer else ["h"])
        for step in steps:
            for lane in lanes:
                state = f"{lane}{str(step + 1).translate(str.maketrans('0123456789', '₀₁₂₃₄₅₆₇₈₉'))} of {layer['name']}"
                assert state in meanings, f"{name}: {state} is not drawn"


def _check_key(texts: list[SvgText], values: list[float], name: str) -> None:
    """The key's two ends, on the line under its label, centred on zero and reaching every value."""
    label = next(t for t in texts if t.text == KEY_LABEL)
    line = [t for t in texts if 0 < t.y - label.y < 2 * label.size and t.text[:1] in "−+"]
    assert len(line) == 2, f"{name}: the key's ends are {[t.text for t in line]}"
    low, high = (key_number(t.text) for t in sorted(line, key=lambda t: t.x))
    assert low == -high, f"{name}: the key is not centred on zero ({low}, {high})"
    assert all(abs(v) <= high * 1.05 + 1e-9 for v in values), f"{name}: a value is past the key's {high}"
