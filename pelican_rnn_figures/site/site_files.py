"""Where an article's image URL leads: a file of the site, or a figure to make.

One rule for both who ask: the Markdown extension, while the article is read
(before Pelican knows where the article goes, so a relative URL is taken from
the content's root: a first guess, for the alt text it gives in advance), and
the planner, with the article's own paths (which decides).
"""

from __future__ import annotations

import os
import posixpath
import re

from ..article.snippets import LINK_PREFIX_RE

SCHEME_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def resolve_output(url: str, relative_source_path: str = "", save_as: str = "") -> str | None:
    """The output-relative path an image URL points at; None if not a local
    file of the output. A ``{static}`` URL is relative to the article's source
    (``relative_source_path``), any other relative URL to its page (``save_as``)."""
    url = url.split("#", 1)[0].split("?", 1)[0]
    if SCHEME_RE.match(url):
        return None
    prefixed = LINK_PREFIX_RE.match(url)
    if prefixed:
        url = url[prefixed.end() :]
        if not url.startswith("/"):
            url = posixpath.join(posixpath.dirname(relative_source_path), url)
    elif not url.startswith("/"):
        url = posixpath.join(posixpath.dirname(save_as), url)
    path = posixpath.normpath(url.lstrip("/"))
    if path.startswith("..") or path in ("", "."):
        return None
    return path


def is_site_file(url: str, content_root: str, relative_source_path: str = "", save_as: str = "") -> bool:
    """Whether an image URL names a file of the site, not a figure to make: a
    remote image (never ours to make), or a file of the content at the path
    it leads to. A path out of the output is no site file: it is claimed as a
    figure, so that it is refused with its line."""
    if SCHEME_RE.match(url):
        return True
    path = resolve_output(url, relative_source_path, save_as)
    return path is not None and os.path.exists(os.path.join(content_root, path))
