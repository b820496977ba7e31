"""Checks of a laid-out figure (a :class:`Scene`), without matplotlib: no text
below the smallest legible size, nothing off the canvas, no two boxes on top
of each other, every label inside its box fits it, and no label on the page
runs into a box or another label.
Text is measured with DejaVu Sans' advance widths (``glyphs.py``)."""

from __future__ import annotations

from pelican_rnn_figures.worker.drawing.scene import Arrow, Scene, Text

# The README's smallest text, value labels included: 10.4 CSS px, figures being
# shown at 100 px per inch (a font size in points is 72/100 of its px).
SMALLEST_PX = 10.4
EDGE = 0.005  # inches: what rounding may put past an edge
SLACK = 0.01  # inches: a glyph's side bearing
WORD_GAP = 0.08  # inches: two labels on one line keep two spaces apart


def _box(shape) -> tuple[float, float, float, float]:
    return shape.left, shape.bottom, shape.left + shape.width, shape.bottom + shape.height


def overlap(a, b, eps: float = 1e-3) -> bool:
    """Two boxes (left, bottom, right, top) share more than ``eps`` each way."""
    return a[0] + eps < b[2] and b[0] + eps < a[2] and a[1] + eps < b[3] and b[1] + eps < a[3]


def _inside(x: float, y: float, box) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def check_layout(scene: Scene) -> None:
    width, height = scene.width, scene.height
    boxes = [(_box(shape), shape) for shape in scene.boxes()]
    for box, shape in boxes:
        assert box[0] >= -EDGE and box[1] >= -EDGE, f"{shape} off the canvas's left or bottom"
        assert box[2] <= width + EDGE and box[3] <= height + EDGE, (
            f"{shape} off the canvas ({width}×{height})"
        )
    for i, (box, shape) in enumerate(boxes):
        for other_box, other in boxes[i + 1 :]:
            assert not overlap(box, other_box), f"{shape} overlaps {other}"
    for shape in scene.shapes:
        if isinstance(shape, Arrow):
            for x, y in (shape.start, shape.end):
                assert -EDGE <= x <= width + EDGE and -EDGE <= y <= height + EDGE, f"{shape} off the canvas"

    on_page: list[tuple[tuple[float, float, float, float], Text]] = []
    for text in scene.texts():
        assert text.size * 100 / 72 >= SMALLEST_PX - 0.05, (
            f"{text.text!r} at {text.size * 100 / 72:.1f} px, below {SMALLEST_PX} px"
        )
        extent = text.extent
        assert extent[0] >= -EDGE and extent[2] <= width + EDGE, f"{text.text!r} off the canvas: {extent}"
        assert extent[1] >= -EDGE and extent[3] <= height + EDGE, f"{text.text!r} off the canvas: {extent}"
        holder = next((box for box, _ in boxes if _inside(text.x, text.y, box)), None)
        if holder is None:
            on_page.append((extent, text))
            continue
        assert extent[0] >= holder[0] - SLACK and extent[2] <= holder[2] + SLACK, (
            f"{text.text!r} at {text.size} pt does not fit its box: {extent} in {holder}"
        )
    for i, (extent, text) in enumerate(on_page):
        for box, shape in boxes:
            assert not overlap(_shrunk(extent), box), f"{text.text!r} runs into {shape}"
        for other_extent, other in on_page[i + 1 :]:
            assert not overlap(_shrunk(extent), _shrunk(other_extent)), (
                f"{text.text!r} runs into {other.text!r}"
            )
            # Side by side on one line, two labels keep a space between them.
            shared = min(extent[3], other_extent[3]) - max(extent[1], other_extent[1])
            gap = max(other_extent[0] - extent[2], extent[0] - other_extent[2])
            assert shared <= 0.5 * (extent[3] - extent[1]) or gap >= WORD_GAP, (
                f"{text.text!r} and {other.text!r} touch ({gap:.3f} in apart)"
            )


def _shrunk(extent):
    """A text's ink is inside its em box; side bearings may touch."""
    left, bottom, right, top = extent
    return left + SLACK, bottom + 0.02, right - SLACK, top - 0.02
