"""Drawing primitives on a matplotlib canvas, and the two small figures.

The only module that imports matplotlib: :class:`Canvas` (text, arrows,
layer cells, rows of value cells, saving PNG and dark-mode SVG), the figures
of embeddings and of words; the unrolled RNN is laid out in :mod:`.unrolled`
with these primitives. Every figure is a pure function of its JSON data.
Layout units are inches at 100 CSS pixels per inch; the PNG is saved at ``dpi``.
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

CELL_W, CELL_H = 0.44, 0.30
# Wide layers and long sequences are elided: the first and last kept around "…".
MAX_CELLS, KEEP_FIRST_CELLS = 6, 3
MAX_STEPS, KEEP_FIRST_STEPS = 4, 2
ELLIPSIS_ROOM = 0.55  # between a cell and the "…" column, which carries no strip
BOX_W, BOX_H = 1.0, 0.60
ARROW_ROOM = 0.14
LABEL_COL = 1.7
MARGIN = 0.15
INK = "#1f2933"
MUTED = "#52606d"
BOX_FACE = "#eef2f7"
BOX_EDGE = "#52606d"
ZERO_FACE = "#ffffff"
MASKED_FACE = "#d5dae1"
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
  g[id^="masked-"] path { fill: #374151 !important; stroke: #9aa5b1 !important; }
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
    show_values: bool = True  # False: a schematic, value cells empty and uncoloured

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

    def arrow(self, start, end, color=MUTED, width=1.3, dashed=False) -> None:
        self.axes.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=10,
                color=color,
                linewidth=width,
                linestyle=(0, (3, 2)) if dashed else "-",
                shrinkA=0,
                shrinkB=0,
                gid=self.gid("arrow"),
            )
        )

    def box(self, x, y, title, lines=(), height=BOX_H, masked=False) -> None:
        """A layer cell centred on (x, y): a bold title and smaller lines under
        it. A ``masked`` cell (a step the mask skips) is greyed and dashed."""
        self.axes.add_patch(
            FancyBboxPatch(
                (x - BOX_W / 2, y - height / 2),
                BOX_W,
                height,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=MASKED_FACE if masked else BOX_FACE,
                edgecolor=BOX_EDGE,
                linewidth=1.2,
                linestyle="--" if masked else "-",
                gid=self.gid("masked" if masked else "box"),
            )
        )
        lines = [line for line in lines if line]
        top = y + 0.105 * len(lines)
        self.text(x, top, title, size=9.5, weight="bold", color=MUTED if masked else INK)
        for i, line in enumerate(lines):
            self.text(x, top - 0.2 * (i + 1), line, size=7.4 if i else 8.3, color=MUTED)

    def strip(self, x, y, values, zero=False) -> float:
        """A row of value cells centred on (x, y); returns its width. Long rows
        keep their first and last cells around a "…" cell."""
        shown = elide(list(values), MAX_CELLS, KEEP_FIRST_CELLS)
        width = strip_width(len(values))
        left = x - width / 2
        for i, value in enumerate(shown):
            face = ZERO_FACE if zero or value is None or not self.show_values else CMAP(self.norm(value))
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
            if not self.show_values:
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
    """At most ``limit`` items: the first ``keep_first``, None for "…", the last.
    One item over the limit is kept: a "…" standing for a single item saves nothing."""
    if len(items) <= limit + 1:
        return items
    keep_last = limit - keep_first - 1
    return items[:keep_first] + [None] + items[len(items) - keep_last :]


def strip_width(cells: int) -> float:
    return CELL_W * (cells if cells <= MAX_CELLS + 1 else MAX_CELLS)


def format_value(value: float) -> str:
    """Two decimals with a real minus sign, and no "−0.00"."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text.replace("-", "\u2212")


def value_norm(arrays: list[list[float]]) -> Normalize:
    """A diverging scale centred on zero covering at least [-1, 1]."""
    peak = max([1.0] + [abs(v) for row in arrays for v in row])
    return Normalize(vmin=-peak, vmax=peak)


def draw_colour_key(canvas: Canvas, left: float, y: float) -> None:
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


def draw_embeddings(data: dict[str, Any], stem: Path, dpi: int) -> None:
    """Each token above its embedding vector."""
    tokens, vectors = data["tokens"], data["inputs"]
    width_cells = strip_width(len(vectors[0]))
    pitch = max(width_cells + 0.6, 1.2)
    width = 2 * MARGIN + 1.3 + pitch * len(tokens)
    canvas = Canvas(width, 1.55, value_norm(vectors))
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
