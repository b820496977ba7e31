"""The words token ids stand for, from a vocabulary the article's code has.

A model reading token ids is drawn with a step per id; where the code has the
vocabulary the ids came from, the steps are labelled with its words
(characters for a character model, the space shown as ``␣``) instead of
x₁ … x_T. Labels only: the ids drawn and every value stay the data's.

Where a vocabulary may be, best first: a lookup layer of the model or of the
session (``TextVectorization``, ``StringLookup``, ``IntegerLookup``: their
``get_vocabulary()``, index = id); a mapping from ids to words
(``id_to_char``, ``index_word``); a mapping from words to ids (``word_index``,
``char_to_id``, also a tokenizer's ``word_index``); a list of words (index =
id). A vocabulary must have a word for every id drawn (0, the padding, may
be missing where the ids start at 1, as a tokenizer's do), its words must be
tokens (a list of sentences is data, not a vocabulary) and its ids distinct.
Among several that fit, the model's own lookup layer wins, then one as large
as the model's ``Embedding`` (the ids it was made for), then the kinds in the
order above, then the one bound last. Duck-typed: no Keras import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LOOKUP_LAYERS = frozenset({"TextVectorization", "StringLookup", "IntegerLookup"})
# Characters that would be invisible as a step's label.
PADDING = "<pad>"  # the label of id 0 where the vocabulary's word is ""
SHOWN_AS = {" ": "␣", "\n": "↵", "\t": "⇥", "": PADDING}
LARGEST_VOCABULARY = 1_000_000  # a list or dict past this is data, not a vocabulary


@dataclass(frozen=True)
class Vocabulary:
    """Words by id, and where the code keeps them (for the figure data)."""

    words: dict[int, str]
    source: str  # "vectorize (TextVectorization)", "char_to_id"
    rank: int  # the kind's place in the module docstring's order; -1: a layer of the model

    def label(self, token_id: int) -> str:
        word = self.words[token_id]
        return SHOWN_AS.get(word, word)


def step_words(ids: Sequence[int], namespace: Mapping[str, Any], model: Any) -> tuple[list[str], str] | None:
    """The labels of steps reading ``ids`` and the vocabulary's source, or
    None where no vocabulary the code has knows every one of them."""
    fitting = [v for v in vocabularies(namespace, model) if all(i in v.words for i in ids)]
    if not fitting:
        return None
    size = _embedding_size(model)
    order = {id(v): n for n, v in enumerate(fitting)}
    best = min(fitting, key=lambda v: (v.rank >= 0, len(v.words) != size, v.rank, -order[id(v)]))
    return [best.label(int(i)) for i in ids], best.source


def class_words(size: int, source: str, namespace: Mapping[str, Any], model: Any) -> list[str] | None:
    """The words of a head's ``size`` classes, where the vocabulary ``source``
    (the one the steps are labelled from) has exactly ids 0 … size − 1: a
    character model's next-character softmax. None otherwise."""
    for vocabulary in vocabularies(namespace, model):
        if vocabulary.source == source and sorted(vocabulary.words) == list(range(size)):
            return [vocabulary.label(i) for i in range(size)]
    return None


def vocabularies(namespace: Mapping[str, Any], model: Any) -> Iterator[Vocabulary]:
    """Every vocabulary the model or the session's names hold, in namespace order."""
    bound = {id(value): name for name, value in namespace.items() if not name.startswith("_")}
    for layer in getattr(model, "layers", []):
        # Named as the code names it (``vectorize``), else by its Keras name.
        name = bound.get(id(layer), getattr(layer, "name", "?"))
        found = _of_layer(layer, f"{name} ({type(layer).__name__})")
        if found is not None:
            yield Vocabulary(found.words, found.source, -1)
    for name, value in namespace.items():
        if name.startswith("_"):
            continue
        found = _of_layer(value, f"{name} ({type(value).__name__})") or _of_value(value, name)
        if found is not None:
            yield found


def _of_layer(value: Any, source: str) -> Vocabulary | None:
    """A lookup layer's vocabulary (index = id), once adapted or given one."""
    if type(value).__name__ not in LOOKUP_LAYERS or not hasattr(value, "get_vocabulary"):
        return None
    try:
        words = [str(word) for word in value.get_vocabulary()]
    except Exception:  # noqa: BLE001 - not adapted yet, or a layer of its own kind: no vocabulary
        return None
    return Vocabulary(dict(enumerate(words)), source, 0) if words else None


def _of_value(value: Any, name: str) -> Vocabulary | None:
    """A dict of ids to words or of words to ids, a tokenizer's ``word_index``,
    or a list of words."""
    if not isinstance(value, (dict, list, tuple)) and isinstance(getattr(value, "word_index", None), dict):
        value, name = value.word_index, f"{name}.word_index"
    if isinstance(value, dict) and 0 < len(value) <= LARGEST_VOCABULARY:
        keys, values = list(value), list(value.values())
        if all(_is_id(k) for k in keys) and _are_tokens(values):
            return _padded(Vocabulary({int(k): v for k, v in value.items()}, name, 1))
        if _are_tokens(keys) and all(_is_id(v) for v in values) and len(set(values)) == len(values):
            return _padded(Vocabulary({int(v): k for k, v in value.items()}, name, 2))
    if (
        isinstance(value, (list, tuple))
        and 0 < len(value) <= LARGEST_VOCABULARY
        and _are_tokens(value)
        and len(set(value)) == len(value)  # a vocabulary names each token once
    ):
        return Vocabulary(dict(enumerate(value)), name, 3)
    return None


def _are_tokens(words: Sequence[Any]) -> bool:
    """Strings that are one token each: a word or a character (a space is one)."""
    return all(
        isinstance(word, str) and (len(word) <= 1 or not any(c.isspace() for c in word)) for word in words
    )


def _padded(vocabulary: Vocabulary) -> Vocabulary:
    """Ids from 1 (a tokenizer's ``word_index``): 0 is the padding."""
    if vocabulary.words and 0 not in vocabulary.words and min(vocabulary.words) == 1:
        return Vocabulary({0: "", **vocabulary.words}, vocabulary.source, vocabulary.rank)
    return vocabulary


def _is_id(value: Any) -> bool:
    """An int (NumPy's too), not a bool."""
    return hasattr(value, "__index__") and not isinstance(value, bool) and int(value) >= 0


def _embedding_size(model: Any) -> int | None:
    """The ``input_dim`` of the model's first Embedding: the ids it reads."""
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == "Embedding":
            return int(layer.input_dim)
    return None
