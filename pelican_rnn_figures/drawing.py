"""Draw figures from their data: the unrolled RNN, embeddings and words.

The only module that imports matplotlib. Every function takes the figure's
JSON data (see the README's schema) and writes ``stem.png`` and ``stem.svg``;
nothing here runs a model, so a figure is a pure function of its data. Layout
units are inches at 100 CSS pixels per inch; the PNG is saved at ``dpi``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import colormaps  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402

from .describe import format_shape  # noqa: E402

CELL_W, CELL_H = 0.44, 0.30
# Wide layers and long sequences are elided: the first and last kept around "…".
MAX_CELLS, KEEP_FIRST_CELLS = 6, 3
MAX_STEPS, KEEP_FIRST_STEPS = 4, 2
ELLIPSIS_ROOM = 0.55  # between a cell and the "…" column, which carries no strip
BOX_W, BOX_H = 0.92, 0.60
ARROW_ROOM = 0.14
LABEL_COL = 1.5
MARGIN = 0.15
INK = "#1f2933"
MUTED = "#52606d"
BOX_FACE = "#eef2f7"
BOX_EDGE = "#52606d"
ZERO_FACE = "#ffffff"
FONT = {"family": "DejaVu Sans"}
CMAP = colormaps["RdBu_r"]

# Value cells keep their colours (and their dark or white text) in dark mode;
# the page, labels, arrows and layer cells turn dark and light.
DARK_MODE_CSS = """
@media (prefers-color-scheme: dark) {
  #background path { fill: #111827 !important; }
  g[id^="ink-"] text { fill: #e5e7eb !important; }
  g[id^="muted-"] text { fill: #9aa5b1 !important; }
  g[id^="arrow-"] path { fill: #9aa5b1 !important; stroke: #9aa5b1 !important; }
  g[id^="box-"] path { fill: #1f2937 !important; stroke: #9aa5b1 !important; }
}
"""

STYLE = {
    "svg.fonttype": "none",  # keep text as <text>, so numbers stay searchable
    "svg.hashsalt": "pelican-rnn-figures",  # stable ids: same data, same SVG
    "font.family": "DejaVu Sans",
}


@dataclass
class Canvas:
    """A figure in inch coordinates with the drawing primitives we need."""

    width: float
    height: float
    norm: Normalize

    def __post_init__(self) -> None:
        self.count = 0
        with matplotlib.rc_context(STYLE):
            self.figure = Figure(figsize=(self.width, self.height))
            self.axes = self.figure.add_axes((0, 0, 1, 1))
        self.axes.set_xlim(0, self.width)
        self.axes.set_ylim(0, self.height)
        self.axes.set_axis_off()

    def gid(self, role: str) -> str:
        """An SVG id naming what an element is, for the dark-mode style sheet."""
        self.count += 1
        return f"{role}-{self.count}"

    def text(self, x, y, text, size=9.0, color=INK, weight="normal", on_page=True, **kwargs) -> None:
        """Text; ``on_page`` text (not inside a value cell) turns light in dark mode."""
        kwargs.setdefault("ha", "center")
        kwargs.setdefault("va", "center")
        if on_page and color in (INK, MUTED):
            kwargs["gid"] = self.gid("ink" if color == INK else "muted")
        self.axes.text(x, y, text, fontsize=size, color=color, fontweight=weight, **kwargs)

    def arrow(self, start, end, color=MUTED, width=1.3) -> None:
        self.axes.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=10,
                color=color,
                linewidth=width,
                shrinkA=0,
                shrinkB=0,
                gid=self.gid("arrow"),
            )
        )

    def box(self, x, y, title, subtitle="", height=BOX_H) -> None:
        """A layer cell centred on (x, y)."""
        self.axes.add_patch(
            FancyBboxPatch(
                (x - BOX_W / 2, y - height / 2),
                BOX_W,
                height,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=BOX_FACE,
                edgecolor=BOX_EDGE,
                linewidth=1.2,
                gid=self.gid("box"),
            )
        )
        if subtitle:
            self.text(x, y + 0.08, title, size=9.5, weight="bold")
            self.text(x, y - 0.13, subtitle, size=8.3, color=MUTED)
        else:
            self.text(x, y, title, size=9.5, weight="bold")

    def strip(self, x, y, values, zero=False) -> float:
        """A row of value cells centred on (x, y); returns its width. Long rows
        keep their first and last cells around a "…" cell."""
        shown = elide(list(values), MAX_CELLS, KEEP_FIRST_CELLS)
        width = strip_width(len(values))
        left = x - width / 2
        for i, value in enumerate(shown):
            face = ZERO_FACE if zero or value is None else CMAP(self.norm(value))
            self.axes.add_patch(
                Rectangle(
                    (left + i * CELL_W, y - CELL_H / 2),
                    CELL_W,
                    CELL_H,
                    facecolor=face,
                    edgecolor=BOX_EDGE,
                    linewidth=0.8,
                    linestyle=":" if value is None else "-",
                )
            )
            if value is None:
                self.text(left + (i + 0.5) * CELL_W, y, "…", size=10, color=MUTED, on_page=False)
                continue
            strong = not zero and abs(self.norm(value) - 0.5) > 0.33
            self.text(
                left + (i + 0.5) * CELL_W,
                y,
                format_value(value),
                size=8.5,
                color="white" if strong else INK,
                on_page=False,
            )
        return width

    def save(self, stem: Path, dpi: int) -> None:
        """PNG (always light) and SVG (following the reader's colour scheme)."""
        self.figure.patch.set_gid("background")
        with matplotlib.rc_context(STYLE):
            self.figure.savefig(f"{stem}.png", dpi=dpi, facecolor="white")
            self.figure.savefig(f"{stem}.svg", facecolor="white", metadata={"Date": None})
        svg = Path(f"{stem}.svg")
        text = svg.read_text(encoding="utf-8")
        svg.write_text(text.replace("</style>", DARK_MODE_CSS + "</style>", 1), encoding="utf-8")


def elide(items: list, limit: int, keep_first: int) -> list:
    """At most ``limit`` items: the first ``keep_first``, None for "…", the last."""
    if len(items) <= limit:
        return items
    keep_last = limit - keep_first - 1
    return items[:keep_first] + [None] + items[len(items) - keep_last :]


def strip_width(cells: int) -> float:
    return CELL_W * min(cells, MAX_CELLS)


def format_value(value: float) -> str:
    """Two decimals with a real minus sign, and no "−0.00"."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text.replace("-", "\u2212")


def _value_norm(arrays: list[list[float]]) -> Normalize:
    """A diverging scale centred on zero covering at least [-1, 1]."""
    peak = max([1.0] + [abs(v) for row in arrays for v in row])
    return Normalize(vmin=-peak, vmax=peak)


def draw_unrolled(data: dict[str, Any], stem: Path, dpi: int) -> None:
    """The model unrolled in time: tokens, inputs, one row of cells per layer.

    The column left of step 1 holds each row's label and the zero initial
    states, so the figure is no wider than the unrolled cells themselves.
    Long sequences keep their first and last steps around a "…" column.
    """
    tokens, inputs = data["tokens"], data["inputs"]
    recurrent = [layer for layer in data["layers"] if _is_recurrent(layer)]
    first_recurrent = data["layers"].index(recurrent[0])
    # Layers before the first recurrent one (an Embedding) make its inputs;
    # the ones after it (Dense, ...) are drawn on top.
    heads = [layer for layer in data["layers"][first_recurrent:] if not _is_recurrent(layer)]
    steps = len(inputs)
    columns: list[int | None] = elide(list(range(steps)), MAX_STEPS, KEEP_FIRST_STEPS)
    widest = strip_width(max([len(inputs[0])] + [_output_width(layer) for layer in recurrent]))
    gap = max(widest + 2 * ARROW_ROOM, LABEL_COL)
    xs = [MARGIN + gap + BOX_W / 2]
    for c in range(1, len(columns)):
        if columns[c] is None:  # the state after the last shown step, then "…"
            xs.append(xs[-1] + BOX_W / 2 + gap + ELLIPSIS_ROOM / 2)
        elif columns[c - 1] is None:  # only the strips above and below need room
            xs.append(xs[-1] + max(BOX_W, widest) / 2 + ELLIPSIS_ROOM)
        else:
            xs.append(xs[-1] + BOX_W + gap)
    width = xs[-1] + max(BOX_W / 2, widest / 2) + MARGIN + 0.2  # room for h_T
    if any(_lane_leaves_right(layer) for layer in recurrent):
        width += gap - widest / 2 + BOX_W / 2  # a strip right of the last cell

    # Rows from the bottom: tokens, inputs, then per layer its cells and
    # outputs, then any heads (Dense, ...) with theirs, then the colour key.
    # A layer's title and parameter count sit above its first cell, left.
    row_gap, title_room = 0.40, 0.30
    rows: list[tuple[str, Any, float]] = []
    y = 0.30
    rows.append(("tokens", None, y))
    y += 0.55
    rows.append(("inputs", None, y))
    y += CELL_H / 2
    for layer in [*recurrent, *heads]:
        half = _box_height(layer) / 2
        y += row_gap + half
        rows.append(("layer" if _is_recurrent(layer) else "head", layer, y))
        y += half + title_room + row_gap + CELL_H / 2
        rows.append(("outputs", layer, y))
        y += CELL_H / 2
    y_key = y + 0.42
    height = y_key + 0.22

    shown = list(inputs)
    for layer in recurrent:
        for part in (layer, layer.get("forward", {}), layer.get("backward", {})):
            shown += part.get("states", []) + part.get("cell_states", [])
    canvas = Canvas(width, height, _value_norm(shown))
    last = len(columns) - 1

    def label(y_center, title, *details: str) -> None:
        top = y_center + 0.09 * len(details)
        canvas.text(MARGIN, top, title, size=9.5, weight="bold", ha="left")
        for i, detail in enumerate(details):
            canvas.text(MARGIN, top - 0.18 * (i + 1), detail, size=8.3, color=MUTED, ha="left")

    def skipped(c: int, y_row: float) -> None:
        hidden = steps - len(columns) + 1
        canvas.text(xs[c], y_row, "…", size=14, color=MUTED)
        if y_row == rows[0][2]:
            canvas.text(xs[c], y_row - 0.2, f"{hidden} more steps", size=7.5, color=MUTED)

    below: list[tuple[float, float]] = []
    layer_number = 0
    for kind, layer, y_row in rows:
        if kind == "tokens":
            label(y_row, "words", f"{steps} time steps")
            for c, t in enumerate(columns):
                if t is None:
                    skipped(c, y_row)
                else:
                    canvas.text(xs[c], y_row, tokens[t], size=13, weight="bold")
        elif kind == "inputs":
            if "token_ids" in data:
                ids = ", ".join(str(i) for i in data["token_ids"][:4]) + (", …" if steps > 4 else "")
                label(y_row, "Embedding lookup", f"ids {ids}", f"shape {format_shape(data['input_shape'])}")
            else:
                label(y_row, "inputs", f"shape {format_shape(data['input_shape'])}")
            for c, t in enumerate(columns):
                if t is None:
                    skipped(c, y_row)
                    continue
                canvas.strip(xs[c], y_row, inputs[t])
                canvas.arrow((xs[c], y_row - 0.55 + 0.17), (xs[c], y_row - CELL_H / 2 - 0.03))
            below = [(x, y_row + CELL_H / 2) for x in xs]
        elif kind in ("layer", "head"):
            box_height = _box_height(layer)
            top = y_row + box_height / 2
            if kind == "layer":
                layer_number += 1
                title = f"layer {layer_number} · {_layer_name(layer)}"
            else:
                title = layer["class"]
            canvas.text(MARGIN, top + 0.34, title, size=9.5, weight="bold", ha="left")
            canvas.text(MARGIN, top + 0.15, f"{layer['params']} params", size=8.3, color=MUTED, ha="left")
            if kind == "layer" and "forward" in layer:
                # One cell per step holds both directions: forward on the upper
                # lane, carried right; backward on the lower one, carried left.
                forward, backward = layer["forward"]["states"], layer["backward"]["states"]
                _draw_carried(
                    canvas, xs, columns, y_row + 0.22, forward, "→h", gap, final=True, label_above=True
                )
                _draw_carried_left(canvas, xs, columns, y_row - 0.22, backward, "←h", gap)
                drawn = range(len(columns))
            elif kind == "layer" and layer.get("go_backwards"):
                _draw_carried_left(canvas, xs, columns, y_row, layer["states"], "h", gap)
                drawn = range(len(columns))
            elif kind == "layer":
                lane = 0.22 if "cell_states" in layer else 0.0
                if lane:
                    _draw_carried(
                        canvas, xs, columns, y_row + lane, layer["cell_states"], "c", gap, final=True
                    )
                _draw_carried(canvas, xs, columns, y_row - lane, layer["states"], "h", gap)
                drawn = range(len(columns))
            else:
                drawn = range(len(columns)) if _per_step(layer) else [last]
            for c in drawn:
                if columns[c] is None:
                    skipped(c, y_row)
                    continue
                subtitle = f"t = {columns[c] + 1}" if kind == "layer" else layer.get("activation", "")
                name = layer["forward"]["class"] if "forward" in layer else layer["class"]
                canvas.box(xs[c], y_row, name, subtitle, box_height)
                canvas.arrow(below[c], (xs[c], y_row - box_height / 2))
            below = [(x, top) for x in xs]
        else:  # outputs
            values = layer["states"] if "states" in layer else layer.get("outputs") or []
            if "forward" in layer and layer["merge_mode"] is None:
                values = layer["forward"]["states"]  # two outputs: the forward one shown
            per_step = _per_step(layer)
            if not per_step:
                values = [_final_state(layer)] if "states" in layer else [values]
            is_top = y_row == rows[-1][2]
            how = (
                "return_sequences=True"
                if layer.get("return_sequences")
                else ("last state only" if _is_recurrent(layer) else "")
            )
            if "forward" in layer:
                how = f"merge_mode={layer['merge_mode']!r}" + (", per step" if per_step else "")
            shape = layer["output_shape"]
            state_note = ""
            if layer.get("return_state"):
                # Keras returns [output, h] (and c for an LSTM): the states drawn above.
                state_note = f"return_state: + h{', c' if 'cell_states' in layer else ''}"
                shape = shape[0]
            label(
                y_row,
                "output" if is_top else "outputs",
                *filter(None, [how, state_note, format_shape(shape)]),
            )
            for c in range(len(columns)) if per_step else [0 if layer.get("go_backwards") else last]:
                t = columns[c]
                if t is None:
                    skipped(c, y_row)
                    continue
                row = values[t] if per_step else values[0]
                canvas.arrow(below[c], (xs[c], y_row - CELL_H / 2))
                canvas.strip(xs[c], y_row, row)
                if "states" in layer:
                    canvas.text(
                        xs[c] + strip_width(len(row)) / 2 + 0.03,
                        y_row + CELL_H / 2 - 0.02,
                        f"h{_subscript(t + 1)}",
                        size=8.3,
                        color=MUTED,
                        ha="left",
                        va="bottom",
                    )
            below = [(x, y_row + CELL_H / 2) for x in xs]

    _draw_colour_key(canvas, MARGIN, y_key)
    canvas.save(stem, dpi)


def _is_recurrent(layer: dict[str, Any]) -> bool:
    return "states" in layer or "forward" in layer


def _lane_leaves_right(layer: dict[str, Any]) -> bool:
    """An LSTM's final c, a forward final state or a backward zero state is
    drawn right of the last cell."""
    return "cell_states" in layer or "forward" in layer or bool(layer.get("go_backwards"))


def _final_state(layer: dict[str, Any]) -> list[float]:
    """The state after the last step read (the first token's, reading backwards)."""
    return layer["states"][0] if layer.get("go_backwards") else layer["states"][-1]


def _output_width(layer: dict[str, Any]) -> int:
    if "forward" in layer and layer["merge_mode"] == "concat":
        return 2 * layer["units"]
    return layer["units"]


def _layer_name(layer: dict[str, Any]) -> str:
    if "forward" in layer:
        return f"Bidirectional({layer['forward']['class']}({layer['units']}))"
    backwards = ", go_backwards" if layer.get("go_backwards") else ""
    return f"{layer['class']}({layer['units']}{backwards})"


def _per_step(layer: dict[str, Any]) -> bool:
    """Whether a layer outputs one vector per time step."""
    if _is_recurrent(layer):
        return bool(layer["return_sequences"])
    outputs = layer["outputs"]
    return bool(outputs) and isinstance(outputs[0], list)


def _box_height(layer: dict[str, Any]) -> float:
    """Cells with two lanes are taller: an LSTM's c runs through their top and h
    through their bottom; a Bidirectional layer's forward and backward states."""
    return BOX_H + 0.44 if "cell_states" in layer or "forward" in layer else BOX_H


def _draw_colour_key(canvas: Canvas, left: float, y: float) -> None:
    low, high = canvas.norm.vmin, canvas.norm.vmax
    canvas.text(left, y, "cell colour = value:", size=8.3, color=MUTED, ha="left")
    x0 = left + 1.4
    for i in range(40):
        value = low + (high - low) * (i + 0.5) / 40
        canvas.axes.add_patch(
            Rectangle(
                (x0 + i * 0.025, y - 0.06), 0.025, 0.12, facecolor=CMAP(canvas.norm(value)), edgecolor="none"
            )
        )
    canvas.text(x0 - 0.05, y, f"{low:.0f}".replace("-", "\u2212"), size=8.3, color=MUTED, ha="right")
    canvas.text(x0 + 1.05, y, f"+{high:.0f}", size=8.3, color=MUTED, ha="left")


def _draw_carried(canvas: Canvas, xs, columns, y, states, name, gap, final=False, label_above=None) -> None:
    """The state carried right: zeros before step 1, then after every step
    (after the last one too if ``final``: h_T is already shown as an output).

    ``c`` is labelled above its lane and ``h`` below, so two lanes can share a row.
    """
    half = strip_width(len(states[0])) / 2
    above = name == "c" if label_above is None else label_above
    label_y = y + CELL_H / 2 + 0.1 if above else y - CELL_H / 2 - 0.1
    x0 = xs[0] - BOX_W / 2 - gap / 2
    canvas.strip(x0, y, [0.0] * len(states[0]), zero=True)
    canvas.text(x0, label_y, f"{name}₀ = 0", size=8.3, color=MUTED)
    canvas.arrow((x0 + half + 0.02, y), (xs[0] - BOX_W / 2, y))
    for c in range(len(xs) - 1):
        mid = (xs[c] + xs[c + 1]) / 2
        t = columns[c]
        if t is None:  # out of the "…" column
            canvas.arrow((xs[c] + 0.15, y), (xs[c + 1] - BOX_W / 2, y))
            continue
        if columns[c + 1] is None:  # into it: the state after the last shown step
            mid = xs[c] + BOX_W / 2 + gap / 2
            canvas.arrow((xs[c] + BOX_W / 2, y), (mid - half - 0.02, y))
            canvas.strip(mid, y, states[t])
            canvas.text(mid, label_y, f"{name}{_subscript(t + 1)}", size=8.3, color=MUTED)
            canvas.arrow((mid + half + 0.02, y), (xs[c + 1] - 0.15, y))
            continue
        canvas.arrow((xs[c] + BOX_W / 2, y), (mid - half - 0.02, y))
        canvas.strip(mid, y, states[t])
        canvas.text(mid, label_y, f"{name}{_subscript(t + 1)}", size=8.3, color=MUTED)
        canvas.arrow((mid + half + 0.02, y), (xs[c + 1] - BOX_W / 2, y))
    if final:
        end = xs[-1] + BOX_W / 2 + gap / 2
        canvas.arrow((xs[-1] + BOX_W / 2, y), (end - half - 0.02, y))
        canvas.strip(end, y, states[-1])
        canvas.text(end, label_y, f"{name}{_subscript(len(states))}", size=8.3, color=MUTED)


def _draw_carried_left(canvas: Canvas, xs, columns, y, states, name, gap) -> None:
    """A state carried right to left (a layer reading backwards): zeros after the
    last step, then the state after reading x_T … x_t at each step t (the
    ``states`` are aligned with the tokens), leaving step 1 on the left."""
    half = strip_width(len(states[0])) / 2
    label_y = y - CELL_H / 2 - 0.1
    end = xs[-1] + BOX_W / 2 + gap / 2
    canvas.strip(end, y, [0.0] * len(states[0]), zero=True)
    canvas.text(end, label_y, f"{name} = 0", size=8.3, color=MUTED)
    canvas.arrow((end - half - 0.02, y), (xs[-1] + BOX_W / 2, y))
    for c in range(len(xs) - 2, -1, -1):
        t_left, t_right = columns[c], columns[c + 1]
        if t_right is None:  # out of the "…" column: the state step t_left reads
            mid = xs[c] + BOX_W / 2 + gap / 2
            canvas.arrow((xs[c + 1] - 0.15, y), (mid + half + 0.02, y))
            canvas.strip(mid, y, states[t_left + 1])
            canvas.text(mid, label_y, f"{name}{_subscript(t_left + 2)}", size=8.3, color=MUTED)
            canvas.arrow((mid - half - 0.02, y), (xs[c] + BOX_W / 2, y))
            continue
        if t_left is None:  # into it
            canvas.arrow((xs[c + 1] - BOX_W / 2, y), (xs[c] + 0.15, y))
            continue
        mid = (xs[c] + xs[c + 1]) / 2
        canvas.arrow((xs[c + 1] - BOX_W / 2, y), (mid + half + 0.02, y))
        canvas.strip(mid, y, states[t_right])
        canvas.text(mid, label_y, f"{name}{_subscript(t_right + 1)}", size=8.3, color=MUTED)
        canvas.arrow((mid - half - 0.02, y), (xs[c] + BOX_W / 2, y))
    # The state after reading everything leaves step 1 to the left.
    x0 = xs[0] - BOX_W / 2 - gap / 2
    canvas.arrow((xs[0] - BOX_W / 2, y), (x0 + half + 0.02, y))
    canvas.strip(x0, y, states[columns[0]])
    canvas.text(x0, label_y, f"{name}{_subscript(columns[0] + 1)}", size=8.3, color=MUTED)


def _subscript(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def draw_embeddings(data: dict[str, Any], stem: Path, dpi: int) -> None:
    """Each token above its embedding vector."""
    tokens, vectors = data["tokens"], data["inputs"]
    width_cells = strip_width(len(vectors[0]))
    pitch = max(width_cells + 0.6, 1.2)
    width = 2 * MARGIN + 1.3 + pitch * len(tokens)
    canvas = Canvas(width, 1.55, _value_norm(vectors))
    canvas.text(MARGIN, 1.15, "word", size=9, weight="bold", ha="left")
    canvas.text(MARGIN, 0.45, "embedding", size=9, weight="bold", ha="left")
    canvas.text(MARGIN, 0.27, f"{len(vectors[0])} numbers per word", size=8.3, color=MUTED, ha="left")
    for i, (token, vector) in enumerate(zip(tokens, vectors, strict=True)):
        x = MARGIN + 1.3 + pitch * (i + 0.5)
        canvas.text(x, 1.15, token, size=13, weight="bold")
        canvas.arrow((x, 0.98), (x, 0.45 + CELL_H / 2 + 0.04))
        canvas.strip(x, 0.45, vector)
    canvas.save(stem, dpi)


def draw_words(data: dict[str, Any], stem: Path, dpi: int) -> None:
    """A sentence as word boxes read left to right; highlighted words stand out."""
    words, highlighted, label = data["words"], set(data["highlighted"]), data["label"]
    widths = [max(0.7, 0.13 * len(w) + 0.35) for w in words]
    gap = 0.35
    label_room = 0.35 + 0.125 * (len(label) + 2) if label else 0
    width = 2 * MARGIN + sum(widths) + gap * (len(words) - 1) + label_room
    canvas = Canvas(width, 0.8, Normalize(-1, 1))
    x = MARGIN
    for i, (word, w) in enumerate(zip(words, widths, strict=True)):
        strong = i in highlighted
        canvas.axes.add_patch(
            FancyBboxPatch(
                (x, 0.19),
                w,
                0.42,
                boxstyle="round,pad=0,rounding_size=0.08",
                facecolor="#fde2e1" if strong else BOX_FACE,
                edgecolor="#c0392b" if strong else BOX_EDGE,
                linewidth=1.6 if strong else 1.0,
            )
        )
        canvas.text(x + w / 2, 0.40, word, size=12, weight="bold" if strong else "normal")
        if i < len(words) - 1:
            canvas.arrow((x + w + 0.04, 0.40), (x + w + gap - 0.04, 0.40))
        x += w + gap
    if label:
        canvas.text(
            x - gap + 0.25,
            0.40,
            f"→ {label}",
            size=12,
            weight="bold",
            ha="left",
            color="#c0392b" if highlighted else INK,
        )
    canvas.save(stem, dpi)
