"""The plugin's settings, every one prefixed ``RNN_FIGURES_`` and defaulted here only."""

from __future__ import annotations

import logging
import os
from typing import Any

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
}


def apply_defaults(settings: dict[str, Any]) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    if settings["RNN_FIGURES_EXECUTE"] not in EXECUTE_MODES:
        logger.error(
            "RNN_FIGURES_EXECUTE = %r is not one of %s; using 'auto'",
            settings["RNN_FIGURES_EXECUTE"],
            ", ".join(repr(mode) for mode in EXECUTE_MODES),
        )
        settings["RNN_FIGURES_EXECUTE"] = "auto"
