"""The two small figures, laid out as scenes: embeddings, and words.

An article's example embeddings (each token above its vector) and a sentence
drawn as word boxes read left to right, its highlighted words standing out;
each also in a portrait layout for a phone's column, when it is wider than
that: the tokens down the page, each beside its vector, and the words
wrapped into lines.
"""

from __future__ import annotations

from typing import Any

from .glyphs import text_width
from .scene import (
    CELL_H,
    INK,
    MARGIN,
    MUTED,
    TITLE_FONT,
    Scene,
    ValueScale,
    WordBox,
    on_a_scale_reaching,
    strip_width,
)

PHONE_WIDTH = 3.2  # inches at 100 px: a 360 px phone's text column (320 px)
HIGHLIGHT_INK = "#c0392b"
TOKEN_FONT = 13.0
WORD_FONT = 12.0


def layout_embeddings(data: dict[str, Any]) -> Scene:
    """Each token above its embedding vector."""
    tokens, vectors = data["tokens"], data["inputs"]
    width_cells = strip_width(len(vectors[0]))
    pitch = max(width_cells + 0.6, 1.2)
    width = 2 * MARGIN + 1.3 + pitch * len(tokens)

    def place(scale: ValueScale) -> Scene:
        scene = Scene(width, 1.55, scale)
        scene.text(MARGIN, 1.15, "word", size=TITLE_FONT, weight="bold", ha="left")
        scene.text(MARGIN, 0.50, "embedding", size=TITLE_FONT, weight="bold", ha="left")
        scene.text(MARGIN, 0.30, f"{len(vectors[0])} numbers per word", color=MUTED, ha="left")
        for i, (token, vector) in enumerate(zip(tokens, vectors, strict=True)):
            x = MARGIN + 1.3 + pitch * (i + 0.5)
            scene.text(x, 1.15, token, size=TOKEN_FONT, weight="bold")
            scene.arrow((x, 0.98), (x, 0.45 + CELL_H / 2 + 0.04))
            scene.strip(x, 0.45, vector, meaning=f"embedding of “{token}”", part="number")
        return scene

    # The vectors' scale reaches every cell already (a long vector is elided,
    # never changed): one pass, by the rule every figure's scale follows.
    return on_a_scale_reaching(place, vectors)


def portrait_embeddings(data: dict[str, Any]) -> Scene | None:
    """Each token beside its embedding vector, down the page; None if the
    figure fits a phone as it is."""
    tokens, vectors = data["tokens"], data["inputs"]
    if layout_embeddings(data).width <= PHONE_WIDTH:
        return None
    token_w = max(0.5, *(text_width(token, TOKEN_FONT, True) for token in tokens))
    strip = strip_width(len(vectors[0]))
    width = 2 * MARGIN + max(
        token_w + 0.35 + strip, text_width(f"{len(vectors[0])} numbers per word", 9) + 0.05
    )
    pitch = CELL_H + 0.22
    height = 0.72 + pitch * len(tokens)

    def place(scale: ValueScale) -> Scene:
        scene = Scene(width, height, scale)
        scene.text(MARGIN, height - 0.2, "word → embedding", size=TITLE_FONT, weight="bold", ha="left")
        scene.text(MARGIN, height - 0.42, f"{len(vectors[0])} numbers per word", color=MUTED, ha="left")
        for i, (token, vector) in enumerate(zip(tokens, vectors, strict=True)):
            y = height - 0.72 - pitch * (i + 0.5)
            scene.text(MARGIN, y, token, size=TOKEN_FONT, weight="bold", ha="left")
            x = MARGIN + token_w + 0.35 + strip / 2
            scene.arrow((MARGIN + token_w + 0.06, y), (x - strip / 2 - 0.04, y))
            scene.strip(x, y, vector, meaning=f"embedding of “{token}”", part="number")
        return scene

    return on_a_scale_reaching(place, vectors)


def _word_widths(words: list[str]) -> list[float]:
    return [max(0.7, 0.13 * len(w) + 0.35) for w in words]


def layout_words(data: dict[str, Any], wrap: float | None = None) -> Scene:
    """A sentence as word boxes read left to right; highlighted words stand
    out. With ``wrap``, in lines no wider than that (inches)."""
    words, highlighted, label = data["words"], set(data["highlighted"]), data["label"]
    widths = _word_widths(words)
    gap = 0.35
    label_room = 0.35 + 0.125 * (len(label) + 2) if label else 0
    lines = _lines(widths, gap, label_room, wrap)
    line_h = 0.62
    width = max(2 * MARGIN + sum(widths[i] for i in line) + gap * (len(line) - 1) for line in lines)
    width += label_room if len(lines) == 1 else 0
    width = max(width, 2 * MARGIN + 0.25 + label_room) if label else width
    height = 0.8 + line_h * (len(lines) - 1) + (line_h if label and len(lines) > 1 else 0)
    scene = Scene(width, height, ValueScale())
    x, y = MARGIN, height - 0.40
    for number, line in enumerate(lines):
        x = MARGIN
        for i in line:
            strong = i in highlighted
            scene.shapes.append(WordBox(x, y - 0.21, widths[i], 0.42, strong))
            scene.text(x + widths[i] / 2, y, words[i], size=WORD_FONT, weight="bold" if strong else "normal")
            if i != line[-1]:
                scene.arrow((x + widths[i] + 0.04, y), (x + widths[i] + gap - 0.04, y))
            x += widths[i] + gap
        if number < len(lines) - 1:
            y -= line_h
    if label:
        if len(lines) > 1:
            x, y = MARGIN + gap, y - line_h
        scene.text(
            x - gap + 0.25,
            y,
            f"→ {label}",
            size=WORD_FONT,
            weight="bold",
            ha="left",
            color=HIGHLIGHT_INK if highlighted else INK,
        )
    return scene


def _lines(widths: list[float], gap: float, label_room: float, wrap: float | None) -> list[list[int]]:
    """The words' indices, line by line: one line, or as many as fit ``wrap``."""
    if wrap is None or 2 * MARGIN + sum(widths) + gap * (len(widths) - 1) + label_room <= wrap:
        return [list(range(len(widths)))]
    lines: list[list[int]] = [[]]
    used = 2 * MARGIN
    for i, width in enumerate(widths):
        if lines[-1] and used + gap + width > wrap:
            lines.append([])
            used = 2 * MARGIN
        used += (gap if lines[-1] else 0) + width
        lines[-1].append(i)
    return lines


def portrait_words(data: dict[str, Any]) -> Scene | None:
    """The sentence wrapped into lines that fit a phone; None if it fits as it is."""
    if layout_words(data).width <= PHONE_WIDTH:
        return None
    return layout_words(data, wrap=PHONE_WIDTH)
