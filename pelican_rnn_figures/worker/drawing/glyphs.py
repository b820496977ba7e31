"""Advance widths of DejaVu Sans (the figures' font), to measure text without matplotlib.

Generated from matplotlib's copy of the font; ``tests/test_layout.py``
checks the estimate against matplotlib's own measure. Every text is measured
with :func:`text_width`; :func:`rough_width` is what two sizes were made
with before there was a table, kept because measuring them would change
figures and pages already made.
"""

from __future__ import annotations

# fmt: off
CHARACTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ …−→←·₀₁₂₃₄₅₆₇₈₉“”×ₜ'
# Thousandths of an em, one per character of CHARACTERS.
REGULAR_PER_MILLE = [613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 562, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 684, 686, 698, 770, 632, 483, 775, 752, 295, 295, 638, 557, 863, 748, 787, 558, 787, 673, 635, 445, 732, 606, 925, 685, 473, 685, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 337, 337, 838, 838, 838, 531, 1000, 390, 337, 390, 838, 500, 500, 636, 337, 636, 838, 318, 1000, 838, 838, 838, 318, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 518, 518, 838, 295]
# Thousandths of an em, one per character of CHARACTERS.
BOLD_PER_MILLE = [675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 621, 582, 774, 762, 734, 830, 683, 625, 821, 837, 372, 372, 775, 637, 995, 837, 850, 706, 850, 770, 720, 553, 812, 719, 1067, 771, 632, 725, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 400, 400, 838, 838, 838, 580, 1000, 457, 365, 457, 838, 500, 500, 712, 365, 712, 838, 348, 1000, 838, 838, 838, 380, 438, 438, 438, 438, 438, 438, 438, 438, 438, 438, 657, 657, 838, 388]
# fmt: on

_REGULAR = dict(zip(CHARACTERS, REGULAR_PER_MILLE, strict=True))
_BOLD = dict(zip(CHARACTERS, BOLD_PER_MILLE, strict=True))
UNKNOWN_PER_MILLE = 1000  # a character not in the table: as wide as an em


def glyph_ems(text: str, bold: bool = False) -> list[float]:
    """Each character's advance width, in em."""
    table = _BOLD if bold else _REGULAR
    return [table.get(char, UNKNOWN_PER_MILLE) / 1000 for char in text]


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Inches a one-line text takes at ``size`` points."""
    table = _BOLD if bold else _REGULAR
    return sum(table.get(char, UNKNOWN_PER_MILLE) for char in text) / 1000 * size / 72


def rough_width(text: str, size: float) -> float:
    """0.6 em a character, in inches: the width of a text's find region in
    the page's text layer, and the room a key note gets on the canvas. Wider
    than :func:`text_width` for most text; measured, those regions and some
    canvases (a narrow figure under a long note) would change."""
    return 0.6 * len(text) * size / 72
