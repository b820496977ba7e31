"""The content-addressed figure cache: one directory per job under CACHE_PATH.

A job's key hashes everything that changes its figure (the snippet, the names
given to it, its inputs, seed and options, the versions of the plugin and of
TensorFlow, Keras, NumPy and matplotlib that the worker imports, and the
environment settings that change the numbers), so a hit needs no TensorFlow at
all. Not where the blocks are in the article: what an entry says names the lines they had when
it was made, and the site moves those (:mod:`.relocation`). Entries are made
by the worker under a partial name and renamed into place: a figure's files,
or an output-only snippet's ``result.json`` alone. Of failures, only those its code
always gives are kept (``errors/``: it raised, made no model, has a bad option
or a model that cannot be traced); a timeout, a dead worker or a lack of memory
is tried again on the next build.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..common.files import partial_name, write_text
from ..messages import ENTRY_FORMAT, EntrySummary, ErrorInfo
from .worker_python import import_path, is_this_python

logger = logging.getLogger(__name__)

VERSIONED_PACKAGES = ("tensorflow", "keras", "numpy", "matplotlib")
# The distributions that install each of them (normalised names). TensorFlow
# comes in many builds of the one package: tensorflow-cpu, -gpu, -macos,
# -intel, -aarch64, -rocm, -cpu-aws, intel-tensorflow(-avx512), tf-nightly
# and its variants; tensorflow-metal, Apple's device plugin, changes its
# numbers too. The key holds every one installed, with its version.
DISTRIBUTIONS = {
    "tensorflow": re.compile(
        r"(?:tensorflow|tf_nightly|intel_tensorflow)(?:_(?:cpu|gpu|macos|intel|aarch64|rocm|aws|avx512|metal))*"
    ),
    "keras": re.compile(r"keras|keras_nightly"),
    "numpy": re.compile(r"numpy"),
    "matplotlib": re.compile(r"matplotlib"),
}
# NAME-VERSION.dist-info, and setuptools' NAME-VERSION[-pyX.Y].egg-info.
DIST_INFO_RE = re.compile(r"^([A-Za-z0-9_.-]+?)-([^-]+?)(?:-py[0-9.]+)?\.(?:dist|egg)-info$")
NUMERIC_ENVIRONMENT = ("TF_ENABLE_ONEDNN_OPTS", "KERAS_BACKEND", "TF_DETERMINISTIC_OPS")


# What shapes a figure: the worker side, the article parsing it shares and
# the messages (tests/test_cache.py checks that the worker imports nothing of
# the package outside them). Editing the Pelican side (the receivers,
# planning, the page pass) re-runs nothing.
FIGURE_CODE = ("worker", "article", "common", "messages.py")


@cache
def plugin_fingerprint() -> str:
    """A hash of the code that makes figures: a change to drawing or tracing is a new figure."""
    return fingerprint_of(Path(__file__).resolve().parents[1])


def fingerprint_of(package: Path) -> str:
    digest = hashlib.sha256()
    for name in FIGURE_CODE:
        path = package / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            relative = file.relative_to(package).as_posix()
            digest.update(relative.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _dist_info_versions(paths: Iterable[str]) -> dict[str, str]:
    """Versions from the ``NAME-VERSION.dist-info`` folders in ``paths``: what
    importlib.metadata reads (the first of a name wins, as there), found with
    one directory listing per folder."""
    found: dict[str, str] = {}
    for entry in paths:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            match = DIST_INFO_RE.match(name)
            if match:
                found.setdefault(re.sub(r"[-_.]+", "_", match.group(1)).lower(), match.group(2))
    return found


def versions_in(paths: Iterable[str]) -> dict[str, Any]:
    """The plugin's version and, for each of :data:`VERSIONED_PACKAGES`, the
    distributions in ``paths`` that install it (``["tensorflow_cpu==2.16.1"]``;
    none: ``[]``), read from package metadata without importing anything."""
    installed = _dist_info_versions(paths)
    versions: dict[str, Any] = {"pelican_rnn_figures": f"{__version__}+{plugin_fingerprint()[:16]}"}
    for package in VERSIONED_PACKAGES:
        distributions = DISTRIBUTIONS[package]
        versions[package] = sorted(
            f"{name}=={version}" for name, version in installed.items() if distributions.fullmatch(name)
        )
    return versions


@cache
def package_versions() -> dict[str, Any]:
    """The versions this interpreter imports (the worker's, unless RNN_FIGURES_PYTHON is another)."""
    return versions_in(sys.path)


def worker_versions(python: str | None, folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The versions the workers of ``python`` (RNN_FIGURES_PYTHON; None: this
    interpreter) import, read again on every build (a few folder listings) from
    the import path it said once (:func:`.worker_python.import_path`, kept in
    ``folder``). If it cannot be asked, its name stands for them: no key is
    another interpreter's."""
    if is_this_python(python):
        return package_versions()
    assert python is not None
    paths = import_path(python, folder)
    if paths is None:
        return {"pelican_rnn_figures": package_versions()["pelican_rnn_figures"], "unasked": python}
    return versions_in(paths)


def job_key(kind: str, spec: dict[str, Any], prelude: str, versions: dict[str, Any] | None = None) -> str:
    """The key of a job; ``versions``: its worker's (:func:`worker_versions`), else this interpreter's."""
    material = {
        "format": ENTRY_FORMAT,
        "kind": kind,
        "spec": spec,
        "prelude": prelude,
        "versions": package_versions() if versions is None else versions,
        "environment": {name: os.environ.get(name) for name in NUMERIC_ENVIRONMENT},
    }
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=True).encode()
    return hashlib.sha256(encoded).hexdigest()


def error_key(key: str, source_path: str) -> str:
    """A failure's key: its job's, and the article's path (its traceback names
    the file). Not its lines: they are moved to where the blocks are now."""
    return hashlib.sha256(json.dumps([key, source_path]).encode()).hexdigest()


class FigureCache:
    """Cache entries ``root/ab/abcdef.../{figure.png,svg,json,result.json}``
    (an output-only snippet has ``result.json`` alone)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def cannot_write(self) -> OSError | None:
        """Why no entry can be made here (a file where a folder must be, a
        read-only or full disk), or None: a partial file is made and removed."""
        probe = partial_name(self.root / "write-probe")
        try:
            os.makedirs(self.root, exist_ok=True)
            with open(probe, "w", encoding="utf-8"):
                pass
            os.unlink(probe)
        except OSError as error:
            return error
        return None

    def entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    def lookup(self, key: str) -> EntrySummary | None:
        """The entry's summary, or None if it is missing or unusable."""
        # os.path, not pathlib: this runs for every figure of every build.
        entry = os.path.join(self.root, key[:2], key)
        read_error: OSError | None
        try:
            with open(os.path.join(entry, "result.json"), "rb") as result:
                raw = result.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            raw, read_error = b"", error
        else:
            read_error = None
        try:
            if read_error is not None:
                raise read_error
            summary = EntrySummary.from_json(json.loads(raw))
            if summary.files and not summary.alt:
                raise ValueError("no alt text")
            for name, recorded in summary.files.items():
                size = os.stat(os.path.join(entry, name)).st_size
                if size == 0 or size != recorded:
                    raise ValueError(f"{name} is damaged")
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning("Discarding broken figure cache entry %s (%s)", entry, error)
            shutil.rmtree(entry, ignore_errors=True)
            return None
        return summary

    def error_path(self, key: str) -> str:
        return os.path.join(self.root, "errors", key[:2], f"{key}.json")

    def store_error(self, key: str, error: ErrorInfo, block_lines: list[int]) -> None:
        """Keep a snippet's own failure, made with its blocks at ``block_lines``."""
        stored = {"format": ENTRY_FORMAT, "error": error.to_json(), "block_lines": block_lines}
        write_text(self.error_path(key), json.dumps(stored))

    def lookup_error(self, key: str) -> tuple[ErrorInfo, list[int]] | None:
        """A kept failure, and where its blocks were when it was made."""
        try:
            with open(self.error_path(key), encoding="utf-8") as file:
                stored = json.load(file)
            if stored.get("format") != ENTRY_FORMAT:
                return None
            return ErrorInfo.from_json(stored["error"]), [int(line) for line in stored["block_lines"]]
        except (FileNotFoundError, NotADirectoryError):  # (the latter: the errors folder is not one)
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning("Discarding broken figure cache entry %s (%s)", self.error_path(key), error)
            with contextlib.suppress(OSError):
                os.unlink(self.error_path(key))
            return None
