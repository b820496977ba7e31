"""Writing a file or a folder at once: filled under a partial name beside its
target, then renamed onto it, so no reader ever sees half of it and a build
killed half-way leaves only a partial name behind (which :func:`is_partial`
tells, for whoever sweeps them)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

PARTIAL_PREFIX = ".rnn-partial-"


def partial_name(target: str | os.PathLike[str]) -> str:
    """Where ``target`` is filled before it is renamed: beside it, hidden, and
    named for this process so two builds never share one."""
    folder, name = os.path.split(os.fspath(target))
    return os.path.join(folder, f"{PARTIAL_PREFIX}{os.getpid()}-{name}")


def is_partial(name: str) -> bool:
    """Whether a file or folder name is a partial one (see :func:`partial_name`)."""
    return name.startswith(PARTIAL_PREFIX)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


@contextlib.contextmanager
def replacing(target: str | os.PathLike[str]) -> Iterator[str]:
    """The partial path of ``target`` to fill (a file the caller creates, or a
    folder); renamed onto ``target`` when the block ends, removed if it raises
    or the rename fails. A file is created by the caller, so it has the mode
    the umask gives, as Pelican's own pages do. The target's folder must exist."""
    partial = partial_name(target)
    _remove(partial)  # left by a killed process that had this one's PID
    try:
        yield partial
        os.replace(partial, target)
    finally:
        _remove(partial)


def write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write a UTF-8 text file at once, making its folder if need be."""
    os.makedirs(os.path.dirname(os.fspath(target)) or ".", exist_ok=True)
    with replacing(target) as partial, open(partial, "w", encoding="utf-8") as file:
        file.write(text)
