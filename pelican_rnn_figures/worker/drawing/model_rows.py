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
from .step_choice import StepsError, shown_columns

# Layers before the first recurrent one that the inputs row stands for: an
# Embedding's vectors are the inputs drawn; the others leave values as they are.
INPUT_LAYERS = frozenset(
    {"Embedding", "Masking", "Dropout", "SpatialDropout1D", "GaussianNoise", "InputLayer"}
    | {"TextVectorization", "StringLookup", "IntegerLookup"}  # strings to the ids an Embedding reads
)


NO_FIGURE = "to show this code without a figure, remove its image (or rnn-figure)"


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
    """One segment per model input, its steps elided to the columns drawn
    (:mod:`.step_choice`: every layout draws the same steps)."""
    sequences = data.get("sequences") or [data]
    sources = data.get("labels_from") or [None] * len(sequences)
    try:
        columns = [shown_columns(data, number, sequence) for number, sequence in enumerate(sequences)]
    except StepsError as error:
        raise LayoutError(str(error)) from None
    return [
        Segment(
            number,
            sequence["tokens"],
            sequence["inputs"],
            sequence["input_shape"],
            sequence.get("token_ids"),
            columns[number],
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


def _check_time_axis(
    layer: dict[str, Any], segment: Segment, past_recurrent: bool, data: dict[str, Any]
) -> None:
    """A drawn layer at or past a recurrent one has the steps of its input's columns."""
    steps = steps_of(layer)
    if steps is None or steps == len(segment.inputs) or not (is_recurrent(layer) or past_recurrent):
        return
    message = f"{layer['name']} has {steps} time step(s) where the model's input has {len(segment.inputs)}"
    changer = _time_axis_changer(layer, data["layers"])
    if changer is None:
        raise UndrawableError(f"{message}: a figure with two time axes is not drawn yet; {NO_FIGURE}")
    before, after = _steps_in(changer["input_shape"]), changer["output_shape"][1]
    made = f"makes its {before} steps {after}" if before is not None else f"repeats a vector {after} times"
    message += f" ({changer['name']} ({changer['class']}) {made})"
    earlier = [
        other["name"] for other in data["layers"][: data["layers"].index(changer)] if is_recurrent(other)
    ]
    fix = f"draw the layers before it with layers={','.join(earlier)}" if earlier else NO_FIGURE
    raise UndrawableError(f"{message}: a figure with two time axes is not drawn yet; {fix}")


def _time_axis_changer(layer: dict[str, Any], layers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The layer feeding ``layer`` (or it) whose output has other time steps than its input."""
    by_name = {other["name"]: other for other in layers}
    current: dict[str, Any] | None = layer
    while current is not None:
        before, after = current.get("input_shape"), current.get("output_shape")
        # Other steps than its input's (Conv1D, pooling), or steps made of a vector (RepeatVector).
        if isinstance(before, list) and _steps_in(after) not in (None, _steps_in(before)):
            return current
        current = by_name.get((current.get("input_from") or {}).get("layer", ""))
    return None


def _steps_in(shape: Any) -> int | None:
    """The time axis of a batch × steps × features shape, if it is one."""
    if isinstance(shape, list) and len(shape) == 3 and isinstance(shape[1], int):
        return shape[1]
    return None


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
            _check_time_axis(layer, segment, past_recurrent, data)
            level = max(level, top.get(segment.number, 0)) + 1
            top[segment.number] = level
            rows.append(Row(layer, segment, level))
        placed[layer["name"]] = (segment, level, past_recurrent or is_recurrent(layer))
    if not any(is_recurrent(row.layer) for row in rows):
        raise LayoutError("layers= leaves no recurrent layer to draw")
    return rows
