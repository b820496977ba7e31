"""The model read into what the unrolled figure draws: segments and rows.

A :class:`Segment` is one model input, drawn in columns of its own; a
:class:`Row` is one drawn layer: the segment whose columns it uses and its
band (level), one above what feeds it. Which layers get a row, and the
figures that cannot be drawn (``layers=`` naming no layer, a second time
axis), are decided here, from the figure data alone; where segments and rows
go is :mod:`.geometry`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..figure_data import is_recurrent
from .lanes import Lanes
from .layer_records import steps_of
from .scene import KEEP_FIRST_STEPS, MAX_STEPS, elide

# Layers before the first recurrent one that the inputs row stands for: an
# Embedding's vectors are the inputs drawn; the others leave values as they are.
INPUT_LAYERS = frozenset(
    {"Embedding", "Masking", "Dropout", "SpatialDropout1D", "GaussianNoise", "InputLayer"}
)


class LayoutError(ValueError):
    """The figure options ask for something the data cannot give."""


class UndrawableError(ValueError):
    """The model is one this figure cannot show (the message says which layer and why)."""


@dataclass
class Segment:
    """One model input: its steps, drawn in columns of their own."""

    number: int
    tokens: list[str]
    inputs: list[list[float]]
    input_shape: list
    token_ids: list[int] | None
    columns: list[int | None]
    tokens_from: str | None = None  # the vocabulary the code has that the tokens are words of
    xs: list[float] = field(default_factory=list)
    left: float = 0.0  # where its label column starts
    right: float = 0.0  # where the segment's drawing ends


@dataclass
class Row:
    """A drawn layer: its band (level) and the input whose columns it uses."""

    layer: dict[str, Any]
    segment: Segment
    level: int
    y: float = 0.0  # middle of its cells
    y_outputs: float = 0.0
    y_fed_from: float = 0.0  # top of what feeds its cells: the inputs, or the outputs below
    lanes: Lanes | None = None  # where its states were placed


def read_segments(data: dict[str, Any]) -> list[Segment]:
    """One segment per model input, its steps elided to the columns drawn."""
    sequences = data.get("sequences") or [data]
    sources = data.get("labels_from") or [None] * len(sequences)
    return [
        Segment(
            number,
            sequence["tokens"],
            sequence["inputs"],
            sequence["input_shape"],
            sequence.get("token_ids"),
            elide(list(range(len(sequence["inputs"]))), MAX_STEPS, KEEP_FIRST_STEPS),
            sources[number] if number < len(sources) else None,
        )
        for number, sequence in enumerate(sequences)
    ]


def _wanted(data: dict[str, Any]) -> list[str] | None:
    """The layers the ``layers=`` option names, in lower case (None: every layer)."""
    wanted = data.get("figure_options", {}).get("layers")
    wanted = [name.lower() for name in wanted] if wanted else None
    if wanted:
        known = {name for layer in data["layers"] for name in (layer["name"].lower(), layer["class"].lower())}
        unknown = [name for name in wanted if name not in known]
        if unknown:
            names = ", ".join(layer["name"] for layer in data["layers"])
            raise LayoutError(f"layers={','.join(unknown)} names no layer of the model (its layers: {names})")
    return wanted


def _selected(layer: dict[str, Any], wanted: list[str] | None) -> bool:
    if wanted is None:
        return True
    return layer["name"].lower() in wanted or layer["class"].lower() in wanted


def _check_time_axis(layer: dict[str, Any], segment: Segment, past_recurrent: bool) -> None:
    """A drawn layer at or past a recurrent one has the steps of its input's columns."""
    steps = steps_of(layer)
    if steps is not None and steps != len(segment.inputs) and (is_recurrent(layer) or past_recurrent):
        raise UndrawableError(
            f"{layer['name']} has {steps} time step(s) where the model's input has "
            f"{len(segment.inputs)} (a RepeatVector or a Reshape changes the time axis): "
            "a figure with two time axes is not drawn yet; draw the layers before it with layers=..."
        )


def read_rows(data: dict[str, Any], segments: list[Segment]) -> list[Row]:
    """Which layers are drawn, in which band: one above what feeds them.
    An Embedding or Masking before a segment's first recurrent layer makes its
    inputs row and is not drawn as a row of its own; nor are layers left out
    by the ``layers=`` option."""
    wanted = _wanted(data)
    placed: dict[str, tuple[Segment, int, bool]] = {}  # name -> segment, level, past a recurrent layer
    top: dict[int, int] = {}
    rows: list[Row] = []
    for layer in data["layers"]:
        source = layer.get("input_from") or {"input": 0}
        if "layer" in source and source["layer"] in placed:
            segment, level, past_recurrent = placed[source["layer"]]
        else:
            segment, level, past_recurrent = (
                segments[min(source.get("input", 0), len(segments) - 1)],
                0,
                False,
            )
        for state_source in layer.get("initial_state_from") or []:
            # A state handed over within an input's columns comes from below; from
            # another input's columns it comes from the left, in the same band.
            source_segment, source_level, _ = placed.get(state_source.get("layer"), (None, 0, False))
            if source_segment is segment:
                level = max(level, source_level)
        makes_inputs = not past_recurrent and layer["class"] in INPUT_LAYERS
        if not makes_inputs and _selected(layer, wanted):
            _check_time_axis(layer, segment, past_recurrent)
            level = max(level, top.get(segment.number, 0)) + 1
            top[segment.number] = level
            rows.append(Row(layer, segment, level))
        placed[layer["name"]] = (segment, level, past_recurrent or is_recurrent(layer))
    if not any(is_recurrent(row.layer) for row in rows):
        raise LayoutError("layers= leaves no recurrent layer to draw")
    return rows
