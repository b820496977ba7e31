"""What an attention layer's call attended to: its weights and the contexts they make.

NumPy and duck typing only, like :mod:`.stepping`. An ``Attention``,
``AdditiveAttention`` or ``MultiHeadAttention`` call watched while the model
ran (:func:`.tracing.watch_calls`) is made once more, as Keras made it, asking
Keras for its attention scores (``return_attention_scores=True``): the weights
are Keras' own numbers, and they are kept only if that second call gives the
layer's output again (to :data:`.stepping.TOLERANCE`). The record says where
the query and the attended values came from (by the layer that made them),
so the figure can label both axes with those layers' steps; whether the
figure can draw it (recurrent outputs, no causal mask, few heads) is the
drawing's to say (:mod:`.drawing.attention_grid`), from these facts alone.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from .figure_data import ATTENTION_LAYERS
from .stepping import reproduces


def _tensors(call: Any) -> tuple[Any, Any, Any]:
    """The query, value and key tensors of the call (the key is the value if not given)."""
    if type(call.layer).__name__ == "MultiHeadAttention":
        args = list(call.args) + [None] * 3
        query = args[0]
        value = args[1] if args[1] is not None else call.kwargs.get("value")
        key = args[2] if args[2] is not None else call.kwargs.get("key")
    else:
        inputs = list(call.args[0]) if isinstance(call.args[0], (list, tuple)) else [call.args[0]]
        query, value = inputs[0], inputs[1] if len(inputs) > 1 else None
        key = inputs[2] if len(inputs) > 2 else None
    return query, value, key if key is not None else value


def _masks(call: Any) -> dict[str, list[bool]]:
    """The query's and values' masks Keras gave the call (one bool per step), where it gave one."""
    given = call.kwargs.get("mask")
    if isinstance(given, (list, tuple)):
        found = {"query_mask": given[0], "value_mask": given[1] if len(given) > 1 else None}
    else:
        found = {name: call.kwargs.get(name) for name in ("query_mask", "value_mask")}
    masks = {}
    for name, mask in found.items():
        if mask is not None:
            steps = np.asarray(mask)
            masks[name] = steps.reshape(steps.shape[0], -1)[0].astype(bool).tolist()
    return masks


def _scores(call: Any) -> tuple[np.ndarray, np.ndarray]:
    """The call made again with its scores asked for: (output, weights), first sample."""
    query_mask = call.kwargs.get("query_mask")
    if query_mask is not None and call.args:
        # MultiHeadAttention reads its query's mask from the tensor, as Keras
        # sets it, and clears it there: set again for the second call.
        with contextlib.suppress(AttributeError):
            setattr(call.args[0], "_keras_mask", query_mask)  # noqa: B010 - Keras' own attribute
    kwargs = {**call.kwargs, "return_attention_scores": True, "training": False}
    output, weights = call.layer.call(*call.args, **kwargs)
    weights = np.asarray(weights, dtype=np.float64)[0]
    return np.asarray(output)[0], weights if weights.ndim == 3 else weights[None]


def _projections(layer: Any) -> dict[str, dict[str, Any]]:
    """A MultiHeadAttention's four projections, kernel and bias each (its
    record's ``weights``, named by variable, would hold one kernel of four)."""
    found = {}
    for name in ("query", "key", "value", "output"):
        dense = getattr(layer, f"{name}_dense")
        arrays = {"kernel": dense.kernel, "bias": getattr(dense, "bias", None)}
        found[name] = {
            k: np.asarray(v, dtype=np.float64).tolist() for k, v in arrays.items() if v is not None
        }
    return found


def _config(layer: Any) -> dict[str, Any]:
    """What decides how the layer scores a query against the keys."""
    if type(layer).__name__ == "MultiHeadAttention":
        return {
            "heads": int(layer.num_heads),
            "key_dim": int(layer.key_dim),
            "value_dim": int(layer.value_dim or layer.key_dim),
            "projections": _projections(layer),
        }
    config: dict[str, Any] = {"heads": 1, "use_scale": bool(layer.use_scale)}
    if type(layer).__name__ == "Attention":
        config["score_mode"] = str(layer.score_mode)
    return config


def attention_fields(call: Any, source_of: Any) -> dict[str, Any]:
    """The ``attention`` of an attention layer's record (``NAME.json``):
    where its query, values and keys came from (``source_of``: a tensor's
    source, :class:`.tracing.Sources`), its weights (heads × query steps ×
    value steps, each row summing to 1), the contexts they make (the layer's
    output per query step), its masks and whether it was called with a causal
    mask. A second call that does not give the layer's output again leaves
    the weights out and says so (``reproduced``: false)."""
    query, value, key = _tensors(call)
    record: dict[str, Any] = {
        "query_from": source_of(query),
        "value_from": source_of(value),
        "key_from": source_of(key),
        "use_causal_mask": bool(call.kwargs.get("use_causal_mask", False)),
        **_config(call.layer),
        **_masks(call),
    }
    output, weights = _scores(call)
    first = np.asarray(call.output[0] if isinstance(call.output, (list, tuple)) else call.output)[0]
    record["reproduced"] = reproduces(output, first)
    if record["reproduced"]:
        record["weights"] = weights.tolist()
        record["contexts"] = np.asarray(first, dtype=np.float64).tolist()
    return record


def is_attention(layer: Any) -> bool:
    return type(layer).__name__ in ATTENTION_LAYERS
