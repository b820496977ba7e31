"""The page pass: what an article page (not a feed) adds to each figure.

Runs on every HTML page as Pelican renders it (the plugin's writer,
``signals.get_writer``, so each page is written once; when another plugin's
writer is used, on the written file, ``content_written``). Feeds are written
another way and keep a plain ``<img>``. In a page, a figure

* is shown as its SVG (``<picture>``, the PNG as fallback), at its natural size (text at 10.4 CSS px or more),
  crisp on every screen, in light or dark colours as the reader's system, or
  as the theme's own dark mode where it marks one on <html> or <body>;
* sits in a box that scrolls sideways on its own when the figure is wider
  than the text column, so the page itself never scrolls sideways (themes
  clip what leaves their column, so the box stays in it), at its natural
  size whatever the theme's rules for figures and images;
* carries a text layer: transparent text over every label and value cell, so
  the browser's find (Ctrl-F) finds tokens and values, and hovering or tapping
  a cell shows what it is and its exact value ("h₂ of lstm, unit 3: −0.1234");
  plain HTML and CSS, so it works with JavaScript off (with JavaScript, the
  tooltip is one element placed in the window, never cut by the box). Only
  in the article's own page: lists of articles (index, categories, authors,
  tags) show the figure alone, since a site of many illustrated posts would
  otherwise write every figure's layer into each of those pages again;
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
from ..messages import PORTRAIT_FILE, entry_suffix
from .page_html import FIGURE_ATTRIBUTE, tag_attributes

# In Pelican's context: each figure's stem -> its size and text layer's HTML.
TEXT_LAYERS_KEY = "RNN_FIGURE_LAYERS"
LINKED_FIGURE_RE = re.compile(
    r'<a class="rnn-figure-link" href="(?P<href>[^"]*)">'
    rf'(?P<img><img [^>]*?{FIGURE_ATTRIBUTE}="(?P<stem>[^"]*)"[^>]*?/>)</a>'
)
STYLE_RE = re.compile(r'\bstyle="[^"]*"')
STYLE_ID = "rnn-figures-style"
PORTRAIT_SUFFIX = entry_suffix(PORTRAIT_FILE)  # the portrait layout's SVG, beside the figure's
THRESHOLD_STEP = 10  # px: figures of widths within a step share their container query

# Themes style `figure` and `img` for photos (Pelican's default theme floats
# `#featured figure` right at 248 px on its front page, most themes set
# `img{max-width:100%}`); a figure shown at its natural size, with its text
# layer placed over it in percentages, must not be floated or shrunk, so the
# few properties its layout rests on are !important.
# The tooltip: with JavaScript, one element in the page (PAGE_SCRIPT), kept
# inside the window, since the box that scrolls a wide figure clips whatever
# leaves it; without, the cell's ::after, anchored to the cell's side that
# keeps it inside the figure (`.start`, `.end`, `.below`).
# Dark mode: an SVG shown by <img> follows the color-scheme of its <img>
# (prefers-color-scheme inside it), so a theme that marks its dark or light
# mode on <html> or <body> sets it for the figure's box; unmarked, the box
# inherits the page's color-scheme, the reader's system by default.
PAGE_CSS = """
:is(html,body):is(.dark,.dark-theme,.dark-mode,.theme-dark,[data-theme=dark],[data-bs-theme=dark],
[data-color-scheme=dark],[data-mode=dark]){--rnn-figure-scheme:dark}
:is(html,body):is(.light,.light-theme,.light-mode,.theme-light,[data-theme=light],[data-bs-theme=light],
[data-color-scheme=light],[data-mode=light]){--rnn-figure-scheme:light}
.rnn-figure-box{display:block;overflow-x:auto;overflow-y:hidden;max-width:100%;margin:0.6em 0 0.2em;
 -webkit-overflow-scrolling:touch;color-scheme:var(--rnn-figure-scheme)}
.rnn-figure-frame{display:block;position:relative;margin:0 auto;overflow-x:clip}
.rnn-figure-box.rnn-turns{container-type:inline-size}
.rnn-figure-frame.rnn-portrait{display:none}
.rnn-figure-frame picture{display:block}
.rnn-figure-frame img{display:block!important;float:none!important;max-width:none!important;
 max-height:none!important;margin:0;border:0;background:transparent}
.rnn-figure-layer span{position:absolute;color:transparent;font:11px/1 sans-serif;white-space:nowrap;
 overflow:visible}
.rnn-figure-layer span::selection{background:rgba(245,158,11,.35);color:transparent}
.rnn-figure-layer [data-tip]{cursor:pointer;border-radius:2px;outline:none}
.rnn-figure-layer [data-tip]:hover,.rnn-figure-layer [data-tip]:focus{box-shadow:0 0 0 2px #d97706}
.rnn-figure-layer [data-tip]::after,.rnn-figure-tip{z-index:3;background:#1f2933;color:#fff;
 font:13px/1.3 sans-serif;padding:3px 7px;border-radius:4px;white-space:nowrap;pointer-events:none}
.rnn-figure-layer [data-tip]::after{position:absolute;left:50%;transform:translateX(-50%);
 bottom:calc(100% + 4px)}
.rnn-figure-layer .below::after{bottom:auto;top:calc(100% + 4px)}
.rnn-figure-layer .start::after{left:0;transform:none}
.rnn-figure-layer .end::after{left:auto;right:0;transform:none}
html:not(.rnn-tips) .rnn-figure-layer [data-tip]:is(:hover,:focus)::after{content:attr(data-tip)}
.rnn-figure-tip{position:fixed;top:0;left:0;max-width:calc(100vw - 16px);box-sizing:border-box;
 white-space:normal;width:max-content;text-align:left;box-shadow:0 1px 4px rgba(0,0,0,.3);user-select:none}
.rnn-figure-tip[hidden]{display:none}
.rnn-figure-open{display:block;text-align:right;font-size:0.85em;margin:0 0 1em}
.rnn-figure-box.rnn-scrolls+.rnn-figure-open::before{content:"⇠ scroll the figure sideways ⇢ · ";
 color:#52606d}
figure.rnn-figure{margin:1.2em 0!important;float:none!important;width:auto!important;max-width:none!important}
figure.rnn-figure figcaption{margin-top:0.2em}
"""


# A figure wider than its box says so (with JavaScript off, the scrollbar
# does). The tooltip of the cell under the pointer, or else of the focused
# (tapped) one, is one element of the page, placed above the cell (below when
# the cell asks or there is no room) and moved left or right to stay whole
# in the window (hidden while its cell is scrolled out of the figure's box);
# `rnn-tips` on <html> turns the CSS tooltips off.
PAGE_SCRIPT = """(function(){var root=document.documentElement,tip=null,cell=null;
function mark(){document.querySelectorAll('.rnn-figure-box').forEach(function(b){
b.classList.toggle('rnn-scrolls',b.scrollWidth>b.clientWidth+1);});}
function place(){if(!cell){return;}var r=cell.getBoundingClientRect(),w=root.clientWidth,
b=cell.closest('.rnn-figure-box').getBoundingClientRect(),x=r.left+r.width/2;
tip.hidden=x<b.left||x>b.right;tip.style.left='0px';var t=tip.getBoundingClientRect(),top=r.top-t.height-6;
if(cell.classList.contains('below')||top<4){top=r.bottom+6;}
tip.style.left=Math.max(8,Math.min(r.left+r.width/2-t.width/2,w-8-t.width))+'px';tip.style.top=top+'px';}
function show(c){if(!c){if(tip){tip.hidden=true;}cell=null;return;}
if(!tip){tip=document.createElement('div');tip.className='rnn-figure-tip';tip.setAttribute('aria-hidden','true');
document.body.appendChild(tip);}cell=c;tip.textContent=c.getAttribute('data-tip');tip.hidden=false;place();}
function tipOf(e){return e&&e.closest?e.closest('.rnn-figure-layer [data-tip]'):null;}
root.classList.add('rnn-tips');
document.addEventListener('mouseover',function(e){show(tipOf(e.target)||tipOf(document.activeElement));});
document.addEventListener('focusin',function(e){show(tipOf(e.target));});
document.addEventListener('focusout',function(){show(null);});
window.addEventListener('scroll',place,true);
window.addEventListener('resize',function(){mark();place();});
if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',mark);}else{mark();}})();"""


def _text_layer(layer: dict[str, Any], with_text: bool) -> str:
    return f'<span class="rnn-figure-layer" aria-hidden="true">{layer["html"]}</span>' if with_text else ""


def _portrait(layer: dict[str, Any], href: str, image: str, with_text: bool) -> str:
    """The portrait layout's frame, for a box narrower than the landscape figure."""
    width, height = layer["size"]
    src = html.escape(href.removesuffix(".svg") + PORTRAIT_SUFFIX, quote=True)
    alt = html.escape(tag_attributes(image).get("alt", ""), quote=True)
    return (
        f'<span class="rnn-figure-frame rnn-portrait" style="width:{width}px">'
        f'<img src="{src}" alt="{alt}" width="{width}" height="{height}" '
        f'style="width:{width}px;height:{height}px" loading="lazy" />'
        + _text_layer(layer, with_text)
        + "</span>"
    )


def _figure(match: re.Match, text_layers: dict[str, Any], with_text: bool, thresholds: set[int]) -> str:
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
    portrait = layer.get("portrait")
    box = "rnn-figure-box"
    if portrait and portrait["size"][0] < width:
        threshold = -(-width // THRESHOLD_STEP)
        thresholds.add(threshold)
        box += f" rnn-turns rnn-w{threshold}"
    else:
        portrait = None
    return (
        f'<span class="{box}"><span class="rnn-figure-frame rnn-landscape" style="width:{width}px">'
        f'<picture><source type="image/svg+xml" srcset="{srcset}">{image}</picture>'
        + _text_layer(layer, with_text)
        + "</span>"
        + (_portrait(portrait, href, image, with_text) if portrait else "")
        + "</span>"
        + f'<a class="rnn-figure-open" href="{href}">open the figure on its own ↗</a>'
    )


def _turning_css(thresholds: set[int]) -> str:
    """For each landscape width on the page (in steps of THRESHOLD_STEP px,
    rounded up): in a box narrower than it, the portrait layout instead."""
    return "".join(
        f"@container (max-width:{t * THRESHOLD_STEP - 0.02}px){{.rnn-w{t}>.rnn-landscape{{display:none}}"
        f".rnn-w{t}>.rnn-portrait{{display:block}}}}"
        for t in sorted(thresholds)
    )


def enhance(page: str, text_layers: dict[str, Any], with_text: bool = True) -> str:
    """A written page with each known figure as the page shows it; without
    the text layers if not ``with_text``."""
    thresholds: set[int] = set()
    enhanced = LINKED_FIGURE_RE.sub(lambda match: _figure(match, text_layers, with_text, thresholds), page)
    if enhanced == page:
        return page
    style = (
        f'<style id="{STYLE_ID}">{PAGE_CSS}{_turning_css(thresholds)}</style><script>{PAGE_SCRIPT}</script>'
    )
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
