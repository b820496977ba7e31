"""The content-addressed figure cache: one directory per job under CACHE_PATH.

A job's key hashes everything that changes its figure (the snippet, the names
given to it, its inputs, seed and options, the versions of the plugin and of
TensorFlow, Keras, NumPy and matplotlib, and the environment settings that
change the numbers), so a hit needs no TensorFlow at all. Entries are made by
the worker in a temporary directory and renamed into place; only successes
are stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sys
from functools import cache
from pathlib import Path
from typing import Any

from . import __version__

logger = logging.getLogger(__name__)

ENTRY_FILES = ("figure.png", "figure.svg", "figure.json")
ENTRY_FORMAT = 5  # of result.json; an entry of another format is a miss
VERSIONED_PACKAGES = ("tensorflow", "keras", "numpy", "matplotlib")
DIST_INFO_RE = re.compile(r"^([A-Za-z0-9_.-]+?)-([^-]+)\.dist-info$")
NUMERIC_ENVIRONMENT = ("TF_ENABLE_ONEDNN_OPTS", "KERAS_BACKEND", "TF_DETERMINISTIC_OPS")


# What shapes a figure: the worker and every module of the package it imports
# (tests/test_cache.py checks this list against the worker's imports). Editing
# the Pelican side (the receivers, planning, the page pass) re-runs nothing.
FIGURE_MODULES = (
    "__init__.py",
    "cache.py",
    "describe.py",
    "drawing.py",
    "example_inputs.py",
    "expectations.py",
    "jobs.py",
    "lanes.py",
    "stepping.py",
    "text_layer.py",
    "tracing.py",
    "unrolled.py",
    "worker.py",
)


@cache
def plugin_fingerprint() -> str:
    """A hash of the code that makes figures: a change to drawing or tracing is a new figure."""
    return fingerprint_of(Path(__file__).parent)


def fingerprint_of(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in FIGURE_MODULES:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
    return digest.hexdigest()


def _dist_info_versions() -> dict[str, str]:
    """Versions from the ``NAME-VERSION.dist-info`` folders on ``sys.path``: what
    importlib.metadata reads, found with one directory listing per path entry."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            match = DIST_INFO_RE.match(name)
            if match:
                found.setdefault(match.group(1).lower().replace("-", "_"), match.group(2))
    return found


@cache
def package_versions() -> dict[str, str | None]:
    """Versions read from package metadata, without importing the packages."""
    versions: dict[str, str | None] = {"pelican_rnn_figures": f"{__version__}+{plugin_fingerprint()[:16]}"}
    installed = _dist_info_versions()
    for name in VERSIONED_PACKAGES:
        versions[name] = installed.get(name)
    return versions


def job_key(kind: str, spec: dict[str, Any], prelude: str) -> str:
    material = {
        "format": ENTRY_FORMAT,
        "kind": kind,
        "spec": spec,
        "prelude": prelude,
        "versions": package_versions(),
        "environment": {name: os.environ.get(name) for name in NUMERIC_ENVIRONMENT},
    }
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=True).encode()
    return hashlib.sha256(encoded).hexdigest()


class FigureCache:
    """Cache entries ``root/ab/abcdef.../{figure.png,svg,json,result.json}``
    (a snippet that is only checked has ``result.json`` alone)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    def lookup(self, key: str) -> dict[str, Any] | None:
        """The entry's summary, or None if it is missing or unusable."""
        # os.path, not pathlib: this runs for every figure of every build.
        entry = os.path.join(self.root, key[:2], key)
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
            summary = json.loads(raw)
            if not isinstance(summary, dict) or summary.get("format") != ENTRY_FORMAT:
                raise ValueError("written by another version of the plugin")
            if summary["files"] and not isinstance(summary.get("alt"), str):
                raise ValueError("no alt text")
            for name, recorded in summary["files"].items():
                size = os.stat(os.path.join(entry, name)).st_size
                if size == 0 or size != recorded:
                    raise ValueError(f"{name} is damaged")
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning("Discarding broken figure cache entry %s (%s)", entry, error)
            shutil.rmtree(entry, ignore_errors=True)
            return None
        return summary
