"""Drawing primitives on a matplotlib canvas, and the two small figures.

The only module that imports matplotlib: :class:`Canvas` (text, arrows,
layer cells, rows of value cells, saving PNG and dark-mode SVG), the figures
of embeddings and of words; the unrolled RNN is laid out in :mod:`.unrolled`
with these primitives. Every figure is a pure function of its JSON data.
Layout units are inches at 100 CSS pixels per inch; the PNG is saved at ``dpi``.

Figures are shown at that size, never shrunk (the page scrolls a wide figure
in its own box), so a font size in points is the reader's size in CSS px
times 72/100: no text is smaller than ``SMALLEST_FONT`` (10.4 px). The canvas
also records where each text and value cell is (:class:`Region`), for the
page's text layer: hover a cell for its exact value, find a value with Ctrl-F.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import colormaps  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402

CELL_W, CELL_H = 0.42, 0.30
# Points; shown at 100 px per inch, 7.5 pt is 10.4 CSS px and 9 pt 12.5 px.
SMALLEST_FONT = 7.5
VALUE_FONT = 9.0
LABEL_FONT = 9.0
TITLE_FONT = 10.0
# Wide layers and long sequences are elided: the first and last kept around "…".
MAX_CELLS, KEEP_FIRST_CELLS = 6, 3
MAX_STEPS, KEEP_FIRST_STEPS = 4, 2
BOX_W, BOX_H = 1.0, 0.60
KEY_LABEL_ROOM = 1.78  # "cell colour = value:" before the colour bar
KEY_WIDTH = KEY_LABEL_ROOM + 1.75  # the colour key: label, bar (1.05) and its upper end
MARGIN = 0.1
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

FONT_LIST_RE = re.compile(r"font-family: 'DejaVu Sans'[^;\"]*")
SVG_FONTS = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif"

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
        self.regions: list[Region] = []
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

    def text(self, x, y, text, size=LABEL_FONT, color=INK, weight="normal", on_page=True, **kwargs) -> None:
        """Text; ``on_page`` text (not inside a value cell) turns light in dark mode."""
        kwargs.setdefault("ha", "center")
        kwargs.setdefault("va", "center")
        size = max(size, SMALLEST_FONT)
        if on_page and color in (INK, MUTED):
            kwargs["gid"] = self.gid("ink" if color == INK else "muted")
        self.axes.text(x, y, text, fontsize=size, color=color, fontweight=weight, **kwargs)
        if on_page and text.strip("… "):
            self._region_of_text(x, y, text, size, kwargs["ha"], kwargs["va"])

    def _region_of_text(self, x, y, text, size, ha, va) -> None:
        # An estimate (DejaVu Sans averages 0.6 em a character): enough to
        # put the text where the find bar highlights it.
        width, height = 0.6 * len(text) * size / 72, 1.2 * size / 72
        left = {"left": x, "right": x - width}.get(ha, x - width / 2)
        bottom = {"bottom": y, "top": y - height, "baseline": y - 0.2 * height}.get(va, y - height / 2)
        self.regions.append(Region(left, bottom, width, height, text))

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
        self.text(x, top, title, size=TITLE_FONT, weight="bold", color=MUTED if masked else INK)
        for i, line in enumerate(lines):
            self.text(x, top - 0.2 * (i + 1), line, size=8.0 if i else LABEL_FONT, color=MUTED)

    def strip(self, x, y, values, zero=False, meaning: str = "", part: str = "unit") -> float:
        """A row of value cells centred on (x, y); returns its width. Long rows
        keep their first and last cells around a "…" cell. ``meaning`` says
        what the row is (``h₂ of lstm``), for each cell's tooltip."""
        units = elide(list(range(len(values))), MAX_CELLS, KEEP_FIRST_CELLS)
        shown = [None if unit is None else values[unit] for unit in units]
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
            label = format_value(value)
            self.text(
                left + (i + 0.5) * CELL_W,
                y,
                label,
                size=value_font(label),
                color="white" if strong else INK,
                on_page=False,
            )
            tip = f"{meaning}, {part} {units[i] + 1}: {exact_value(value)}" if meaning else ""
            self.regions.append(Region(left + i * CELL_W, y - CELL_H / 2, CELL_W, CELL_H, label, tip))
        return width

    def save(self, stem: Path, dpi: int) -> list[list]:
        """PNG (always light) and SVG (following the reader's colour scheme);
        returns the text layer: each region as fractions of the figure from its
        top left, with its text and tooltip."""
        self.figure.patch.set_gid("background")
        with matplotlib.rc_context(STYLE):
            self.figure.savefig(f"{stem}.png", dpi=dpi, facecolor="white")
            self.figure.savefig(f"{stem}.svg", facecolor="white", metadata={"Date": None})
        svg = Path(f"{stem}.svg")
        text = svg.read_text(encoding="utf-8").replace("</style>", DARK_MODE_CSS + "</style>", 1)
        # Pages load the SVG: a short font list on each text keeps it light.
        text = FONT_LIST_RE.sub(f"font-family: {SVG_FONTS}", text)
        svg.write_text(text, encoding="utf-8")
        return [region.as_fractions(self.width, self.height) for region in self.regions]


@dataclass
class Region:
    """Where a text or a value cell is, in inches from the bottom left."""

    left: float
    bottom: float
    width: float
    height: float
    text: str
    tip: str = ""

    def as_fractions(self, width: float, height: float) -> list:
        top = 1 - (self.bottom + self.height) / height
        box = [self.left / width, top, self.width / width, self.height / height]
        return [round(v, 4) for v in box] + [self.text, self.tip]


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
    """A value in at most 5 characters (and a sign) that never shows a
    non-zero value as zero: two decimals from 0.01 up (one from 10, none from
    100, then ``1.2e4``), three below, then ``3e−5``; exact zero is ``0``.
    A real minus sign; the tooltip has the exact value."""
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if magnitude >= 9999.5:
        mantissa, exponent = f"{value:.1e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    elif magnitude >= 99.95:
        text = f"{value:.0f}"
    elif magnitude >= 9.995:
        text = f"{value:.1f}"
    elif magnitude >= 0.00995:
        text = f"{value:.2f}"
    elif magnitude >= 0.000995:
        text = f"{value:.3f}"
    else:
        mantissa, exponent = f"{value:.0e}".split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "\u2212")


def exact_value(value: float) -> str:
    """A tooltip's value: four decimals, or four significant digits if smaller."""
    text = f"{value:.4f}" if abs(value) >= 0.001 or value == 0 else f"{value:.3e}"
    return text.replace("-", "\u2212")


# Advance widths of DejaVu Sans in em, for the characters values are made of.
GLYPH_EM = {".": 0.318, "\u2212": 0.838, "e": 0.615}


def value_font(label: str) -> float:
    """The value font, or smaller (never below ``SMALLEST_FONT``) for a label
    that would not fit its cell."""
    width_in = sum(GLYPH_EM.get(char, 0.636) for char in label) * VALUE_FONT / 72
    fitting = VALUE_FONT * (CELL_W - 0.03) / width_in
    return max(SMALLEST_FONT, min(VALUE_FONT, fitting))


def value_norm(arrays: list[list[float]]) -> Normalize:
    """A diverging scale centred on zero reaching the largest value shown, so
    small values (an untrained Embedding's ±0.05) still differ in colour."""
    peak = max([abs(v) for row in arrays for v in row] + [0.0])
    peak = peak if peak > 0 else 1.0
    return Normalize(vmin=-peak, vmax=peak)


def key_value(value: float) -> str:
    """A colour key's end: two significant digits with its sign."""
    text = f"{abs(value):.2g}"
    return ("\u2212" if value < 0 else "+") + text


def draw_colour_key(canvas: Canvas, left: float, y: float) -> None:
    low, high = canvas.norm.vmin, canvas.norm.vmax
    canvas.text(left, y, "cell colour = value:", color=MUTED, ha="left")
    x0 = left + KEY_LABEL_ROOM
    for i in range(40):
        value = low + (high - low) * (i + 0.5) / 40
        canvas.axes.add_patch(
            Rectangle(
                (x0 + i * 0.025, y - 0.06), 0.025, 0.12, facecolor=CMAP(canvas.norm(value)), edgecolor="none"
            )
        )
    canvas.text(x0 - 0.05, y, key_value(low), color=MUTED, ha="right")
    canvas.text(x0 + 1.05, y, key_value(high), color=MUTED, ha="left")


def draw_embeddings(data: dict[str, Any], stem: Path, dpi: int) -> list[list]:
    """Each token above its embedding vector."""
    tokens, vectors = data["tokens"], data["inputs"]
    width_cells = strip_width(len(vectors[0]))
    pitch = max(width_cells + 0.6, 1.2)
    width = 2 * MARGIN + 1.3 + pitch * len(tokens)
    canvas = Canvas(width, 1.55, value_norm(vectors))
    canvas.text(MARGIN, 1.15, "word", size=TITLE_FONT, weight="bold", ha="left")
    canvas.text(MARGIN, 0.50, "embedding", size=TITLE_FONT, weight="bold", ha="left")
    canvas.text(MARGIN, 0.30, f"{len(vectors[0])} numbers per word", color=MUTED, ha="left")
    for i, (token, vector) in enumerate(zip(tokens, vectors, strict=True)):
        x = MARGIN + 1.3 + pitch * (i + 0.5)
        canvas.text(x, 1.15, token, size=13, weight="bold")
        canvas.arrow((x, 0.98), (x, 0.45 + CELL_H / 2 + 0.04))
        canvas.strip(x, 0.45, vector, meaning=f"embedding of “{token}”", part="number")
    return canvas.save(stem, dpi)


def draw_words(data: dict[str, Any], stem: Path, dpi: int) -> list[list]:
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
    return canvas.save(stem, dpi)
