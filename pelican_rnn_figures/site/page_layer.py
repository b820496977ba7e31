"""The page pass: what an article page (not a feed) adds to each figure.

Runs on every HTML page as Pelican renders it (the plugin's writer,
``signals.get_writer``, so each page is written once; when another plugin's
writer is used, on the written file, ``content_written``). Feeds are written
another way and keep a plain ``<img>``. In a page, a figure

* is shown as its SVG (``<picture>``, the PNG as fallback), at its natural size (text at 10.4 CSS px or more),
  crisp on every screen, in light or dark colours as the reader's system;
* sits in a box that scrolls sideways on its own when the figure is wider
  than the text column, so the page itself never scrolls sideways (themes
  clip what leaves their column, so the box stays in it);
* carries a text layer: transparent text over every label and value cell, so
  the browser's find (Ctrl-F) finds tokens and values, and hovering or tapping
  a cell shows what it is and its exact value ("h₂ of lstm, unit 3: −0.1234");
  plain HTML and CSS, so it works with JavaScript off. Only in the article's
  own page: lists of articles (index, categories, authors, tags) show the
  figure alone, since a site of many illustrated posts would otherwise write
  every figure's layer into each of those pages again;
* has a link to open the figure on its own, which says "scroll the figure
  sideways" when the figure is wider than its box (a line of script; with
  JavaScript off the box's scrollbar says it).

Pure string work (stdlib only); a written file is replaced atomically, and
a page without figures is left untouched.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ..common.files import write_text
from .page_html import FIGURE_ATTRIBUTE

# In Pelican's context: each figure's stem -> its size and text layer's HTML.
TEXT_LAYERS_KEY = "RNN_FIGURE_LAYERS"
LINKED_FIGURE_RE = re.compile(
    r'<a class="rnn-figure-link" href="(?P<href>[^"]*)">'
    rf'(?P<img><img [^>]*?{FIGURE_ATTRIBUTE}="(?P<stem>[^"]*)"[^>]*?/>)</a>'
)
STYLE_RE = re.compile(r'\bstyle="[^"]*"')
STYLE_ID = "rnn-figures-style"

PAGE_CSS = """
.rnn-figure-box{display:block;overflow-x:auto;overflow-y:hidden;max-width:100%;margin:0.6em 0 0.2em;
 -webkit-overflow-scrolling:touch}
.rnn-figure-frame{display:block;position:relative;margin:0 auto}
.rnn-figure-frame picture{display:block}
.rnn-figure-frame img{display:block;max-width:none;margin:0;border:0;background:transparent}
.rnn-figure-layer span{position:absolute;color:transparent;font:11px/1 sans-serif;white-space:nowrap;
 overflow:visible}
.rnn-figure-layer span::selection{background:rgba(245,158,11,.35);color:transparent}
.rnn-figure-layer [data-tip]{cursor:pointer;border-radius:2px;outline:none}
.rnn-figure-layer [data-tip]:hover,.rnn-figure-layer [data-tip]:focus{box-shadow:0 0 0 2px #d97706}
.rnn-figure-layer [data-tip]:hover::after,.rnn-figure-layer [data-tip]:focus::after{
 content:attr(data-tip);position:absolute;left:50%;transform:translateX(-50%);z-index:3;
 background:#1f2933;color:#fff;font:13px/1.3 sans-serif;padding:3px 7px;border-radius:4px;
 white-space:nowrap;pointer-events:none}
.rnn-figure-layer [data-tip]:not(.below)::after{bottom:calc(100% + 4px)}
.rnn-figure-layer .below::after{top:calc(100% + 4px)}
.rnn-figure-layer .start::after{left:0;transform:none}
.rnn-figure-layer .end::after{left:auto;right:0;transform:none}
.rnn-figure-open{display:block;text-align:right;font-size:0.85em;margin:0 0 1em}
.rnn-figure-box.rnn-scrolls+.rnn-figure-open::before{content:"⇠ scroll the figure sideways ⇢ · ";
 color:#52606d}
figure.rnn-figure{margin:1.2em 0}
figure.rnn-figure figcaption{margin-top:0.2em}
"""


# A figure wider than its box says so (with JavaScript off, the scrollbar does).
PAGE_SCRIPT = """(function(){function mark(){document.querySelectorAll('.rnn-figure-box').forEach(function(b){
b.classList.toggle('rnn-scrolls',b.scrollWidth>b.clientWidth+1);});}
if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',mark);}else{mark();}
window.addEventListener('resize',mark);})();"""


def _figure(match: re.Match, text_layers: dict[str, Any], with_text: bool) -> str:
    stem = html.unescape(match.group("stem"))
    layer = text_layers.get(stem)
    if layer is None:
        return match.group(0)
    href = match.group("href")
    width, height = layer["size"]
    image = STYLE_RE.sub(f'style="width:{width}px;height:{height}px"', match.group("img"), count=1)
    # Browsers take the SVG (text as text, crisp at any zoom, dark with the
    # reader's system); the PNG stays the <img> for anything that cannot.
    srcset = href.replace(" ", "%20").replace(",", "%2C")
    return (
        f'<span class="rnn-figure-box"><span class="rnn-figure-frame" style="width:{width}px">'
        f'<picture><source type="image/svg+xml" srcset="{srcset}">{image}</picture>'
        + (f'<span class="rnn-figure-layer" aria-hidden="true">{layer["html"]}</span>' if with_text else "")
        + "</span></span>"
        + f'<a class="rnn-figure-open" href="{href}">open the figure on its own ↗</a>'
    )


def enhance(page: str, text_layers: dict[str, Any], with_text: bool = True) -> str:
    """A written page with each known figure as the page shows it; without
    the text layers if not ``with_text``."""
    enhanced = LINKED_FIGURE_RE.sub(lambda match: _figure(match, text_layers, with_text), page)
    if enhanced == page:
        return page
    style = f'<style id="{STYLE_ID}">{PAGE_CSS}</style><script>{PAGE_SCRIPT}</script>'
    if STYLE_ID not in enhanced:
        head_end = enhanced.find("</head>")
        if head_end == -1:  # a theme without <head>: the style goes before the first figure
            head_end = enhanced.find('<span class="rnn-figure-box">')
        enhanced = enhanced[:head_end] + style + enhanced[head_end:]
    return enhanced


def enhance_file(path: str, text_layers: dict[str, Any], with_text: bool = True) -> None:
    """Rewrite one written HTML file in place, atomically, if it shows figures."""
    with open(path, encoding="utf-8") as file:
        page = file.read()
    if FIGURE_ATTRIBUTE not in page:
        return
    enhanced = enhance(page, text_layers, with_text)
    if enhanced == page:
        return
    write_text(path, enhanced)  # (with the umask's mode, as Pelican writes its pages)
