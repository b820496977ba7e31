"""Render a :class:`.scene.Scene` with matplotlib: a PNG and a dark-mode SVG.

The only module that imports matplotlib. Shapes are drawn in the scene's
order; every element the dark-mode style sheet restyles gets an SVG id naming
its role (``ink-3``, ``arrow-7``), counted in that order, so the same scene
always gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import colormaps  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402

from .scene import (  # noqa: E402
    INK,
    MUTED,
    Arrow,
    ColourBar,
    LayerCell,
    Scene,
    Shape,
    Text,
    ValueCell,
    WordBox,
)

BOX_FACE = "#eef2f7"
BOX_EDGE = "#52606d"
ZERO_FACE = "#ffffff"
MASKED_FACE = "#d5dae1"
HIGHLIGHT_FACE, HIGHLIGHT_EDGE = "#fde2e1", "#c0392b"
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

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # keep text as <text>, so numbers stay searchable
    "svg.hashsalt": "pelican-rnn-figures",  # stable ids: same data, same SVG
    "font.family": "DejaVu Sans",
}


class _Painter:
    """Draws shapes on one matplotlib axes, numbering the SVG ids."""

    def __init__(self, scene: Scene, axes: Axes):
        self.scene, self.axes, self.count = scene, axes, 0

    def gid(self, role: str) -> str:
        self.count += 1
        return f"{role}-{self.count}"

    def paint(self, shape: Shape) -> None:
        painter = PAINTERS.get(type(shape))
        if painter is None:
            raise TypeError(f"no renderer for {type(shape).__name__}")
        painter(self, shape)

    def text(self, text: Text) -> None:
        extra: dict[str, Any] = {}
        if text.on_page and text.color in (INK, MUTED):
            extra["gid"] = self.gid("ink" if text.color == INK else "muted")
        self.axes.text(
            text.x,
            text.y,
            text.text,
            fontsize=text.size,
            color=text.color,
            fontweight=text.weight,
            ha=text.ha,
            va=text.va,
            **extra,
        )

    def arrow(self, arrow: Arrow) -> None:
        self.axes.add_patch(
            FancyArrowPatch(
                arrow.start,
                arrow.end,
                arrowstyle="-|>",
                mutation_scale=10,
                color=arrow.color,
                linewidth=arrow.width,
                linestyle=(0, (3, 2)) if arrow.dashed else "-",
                shrinkA=0,
                shrinkB=0,
                gid=self.gid("arrow"),
            )
        )

    def rounded_box(self, box: LayerCell | WordBox, rounding: float, **style: Any) -> None:
        """A box with rounded corners: a layer cell, a word."""
        self.axes.add_patch(
            FancyBboxPatch(
                (box.left, box.bottom),
                box.width,
                box.height,
                boxstyle=f"round,pad=0,rounding_size={rounding}",
                **style,
            )
        )

    def layer_cell(self, cell: LayerCell) -> None:
        self.rounded_box(
            cell,
            0.06,
            facecolor=MASKED_FACE if cell.masked else BOX_FACE,
            edgecolor=BOX_EDGE,
            linewidth=1.2,
            linestyle="--" if cell.masked else "-",
            gid=self.gid("masked" if cell.masked else "box"),
        )

    def value_cell(self, cell: ValueCell) -> None:
        plain = cell.zero or cell.value is None or not cell.coloured
        face = ZERO_FACE if plain else CMAP(self.scene.scale.position(cell.value))  # type: ignore[arg-type]
        self.axes.add_patch(
            Rectangle(
                (cell.left, cell.bottom),
                cell.width,
                cell.height,
                facecolor=face,
                edgecolor=BOX_EDGE,
                linewidth=0.8,
                linestyle=":" if cell.value is None else "-",
            )
        )

    def colour_bar(self, bar: ColourBar) -> None:
        low, high = self.scene.scale.low, self.scene.scale.high
        step = bar.width / bar.steps
        for i in range(bar.steps):
            value = low + (high - low) * (i + 0.5) / bar.steps
            colour = CMAP(self.scene.scale.position(value))
            self.axes.add_patch(
                Rectangle(
                    (bar.left + i * step, bar.bottom), step, bar.height, facecolor=colour, edgecolor="none"
                )
            )

    def word_box(self, box: WordBox) -> None:
        strong = box.highlighted
        self.rounded_box(
            box,
            0.08,
            facecolor=HIGHLIGHT_FACE if strong else BOX_FACE,
            edgecolor=HIGHLIGHT_EDGE if strong else BOX_EDGE,
            linewidth=1.6 if strong else 1.0,
        )


# How each kind of shape is drawn.
PAINTERS: dict[type, Callable[[_Painter, Any], None]] = {
    Text: _Painter.text,
    Arrow: _Painter.arrow,
    LayerCell: _Painter.layer_cell,
    ValueCell: _Painter.value_cell,
    ColourBar: _Painter.colour_bar,
    WordBox: _Painter.word_box,
}


def render(scene: Scene, stem: Path, dpi: int | None) -> list[list[Any]]:
    """Write ``stem.png`` (always light; none if ``dpi`` is None) and
    ``stem.svg`` (following the reader's colour scheme); return the text
    layer: each region as fractions of the figure from its top left, with its
    text and tooltip."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(scene.width, scene.height))
        axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, scene.width)
    axes.set_ylim(0, scene.height)
    axes.set_axis_off()
    painter = _Painter(scene, axes)
    for shape in scene.shapes:
        painter.paint(shape)
    figure.patch.set_gid("background")
    with matplotlib.rc_context(STYLE):
        if dpi is not None:
            figure.savefig(f"{stem}.png", dpi=dpi, facecolor="white")
        figure.savefig(f"{stem}.svg", facecolor="white", metadata={"Date": None})
    svg = Path(f"{stem}.svg")
    text = svg.read_text(encoding="utf-8").replace("</style>", DARK_MODE_CSS + "</style>", 1)
    # Pages load the SVG: a short font list on each text keeps it light.
    text = FONT_LIST_RE.sub(f"font-family: {SVG_FONTS}", text)
    svg.write_text(text, encoding="utf-8")
    return [region.as_fractions(scene.width, scene.height) for region in scene.regions]
