"""Read the options of an explicit figure, written after ``rnn-figure``.

The authoring vocabulary, one ``key=value`` each (quote values with spaces)::

    ```python rnn-figure caption="Padding is skipped" tokens="I am groot <pad>" ids="4 7 9 0"

Pure parsing. Unknown keys and unreadable values raise
:class:`FigureOptionError`; the caller reports it with the fence's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .examples import Example, MetadataError, parse_example

#: Every option, and what it does (the README's table says the same at length).
KNOWN = {
    "caption": "the figure's caption",
    "name": "the figure's file name",
    "tokens": "labels of the time steps; '|' separates the inputs of a model with several",
    "example": "tokens and embeddings for this figure, as in Rnn_example",
    "ids": "token ids for a model that starts with an Embedding; '|' separates inputs",
    "seed": "the seed for this figure's weights",
    "inputs": "the name of an array in the snippet to use as the inputs (a batch shows its first sample)",
    "layers": "the layers to draw, by name or class, comma separated",
    "values": "'off' draws a clean schematic without numbers",
    "output": "'hide' leaves out what the block prints (shown under it by default)",
}
IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SWITCH = {"on": True, "true": True, "yes": True, "off": False, "false": False, "no": False}


class FigureOptionError(ValueError):
    """An option the plugin cannot use."""


@dataclass
class FigureOptions:
    """What the options change: the example, the seed and how it is drawn."""

    example: Example | None = None
    tokens: list[list[str]] = field(default_factory=list)
    token_ids: list[list[int]] = field(default_factory=list)
    seed: int | None = None
    drawing: dict[str, Any] = field(default_factory=dict)  # layers, values, inputs: in the cache key
    show_output: bool | None = None  # None: as RNN_FIGURES_SHOW_OUTPUT says


def _split_inputs(text: str) -> list[str]:
    return [part.strip() for part in text.split("|")]


def read(options: dict[str, str]) -> FigureOptions:
    result = FigureOptions()
    for key, value in options.items():
        if key not in KNOWN:
            import difflib  # only for a misspelt option

            close = difflib.get_close_matches(key, KNOWN, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known options: {', '.join(KNOWN)}"
            raise FigureOptionError(f"unknown figure option {key!r}{hint}")
        if key == "tokens":
            result.tokens = [part.split() for part in _split_inputs(value)]
        elif key == "example":
            try:
                result.example = parse_example(value)
            except MetadataError as error:
                raise FigureOptionError(f"example: {error}") from None
        elif key == "ids":
            try:
                result.token_ids = [[int(word) for word in part.split()] for part in _split_inputs(value)]
            except ValueError:
                raise FigureOptionError(f'ids={value!r}: write whole numbers, e.g. ids="4 7 9 0"') from None
            if any(i < 0 for ids in result.token_ids for i in ids):
                raise FigureOptionError(f"ids={value!r}: token ids cannot be negative")
        elif key == "seed":
            try:
                result.seed = int(value)
            except ValueError:
                raise FigureOptionError(f"seed={value!r} is not an integer") from None
        elif key == "inputs":
            if not IDENTIFIER_RE.match(value):
                raise FigureOptionError(
                    f"inputs={value!r} must name a variable of the snippet, e.g. inputs=x"
                )
            result.drawing["inputs"] = value
        elif key == "layers":
            names = [name.strip() for name in value.split(",") if name.strip()]
            if not names:
                raise FigureOptionError("layers= names no layer; e.g. layers=lstm,dense")
            result.drawing["layers"] = names
        elif key == "values":
            if value.lower() not in SWITCH:
                raise FigureOptionError(f"values={value!r}: write values=off or values=on")
            result.drawing["values"] = SWITCH[value.lower()]
        elif key == "output":
            shown = {"show": True, "hide": False, **SWITCH}.get(value.lower())
            if shown is None:
                raise FigureOptionError(f"output={value!r}: write output=hide or output=show")
            result.show_output = shown
    return result
