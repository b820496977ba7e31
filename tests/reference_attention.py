"""Independent NumPy implementations of Keras' attention layers, for checking.

Written from the layers' documented equations, not from the plugin's code:
``Attention`` (Luong's dot product, or ``score_mode="concat"``), ``AdditiveAttention``
(Bahdanau's), and ``MultiHeadAttention`` (the query, key and value projected per
head, scaled dot products, the heads' contexts projected back). Each takes one
sample's query (Tq × d), value and key (Tv × d) and returns the weights
(heads × Tq × Tv, each row a softmax over the attended steps) and the output
(Tq × d'), with Keras' masks: a masked value step gets no weight (nor, with a causal
mask, a later one), a masked query step outputs zeros.
"""

from __future__ import annotations

import numpy as np


def softmax(scores: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
    if allowed is not None:
        scores = np.where(allowed, scores, -1e9)
    shifted = np.exp(scores - scores.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


def _dot_scores(attention: dict, weights: dict, q: np.ndarray, k: np.ndarray) -> np.ndarray:
    scale = float(np.asarray(weights["scale"])) if attention.get("use_scale") else 1.0
    if attention.get("score_mode", "dot") == "dot":
        return (q @ k.T) * scale
    concat = float(np.asarray(weights["concat_score_weight"]))
    return concat * np.tanh(scale * (q[:, None, :] + k[None, :, :])).sum(-1)


def _additive_scores(attention: dict, weights: dict, q: np.ndarray, k: np.ndarray) -> np.ndarray:
    scale = np.asarray(weights["scale"]) if attention.get("use_scale") else 1.0
    return (scale * np.tanh(q[:, None, :] + k[None, :, :])).sum(-1)


def _project(x: np.ndarray, projection: dict) -> np.ndarray:
    """x (T × d) through an EinsumDense of kernel d × heads × size: T × heads × size."""
    out = np.einsum("td,dhs->ths", x, np.asarray(projection["kernel"]))
    return out + np.asarray(projection["bias"]) if "bias" in projection else out


def _multi_head(attention: dict, q, v, k, allowed) -> tuple[np.ndarray, np.ndarray]:
    projections = attention["projections"]
    queries, keys = _project(q, projections["query"]), _project(k, projections["key"])
    values = _project(v, projections["value"])
    scores = np.einsum("qhs,khs->hqk", queries / np.sqrt(attention["key_dim"]), keys)
    weights = softmax(scores, allowed)
    contexts = np.einsum("hqk,khs->qhs", weights, values)
    output = np.einsum("qhs,hsd->qd", contexts, np.asarray(projections["output"]["kernel"]))
    if "bias" in projections["output"]:
        output = output + np.asarray(projections["output"]["bias"])
    return weights, output


def recompute_attention(layer: dict, q, v, k) -> tuple[np.ndarray, np.ndarray]:
    """(weights, output) of an attention layer's record for one sample."""
    attention = layer["attention"]
    q, v, k = (np.asarray(a, dtype=np.float64) for a in (q, v, k))
    allowed = np.ones((len(q), len(v)), dtype=bool)
    if attention.get("value_mask") is not None:
        allowed &= np.asarray(attention["value_mask"], dtype=bool)[None, :]
    if attention.get("query_mask") is not None and layer["class"] == "MultiHeadAttention":
        # A masked query step attends to nothing: its weights come out uniform.
        allowed &= np.asarray(attention["query_mask"], dtype=bool)[:, None]
    if attention.get("use_causal_mask"):  # step i attends to steps 0 … i alone
        allowed &= np.tril(np.ones_like(allowed))
    if layer["class"] == "MultiHeadAttention":
        weights, output = _multi_head(attention, q, v, k, allowed)
    else:
        score = _dot_scores if layer["class"] == "Attention" else _additive_scores
        weights = softmax(score(attention, layer["weights"], q, k), allowed)[None]
        output = weights[0] @ v
    if attention.get("query_mask") is not None and layer["class"] != "MultiHeadAttention":
        output = np.where(np.asarray(attention["query_mask"], dtype=bool)[:, None], output, 0.0)
    return weights, output
