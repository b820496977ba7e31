"""An attention figure read by its geometry, each weight checked in its cell.

Written from the README's description of the figure, not from its layout's
code: the query's words run down the left (one row each, first at the top),
the attended words across the top of each grid (a grid per head, left to
right), a weight where its row and column cross, and the context vector
right of its row. :func:`check_attention_figure` asserts, for every cell of
the text layer, that it sits in the row and column its tooltip names (word
and step), that the SVG text drawn in it and the region's text are the
value as the figure prints it, and that the tooltip's exact value is the
NumPy weight; that every shown pair has its cell; that each context vector
is in its row, its units in order; and that the colour key reaches every value.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from cell_checks import TIP_RE, _check_key_reaches, shown, svg_texts
from figure_checks import check_data
from layout_checks import check_layout
from reference_attention import recompute_attention

WEIGHT_RE = re.compile(
    r"^attention(?: \(head (?P<head>\d+)\))? of (?P<query>\S+) step (?P<row>\d+) \(“(?P<row_word>.*)”\) "
    r"on (?P<value>\S+) step (?P<column>\d+) \(“(?P<column_word>.*)”\): (?P<exact>\S+)$"
)
CONTEXT_RE = re.compile(r"^(?:context|output) at (?P<query>\S+) step (?P<row>\d+) \(“(?P<row_word>.*)”\)$")
STEP_SIZE = 12.0  # points: the words along both axes
NEAR = 1.0  # SVG units (points)


def visible(steps: int) -> list[int | None]:
    """The README: up to 13 steps along an axis are shown, else the first 8, "…" (None) and the last 3."""
    return list(range(steps)) if steps <= 13 else [*range(8), None, *range(steps - 3, steps)]


def _words(tokens: list[str], steps: int) -> list[str]:
    return ["…" if step is None else tokens[step] for step in visible(steps)]


def attention_layer(data: dict) -> dict:
    wanted = data["figure_options"]["attention"]
    [layer] = [
        layer
        for layer in data["layers"]
        if "attention" in layer
        and (wanted is True or wanted.lower() in (layer["name"].lower(), layer["class"].lower()))
    ]
    return layer


def numpy_weights(data: dict, layer: dict) -> tuple[np.ndarray, np.ndarray]:
    """The layer's weights and outputs, recomputed from what NumPy computes for
    the layers feeding it (every record, this one too, checked against NumPy)."""
    produced = check_data(data)
    sequences = data.get("sequences") or [data]

    def given(source: dict):
        if "input" in source:
            return sequences[source["input"]]["inputs"]
        return produced[source["layer"]][source["output"]]

    attention = layer["attention"]
    return recompute_attention(layer, *(given(attention[f"{s}_from"]) for s in ("query", "value", "key")))


def _cells(regions: list[list], width: float, height: float) -> list[tuple[dict, tuple, str, str]]:
    found = []
    for left, top, w, h, text, tip in regions:
        if tip:
            box = (left * width, top * height, (left + w) * width, (top + h) * height)
            found.append((tip, box, text))
    return found


def _inside(box: tuple, x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def check_attention_figure(png: Path, regions: list[list], tokens: tuple[list[str], list[str]]) -> dict:
    """See the module's docstring; ``tokens``: the query's and the attended
    steps' words as the test knows them. Returns the figure's JSON."""
    data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    drawing = svg_texts(png.with_suffix(".svg").read_text(encoding="utf-8"))
    layer = attention_layer(data)
    weights, output = numpy_weights(data, layer)
    heads, rows, columns = weights.shape
    words = [t for t in drawing.texts if t.bold and t.size == STEP_SIZE]
    left_x = min(t.x for t in words)  # the left column: the query's words, right-aligned
    row_labels = sorted((t for t in words if abs(t.x - left_x) < NEAR), key=lambda t: t.y)
    header = sorted((t for t in words if t not in row_labels), key=lambda t: t.x)
    assert [t.text for t in row_labels] == _words(tokens[0], rows), [t.text for t in row_labels]
    per_head = len(header) // heads
    assert [t.text for t in header] == _words(tokens[1], columns) * heads, [t.text for t in header]
    in_cells = [t for t in drawing.texts if t.in_cell and t.text != "…"]
    seen: set[tuple[int, int, int]] = set()
    drawn: list[float] = []
    for tip, box, text in _cells(regions, drawing.width, drawing.height):
        if match := WEIGHT_RE.match(tip):
            head = int(match["head"] or 1) - 1
            row, column = int(match["row"]) - 1, int(match["column"]) - 1
            assert (match["row_word"], match["column_word"]) == (tokens[0][row], tokens[1][column]), tip
            label = row_labels[visible(rows).index(row)]
            assert box[1] <= label.y <= box[3], f"{tip}: drawn off the row of its query step"
            over = header[head * per_head + visible(columns).index(column)]
            assert box[0] <= over.x <= box[2], f"{tip}: drawn off the column of its attended step"
            value = float(weights[head, row, column])
            seen.add((head, row, column))
        else:
            match = TIP_RE.match(tip)
            assert match, f"unreadable tooltip {tip!r}"
            place = CONTEXT_RE.match(match["meaning"])
            assert place, tip
            row, unit = int(place["row"]) - 1, int(match["index"]) - 1
            assert place["row_word"] == tokens[0][row], tip
            label = row_labels[visible(rows).index(row)]
            assert box[1] <= label.y <= box[3] and box[0] > header[-1].x, f"{tip}: not right of its row"
            value = float(output[row, unit])
        assert [t.text for t in in_cells if _inside(box, t.x, t.y)] == [shown(value)], tip
        assert text == shown(value), tip
        exact = float(tip.rsplit(": ", 1)[1].replace("−", "-"))
        assert abs(exact - value) <= 5.01e-5, (tip, value)
        drawn.append(value)
    wanted = {
        (h, r, c)
        for h in range(heads)
        for r in visible(rows)
        for c in visible(columns)
        if r is not None and c is not None
    }
    assert seen == wanted, f"cells missing: {sorted(wanted - seen)[:5]}"
    for text in in_cells:
        holders = [
            box
            for _, box, _ in _cells(regions, drawing.width, drawing.height)
            if _inside(box, text.x, text.y)
        ]
        assert len(holders) == 1, f"{text.text} at ({text.x:.1f}, {text.y:.1f}) is in {len(holders)} cells"
    _check_key_reaches(drawing.texts, drawn, None, png.name)
    return data


def check_attention_layout(data: dict) -> None:
    """The scene drawn: legible, nothing overlapping or off the canvas."""
    from pelican_rnn_figures.worker.drawing.attention_grid import layout_attention

    check_layout(layout_attention(data))


def axis_tokens(data: dict, layer: dict) -> tuple[list[str], list[str]]:
    """The words of the query's steps and of the attended steps, as the README
    says they are labelled: the tokens of the model input the recurrent layer
    that made them reads (last first for a layer read backwards whose steps
    Keras returns in that order), else the steps' numbers."""
    records = {other["name"]: other for other in data["layers"]}
    sequences = data.get("sequences") or [data]
    weights = layer["attention"]["weights"]
    found = []
    for side, steps in (("query", len(weights[0])), ("value", len(weights[0][0]))):
        record = records[layer["attention"][f"{side}_from"]["layer"]]
        source = record
        while "input" not in (source.get("input_from") or {"input": 0}):
            source = records[source["input_from"]["layer"]]
        tokens = [str(t) for t in sequences[(source.get("input_from") or {"input": 0})["input"]]["tokens"]]
        if len(tokens) != steps:
            tokens = [str(t + 1) for t in range(steps)]
        elif "states" in record and record.get("go_backwards"):
            tokens = tokens[::-1]
        found.append(tokens)
    return found[0], found[1]
