"""Trace a built Keras model on example inputs: every layer call, every step.

Works on the model object it is given (duck-typed, so this module imports only
NumPy). The model is called once, as Keras calls it, with each of its layers'
``call`` watched: so every layer's record holds the inputs, mask and initial
state Keras really gave it, and which layer they came from (a decoder's
``initial_state`` from an encoder). Recurrent layers are then stepped with
:mod:`.stepping`, and each stepped result must reproduce the layer's own output.
The result is the data behind a figure, in the schema documented in the
README (``NAME.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .attention import attention_fields, is_attention
from .carried_states import fitted_batch, kept_states, stateful_batch
from .figure_data import LayerKind, is_recurrent
from .stacked_cells import is_stack, stack_name, step_stack
from .stepping import SteppedLayer, expected_output, reproduces, step_layer, stepped_kind

# Bigger weight arrays (a 10,000-word Embedding) are left out of the JSON.
MAX_RECORDED_WEIGHTS = 20_000


class TraceError(RuntimeError):
    """The model cannot be traced (for example, it has no recurrent layer)."""


@dataclass
class Call:
    """One layer call Keras made while running the model."""

    layer: Any
    args: tuple
    kwargs: dict[str, Any]
    output: Any


def _to_list(array) -> Any:
    # float32 -> float64 is exact, so the JSON holds Keras' values bit for bit.
    if array is None:
        return None
    return np.asarray(array, dtype=np.float64).tolist()


def _first(value):
    return value[0] if isinstance(value, (list, tuple)) else value


def _shape(tensor) -> list[int | None]:
    return [None] + [int(d) for d in np.shape(tensor)[1:]]


def _reported_output_shape(layer, fallback) -> Any:
    try:
        output = layer.output
    except (AttributeError, ValueError):
        return fallback
    # A model built by calling it on one example has batch size 1; Keras'
    # own summary says None for that dimension, and so do we.
    if isinstance(output, (list, tuple)):
        return [[None, *o.shape[1:]] for o in output]
    return [None, *output.shape[1:]]


def _weights(layer) -> dict[str, Any]:
    weights: dict[str, Any] = {}
    for variable in layer.weights:
        name = variable.path.split("/")[-1] if hasattr(variable, "path") else variable.name
        weights[name] = _to_list(variable.numpy())
    return weights


def watch_calls(model, inputs: list[np.ndarray]) -> tuple[list[Call], Any]:
    """Call ``model`` on ``inputs``, recording each top-level layer call."""
    calls: list[Call] = []
    watched = []
    for layer in _layers_to_watch(model):
        original = layer.call

        def watching(*args, _layer=layer, _original=original, **kwargs):
            output = _original(*args, **kwargs)
            calls.append(Call(_layer, args, kwargs, output))
            return output

        layer.call = watching  # an instance attribute, removed again below
        watched.append(layer)
    try:
        result = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    finally:
        for layer in watched:
            del layer.call
    return calls, result


def _layers_to_watch(model) -> list:
    """The model's layers, with the layers of a model nested in it (an encoder
    built as its own Sequential) in place of that model."""
    found = []
    for layer in model.layers:
        found.extend(_layers_to_watch(layer) if hasattr(layer, "layers") else [layer])
    return found


# Layers that turn a model's strings into token ids.
TOKENIZERS = frozenset({"TextVectorization", "StringLookup", "IntegerLookup"})


class Sources:
    """Which layer call (or model input) produced a tensor, by identity."""

    def __init__(self, model_inputs: list[np.ndarray]):
        self.model_inputs = model_inputs
        self.by_id: dict[int, tuple[str, int]] = {}
        self.alive: list[Any] = []  # keeps tensors alive so their ids stay theirs

    def add(self, name: str, output) -> None:
        for index, tensor in enumerate(output if isinstance(output, (list, tuple)) else [output]):
            self.by_id[id(tensor)] = (name, index)
            self.alive.append((name, index, tensor))

    def of(self, tensor) -> dict[str, Any]:
        if id(tensor) in self.by_id:
            name, index = self.by_id[id(tensor)]
            return {"layer": name, "output": index}
        # Keras may hand on a copy (a nested model casting its inputs): the same
        # values will do (the inputs never share values: see example_inputs).
        for number, given in enumerate(self.model_inputs):
            if _same_values(tensor, given):
                return {"input": number}
        for name, index, produced in reversed(self.alive):
            if _same_values(tensor, produced):
                return {"layer": name, "output": index}
        return {}


def _same_values(a, b) -> bool:
    a, b = _comparable(a), _comparable(b)
    return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))


def _comparable(tensor) -> np.ndarray:
    """``tensor`` as NumPy compares it; strings as str (TensorFlow hands them
    on as bytes), one per sample (Keras gives a (batch,) input as (batch, 1))."""
    array = np.asarray(tensor)
    if array.dtype.kind in "OSU":
        decoded = [v.decode() if isinstance(v, bytes) else str(v) for v in array.reshape(-1)]
        return np.asarray(decoded, dtype=object)
    return array


def _as_given(tensor) -> np.ndarray:
    """A layer's or the model's input as recorded: ids as ints, strings as
    strings (a lookup layer's input), everything else float32."""
    x = np.asarray(tensor)
    if np.issubdtype(x.dtype, np.integer) or x.dtype.kind in "OSU":
        return x
    return x.astype(np.float32)


def _mask_of(call: Call) -> np.ndarray | None:
    """The mask of the (first) tensor the layer was called on, one bool per
    step. A layer called on a list (Attention's ``[query, value]``) is given a
    list of masks, one per tensor, each of them possibly None: it is drawn by
    its first tensor, so that tensor's mask is its own."""
    mask = call.kwargs.get("mask")
    if isinstance(mask, (list, tuple)):
        mask = mask[0] if mask else None
    if mask is None:
        return None
    steps = np.asarray(mask)
    return steps.reshape(steps.shape[0], -1)[0].astype(bool)


def _recurrent_fields(layer, stepped: SteppedLayer) -> dict[str, Any]:
    cell = layer.cell  # an RNN(LSTMCell) has its units and activation on its cell alone
    record: dict[str, Any] = {
        "cell": type(cell).__name__,
        "units": int(cell.units),
        "return_sequences": bool(layer.return_sequences),
        "return_state": bool(getattr(layer, "return_state", False)),
        "go_backwards": bool(getattr(layer, "go_backwards", False)),
        "activation": getattr(cell.activation, "__name__", str(cell.activation)),
        "states": _to_list(stepped.states),
    }
    if getattr(layer, "zero_output_for_mask", False):
        record["zero_output_for_mask"] = True
    if stepped.cell_states is not None:
        record["cell_states"] = _to_list(stepped.cell_states)
    if stepped.gates:
        record["gates"] = {name: [_to_list(v) for v in values] for name, values in stepped.gates.items()}
    if stepped_kind(layer) == "GRU":
        record["reset_after"] = bool(cell.reset_after)
    return record


def _stepped_record(layer, x, mask, initial, output) -> dict[str, Any]:
    stepped = step_layer(layer, x, mask, initial)
    if not reproduces(expected_output(layer, stepped), np.asarray(_first(output))[0]):
        raise TraceError(
            f"stepping the cell of {layer.name} did not reproduce the layer's output "
            "(a custom cell?); this layer cannot be drawn unrolled"
        )
    return _recurrent_fields(layer, stepped)


def _one_way_record(layer, x, mask, initial, output, sources: Sources, carried) -> dict[str, Any]:
    """A one-way recurrent layer stepped from its initial state: the one it
    was given (``initial``, from ``sources``), else the one a stateful layer
    carries over from its last call (``carried``), else zeros."""
    given = [np.asarray(s) for s in initial] if initial else carried
    record = _stepped_record(layer, x, mask, given, output)
    if getattr(layer, "stateful", False):
        record["stateful"] = True
    if given is not None:
        record["initial_state"] = [_to_list(s[0]) for s in given]
    if initial:
        record["initial_state_from"] = [sources.of(s) for s in initial]
    elif given is not None:
        record["initial_state_carried"] = True
    return record


def _stack_records(call: Call, sources: Sources, name: str) -> list[dict[str, Any]]:
    """An ``RNN`` around ``StackedRNNCells``: a record per cell, as the stacked
    layers it equals (:mod:`.stacked_cells`), the last one's output Keras'."""
    layer, first = call.layer, call.args[0]
    if call.kwargs.get("initial_state") is not None:
        raise TraceError(
            f"{name} (RNN(StackedRNNCells)) is not drawn: stacked cells given initial_state are not drawn yet"
        )
    x, mask = _as_given(first)[:1], _mask_of(call)
    stepped = step_stack(layer, x, mask)
    if not reproduces(expected_output(*stepped[-1]), np.asarray(_first(call.output))[0]):
        raise TraceError(
            f"stepping the cells of {name} did not reproduce the layer's output; it cannot be drawn"
        )
    records: list[dict[str, Any]] = []
    source = sources.of(first)
    for number, (as_layer, record) in enumerate(stepped):
        cell, last = as_layer.cell, number == len(stepped) - 1
        steps, width = int(np.shape(x)[1]), int(cell.units)
        shape = [None, steps, width] if as_layer.return_sequences else [None, width]
        records.append(
            {
                "class": "RNN",
                "name": stack_name(name, number),
                "params": int(cell.count_params()),
                "input_from": source,
                "input_shape": [None, steps, int(np.shape(x)[-1])]
                if number == 0
                else [None, steps, records[-1]["units"]],
                "output_shape": _reported_output_shape(layer, shape) if last else [None, steps, width],
                "kind": LayerKind.RECURRENT_WITH_CELL
                if type(cell).__name__ == "LSTMCell"
                else LayerKind.RECURRENT,
                "weights": _weights(cell),
                "stacked_in": name,
                **_recurrent_fields(as_layer, record),
                **({"mask": mask.tolist()} if mask is not None else {}),
            }
        )
        source = {"layer": records[-1]["name"], "output": 0}
    return records


MERGES = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2,
}


def _bidirectional_record(layer, x, mask, output) -> dict[str, Any]:
    """Both directions stepped; ``outputs`` merged as Keras merges them."""
    halves, outputs = {}, {}
    for name, sublayer in (("forward", layer.forward_layer), ("backward", layer.backward_layer)):
        stepped = step_layer(sublayer, x, mask)
        outputs[name] = expected_output(sublayer, stepped)
        halves[name] = {
            "class": type(sublayer).__name__,
            "name": sublayer.name,
            "params": int(sublayer.count_params()),
            "weights": _weights(sublayer),
            **_recurrent_fields(sublayer, stepped),
        }
    forward, backward = outputs["forward"], outputs["backward"]
    sequences = bool(layer.return_sequences)
    if sequences:
        backward = backward[::-1]  # Keras lines the backward outputs up with the tokens
    mode = layer.merge_mode
    if mode is None:  # two outputs, not merged
        merged = None
        produced, actual = [forward, backward], [np.asarray(o)[0] for o in output[:2]]
    else:
        merged = MERGES[mode](forward, backward)
        produced, actual = [merged], [np.asarray(_first(output))[0]]
    if not all(reproduces(mine, theirs) for mine, theirs in zip(produced, actual, strict=True)):
        raise TraceError(f"stepping {layer.name} did not reproduce its output; it cannot be drawn")
    record = {
        "units": halves["forward"]["units"],
        "merge_mode": mode,
        "return_sequences": sequences,
        "forward": halves["forward"],
        "backward": halves["backward"],
    }
    if merged is not None:
        record["outputs"] = _to_list(merged)
    return record


def _other_record(layer, output) -> dict[str, Any]:
    record: dict[str, Any] = {
        "weights": _weights(layer) if layer.count_params() <= MAX_RECORDED_WEIGHTS else {},
    }
    activation = getattr(layer, "activation", None)
    inner = getattr(layer, "layer", None)  # TimeDistributed(Dense(...))
    if inner is not None:
        record["layer"] = {
            "class": type(inner).__name__,
            "weights": _weights(inner),
            "activation": getattr(getattr(inner, "activation", None), "__name__", None),
        }
        activation = getattr(inner, "activation", None)
    if activation is not None:
        record["activation"] = getattr(activation, "__name__", str(activation))
    record["outputs"] = _to_list(np.asarray(_first(output))[0])
    return record


def _record(call: Call, sources: Sources, carried: dict[int, list[np.ndarray]]) -> dict[str, Any]:
    """The record of one layer call; ``carried``: the states stateful layers
    held before the call (:mod:`.carried_states`), by the layer's ``id``."""
    layer = call.layer
    class_name = type(layer).__name__
    if not call.args or call.args[0] is None:
        raise TraceError(f"{layer.name} was called without a tensor argument; it cannot be drawn")
    # A merge layer (Concatenate, Add) is called on a list of tensors, whose
    # shapes may differ: it is placed by the first, and has each one's shape.
    merged = call.args[0] if isinstance(call.args[0], (list, tuple)) else None
    first = merged[0] if merged else call.args[0]
    x = _as_given(first)
    output = call.output
    record: dict[str, Any] = {
        "class": class_name,
        "name": layer.name,
        "params": int(layer.count_params()),
        "input_from": sources.of(first),
        "input_shape": [_shape(tensor) for tensor in merged] if merged else _shape(x),
        "output_shape": _reported_output_shape(
            layer, [_shape(o) for o in output] if isinstance(output, (list, tuple)) else _shape(output)
        ),
    }
    mask = _mask_of(call)
    initial = call.kwargs.get("initial_state")
    if initial is not None and not isinstance(initial, (list, tuple)):
        initial = [initial]
    kind = stepped_kind(layer)
    if kind is not None:
        record["kind"] = LayerKind.RECURRENT_WITH_CELL if kind == "LSTM" else LayerKind.RECURRENT
        record["weights"] = _weights(layer)
        record.update(_one_way_record(layer, x[:1], mask, initial, output, sources, carried.get(id(layer))))
    elif class_name == "Bidirectional" and stepped_kind(layer.forward_layer) is not None:
        if initial:
            raise TraceError(f"{layer.name}: a Bidirectional layer given initial_state cannot be drawn yet")
        record["kind"] = LayerKind.BIDIRECTIONAL
        record.update(_bidirectional_record(layer, x[:1], mask, output))
    else:
        record["kind"] = LayerKind.EMBEDDING if class_name == "Embedding" else LayerKind.OTHER
        record.update(_other_record(layer, output))
        if is_attention(layer):  # what it attended to, for the attention figure
            record["attention"] = attention_fields(call, sources.of)
    if mask is not None:
        record["mask"] = mask.tolist()
    if class_name == "Embedding":
        record["token_ids"] = [int(i) for i in np.asarray(x[0]).ravel()]
    return record


def _tokenizer_of(layers: list[dict[str, Any]], number: int) -> dict[str, Any] | None:
    """The lookup layer (``TextVectorization``, ``StringLookup``) that turns
    model input ``number``'s strings into token ids, if one does."""
    return next(
        (
            layer
            for layer in layers
            if layer["class"] in TOKENIZERS and layer["input_from"] == {"input": number}
        ),
        None,
    )


def trace_model(model, inputs: list[np.ndarray], labels: list[list[str]]) -> dict[str, Any]:
    """Call ``model`` on ``inputs`` (one array per model input, batch first) and
    record every layer call; the figure shows the batch's first sample."""
    # A stateful layer takes batches of its states' size, and its states are
    # put back after the call: the code's next call starts where it would have.
    given = fitted_batch([_as_given(x) for x in inputs], stateful_batch(model))
    with kept_states(model) as carried:
        calls, _ = watch_calls(model, given)
    sources = Sources(given)
    layers: list[dict[str, Any]] = []
    calls_of: dict[str, int] = {}
    for call in calls:
        # A layer called twice (an Embedding shared by an encoder and a
        # decoder) has a record per call: the second is "embedding@2".
        count = calls_of[call.layer.name] = calls_of.get(call.layer.name, 0) + 1
        name = call.layer.name if count == 1 else f"{call.layer.name}@{count}"
        if is_stack(call.layer):  # drawn as the stacked layers it equals, its output the last one's
            layers += _stack_records(call, sources, name)
            sources.add(layers[-1]["name"], call.output)
            continue
        layers.append({**_record(call, sources, carried), "name": name})
        sources.add(name, call.output)
    if not any(is_recurrent(layer) for layer in layers):
        names = ", ".join(layer["class"] for layer in layers) or "none"
        raise TraceError(f"the model has no SimpleRNN, LSTM or GRU layer to unroll (layers: {names})")
    sequences = []
    for number, (x, tokens) in enumerate(zip(given, labels, strict=True)):
        sequence: dict[str, Any] = {"tokens": list(tokens), "input_shape": _shape(x)}
        tokenizer = _tokenizer_of(layers, number)
        fed = {"layer": tokenizer["name"], "output": 0} if tokenizer else {"input": number}
        lookup = next(
            (layer for layer in layers if layer["class"] == "Embedding" and layer["input_from"] == fed), None
        )
        if lookup is not None:
            # Token ids in: the vectors looked up are what the recurrent layers read.
            sequence["token_ids"] = lookup["token_ids"]
            sequence["embedding"] = lookup["name"]
            if tokenizer is not None:  # strings in: the steps are the tokenizer's ids
                sequence["tokenizer"] = f"{tokenizer['name']} ({tokenizer['class']})"
                sequence["input_shape"] = lookup["input_shape"]
            x = np.asarray([lookup["outputs"]])
        elif np.ndim(x) == 2:
            # Token ids no Embedding of this model looks up: one number per step.
            x = np.asarray(x)[..., None]
        # float32 inputs shown at float32's own precision: 0.4, not 0.4000000059604645.
        sequence["inputs"] = np.asarray(x, dtype=np.float64)[0].round(7).tolist()
        sequences.append(sequence)
    data = {
        **{key: sequences[0][key] for key in ("tokens", "inputs", "input_shape")},
        "batch_size": int(given[0].shape[0]),
        "total_params": int(model.count_params()),
        "layers": layers,
    }
    if "token_ids" in sequences[0]:
        data["token_ids"] = sequences[0]["token_ids"]
    if len(sequences) > 1:
        data["sequences"] = sequences
    return data
