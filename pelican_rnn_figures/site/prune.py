"""Keeping the figure cache small: what the last full build used, and pruning the rest.

Every full build (one that planned every article; under ``make devserver``
each rebuild) records the keys of its figures and of its snippets' kept
failures in ``last-build.json`` in the plugin's cache folder, written at once
(:func:`record_build`). :func:`prune` removes the entries and kept errors
that are not in it, and the staging folders and files of processes no longer
alive: today's partial names (``.rnn-partial-<pid>-NAME``,
:func:`..common.files.partial_name`) and older versions' ``NAME.tmp-<pid>``.
An entry made after the recorded build started (by another build sharing the
folder) is kept. ``python -m pelican_rnn_figures prune`` (:func:`main`) runs
it; after a full build it runs by itself when the folder is larger than
``RNN_FIGURES_CACHE_LIMIT_MB`` (:func:`after_full_build`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..common.files import PARTIAL_PREFIX, write_text
from .settings import cache_folder

logger = logging.getLogger(__name__)

MANIFEST = "last-build.json"
MANIFEST_FORMAT = 1
MEGABYTE = 1024 * 1024
KEY_RE = re.compile(r"^[0-9a-f]{64}$")
SHARD_RE = re.compile(r"^[0-9a-f]{2}$")
STAGING_RES = (re.compile("^" + re.escape(PARTIAL_PREFIX) + r"(\d+)-"), re.compile(r"\.tmp-(\d+)$"))


@dataclass
class BuildRecord:
    """What a full build used: its entries' keys, its kept errors' keys, when
    it started; and the bytes the folder holds, as last measured plus what
    builds added since (None: not known), so that a build need not measure."""

    started: float
    entries: set[str]
    errors: set[str]
    size: int | None = None


def record_build(folder: str, record: BuildRecord) -> None:
    """Write what a full build used into ``folder`` (at once)."""
    stored = {
        "format": MANIFEST_FORMAT,
        "started": record.started,
        "size": record.size,
        "entries": sorted(record.entries),
        "errors": sorted(record.errors),
    }
    write_text(os.path.join(folder, MANIFEST), json.dumps(stored, indent=0))


def read_record(folder: str) -> BuildRecord | None:
    """The last full build's record, or None if there is none (or it is unreadable)."""
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as file:
            stored = json.load(file)
        if stored.get("format") != MANIFEST_FORMAT:
            return None
        size = stored.get("size")
        return BuildRecord(
            float(stored["started"]),
            set(stored["entries"]),
            set(stored["errors"]),
            int(size) if size is not None else None,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


@dataclass
class Pruned:
    """What a prune removed (or, in a dry run, would remove)."""

    entries: int = 0
    errors: int = 0
    staging: int = 0
    freed: int = 0  # bytes
    recorded: bool = True  # whether a full build's record was there
    failed: list[str] = field(default_factory=list)  # what could not be removed

    def text(self) -> str:
        removed = (
            f"{self.entries} unused entr{'y' if self.entries == 1 else 'ies'}, "
            f"{self.errors} unused kept error(s), {self.staging} staging folder(s) of dead builds"
        )
        line = f"{removed} ({megabytes(self.freed)})"
        if not self.recorded:
            line += " (no full build is recorded yet, so no entry is removed: build the site first)"
        if self.failed:
            line += f"; {len(self.failed)} could not be removed: {', '.join(self.failed[:5])}"
        return line


def megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.1f} MB"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (one of another user's counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _dead_staging(name: str) -> bool:
    """Whether ``name`` is a staging name of a process that is gone."""
    for pattern in STAGING_RES:
        match = pattern.search(name)
        if match:
            return not pid_alive(int(match.group(1)))
    return False


def size_of(path: str) -> int:
    """Bytes of the files in ``path`` (a file or a folder)."""
    if not os.path.isdir(path) or os.path.islink(path):
        try:
            return os.lstat(path).st_size
        except OSError:
            return 0
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    return total


def _entries(folder: str) -> Iterator[os.DirEntry[str]]:
    """Everything in ``folder`` (nothing if it is not a folder)."""
    try:
        with os.scandir(folder) as listing:
            yield from list(listing)
    except OSError:
        return


def _unused(entry: os.DirEntry[str], used: set[str] | None, started: float, suffix: str = "") -> bool:
    key = entry.name[: -len(suffix)] if suffix and entry.name.endswith(suffix) else entry.name
    if used is None or not KEY_RE.match(key) or key in used:
        return False
    try:
        return entry.stat(follow_symlinks=False).st_mtime < started
    except OSError:
        return False


def removable(folder: str, record: BuildRecord | None) -> Iterator[tuple[str, str]]:
    """What :func:`prune` removes from ``folder``: (path, "entry" | "error" | "staging")."""
    started = record.started if record is not None else 0.0
    for top in _entries(folder):
        if _dead_staging(top.name):
            yield top.path, "staging"
        elif top.name == "errors" or SHARD_RE.match(top.name):
            is_errors = top.name == "errors"
            shards = [s for s in _entries(top.path) if SHARD_RE.match(s.name)] if is_errors else [top]
            used = None if record is None else record.errors if is_errors else record.entries
            for shard in shards:
                for entry in _entries(shard.path):
                    if _dead_staging(entry.name):
                        yield entry.path, "staging"
                    elif _unused(entry, used, started, ".json" if is_errors else ""):
                        yield entry.path, "error" if is_errors else "entry"


def _remove(path: str) -> bool:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            return False
    return not os.path.lexists(path)


def prune(folder: str, dry_run: bool = False) -> Pruned:
    """Remove what the last full build did not use, and dead builds' staging names."""
    record = read_record(folder)
    pruned = Pruned(recorded=record is not None)
    for path, what in list(removable(folder, record)):
        size = size_of(path)
        if not dry_run and not _remove(path):
            pruned.failed.append(path)
            continue
        pruned.freed += size
        if what == "entry":
            pruned.entries += 1
        elif what == "error":
            pruned.errors += 1
        else:
            pruned.staging += 1
    if record is not None and record.size is not None and pruned.freed and not dry_run:
        record.size = max(0, record.size - pruned.freed)
        with contextlib.suppress(OSError):
            record_build(folder, record)
    return pruned


def after_full_build(
    folder: str,
    entries: Iterable[str],
    errors: Iterable[str],
    started: float,
    limit_mb: float | None,
    added: int = 0,
) -> None:
    """Record what a full build used (``added``: about the bytes of the
    entries it made); if the folder is then over ``limit_mb``, prune it. The
    folder is measured only when the recorded size plus what builds added
    passes the limit. A cache that cannot be written costs the record, with a
    warning."""
    previous = read_record(folder)
    size = previous.size + added if previous is not None and previous.size is not None else None
    if limit_mb is not None and (size is None or size > limit_mb * MEGABYTE):
        size = size_of(folder)
    record = BuildRecord(started, set(entries), set(errors), size)
    try:
        record_build(folder, record)
    except OSError as error:
        logger.warning(
            "RNN figures: could not keep the build's record %s in the cache (%s); the cache is not pruned",
            os.path.join(folder, MANIFEST),
            error,
        )
        return
    if limit_mb is None or size is None or size <= limit_mb * MEGABYTE:
        return
    pruned = prune(folder)
    logger.info(
        "RNN figures: the cache (%s) is over RNN_FIGURES_CACHE_LIMIT_MB = %s: removed %s",
        megabytes(size),
        limit_mb,
        pruned.text(),
    )


def main(argv: list[str] | None = None) -> int:
    """``pelican-rnn-figures prune [--settings pelicanconf.py] [--dry-run]``."""
    parser = argparse.ArgumentParser(
        prog="pelican-rnn-figures", description="Tools for the pelican_rnn_figures cache."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser(
        "prune",
        help="remove the cache entries the last full build did not use, and dead builds' staging folders",
    )
    command.add_argument(
        "-s", "--settings", help="the site's Pelican settings (default: pelicanconf.py here, if there is one)"
    )
    command.add_argument(
        "-n", "--dry-run", action="store_true", help="say what would be removed, remove nothing"
    )
    args = parser.parse_args(argv)
    path = args.settings or ("pelicanconf.py" if os.path.isfile("pelicanconf.py") else None)
    if args.settings and not os.path.isfile(args.settings):
        parser.error(f"no settings file {args.settings}")
    from pelican.settings import read_settings

    logging.getLogger("pelican").setLevel(logging.ERROR)  # its notes on feeds and time zones
    folder = cache_folder(read_settings(path))
    pruned = prune(folder, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    sys.stdout.write(f"{folder}: {verb} {pruned.text()}; the folder holds {megabytes(size_of(folder))}\n")
    return 1 if pruned.failed else 0
