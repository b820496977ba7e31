"""Lay out an attention figure: a query × attended-steps grid of weights, as a scene.

The figure the classic papers draw by hand: the attended steps across the
top (the encoder's words), the query steps down the left (the decoder's),
one cell per pair holding the weight that query step gives that step (each
row sums to 1), coloured by it; right of each row, the context vector the
weights make (the layer's output at that query step). A
``MultiHeadAttention`` of two heads gets a grid per head, side by side, and
its output on the right. Which layer and what its axes are is
:mod:`.attention_axes`' to say; the colour key is the figures' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .attention_axes import Axis, axis, chosen_layer, refusal
from .glyphs import text_width
from .model_rows import UndrawableError
from .scene import (
    CELL_H,
    CELL_W,
    ELLIPSIS_FONT,
    INK,
    KEY_WIDTH,
    LABEL_FONT,
    MARGIN,
    MUTED,
    STRONG_COLOUR,
    TITLE_FONT,
    WHITE,
    Region,
    Scene,
    ValueCell,
    ValueScale,
    elide,
    exact_value,
    format_value,
    on_a_scale_reaching,
    strip_width,
    value_font,
)

STEP_FONT = 12.0  # the words along both axes
MAX_GRID_STEPS, KEEP_FIRST_GRID_STEPS = 12, 8  # longer axes are elided around a "…"
HEAD_GAP = 0.3  # between the grids of two heads
CONTEXT_GAP = 0.45  # between the grid and the context vectors
LINE = 0.26  # between the lines of the titles and the key
TOP_ROOM = 0.12
WORD_ROOM = 0.12  # between two attended words over their columns


@dataclass(frozen=True)
class Grid:
    """The attention drawn: its layer, axes, the steps shown, weights and contexts."""

    layer: dict[str, Any]
    query: Axis
    value: Axis
    rows: list[int | None]  # query steps shown (None: "…")
    columns: list[int | None]  # attended steps shown
    weights: list[list[list[float]]]  # heads × query steps × attended steps
    contexts: list[list[float]]  # query steps × units

    @property
    def column_w(self) -> float:
        """A value cell's width, or wider: an attended word wider than a cell widens its column."""
        widths = [text_width(word, STEP_FONT, bold=True) + WORD_ROOM for word in self.value.labels]
        return max([CELL_W, *widths])

    @property
    def heads(self) -> int:
        return len(self.weights)

    @property
    def context_name(self) -> str:
        return "output" if self.layer["class"] == "MultiHeadAttention" else "context"


def read_grid(data: dict[str, Any]) -> Grid:
    """The attention the figure draws; a LayoutError or UndrawableError (naming
    the layer and what to do) for one it cannot."""
    layer = chosen_layer(data)
    reason = refusal(layer)
    if reason:
        raise UndrawableError(reason)
    weights = layer["attention"]["weights"]
    query_steps, value_steps = len(weights[0]), len(weights[0][0])
    query, value = axis(layer, "query", data, query_steps), axis(layer, "value", data, value_steps)
    return Grid(
        layer,
        query,
        value,
        elide(list(range(query_steps)), MAX_GRID_STEPS, KEEP_FIRST_GRID_STEPS),
        elide(list(range(value_steps)), MAX_GRID_STEPS, KEEP_FIRST_GRID_STEPS),
        weights,
        layer["attention"]["contexts"],
    )


def _quoted(axis_: Axis, step: int) -> str:
    return f"{axis_.layer} step {step + 1} (“{axis_.labels[step]}”)"


def weight_tip(grid: Grid, head: int, row: int, column: int) -> str:
    """``attention of decoder step 3 (“9”) on encoder step 1 (“2”): 0.8312``."""
    of = f" (head {head + 1})" if grid.heads > 1 else ""
    value = grid.weights[head][row][column]
    return (
        f"attention{of} of {_quoted(grid.query, row)} on {_quoted(grid.value, column)}: {exact_value(value)}"
    )


@dataclass(frozen=True)
class Frame:
    """Where the parts go (inches from the bottom left)."""

    label_right: float  # the query words end here
    grid_lefts: list[float]  # one per head
    context_x: float  # the middle of the context vectors
    top_row_y: float  # the middle of the first row
    header_y: float  # the attended words
    names_y: float  # the axes' layer names
    title_y: float
    key_y: float
    width: float
    height: float


def _frame(grid: Grid) -> Frame:
    grid_w = grid.column_w * len(grid.columns)
    label_w = max(text_width(word, STEP_FONT, bold=True) for word in [*grid.query.labels, "…"])
    label_w = max(label_w, text_width(grid.query.layer, LABEL_FONT))
    label_right = MARGIN + label_w + 0.12
    # Each grid in a block as wide as the name over it, at least: the names never touch.
    block_w = max(grid_w, max(text_width(_grid_name(grid, h), LABEL_FONT) for h in range(grid.heads)) + 0.1)
    first = label_right + 0.1 + (block_w - grid_w) / 2
    lefts = [first + h * (block_w + HEAD_GAP) for h in range(grid.heads)]
    context_w = strip_width(len(grid.contexts[0]))
    context_room = max(context_w, text_width(grid.context_name, LABEL_FONT))
    context_x = lefts[-1] + (grid_w + block_w) / 2 + CONTEXT_GAP + context_room / 2
    key_y = MARGIN + LINE / 2
    top_row_y = key_y + LINE + 0.1 + CELL_H * (len(grid.rows) - 0.5)
    header_y = top_row_y + CELL_H / 2 + 0.17
    names_y = header_y + LINE
    title_y = names_y + 2 * LINE + 0.05  # the subtitle one line under it
    titles = [_title(grid), _subtitle(grid)]
    width = max(
        context_x + max(context_w / 2, text_width(grid.context_name, LABEL_FONT) / 2),
        MARGIN + max(text_width(titles[0], TITLE_FONT, bold=True), text_width(titles[1], LABEL_FONT)),
        MARGIN + KEY_WIDTH,
    )
    height = title_y + TITLE_FONT / 144 + TOP_ROOM
    return Frame(
        label_right, lefts, context_x, top_row_y, header_y, names_y, title_y, key_y, width + MARGIN, height
    )


def _grid_name(grid: Grid, head: int) -> str:
    """The name over a grid: the attended layer's (and its head)."""
    return grid.value.layer + (f", head {head + 1}" if grid.heads > 1 else "")


def _title(grid: Grid) -> str:
    return f"{grid.layer['name']} ({grid.layer['class']})"


def _subtitle(grid: Grid) -> str:
    return (
        f"each step of {grid.query.layer} (a row) weighs the steps of {grid.value.layer}; each row sums to 1"
    )


def layout_attention(data: dict[str, Any]) -> Scene:
    """The attention figure of ``data``'s attention layer; see the module's docstring."""
    grid = read_grid(data)
    frame = _frame(grid)

    def place(scale: ValueScale) -> Scene:
        scene = Scene(frame.width, frame.height, scale)
        scene.text(MARGIN, frame.title_y, _title(grid), size=TITLE_FONT, weight="bold", ha="left")
        scene.text(MARGIN, frame.title_y - LINE, _subtitle(grid), color=MUTED, ha="left")
        _place_axes(scene, grid, frame)
        for head in range(grid.heads):
            _place_weights(scene, grid, frame, head)
        _place_contexts(scene, grid, frame)
        scene.colour_key(MARGIN, frame.key_y)
        return scene

    # The scale reaches 1 at least: a weight's colour says how much of the row it has
    # (uniform weights of 0.25 are pale, not the deepest red of a scale ending at 0.25).
    shown = [[1.0], *([v for row in head for v in row] for head in grid.weights), *grid.contexts]
    return on_a_scale_reaching(place, shown)


def _row_y(frame: Frame, i: int) -> float:
    return frame.top_row_y - i * CELL_H


def _place_axes(scene: Scene, grid: Grid, frame: Frame) -> None:
    """The query words down the left, the attended words over each grid, the layers' names."""
    scene.text(frame.label_right, frame.names_y, grid.query.layer, color=MUTED, ha="right")
    for i, step in enumerate(grid.rows):
        word = "…" if step is None else grid.query.labels[step]
        scene.text(frame.label_right, _row_y(frame, i), word, size=STEP_FONT, weight="bold", ha="right")
    width, pitch = grid.column_w * len(grid.columns), grid.column_w
    for head, left in enumerate(frame.grid_lefts):
        scene.text(left + width / 2, frame.names_y, _grid_name(grid, head), color=MUTED)
        for j, step in enumerate(grid.columns):
            word = "…" if step is None else grid.value.labels[step]
            scene.text(left + (j + 0.5) * pitch, frame.header_y, word, size=STEP_FONT, weight="bold")
    scene.text(frame.context_x, frame.names_y, grid.context_name, color=MUTED)


def _place_weights(scene: Scene, grid: Grid, frame: Frame, head: int) -> None:
    """One cell per query step and attended step, its weight in it."""
    left, pitch = frame.grid_lefts[head], grid.column_w
    for i, row in enumerate(grid.rows):
        y = _row_y(frame, i)
        for j, column in enumerate(grid.columns):
            x = left + j * pitch
            value = None if row is None or column is None else grid.weights[head][row][column]
            scene.shapes.append(ValueCell(x, y - CELL_H / 2, pitch, CELL_H, value))
            if row is None or column is None or value is None:
                scene.text(x + pitch / 2, y, "…", size=ELLIPSIS_FONT, color=MUTED, on_page=False)
                continue
            label = format_value(value)
            strong = abs(scene.scale.position(value) - 0.5) > STRONG_COLOUR
            scene.text(
                x + pitch / 2,
                y,
                label,
                size=value_font(label),
                color=WHITE if strong else INK,
                on_page=False,
            )
            tip = weight_tip(grid, head, row, column)
            scene.regions.append(Region(x, y - CELL_H / 2, pitch, CELL_H, label, tip))


def _place_contexts(scene: Scene, grid: Grid, frame: Frame) -> None:
    """Right of each row, the context vector its weights make."""
    for i, row in enumerate(grid.rows):
        y = _row_y(frame, i)
        if row is None:
            scene.text(frame.context_x, y, "…", size=ELLIPSIS_FONT, color=MUTED)
            continue
        meaning = f"{grid.context_name} at {_quoted(grid.query, row)}"
        scene.strip(frame.context_x, y, grid.contexts[row], meaning=meaning)
