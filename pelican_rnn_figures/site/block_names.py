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

    def __init__(self, folder: str, frozen: str | None = None):
        self.path = os.path.join(folder, FILE_NAME)
        # The frozen figures' copy (see :meth:`freeze`): what a fresh checkout,
        # which has no cache, reads instead of analysing every block again.
        self.frozen_path = os.path.join(frozen, FILE_NAME) if frozen else None
        self.known: dict[str, list[Any]] | None = None
        self.used: set[str] = set()
        self.changed = False

    def _load(self) -> dict[str, list[Any]]:
        from .cache import plugin_fingerprint  # (a site without snippets never gets here)

        for path in (self.path, self.frozen_path):
            if path is None:
                continue
            try:
                with open(path, encoding="utf-8") as file:
                    stored = json.load(file)
                if stored.get("fingerprint") == plugin_fingerprint():
                    return dict(stored["names"])
            except FileNotFoundError:
                continue
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
                logger.debug("Ignoring %s (%s)", path, error)
            return {}
        return {}

    def freeze(self) -> None:
        """Keep the answers for the blocks this process saw in the frozen
        figures' folder, sorted, rewritten only when they change (clean diffs)."""
        if self.frozen_path is None or self.known is None:
            return
        from .cache import plugin_fingerprint

        used = {key: self.known[key] for key in sorted(self.used) if key in self.known}
        text = (
            json.dumps({"fingerprint": plugin_fingerprint(), "names": used}, indent=1, sort_keys=True) + "\n"
        )
        try:
            with open(self.frozen_path, encoding="utf-8") as file:
                if file.read() == text:
                    return
        except OSError:
            pass
        try:
            write_text(self.frozen_path, text)
        except OSError as error:  # only a cost: a fresh checkout analyses again
            logger.debug("Cannot keep %s (%s)", self.frozen_path, error)

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


_remembered: dict[tuple[str, str | None], RememberedNames] = {}


def remembered_names(folder: str, frozen: str | None = None) -> RememberedNames:
    """The process's memory of block names for this cache folder (and this
    frozen figures' folder, if there is one)."""
    if (folder, frozen) not in _remembered:
        _remembered[folder, frozen] = RememberedNames(folder, frozen)
    return _remembered[folder, frozen]
