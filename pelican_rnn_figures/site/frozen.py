"""The frozen folder (``RNN_FIGURES_FROZEN_PATH``): what the plugin made, kept
beside the content to be committed, so that a machine with Pelican and the
plugin alone (no TensorFlow) builds the site with every figure.

One folder per article (its source path under ``PATH``, without the suffix),
holding ``manifest.json`` and each figure's files named by its output path
(``images/rnn-figures/post-1.png``, ``.svg``, ``.json``). The manifest holds,
per *source key* (a hash of what the writer wrote: the job's spec and the
prelude, never the versions of the packages nor the plugin's code), the
entry's summary as the cache keeps it (the article lines of when it was
made: the site moves them, :mod:`.relocation`) or the snippet's own failure.

A build that can run snippets (TensorFlow found for the worker) writes the
folder: only what changed, only what the articles use, sorted keys and no
times, so a rebuild with nothing changed rewrites nothing. A build that
cannot (``RNN_FIGURES_EXECUTE = "never"``, or no TensorFlow for the default
worker Python) reads it for every figure the cache lacks; a snippet whose
source key is not there was changed since its figures were made.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from ..article.prelude import PRELUDE
from ..common.files import replacing, write_text
from ..messages import EntrySummary, ErrorInfo, Job, Outcome, entry_suffix
from .block_names import remembered_names
from .cache import FigureCache, error_key
from .settings import frozen_folder

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
CHANGED = "changed since its figures were made: run the build with TensorFlow"
SOURCE = "<article>"  # the article's path in a frozen failure's traceback


class Made(Protocol):
    """What the writer needs of a build's figure (``figures.Work``)."""

    key: str
    outcome: Outcome | None

    @property
    def source_path(self) -> str: ...

    @property
    def figure(self) -> Any: ...


def source_key(job: Job) -> str:
    """What the writer wrote: the job's kind and spec, and the prelude."""
    material = {"kind": job.kind.value, "spec": job.spec.key_json(), "prelude": PRELUDE}
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def can_execute(settings: dict[str, Any]) -> bool:
    """Whether a missing figure can be made here: not with EXECUTE 'never',
    nor when the worker is this Python and it has no TensorFlow (found, not
    imported). Another interpreter (RNN_FIGURES_PYTHON) is taken to have it."""
    if settings["RNN_FIGURES_EXECUTE"] == "never":
        return False
    return settings["RNN_FIGURES_PYTHON"] is not None or importlib.util.find_spec("tensorflow") is not None


def _with_path(error: dict[str, Any], path: str, replacement: str) -> dict[str, Any]:
    """A failure's JSON with the article's path (its traceback names it)
    replaced: frozen without the writer's folder, read with the reader's."""
    texts = {name: str(error.get(name, "")).replace(path, replacement) for name in ("message", "traceback")}
    return {**error, **texts}


def _manifest_text(article: str, records: dict[str, Any]) -> str:
    return json.dumps({"format": FORMAT, "article": article, "figures": records}, indent=1, sort_keys=True)


def _record_files(record: dict[str, Any]) -> list[str]:
    stem, summary = record.get("files"), record.get("summary")
    if not isinstance(stem, str) or not isinstance(summary, dict):
        return []
    return [stem + entry_suffix(name) for name in summary.get("files", {})]


def _same_bytes(source: str, target: str) -> bool:
    try:
        if os.path.getsize(source) != os.path.getsize(target):
            return False
    except FileNotFoundError:
        return False
    with open(source, "rb") as one, open(target, "rb") as other:
        return one.read() == other.read()


def _copy(source: str, target: str) -> None:
    """Copy unless ``target`` already holds these bytes (a clean ``git diff``)."""
    if _same_bytes(source, target):
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with replacing(target) as partial:
        shutil.copyfile(source, partial)


class FrozenFigures:
    """The frozen folder of a build: read where figures cannot be made, else written."""

    def __init__(self, root: str, content_path: str, writes: bool):
        self.root_path = root  # as settings.frozen_folder gives it (the block names' key)
        self.root = Path(root)
        self.content_path = os.path.abspath(content_path)
        self.writes = writes  # this build can make figures: it writes the folder, never reads it
        self.manifests: dict[str, dict[str, Any]] = {}

    @classmethod
    def of(cls, settings: dict[str, Any]) -> FrozenFigures | None:
        """The build's frozen folder, None if RNN_FIGURES_FROZEN_PATH is not set."""
        root = frozen_folder(settings)
        return None if root is None else cls(root, settings["PATH"], can_execute(settings))

    def folder(self, source_path: str) -> Path:
        """An article's folder: its source path under PATH, without the suffix."""
        relative = os.path.relpath(os.path.abspath(source_path), self.content_path)
        if relative.startswith(".."):
            relative = os.path.basename(relative)
        return self.root / os.path.splitext(relative)[0]

    def records(self, source_path: str) -> dict[str, Any]:
        """The article's manifest records by source key (none if it has no manifest)."""
        if source_path not in self.manifests:
            try:
                with open(self.folder(source_path) / MANIFEST, encoding="utf-8") as file:
                    stored = json.load(file)
                figures = stored["figures"] if stored.get("format") == FORMAT else {}
            except FileNotFoundError:
                figures = {}
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
                logger.warning(
                    "%s: unreadable frozen figures (%s)", self.folder(source_path) / MANIFEST, error
                )
                figures = {}
            self.manifests[source_path] = figures if isinstance(figures, dict) else {}
        return self.manifests[source_path]

    def lookup(self, source_path: str, job: Job) -> tuple[Outcome, list[int], str | None] | None:
        """A figure's frozen outcome, where its blocks were when it was made,
        and the stem of its files; None if the snippet is not as frozen."""
        record = self.records(source_path).get(source_key(job))
        if not isinstance(record, dict):
            return None
        try:
            if "error" in record:
                error = ErrorInfo.from_json(_with_path(record["error"], SOURCE, source_path))
                return Outcome(error=error), [int(line) for line in record["block_lines"]], None
            summary = EntrySummary.from_json(record["summary"])
            stem = str(self.folder(source_path) / record["files"]) if summary.files else None
            for name, size in summary.files.items():
                if stem is None or os.path.getsize(stem + entry_suffix(name)) != size:
                    raise ValueError(f"{name} is damaged")
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning("%s: frozen figure unusable (%s)", source_path, error)
            return None
        return Outcome(summary), summary.block_lines, stem

    def write(self, made: Iterable[Made], cache: FigureCache, complete: bool) -> None:
        """Freeze what this build made, article by article; after a full build
        (``complete``), also forget the articles it no longer has."""
        by_article: dict[str, list[Made]] = {}
        for item in made:
            by_article.setdefault(item.source_path, []).append(item)
        written = set()
        for source_path, items in by_article.items():
            try:
                self._write_article(source_path, items, cache)
            except OSError as error:
                logger.warning("%s: its frozen figures could not be written (%s)", source_path, error)
            written.add(self.folder(source_path) / MANIFEST)
        if complete:
            for manifest in sorted(self.root.rglob(MANIFEST)) if self.root.is_dir() else []:
                if manifest not in written:
                    self._forget(manifest.parent, self._stored(manifest), {})
        # What each block needs, so that a fresh checkout need not analyse them.
        remembered_names(str(cache.root), self.root_path).freeze()

    def _record(self, item: Made, cache: FigureCache) -> dict[str, Any] | None:
        """The item's record as the cache has it: its figure, or its snippet's own failure."""
        outcome = item.outcome
        if outcome is not None and outcome.ok and (summary := cache.lookup(item.key)) is not None:
            record: dict[str, Any] = {"summary": summary.to_json()}
            if summary.files:
                record["files"] = item.figure.stem
            return record
        if outcome is not None and outcome.error is not None and outcome.error.deterministic:
            known = cache.lookup_error(error_key(item.key, item.source_path))
            if known is not None:
                return {
                    "error": _with_path(known[0].to_json(), item.source_path, SOURCE),
                    "block_lines": known[1],
                }
        return None

    def _write_article(self, source_path: str, items: list[Made], cache: FigureCache) -> None:
        folder = self.folder(source_path)
        old = self._stored(folder / MANIFEST)
        records: dict[str, Any] = {}
        for item in items:
            key = source_key(item.figure.job)
            if key in records:
                continue
            record = self._record(item, cache)
            if record is None:  # not made this time (a timeout): as it was frozen
                record = old.get(key)
            elif "files" in record:
                entry = cache.entry(item.key)
                for name in record["summary"]["files"]:
                    _copy(str(entry / name), str(folder / record["files"]) + entry_suffix(name))
            if record is not None:
                records[key] = record
        if records:
            article = Path(os.path.relpath(os.path.abspath(source_path), self.content_path)).as_posix()
            text = _manifest_text(article, records)
            with contextlib.suppress(FileNotFoundError):
                if (folder / MANIFEST).read_text(encoding="utf-8") == text:
                    text = ""
            if text:
                write_text(folder / MANIFEST, text)
        self._forget(folder, old, records)

    @staticmethod
    def _stored(manifest: Path) -> dict[str, Any]:
        try:
            figures = json.loads(manifest.read_text(encoding="utf-8")).get("figures", {})
        except (OSError, ValueError, AttributeError):
            return {}
        return figures if isinstance(figures, dict) else {}

    def _forget(self, folder: Path, old: dict[str, Any], kept: dict[str, Any]) -> None:
        """Remove the files of ``old``'s records that ``kept`` does not use
        (all, and the manifest, if ``kept`` is empty), then emptied folders."""
        keep = {name for record in kept.values() for name in _record_files(record)}
        gone = {name for record in old.values() for name in _record_files(record)} - keep
        if not kept:
            gone.add(MANIFEST)
        for name in sorted(gone):
            path = folder / name
            if not path.resolve().is_relative_to(self.root.resolve()):
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            for parent in path.parents:
                if parent == self.root or not parent.is_relative_to(self.root):
                    break
                try:
                    parent.rmdir()
                except OSError:
                    break
