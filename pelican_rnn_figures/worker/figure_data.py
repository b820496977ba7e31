"""The vocabulary of a figure's data (``NAME.json``): what kind each layer
record is, and the questions drawing and describing ask of a record.

Tracing writes a ``kind`` into every layer record; everything that reads the
records dispatches on it rather than on which keys a record happens to have.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

# The cells stepped, by class name, and the layer each one makes: an
# ``RNN(LSTMCell(3))`` computes what ``LSTM(3)`` does. Here, not in stepping.py:
# refusals read it in a worker that may have no NumPy (it reports that first).
STEPPED_CELLS = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}

# The attention layers whose weights a record keeps (its ``attention``) and
# the attention figure draws (``attention=on``).
ATTENTION_LAYERS = ("Attention", "AdditiveAttention", "MultiHeadAttention")

# The gates of LSTM and GRU cells, by the names a record's ``gates`` holds
# their values under (one list per step): stepping writes them, the unrolled
# figure shows their means. The one spelling of each name.
INPUT, FORGET, CANDIDATE, OUTPUT = "input", "forget", "candidate", "output"  # an LSTM's: i, f, c, o
UPDATE, RESET = "update", "reset"  # a GRU's z, r; its candidate is CANDIDATE too


class LayerKind(StrEnum):
    # A recurrent record's "class" is Keras' ("LSTM", or "RNN" around a cell),
    # its "cell" the cell's ("LSTMCell"): what its cells compute is the cell's.
    RECURRENT = "recurrent"  # one state carried from step to step (SimpleRNN, GRU): "states"
    RECURRENT_WITH_CELL = "recurrent_with_cell"  # an LSTM: h ("states") and c ("cell_states")
    BIDIRECTIONAL = "bidirectional"  # "forward" and "backward", each a recurrent record
    EMBEDDING = "embedding"  # token ids looked up: "token_ids", "outputs"
    OTHER = "other"  # any other layer (Dense, Dropout, TimeDistributed, ...): "outputs"


ONE_WAY = frozenset({LayerKind.RECURRENT, LayerKind.RECURRENT_WITH_CELL})


def kind_of(layer: dict[str, Any]) -> LayerKind:
    return LayerKind(layer["kind"])


def is_recurrent(layer: dict[str, Any]) -> bool:
    """A layer drawn as cells with states carried between them."""
    return kind_of(layer) is not LayerKind.EMBEDDING and kind_of(layer) is not LayerKind.OTHER


def is_one_way(layer: dict[str, Any]) -> bool:
    """A recurrent layer reading in one direction (its own ``states``)."""
    return kind_of(layer) in ONE_WAY


def is_bidirectional(layer: dict[str, Any]) -> bool:
    return kind_of(layer) is LayerKind.BIDIRECTIONAL


def has_cell_state(layer: dict[str, Any]) -> bool:
    """An LSTM: a second lane, c, over its h."""
    return kind_of(layer) is LayerKind.RECURRENT_WITH_CELL


def has_two_lanes(layer: dict[str, Any]) -> bool:
    """Cells with two lanes: an LSTM's c and h, or a Bidirectional layer's two directions."""
    return kind_of(layer) in (LayerKind.RECURRENT_WITH_CELL, LayerKind.BIDIRECTIONAL)


def cell_kind(layer: dict[str, Any]) -> str:
    """The layer a recurrent record's cells compute as, by its cell: "LSTM" for
    an ``LSTM`` and for an ``RNN(LSTMCell)`` (a Bidirectional one's: its halves')."""
    record = layer["forward"] if is_bidirectional(layer) else layer
    return _cell(record).removesuffix("Cell")


def _cell(record: dict[str, Any]) -> str:
    # Figure data made before records said their cell (format 8 entries of
    # earlier releases): the class was the cell's layer then.
    return str(record.get("cell") or f"{record['class']}Cell")


def names_its_cell(layer: dict[str, Any]) -> bool:
    """A one-way recurrent record whose class is not its cell's own layer (an
    ``RNN`` around an ``LSTMCell``): its title names the cell too."""
    return _cell(layer) != f"{layer['class']}Cell"


def recurrent_class(layer: dict[str, Any]) -> str:
    """``LSTM``; ``RNN(LSTMCell)`` for a cell in ``keras.layers.RNN``."""
    return f"{layer['class']}({_cell(layer)})" if names_its_cell(layer) else layer["class"]


def recurrent_title(layer: dict[str, Any]) -> str:
    """``LSTM(4)``; ``RNN(LSTMCell(4))`` for a cell in ``keras.layers.RNN``
    (any class other than the cell's own layer names its cell)."""
    if names_its_cell(layer):
        return f"{layer['class']}({_cell(layer)}({layer['units']}))"
    return f"{layer['class']}({layer['units']})"
