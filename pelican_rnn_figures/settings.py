"""The plugin's settings, every one prefixed ``RNN_FIGURES_`` and defaulted here only."""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # Seed for Keras' weight initialisation; an article may set its own (Rnn_seed).
    "RNN_FIGURES_SEED": 42,
    # Seconds a snippet may run before its worker is killed.
    "RNN_FIGURES_TIMEOUT": 120,
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
