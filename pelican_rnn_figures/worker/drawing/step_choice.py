"""Which time steps an unrolled figure draws: all of a short input, else the
ones that keep its point, with a "…" column for each run of the others.

A sequence of more than ``MAX_STEPS`` steps is drawn in ``MAX_STEPS``
columns (its steps and its "…"s). The first and the last step are always
drawn: the initial state enters the one, the layer's output leaves the other.
Of the ways to fill the other columns (a run after the first step and a run
before the last, or one step between two "…"s), the one drawn shows the most
of, in this order of worth:

1. the steps the caption names (a token quoted in it, or a word of three
   letters or more), then the step before each (the state it changes);
2. the steps that carry words, a little more those that move the state most
   (``|h_t − h_(t−1)|`` of the first recurrent layer reading the input: what
   the code's data make of the model);
3. masked or padded steps (``<pad>``, or a step the mask skips): less than
   nothing, more than a word is worth, so that one is drawn between the first
   and last only where no word could be (``a b <pad> c d <pad> e`` is drawn
   ``a … c … e``, not ``a b <pad> … e``).

Ties go to fewer "…"s, then to the earlier steps. A "…" that would stand for
one step is that step. The ``steps=`` fence option chooses instead
(``steps=1-3,6``; ``|`` between a model's inputs), the first and last step
drawn as well. Reads the figure data alone.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..figure_data import is_bidirectional, is_recurrent
from ..vocabularies import PADDING
from .scene import MAX_STEPS

QUOTES = "“”\"'`*_‘’"
PADDED_WORTH = -2.0  # a masked or padded step's (a word's is 1 to 1.5)


class StepsError(ValueError):
    """A ``steps=`` option names a step the input does not have."""


def shown_columns(data: dict[str, Any], number: int, sequence: dict[str, Any]) -> list[int | None]:
    """The steps (0-based) of model input ``number`` drawn, in order, None for a "…"."""
    steps = len(sequence["inputs"])
    chosen = data.get("figure_options", {}).get("steps")
    if chosen and number < len(chosen) and chosen[number]:
        return _columns({*_checked(chosen[number], steps, number), 0, steps - 1})
    if steps <= MAX_STEPS:
        return list(range(steps))
    worth = _worth(data, number, sequence)

    def merit(columns: list[int | None]) -> tuple[float, int, list[int]]:
        shown = [t for t in columns if t is not None]
        return (sum(worth[t] for t in shown), -columns.count(None), [-t for t in shown])

    return max((_columns(shown) for shown in _layouts(steps, MAX_STEPS)), key=merit)


def _layouts(steps: int, budget: int) -> list[set[int]]:
    """Every way to draw ``steps`` steps in ``budget`` columns, the first and
    last drawn: a run from the first and a run to the last around one "…",
    or a run of them each and a run between, around two."""
    layouts = []
    shown = budget - 1  # one "…"
    for first in range(1, shown):
        layouts.append({*range(first), *range(steps - (shown - first), steps)})
    shown = budget - 2  # two
    for first in range(1, shown - 1):
        for last in range(1, shown - first):
            middle = shown - first - last
            for start in range(first + 1, steps - last - middle):
                layouts.append({*range(first), *range(start, start + middle), *range(steps - last, steps)})
    return layouts


def _checked(wanted: list[int], steps: int, number: int) -> set[int]:
    past = [step for step in wanted if step > steps]
    if past:
        which = f" of input {number + 1}" if number else ""
        raise StepsError(f"steps= names step {past[0]}, past the {steps} steps{which}")
    return {step - 1 for step in wanted}


def _columns(shown: set[int]) -> list[int | None]:
    """``shown`` in order, a None between two runs (the run's step itself if it is one step)."""
    columns: list[int | None] = []
    previous = None
    for step in sorted(shown):
        if previous is not None and step - previous == 2:
            columns.append(step - 1)
        elif previous is not None and step - previous > 2:
            columns.append(None)
        columns.append(step)
        previous = step
    return columns


def _worth(data: dict[str, Any], number: int, sequence: dict[str, Any]) -> list[float]:
    """What drawing each step is worth (see the module's docstring)."""
    tokens = [str(token) for token in sequence["tokens"]]
    layer = _first_recurrent(data, number)
    mask = (layer or {}).get("mask") or [True] * len(tokens)
    moves = _moves(layer, len(tokens)) if layer else [0.0] * len(tokens)
    most = max(moves) or 1.0
    worth = [
        PADDED_WORTH if token == PADDING or not mask[t] else 1 + 0.5 * moves[t] / most
        for t, token in enumerate(tokens)
    ]
    for t in _named(tokens, str(data.get("figure_options", {}).get("caption") or "")):
        worth[t] += 1000
        if t > 0:
            worth[t - 1] += 100
    return worth


def _named(tokens: list[str], caption: str) -> list[int]:
    """The steps whose token the caption names: quoted, or as a word of 3 letters or more."""
    if not caption:
        return []
    words = {word.lower() for word in re.findall(r"\w+", caption) if len(word) >= 3}
    quoted = {match.lower() for match in re.findall(rf"[{QUOTES}]([^{QUOTES}\s]+)[{QUOTES}]", caption)}
    return [
        t
        for t, token in enumerate(tokens)
        if token != PADDING and (token.lower() in quoted or (len(token) >= 3 and token.lower() in words))
    ]


def _first_recurrent(data: dict[str, Any], number: int) -> dict[str, Any] | None:
    """The first recurrent layer reading model input ``number`` (through the layers before it)."""
    reads: dict[str, int] = {}
    for layer in data["layers"]:
        source = layer.get("input_from") or {"input": 0}
        root = reads.get(source["layer"], -1) if "layer" in source else source.get("input", 0)
        reads[layer["name"]] = root
        if root == number and is_recurrent(layer):
            return layer
    return None


def _moves(layer: dict[str, Any], steps: int) -> list[float]:
    """How far each step moves the state of ``layer`` (its forward lane's)."""
    record = layer["forward"] if is_bidirectional(layer) else layer
    states = record["states"]
    if len(states) != steps:
        return [0.0] * steps
    backwards = bool(record.get("go_backwards"))
    start = (layer.get("initial_state") or [[0.0] * len(states[0])])[0]
    moves = []
    for t in range(steps):
        before = start if t == (steps - 1 if backwards else 0) else states[t + 1 if backwards else t - 1]
        moves.append(math.dist(states[t], before))
    return moves
