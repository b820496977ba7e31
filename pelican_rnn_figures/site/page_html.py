"""Put figures into an article's HTML: fill image tags, slots and error boxes.

Works on the HTML the Markdown reader produced (``content._content``), by
plain string surgery on ``<img>`` tags and the slot comments the Markdown
extension left; every text from the article or the model is escaped.
"""

from __future__ import annotations

import html
import re

from ..messages import printable
from .markdown_ext import PROVISIONAL_ALT, output_marker, slot_marker

IMG_RE = re.compile(r"<img\b[^>]*?/?>", re.IGNORECASE)
ATTR_RE = re.compile(r"""([\w:-]+)\s*=\s*("[^"]*"|'[^']*')""")
# Feeds (and any page the plugin's page pass did not reach) get a plain image
# scaled into the column; article pages show the SVG at its natural size.
FIGURE_STYLE = "max-width:100%;height:auto"
FIGURE_ATTRIBUTE = "data-rnn-figure"  # the figure's output path without .png
NUMBER_PLACEHOLDER = "<!--rnn-figure-number-->"
NUMBERING_RE = re.compile(f'{FIGURE_ATTRIBUTE}="|{re.escape(NUMBER_PLACEHOLDER)}')


def tag_attributes(tag: str) -> dict[str, str]:
    """An HTML tag's attributes, by lower-case name, their values unescaped."""
    return {name.lower(): html.unescape(value[1:-1]) for name, value in ATTR_RE.findall(tag)}


def _find_image(page: str, url: str) -> re.Match | None:
    # Pages can hold many images: first look only at tags that mention the URL
    # as Markdown may have escaped it, then at every tag.
    for needle in dict.fromkeys((html.escape(url, quote=False), html.escape(url, quote=True), url)):
        position = 0
        while (found := page.find(needle, position)) != -1:
            start = page.rfind("<img", 0, found)
            match = IMG_RE.match(page, start) if start != -1 else None
            if match and match.end() > found and tag_attributes(match.group(0)).get("src") == url:
                return match
            position = found + 1
    for match in IMG_RE.finditer(page):
        if tag_attributes(match.group(0)).get("src") == url:
            return match
    return None


def _tag(attributes: dict[str, str]) -> str:
    body = " ".join(f'{name}="{html.escape(str(value), quote=True)}"' for name, value in attributes.items())
    return f"<img {body} />"


def fill_image(page: str, url: str, stem: str, alt: str, width: int, height: int) -> tuple[str, bool]:
    """Give the ``<img src=url>`` descriptive alt text (unless the author wrote
    some), its display size and the figure's output ``stem``; returns the page
    and whether the tag was found."""
    match = _find_image(page, url)
    if match is None:
        return page, False
    attributes = tag_attributes(match.group(0))
    if attributes.get("alt", "").strip() in ("", PROVISIONAL_ALT):
        attributes["alt"] = alt
    attributes.setdefault("width", str(width))
    attributes.setdefault("height", str(height))
    style = attributes.get("style", "")
    attributes["style"] = f"{style};{FIGURE_STYLE}".lstrip(";")
    attributes[FIGURE_ATTRIBUTE] = stem
    return page[: match.start()] + _zoomable(url, _tag(attributes)) + page[match.end() :], True


def _zoomable(png_url: str, image: str) -> str:
    """Link the image to its SVG, so a reader on a small screen can zoom in."""
    svg_url = png_url[: -len(".png")] + ".svg" if png_url.lower().endswith(".png") else png_url
    return f'<a class="rnn-figure-link" href="{html.escape(svg_url, quote=True)}">{image}</a>'


def replace_image(page: str, url: str, replacement: str) -> tuple[str, bool]:
    match = _find_image(page, url)
    if match is None:
        return page, False
    return page[: match.start()] + replacement + page[match.end() :], True


def figure_block(src: str, stem: str, alt: str, caption: str, width: int, height: int) -> str:
    """An explicit figure; its caption's number is filled by :func:`number_figures`."""
    image = _tag(
        {
            "src": src,
            "alt": alt,
            "width": str(width),
            "height": str(height),
            "style": FIGURE_STYLE,
            "loading": "lazy",
            FIGURE_ATTRIBUTE: stem,
        }
    )
    return (
        f'<figure class="rnn-figure">{_zoomable(src, image)}'
        f"<figcaption>Figure {NUMBER_PLACEHOLDER}. {html.escape(caption)}</figcaption></figure>"
    )


def number_figures(page: str) -> str:
    """Number the captions by the figures of the page before them, whether
    explicit or image references, so "Figure 2." is the page's second figure."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match.group(0) == NUMBER_PLACEHOLDER:
            return str(count)
        count += 1
        return match.group(0)

    return NUMBERING_RE.sub(number, page)


def error_block(source_name: str, line: int, message: str, code: str = "") -> str:
    """Where, what, and the line of code that failed, as the writer wrote it."""
    failing = f"\n{line:>5} | {html.escape(code)}" if code else ""
    # A <span> styled as a block, since it may replace an <img> inside a <p>.
    return (
        '<span class="rnn-figure-error" role="alert" style="display:block;border:2px solid #c0392b;'
        "background:#fdecea;color:#7b1d12;padding:0.6em 0.8em;margin:1em 0;"
        'font-family:monospace;white-space:pre-wrap;overflow-wrap:anywhere">'
        f"Figure not generated: {html.escape(source_name)}, line {line}: {html.escape(message)}{failing}"
        "</span>"
    )


OUTPUT_MARKER_RE = re.compile(r"<!--rnn-figure-(?:output|slot):\d+-->\n?")
OUTPUT_LINES = 60  # shown of what a block prints; the rest is counted


def output_block(printed: str) -> str:
    """What a block printed, as a notebook shows it under the block: terminal
    codes stripped (a progress bar's \\r keeps its last state), escaped,
    capped at ``OUTPUT_LINES`` lines."""
    lines = printable(printed.rstrip()).split("\n")
    hidden = len(lines) - OUTPUT_LINES
    if hidden > 1:
        lines = [*lines[:OUTPUT_LINES], f"… {hidden} more lines"]
    return (
        '<pre class="rnn-figure-output" style="margin-top:-0.5em;padding:0.5em 0.8em;'
        "border-left:3px solid #9aa5b1;background:rgba(127,127,127,0.08);overflow-x:auto;"
        'font-size:0.85em;line-height:1.35;white-space:pre"><code>'
        + html.escape("\n".join(lines))
        + "</code></pre>"
    )


def fill_output(page: str, number: int, printed: str) -> str:
    """Put what snippet ``number`` printed under it (nothing if it printed nothing)."""
    if not printed.strip():
        return page  # the marker goes with the others, leaving the page as it was
    return page.replace(output_marker(number), output_block(printed), 1)


def remove_output_markers(page: str) -> str:
    """The markers nothing filled: outputs of blocks that printed nothing, and
    the slot of an explicit figure that filled an image instead."""
    return OUTPUT_MARKER_RE.sub("", page)


def fill_slot(page: str, number: int, block: str) -> tuple[str, bool]:
    marker = slot_marker(number)
    if marker not in page:
        return page, False
    return page.replace(marker, block, 1), True


NOTEBOOK_LINK_CLASS = "rnn-notebook-link"


def notebook_link(href: str) -> str:
    """The line under a post that links its notebook (``href`` as Pelican resolves it)."""
    return (
        f'<p class="{NOTEBOOK_LINK_CLASS}"><a href="{html.escape(href, quote=True)}" download>'
        "Download this post as a Jupyter notebook</a></p>"
    )


def add_notebook_link(page: str, link: str) -> str:
    """The page with ``link`` at its end, once (a page seen again keeps its one)."""
    return page if f'class="{NOTEBOOK_LINK_CLASS}"' in page else f"{page}\n{link}"
