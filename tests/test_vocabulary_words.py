"""Token ids drawn as the words of the vocabulary the post's code has:
``TextVectorization``, a ``char_to_id`` dict, an ``id_to_char`` dict, a list
of words, a tokenizer's ``word_index``; built for real. Labels only: the ids
and every value stay the data's, checked against NumPy by position; where no
vocabulary knows the ids they stay x₁ … x_T.
"""

from __future__ import annotations

import json
import logging
import re
from html import unescape

import pytest
from figure_checks import check_figure
from helpers import HEADER, build_in_process

from pelican_rnn_figures.worker.vocabularies import step_words

SETUP = """\
```python
import numpy as np
texts = ["a great story", "a boring plot", "great fun", "not a great plot"]
vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
vectorize.adapt(texts)
x = vectorize(np.array(texts)).numpy()
text = "hello world"
chars = sorted(set(text))
char_to_id = {c: i for i, c in enumerate(chars)}
ids = np.array([[char_to_id[c] for c in "lo wo"]])
```
"""
# name: (code, the labels the post's own data gives, where they come from)
FENCES = {
    "sentiment": (
        "model = Sequential([Input((5,)), Embedding(20, 3, mask_zero=True), LSTM(2)])\n"
        "model.predict(x, verbose=0)",
        ["a", "great", "story", "<pad>", "<pad>"],  # texts[0], padded to 5
        "vectorize (TextVectorization)",
    ),
    "characters": (
        "model = Sequential([Input((5,)), Embedding(len(chars), 3), GRU(2)])\nmodel.predict(ids, verbose=0)",
        ["l", "o", "␣", "w", "o"],  # "lo wo", the space shown
        "char_to_id",
    ),
    "no-vocabulary": (
        "model = Sequential([Input((3,)), Embedding(100, 3), SimpleRNN(2)])\n"
        "model.predict(np.array([[57, 83, 91]]), verbose=0)",
        ["x₁", "x₂", "x₃"],  # no vocabulary of the code has ids 57, 83 and 91
        None,
    ),
}


def article() -> str:
    blocks = [f"```python rnn-figure name={name}\n{code}\n```\n" for name, (code, _, _) in FENCES.items()]
    return HEADER.format(title="Words", slug="words") + "\nText.\n\n" + SETUP + "\n" + "\n".join(blocks)


def test_token_ids_are_labelled_with_the_words_of_the_codes_vocabulary(tmp_path):
    result = build_in_process(tmp_path, {"words.md": article()})
    assert not result.ours(logging.WARNING)
    images = tmp_path / "output" / "images" / "rnn-figures"
    page = (tmp_path / "output" / "words.html").read_text(encoding="utf-8")
    for name, (_, labels, source) in FENCES.items():
        data = check_figure(images / f"{name}.png")  # values by position; SVG and page labels are the JSON's
        assert data["tokens"] == labels, name
        assert data.get("labels_from") == ([source] if source else None), name
    sentiment = json.loads((images / "sentiment.json").read_text(encoding="utf-8"))
    # The ids drawn are the vectorizer's own, unchanged by the labels: 0 pads.
    assert sentiment["token_ids"][3:] == [0, 0] and 0 not in sentiment["token_ids"][:3]
    tips = [unescape(t) for t in re.findall(r'data-tip="(token id x₂[^"]*)"', page)]
    assert any(
        tip.startswith(f"token id x₂ “great” (id {sentiment['token_ids'][1]} in vectorize)") for tip in tips
    )


class Lookup:
    """A lookup layer as Keras makes one, duck-typed: its class name and vocabulary."""

    def __init__(self, words):
        self.words = words

    def get_vocabulary(self):
        return self.words


TextVectorization = type("TextVectorization", (Lookup,), {})


class Model:
    def __init__(self, *layers):
        self.layers = list(layers)


class Embedding:
    def __init__(self, input_dim):
        self.input_dim = input_dim


@pytest.mark.fast
@pytest.mark.parametrize(
    ("namespace", "model", "ids", "expected"),
    [
        # A tokenizer's word_index starts at 1: 0 is the padding.
        (
            {"tok": type("T", (), {"word_index": {"the": 1, "cat": 2}})()},
            Model(),
            [1, 2, 0],
            ["the", "cat", "<pad>"],
        ),
        ({"id_to_char": {0: "a", 1: " ", 2: "\n"}}, Model(), [0, 1, 2], ["a", "␣", "↵"]),
        ({"vocab": ["<pad>", "hi", "there"]}, Model(), [1, 2], ["hi", "there"]),
        # Sentences are data, not a vocabulary; nor is a list with repeats, nor bools.
        ({"texts": ["a great story", "a plot", "fun"]}, Model(), [0, 1], None),
        ({"words": ["a", "b", "a"]}, Model(), [0, 1], None),
        ({"flags": {"a": True, "b": False}}, Model(), [0, 1], None),
        # Every id drawn must have a word.
        ({"vocab": ["a", "b"]}, Model(), [0, 5], None),
        # The model's own lookup layer first; then one as large as its Embedding.
        (
            {"vocab": ["x", "y"]},
            Model(TextVectorization(["", "[UNK]", "hi"]), Embedding(9)),
            [1, 2],
            ["[UNK]", "hi"],
        ),
        ({"big": {"p": 0, "q": 1, "r": 2}, "small": ["u", "v"]}, Model(Embedding(3)), [0, 1], ["p", "q"]),
        ({"big": {"p": 0, "q": 1, "r": 2}, "small": ["u", "v"]}, Model(Embedding(2)), [0, 1], ["u", "v"]),
    ],
)
def test_which_vocabulary_names_the_ids(namespace, model, ids, expected):
    found = step_words(ids, namespace, model)
    assert (found[0] if found else None) == expected
