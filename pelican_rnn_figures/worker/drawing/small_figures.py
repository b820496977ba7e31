"""The two small figures, laid out as scenes: embeddings, and words.

An article's example embeddings (each token above its vector) and a sentence
drawn as word boxes read left to right, its highlighted words standing out.
"""

from __future__ import annotations

from typing import Any

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


def layout_words(data: dict[str, Any]) -> Scene:
    """A sentence as word boxes read left to right; highlighted words stand out."""
    words, highlighted, label = data["words"], set(data["highlighted"]), data["label"]
    widths = [max(0.7, 0.13 * len(w) + 0.35) for w in words]
    gap = 0.35
    label_room = 0.35 + 0.125 * (len(label) + 2) if label else 0
    width = 2 * MARGIN + sum(widths) + gap * (len(words) - 1) + label_room
    scene = Scene(width, 0.8, ValueScale())
    x = MARGIN
    for i, (word, w) in enumerate(zip(words, widths, strict=True)):
        strong = i in highlighted
        scene.shapes.append(WordBox(x, 0.19, w, 0.42, strong))
        scene.text(x + w / 2, 0.40, word, size=WORD_FONT, weight="bold" if strong else "normal")
        if i < len(words) - 1:
            scene.arrow((x + w + 0.04, 0.40), (x + w + gap - 0.04, 0.40))
        x += w + gap
    if label:
        scene.text(
            x - gap + 0.25,
            0.40,
            f"→ {label}",
            size=WORD_FONT,
            weight="bold",
            ha="left",
            color=HIGHLIGHT_INK if highlighted else INK,
        )
    return scene
