"""The plugin's settings, every one prefixed ``RNN_FIGURES_``, defaulted and checked here only."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from ..common.hints import unknown_name_hint

logger = logging.getLogger(__name__)

EXECUTE_MODES = ("auto", "never", "force")

DEFAULTS: dict[str, Any] = {
    # "auto": run what the cache lacks; "never": use the cache only (missing
    # figures become placeholders; TensorFlow is never imported); "force":
    # ignore the cache and run everything again.
    "RNN_FIGURES_EXECUTE": "auto",
    # Seed for Keras' weight initialisation; an article may set its own (Rnn_seed).
    "RNN_FIGURES_SEED": 42,
    # Seconds a snippet may run before its worker is killed (an article may
    # lower it with Rnn_timeout).
    "RNN_FIGURES_TIMEOUT": 120,
    # Megabytes of memory (resident) a worker may use before it is killed.
    "RNN_FIGURES_MEMORY_LIMIT": 4096,
    # Most worker processes to run at once when many figures are missing.
    "RNN_FIGURES_WORKERS": os.cpu_count() or 1,
    # Where figures of explicit (```python rnn-figure) snippets are written, under OUTPUT_PATH.
    "RNN_FIGURES_OUTPUT_DIR": "images/rnn-figures",
    # Pixels per inch of the PNG; the figures are laid out at 100 px per inch,
    # so 200 gives 2x images for high-density screens.
    "RNN_FIGURES_DPI": 200,
    # The Python interpreter that runs snippets (it must have TensorFlow).
    "RNN_FIGURES_PYTHON": None,
    # What a snippet prints is shown under it, as in a notebook (a fence's
    # output=hide, or a "# rnn-figures: hide-output" line, hides one block's).
    "RNN_FIGURES_SHOW_OUTPUT": True,
    # A folder, beside CACHE_PATH if relative, that every build with TensorFlow
    # fills with the figures the articles use (site/frozen.py), to commit: a
    # machine without TensorFlow builds the site from it. None: off.
    "RNN_FIGURES_FROZEN_PATH": None,
    # Each article with snippets can be downloaded as a Jupyter notebook
    # (SLUG.ipynb beside its page), linked under the post.
    "RNN_FIGURES_NOTEBOOKS": True,
    # Megabytes the plugin's cache folder may hold after a full build before
    # the entries that build did not use are pruned; None: never prune by itself.
    "RNN_FIGURES_CACHE_LIMIT_MB": 500,
}


# Each setting's check, and what a good value is (for the error message).
Check = tuple[Callable[[Any], bool], str]
CHECKS: dict[str, Check] = {
    "RNN_FIGURES_EXECUTE": (lambda v: v in EXECUTE_MODES, "one of 'auto', 'never', 'force'"),
    "RNN_FIGURES_SEED": (lambda v: _whole(v) and v >= 0, "a whole number, 0 or more"),
    "RNN_FIGURES_TIMEOUT": (lambda v: _number(v) and v > 0, "a number of seconds above 0"),
    "RNN_FIGURES_MEMORY_LIMIT": (lambda v: _number(v) and v > 0, "a number of megabytes above 0"),
    "RNN_FIGURES_WORKERS": (lambda v: _whole(v) and v >= 1, "a whole number, 1 or more"),
    "RNN_FIGURES_OUTPUT_DIR": (
        lambda v: isinstance(v, str) and bool(v.strip("/")) and ".." not in v.replace("\\", "/").split("/"),
        "a folder under OUTPUT_PATH, such as 'images/rnn-figures'",
    ),
    "RNN_FIGURES_DPI": (lambda v: _whole(v) and 50 <= v <= 600, "a whole number from 50 to 600"),
    "RNN_FIGURES_PYTHON": (
        lambda v: v is None or (isinstance(v, str) and bool(v)),
        "a Python's path, or None",
    ),
    "RNN_FIGURES_SHOW_OUTPUT": (lambda v: isinstance(v, bool), "True or False"),
    "RNN_FIGURES_FROZEN_PATH": (
        lambda v: v is None or (isinstance(v, str) and bool(v.strip())),
        "a folder's path, such as 'frozen-figures', or None",
    ),
    "RNN_FIGURES_NOTEBOOKS": (lambda v: isinstance(v, bool), "True or False"),
    "RNN_FIGURES_CACHE_LIMIT_MB": (
        lambda v: v is None or (_number(v) and v >= 0),
        "a number of megabytes, 0 or more, or None",
    ),
}
PREFIX = "RNN_FIGURES_"


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def apply_defaults(settings: dict[str, Any]) -> None:
    """Default every setting, and check what the site set: an unknown
    ``RNN_FIGURES_*`` key is a warning (with the name it may mean), a bad
    value an error naming the setting, and the default is used instead."""
    for key in sorted(k for k in settings if k.startswith(PREFIX) and k not in DEFAULTS):
        logger.warning("Unknown setting %s is ignored%s", key, unknown_name_hint(key, DEFAULTS, "settings"))
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
        good, wanted = CHECKS[key]
        if not good(settings[key]):
            logger.error("%s = %r is not %s; using %r", key, settings[key], wanted, value)
            settings[key] = value


def cache_folder(settings: dict[str, Any]) -> str:
    """The plugin's folder in Pelican's ``CACHE_PATH``: figures, kept errors,
    what each block needs."""
    return os.path.join(os.path.abspath(settings["CACHE_PATH"]), "rnn_figures")


def frozen_folder(settings: dict[str, Any]) -> str | None:
    """The frozen figures' folder (RNN_FIGURES_FROZEN_PATH): relative to the
    folder CACHE_PATH is in (by default the settings file's), or None if off."""
    path = settings.get("RNN_FIGURES_FROZEN_PATH")
    if path is None:
        return None
    return os.path.join(os.path.dirname(os.path.abspath(settings["CACHE_PATH"])), path)
