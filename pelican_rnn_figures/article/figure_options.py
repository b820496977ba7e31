"""Read the options of an explicit figure, written after ``rnn-figure``.

The authoring vocabulary, one ``key=value`` each (quote values with spaces)::

    ```python rnn-figure caption="Padding is skipped" tokens="I am groot <pad>" ids="4 7 9 0"

Pure parsing. Unknown keys and unreadable values raise
:class:`FigureOptionError`; the caller reports it with the fence's line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..common.hints import unknown_name_hint
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
    "steps": "the time steps to draw, e.g. 1-3,6 (the first and last are always drawn); '|' separates inputs",
    "output": "'hide' leaves out what the block prints (shown under it by default)",
    "attention": "'on' (or an attention layer's name) draws its weights: query steps × attended steps",
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


def _tokens(result: FigureOptions, value: str) -> None:
    result.tokens = [part.split() for part in _split_inputs(value)]


def _example(result: FigureOptions, value: str) -> None:
    try:
        result.example = parse_example(value)
    except MetadataError as error:
        raise FigureOptionError(f"example: {error}") from None


def _ids(result: FigureOptions, value: str) -> None:
    try:
        result.token_ids = [[int(word) for word in part.split()] for part in _split_inputs(value)]
    except ValueError:
        raise FigureOptionError(f'ids={value!r}: write whole numbers, e.g. ids="4 7 9 0"') from None
    if any(i < 0 for ids in result.token_ids for i in ids):
        raise FigureOptionError(f"ids={value!r}: token ids cannot be negative")


def _seed(result: FigureOptions, value: str) -> None:
    try:
        result.seed = int(value)
    except ValueError:
        raise FigureOptionError(f"seed={value!r} is not an integer") from None


def _inputs(result: FigureOptions, value: str) -> None:
    if not IDENTIFIER_RE.match(value):
        raise FigureOptionError(f"inputs={value!r} must name a variable of the snippet, e.g. inputs=x")
    result.drawing["inputs"] = value


def _layers(result: FigureOptions, value: str) -> None:
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise FigureOptionError("layers= names no layer; e.g. layers=lstm,dense")
    result.drawing["layers"] = names


def _values(result: FigureOptions, value: str) -> None:
    if value.lower() not in SWITCH:
        raise FigureOptionError(f"values={value!r}: write values=off or values=on")
    result.drawing["values"] = SWITCH[value.lower()]


STEP_RANGE_RE = re.compile(r"^(\d+)(?:-(\d+))?$")


def _steps(result: FigureOptions, value: str) -> None:
    """``1-3,6`` -> [[1, 2, 3, 6]]; ``|`` separates a model's inputs (empty: its own choice)."""
    chosen: list[list[int]] = []
    for part in _split_inputs(value):
        steps: set[int] = set()
        for item in filter(None, (item.strip() for item in part.split(","))):
            match = STEP_RANGE_RE.match(item)
            first, last = (int(match[1]), int(match[2] or match[1])) if match else (0, 0)
            if not match or first < 1 or last < first:
                raise FigureOptionError(
                    f"steps={value!r}: write step numbers from 1 and ranges, e.g. steps=1-3,6"
                )
            steps.update(range(first, last + 1))
        chosen.append(sorted(steps))
    if not any(chosen):
        raise FigureOptionError("steps= names no step; e.g. steps=1-3,6")
    result.drawing["steps"] = chosen


def _caption(result: FigureOptions, value: str) -> None:
    # The site captions the figure; the drawing keeps the steps it names (worker/drawing/step_choice.py).
    result.drawing["caption"] = value


def _output(result: FigureOptions, value: str) -> None:
    shown = {"show": True, "hide": False, **SWITCH}.get(value.lower())
    if shown is None:
        raise FigureOptionError(f"output={value!r}: write output=hide or output=show")
    result.show_output = shown


def _attention(result: FigureOptions, value: str) -> None:
    """``attention=on`` draws the model's attention layer's weights instead of
    the model unrolled; ``attention=NAME`` names which; ``off`` (the default)
    leaves the figure unrolled."""
    if not value:
        raise FigureOptionError("attention= is empty: write attention=on, or the attention layer's name")
    switch = SWITCH.get(value.lower())
    if switch is False:
        result.drawing.pop("attention", None)
    else:
        result.drawing["attention"] = True if switch else value


# How each option that changes the figure is read (name is the site's, and
# so is the caption, which it places; the drawing keeps the steps it names).
READERS: dict[str, Callable[[FigureOptions, str], None]] = {
    "caption": _caption,
    "tokens": _tokens,
    "example": _example,
    "ids": _ids,
    "seed": _seed,
    "inputs": _inputs,
    "layers": _layers,
    "values": _values,
    "steps": _steps,
    "output": _output,
    "attention": _attention,
}


def read(options: dict[str, str]) -> FigureOptions:
    """What a fence's options change; a :class:`FigureOptionError` for the
    first unknown option or unreadable value."""
    result = FigureOptions()
    for key, value in options.items():
        if key not in KNOWN:
            raise FigureOptionError(
                f"unknown figure option {key!r}{unknown_name_hint(key, KNOWN, 'options')}"
            )
        if key in READERS:
            READERS[key](result, value)
    return result
