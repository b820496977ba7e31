"""Checks of a laid-out figure (a :class:`Scene`), without matplotlib: no text
below the smallest legible size, nothing off the canvas, no two boxes on top
of each other, every label inside its box fits it, and no label on the page
runs into a box or another label.
Text is measured with DejaVu Sans' advance widths (``glyphs.py``)."""

from __future__ import annotations

from pelican_rnn_figures.worker.drawing.scene import Arrow, LayerCell, Scene, Text

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


def _contains(outer, inner) -> bool:
    return (
        outer[0] - EDGE <= inner[0]
        and inner[2] <= outer[2] + EDGE
        and outer[1] - EDGE <= inner[1]
        and inner[3] <= outer[3] + EDGE
    )


def _nested(a, a_shape, b, b_shape) -> bool:
    """A value cell inside a layer cell (the portrait layout's cells hold their states)."""
    if isinstance(a_shape, LayerCell) and not isinstance(b_shape, LayerCell):
        return _contains(a, b)
    if isinstance(b_shape, LayerCell) and not isinstance(a_shape, LayerCell):
        return _contains(b, a)
    return False


def _holder(text: Text, boxes: list) -> tuple[tuple | None, bool]:
    """The innermost box a text is drawn in (a value cell in a layer cell: the
    value cell), and whether that box is a layer cell."""
    holders = sorted(
        ((box, shape) for box, shape in boxes if _inside(text.x, text.y, box)),
        key=lambda held: (held[0][2] - held[0][0]) * (held[0][3] - held[0][1]),
    )
    if not holders:
        return None, False
    return holders[0][0], isinstance(holders[0][1], LayerCell)


def check_layout(scene: Scene) -> None:
    boxes = [(_box(shape), shape) for shape in scene.boxes()]
    _check_shapes(scene, boxes)
    _check_labels(_texts_on_page(scene, boxes), boxes)


def _check_shapes(scene: Scene, boxes: list) -> None:
    """Boxes and arrows on the canvas; no two boxes on top of each other."""
    width, height = scene.width, scene.height
    for box, shape in boxes:
        assert box[0] >= -EDGE and box[1] >= -EDGE, f"{shape} off the canvas's left or bottom"
        assert box[2] <= width + EDGE and box[3] <= height + EDGE, (
            f"{shape} off the canvas ({width}×{height})"
        )
    for i, (box, shape) in enumerate(boxes):
        for other_box, other in boxes[i + 1 :]:
            assert not overlap(box, other_box) or _nested(box, shape, other_box, other), (
                f"{shape} overlaps {other}"
            )
    for shape in scene.shapes:
        if isinstance(shape, Arrow):
            for x, y in (shape.start, shape.end):
                assert -EDGE <= x <= width + EDGE and -EDGE <= y <= height + EDGE, f"{shape} off the canvas"


def _texts_on_page(scene: Scene, boxes: list) -> list[tuple[tuple[float, float, float, float], Text]]:
    """Every text legible, on the canvas, fitting the box it is in; returns
    those on the page (or on a layer cell, beside the values it holds)."""
    width, height = scene.width, scene.height
    on_page: list[tuple[tuple[float, float, float, float], Text]] = []
    for text in scene.texts():
        assert text.size * 100 / 72 >= SMALLEST_PX - 0.05, (
            f"{text.text!r} at {text.size * 100 / 72:.1f} px, below {SMALLEST_PX} px"
        )
        extent = text.extent
        assert extent[0] >= -EDGE and extent[2] <= width + EDGE, f"{text.text!r} off the canvas: {extent}"
        assert extent[1] >= -EDGE and extent[3] <= height + EDGE, f"{text.text!r} off the canvas: {extent}"
        holder, in_layer_cell = _holder(text, boxes)
        if holder is None or in_layer_cell:
            # On the page, or on a layer cell beside the values it holds: clear of them.
            on_page.append((extent, text))
        if holder is None:
            continue
        assert extent[0] >= holder[0] - SLACK and extent[2] <= holder[2] + SLACK, (
            f"{text.text!r} at {text.size} pt does not fit its box: {extent} in {holder}"
        )
    return on_page


def _check_labels(on_page: list, boxes: list) -> None:
    """No label runs into a box or another label; labels on one line keep a space apart."""
    for i, (extent, text) in enumerate(on_page):
        for box, shape in boxes:
            if isinstance(shape, LayerCell) and _contains(box, extent):
                continue
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
