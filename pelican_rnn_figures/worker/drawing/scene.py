"""A figure as data: the shapes it is made of, where they are, and their sizes.

Layouts (:mod:`.placement` and :mod:`.lanes` for the unrolled figure,
:mod:`.small_figures`) call a :class:`Scene`'s ``text``, ``arrow``, ``box``
and ``strip`` to place shapes;
nothing is drawn until :mod:`.render` turns the scene into PNG and SVG, so a
layout is tested without matplotlib (no overlaps, labels that fit, nothing
off the canvas). Units are inches at 100 CSS pixels per inch: figures are
shown at that size, never shrunk, so a font size in points is the reader's
size in CSS px times 72/100, and no text is smaller than ``SMALLEST_FONT``
(10.4 px). The scene also records where each text and value cell is
(:class:`Region`), for the page's text layer: hover a cell for its exact
value, find a value with Ctrl-F.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ...messages import printable
from .glyphs import glyph_ems, rough_width, text_width

CELL_W, CELL_H = 0.42, 0.30
# Points; shown at 100 px per inch, 7.5 pt is 10.4 CSS px and 9 pt 12.5 px.
SMALLEST_FONT = 7.5
VALUE_FONT = 9.0
LABEL_FONT = 9.0
TITLE_FONT = 10.0
DETAIL_FONT = 8.0  # a layer cell's second line
ELLIPSIS_FONT = 10.0  # the "…" of an elided value cell
# Wide layers are elided: the first and last cells kept around "…".
MAX_CELLS, KEEP_FIRST_CELLS = 6, 3
# Long sequences: drawn in this many columns, steps and "…"s (:mod:`.step_choice` chooses the steps).
MAX_STEPS = 5
BOX_W, BOX_H = 1.0, 0.60
BOX_LINE = 0.2  # between the lines in a layer cell
BOX_TITLE_RISE = 0.105  # the title rises this much for each line under it
BOX_PADDING = 0.08  # inside a layer cell, around its title
KEY_LABEL_ROOM = 1.78  # "cell colour = value:" before the colour bar
KEY_BAR_W, KEY_BAR_H, KEY_BAR_STEPS = 1.0, 0.12, 40
KEY_HIGH_AT = 1.05  # the scale's upper end, right of the bar's start
KEY_GAPS = 0.18  # between the key's label, its low end and the bar: more than a space
KEY_WIDTH = KEY_LABEL_ROOM + 1.75  # the colour key: label, bar (1.05) and its upper end
MARGIN = 0.1
INK = "#1f2933"
MUTED = "#52606d"
WHITE = "white"
# How far from the middle of the colour scale a cell's text turns white.
STRONG_COLOUR = 0.33


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float
    color: str
    weight: str = "normal"
    ha: str = "center"
    va: str = "center"
    on_page: bool = True  # not inside a value cell: turns light in dark mode

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """Left, bottom, right, top in inches, from DejaVu Sans' advance widths."""
        width = text_width(self.text, self.size, self.weight == "bold")
        height = self.size / 72  # an em: capitals and descenders fit in it
        left, bottom = anchored(self.x, self.y, width, height, self.ha, self.va)
        return left, bottom, left + width, bottom + height


def anchored(x: float, y: float, width: float, height: float, ha: str, va: str) -> tuple[float, float]:
    """The left and bottom of a ``width`` × ``height`` box anchored at (x, y)
    the way matplotlib anchors a text (``ha``, ``va``)."""
    left = {"left": x, "right": x - width}.get(ha, x - width / 2)
    bottom = {"bottom": y, "top": y - height, "baseline": y - 0.2 * height}.get(va, y - height / 2)
    return left, bottom


@dataclass(frozen=True)
class Arrow:
    start: tuple[float, float]
    end: tuple[float, float]
    color: str = MUTED
    width: float = 1.3
    dashed: bool = False


@dataclass(frozen=True)
class LayerCell:
    """A layer's cell at one time step (its title and lines are Texts)."""

    left: float
    bottom: float
    width: float
    height: float
    masked: bool = False  # a step the mask skips: grey and dashed


@dataclass(frozen=True)
class ValueCell:
    """One number of a vector, coloured by its value (None: the "…" cell)."""

    left: float
    bottom: float
    width: float
    height: float
    value: float | None
    zero: bool = False  # an initial zero state: white whatever the scale
    coloured: bool = True  # False in a schematic (values=false)


@dataclass(frozen=True)
class ColourBar:
    """The colour key's bar, from the scale's low end to its high end."""

    left: float
    bottom: float
    width: float
    height: float
    steps: int


@dataclass(frozen=True)
class WordBox:
    left: float
    bottom: float
    width: float
    height: float
    highlighted: bool


Shape = Text | Arrow | LayerCell | ValueCell | ColourBar | WordBox
Boxed = LayerCell | ValueCell | ColourBar | WordBox


@dataclass(frozen=True)
class Region:
    """Where a text or a value cell is, in inches from the bottom left."""

    left: float
    bottom: float
    width: float
    height: float
    text: str
    tip: str = ""

    def as_fractions(self, width: float, height: float) -> list[float | str]:
        top = 1 - (self.bottom + self.height) / height
        box = [self.left / width, top, self.width / width, self.height / height]
        return [round(v, 4) for v in box] + [self.text, self.tip]


@dataclass(frozen=True)
class ValueScale:
    """A diverging scale centred on zero, from ``-peak`` to ``+peak``."""

    peak: float = 1.0

    @property
    def low(self) -> float:
        return -self.peak

    @property
    def high(self) -> float:
        return self.peak

    def position(self, value: float) -> float:
        """0 at the low end, 1 at the high end."""
        return (value - self.low) / (self.high - self.low)


def value_scale(arrays: list[list[float]]) -> ValueScale:
    """The scale reaches the largest value shown, so small values (an
    untrained Embedding's ±0.05) still differ in colour."""
    peak = max([abs(v) for row in arrays for v in row] + [0.0])
    return ValueScale(peak if peak > 0 else 1.0)


def on_a_scale_reaching(place: Callable[[ValueScale], Scene], values: list[list[float]]) -> Scene:
    """The scene ``place`` lays out on a scale, the scale reaching ``values``
    and every value the scene draws in a cell (a Dense head's outputs, a
    LayerNormalization's, a Bidirectional sum), so no two values past it share
    one saturated colour. Which values a figure draws is known once it is laid
    out, but a cell's text colour (white on strong colours) and the key are
    placed from the scale: laid out on the scale of ``values`` first, and
    again on the scale of everything drawn if a cell goes past it (a layout
    takes a millisecond). A figure within ``values``' scale keeps it."""
    scale = value_scale(values)
    scene = place(scale)
    reach = value_scale([*values, scene.values_drawn()])
    return scene if reach == scale else place(reach)


@dataclass
class Scene:
    """A figure's shapes in drawing order, on a canvas of ``width`` × ``height`` inches."""

    width: float
    height: float
    scale: ValueScale = field(default_factory=ValueScale)
    show_values: bool = True  # False: a schematic, value cells empty and uncoloured
    shapes: list[Shape] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = LABEL_FONT,
        color: str = INK,
        weight: str = "normal",
        on_page: bool = True,
        ha: str = "center",
        va: str = "center",
    ) -> None:
        """Text; ``on_page`` text (not inside a value cell) turns light in dark mode."""
        size, text = max(size, SMALLEST_FONT), printable(text)  # an SVG is XML: no control characters
        self.shapes.append(Text(x, y, text, size, color, weight, ha, va, on_page))
        if on_page and text.strip("… "):
            self._region_of_text(x, y, text, size, ha, va)

    def _region_of_text(self, x: float, y: float, text: str, size: float, ha: str, va: str) -> None:
        # The page's find bar only needs the text near where it is drawn: its
        # rough width (Text.extent measures it properly).
        width, height = rough_width(text, size), 1.2 * size / 72
        left, bottom = anchored(x, y, width, height, ha, va)
        self.regions.append(Region(left, bottom, width, height, text))

    def arrow(
        self,
        start: tuple[float, float],
        end: tuple[float, float],
        color: str = MUTED,
        width: float = 1.3,
        dashed: bool = False,
    ) -> None:
        self.shapes.append(Arrow(start, end, color, width, dashed))

    def box(
        self,
        x: float,
        y: float,
        title: str,
        lines: list[str] | tuple[str, ...] = (),
        height: float = BOX_H,
        masked: bool = False,
    ) -> None:
        """A layer cell centred on (x, y): a bold title and smaller lines under
        it. A ``masked`` cell (a step the mask skips) is greyed and dashed."""
        self.shapes.append(LayerCell(x - BOX_W / 2, y - height / 2, BOX_W, height, masked))
        shown = [line for line in lines if line]
        top = y + BOX_TITLE_RISE * len(shown)
        title, size = fitted(title, BOX_W - BOX_PADDING, TITLE_FONT, bold=True)
        self.text(x, top, title, size=size, weight="bold", color=MUTED if masked else INK)
        for i, line in enumerate(shown):
            self.text(x, top - BOX_LINE * (i + 1), line, size=DETAIL_FONT if i else LABEL_FONT, color=MUTED)

    def strip(
        self,
        x: float,
        y: float,
        values: list[float],
        zero: bool = False,
        meaning: str = "",
        part: str = "unit",
        units: list[int | None] | None = None,
    ) -> float:
        """A row of value cells centred on (x, y); returns its width. Long rows
        keep their first and last cells around a "…" cell, or the ``units``
        given (a wide head's :func:`largest`). ``meaning`` says what the row
        is (``h₂ of lstm``), for each cell's tooltip."""
        if units is None:
            units = elide(list(range(len(values))), MAX_CELLS, KEEP_FIRST_CELLS)
        width = strip_width(len(values))
        left = x - width / 2
        for i, unit in enumerate(units):
            cell = ValueCell(left + i * CELL_W, y - CELL_H / 2, CELL_W, CELL_H, None, zero, self.show_values)
            self.value_cell(cell, values, unit, meaning, part)
        return width

    def column(
        self,
        x: float,
        top: float,
        values: list[float],
        size: tuple[float, float],
        meaning: str = "",
        part: str = "unit",
        units: list[int | None] | None = None,
    ) -> float:
        """A vector's cells stacked down from ``top``, centred on ``x``, each
        ``size`` (width, height): a strip standing up, for the portrait
        layout; returns its height. Elided (or its ``units`` given) and
        labelled as :meth:`strip`."""
        if units is None:
            units = elide(list(range(len(values))), MAX_CELLS, KEEP_FIRST_CELLS)
        width, height = size
        for i, unit in enumerate(units):
            cell = ValueCell(
                x - width / 2, top - (i + 1) * height, width, height, None, False, self.show_values
            )
            self.value_cell(cell, values, unit, meaning, part)
        return height * len(units)

    def value_cell(
        self, cell: ValueCell, values: list[float], unit: int | None, meaning: str, part: str
    ) -> None:
        """``cell`` holding unit ``unit`` of ``values`` (None: the "…"): its
        label, and its region with the tooltip."""
        value = None if unit is None else values[unit]
        self.shapes.append(replace(cell, value=value))
        middle, y = cell.left + cell.width / 2, cell.bottom + cell.height / 2
        if unit is None or value is None:
            self.text(middle, y, "…", size=ELLIPSIS_FONT, color=MUTED, on_page=False)
            return
        if not self.show_values:
            return
        strong = not cell.zero and abs(self.scale.position(value) - 0.5) > STRONG_COLOUR
        label = format_value(value)
        size = value_font(label, cell.width)
        self.text(middle, y, label, size=size, color=WHITE if strong else INK, on_page=False)
        tip = f"{meaning}, {part} {unit + 1}: {exact_value(value)}" if meaning else ""
        self.regions.append(Region(cell.left, cell.bottom, cell.width, cell.height, label, tip))

    def frame(self, left: float, bottom: float, width: float, height: float, masked: bool = False) -> None:
        """A layer cell's box alone, its contents placed by the caller (the portrait layout's)."""
        self.shapes.append(LayerCell(left, bottom, width, height, masked))

    def colour_key(self, left: float, y: float) -> None:
        """ "cell colour = value:", the bar, and the scale's two ends."""
        label, low = "cell colour = value:", key_value(self.scale.low)
        self.text(left, y, label, color=MUTED, ha="left")
        # A long low end ("−0.048") pushes the bar right rather than touch the label.
        x0 = left + max(
            KEY_LABEL_ROOM, text_width(label, LABEL_FONT) + text_width(low, LABEL_FONT) + KEY_GAPS
        )
        self.shapes.append(ColourBar(x0, y - KEY_BAR_H / 2, KEY_BAR_W, KEY_BAR_H, KEY_BAR_STEPS))
        self.text(x0 - 0.05, y, low, color=MUTED, ha="right")
        self.text(x0 + KEY_HIGH_AT, y, key_value(self.scale.high), color=MUTED, ha="left")

    def values_drawn(self) -> list[float]:
        """The value of every value cell placed (not the "…" cells)."""
        return [
            shape.value for shape in self.shapes if isinstance(shape, ValueCell) and shape.value is not None
        ]

    def boxes(self) -> list[Boxed]:
        return [shape for shape in self.shapes if not isinstance(shape, Text | Arrow)]

    def texts(self) -> list[Text]:
        return [shape for shape in self.shapes if isinstance(shape, Text)]


def fitted(text: str, width: float, size: float, bold: bool = False) -> tuple[str, float]:
    """``text`` at ``size``, or smaller (never below ``SMALLEST_FONT``) to fit
    ``width`` inches; cut short with "…" if even that is too wide
    (``BatchNormalization`` in a layer cell)."""
    natural = text_width(text, size, bold)
    if natural <= width:
        return text, size
    size = max(SMALLEST_FONT, size * width / natural)
    while len(text) > 1 and text_width(text, size, bold) > width + 1e-9:  # (scaled to fit: equal)
        text = text[: len(text.rstrip("…")) - 1] + "…"
    return text, size


def elide(items: list[int], limit: int, keep_first: int) -> list[int | None]:
    """At most ``limit`` items: the first ``keep_first``, None for "…", the last.
    One item over the limit is kept: a "…" standing for a single item saves nothing."""
    if len(items) <= limit + 1:
        return list(items)
    keep_last = limit - keep_first - 1
    return [*items[:keep_first], None, *items[len(items) - keep_last :]]


def largest(values: list[float]) -> list[int | None]:
    """A wide row's units shown by value: the largest ``MAX_CELLS - 1``, largest
    first (the earlier of equal ones), then None for the "…" of the rest; a row
    that is not wide, all of it in order."""
    if len(values) <= MAX_CELLS + 1:
        return list(range(len(values)))
    ranked = sorted(range(len(values)), key=lambda unit: (-values[unit], unit))
    return [*ranked[: MAX_CELLS - 1], None]


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


def value_font(label: str, cell_width: float = CELL_W) -> float:
    """The value font, or smaller (never below ``SMALLEST_FONT``) for a label
    that would not fit its cell."""
    width_in = sum(glyph_ems(label)) * VALUE_FONT / 72
    fitting = VALUE_FONT * (cell_width - 0.03) / width_in
    return max(SMALLEST_FONT, min(VALUE_FONT, fitting))


def key_value(value: float) -> str:
    """A colour key's end: two significant digits with its sign."""
    text = f"{abs(value):.2g}"
    return ("\u2212" if value < 0 else "+") + text
