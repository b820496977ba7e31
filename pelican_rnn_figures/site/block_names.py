"""What each code block needs and defines, remembered between builds.

The session analysis (:func:`..article.session.names_of`, ``ast`` over every
Python block) runs while Pelican reads each article, on every build. Its
answer depends on the block's code alone, so it is kept in
``CACHE_PATH/rnn_figures/block-names.json`` by a hash of the code, with the
fingerprint of the code that analyses: a rebuild analyses only new blocks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from typing import Any

from ..article.session import Names, names_of
from ..common.files import write_text

logger = logging.getLogger(__name__)

FILE_NAME = "block-names.json"
KEPT_UNUSED = 5_000  # answers for blocks not seen in this process that are kept on saving


class RememberedNames:
    """:func:`names_of`, answered from the file when the block was seen before."""

    def __init__(self, folder: str):
        self.path = os.path.join(folder, FILE_NAME)
        self.known: dict[str, list[Any]] | None = None
        self.used: set[str] = set()
        self.changed = False

    def _load(self) -> dict[str, list[Any]]:
        from .cache import plugin_fingerprint  # (a site without snippets never gets here)

        try:
            with open(self.path, encoding="utf-8") as file:
                stored = json.load(file)
            if stored.get("fingerprint") == plugin_fingerprint():
                return dict(stored["names"])
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            logger.debug("Ignoring %s (%s)", self.path, error)
        return {}

    def __call__(self, code: str) -> Names:
        if self.known is None:
            self.known = self._load()
        key = hashlib.sha256(code.encode()).hexdigest()
        self.used.add(key)
        if key in self.known:
            with contextlib.suppress(ValueError, TypeError):
                return Names.from_json(self.known[key])
        names = names_of(code)
        self.known[key], self.changed = names.to_json(), True
        return names

    def save(self) -> None:
        """Write the answers (at once), if there are new ones."""
        if not self.changed or self.known is None:
            return
        from .cache import plugin_fingerprint

        unused = [key for key in self.known if key not in self.used][:KEPT_UNUSED]
        kept = {key: self.known[key] for key in [*self.used, *unused] if key in self.known}
        try:
            write_text(self.path, json.dumps({"fingerprint": plugin_fingerprint(), "names": kept}))
            self.changed = False
        except OSError as error:  # only a cost: the next build analyses again
            logger.debug("Cannot keep %s (%s)", self.path, error)


_remembered: dict[str, RememberedNames] = {}


def remembered_names(folder: str) -> RememberedNames:
    """The process's memory of block names for this cache folder."""
    if folder not in _remembered:
        _remembered[folder] = RememberedNames(folder)
    return _remembered[folder]
