"""A figure's text layer as HTML, from the regions its drawing recorded.

Pure and stdlib only: the worker makes it once, with the figure, and stores it
in the cache entry; the page pass (:mod:`..site.page_layer`) puts it over the figure
in every page that shows it. A region is ``[left, top, width, height, text,
tooltip]``, the box in fractions of the figure from its top left.
"""

from __future__ import annotations

import html


def _percent(value: float) -> str:
    return f"{value * 100:.2f}%"


def _region(region: list) -> str:
    left, top, width, height, text, tip = region
    style = f"left:{_percent(left)};top:{_percent(top)};width:{_percent(width)};height:{_percent(height)}"
    if not tip:
        return f'<span style="{style}">{html.escape(text)}</span>'
    # The figure's box clips what leaves it: tooltips of cells near its top
    # open below them, near its sides they open inwards.
    classes = [
        name for name, near in (("below", top < 0.34), ("start", left < 0.2), ("end", left > 0.7)) if near
    ]
    class_attribute = f' class="{" ".join(classes)}"' if classes else ""
    return (
        f'<span{class_attribute} style="{style}" tabindex="-1" data-tip="{html.escape(tip, quote=True)}">'
        f"{html.escape(text)}</span>"
    )


def layer_html(regions: list[list]) -> str:
    """Transparent text over each label and value cell; value cells carry
    their tooltip and take focus when tapped."""
    return "".join(_region(region) for region in regions)
