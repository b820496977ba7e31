"""The "did you mean" of a misspelt name: the closest of the names known,
as Python's own hint for a misspelt variable picks one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known name ``name`` most likely misspells, or None."""
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def unknown_name_hint(name: str, known: Iterable[str], what: str) -> str:
    """What to add to "unknown NAME": the name it may mean, else every ``what``
    there is ("; did you mean 'caption'?" or "; known options: caption, name")."""
    known = list(known)
    match = closest(name, known)
    return f"; did you mean {match!r}?" if match else f"; known {what}: {', '.join(known)}"
