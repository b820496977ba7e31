"""A fence's ``tokens=`` labels the steps of the data drawn, where it fits:
built for real. One that does not fit is ignored with a warning at its fence,
and the steps keep the labels of the data drawn (the example's words).
"""

from __future__ import annotations

import json
import logging

from figure_checks import check_figure
from helpers import HEADER, build_in_process

EXAMPLE = "Rnn_example: I=[0.5, 0.4] am=[0.3, 0.1] groot=[0.7, 0.5]\n"
ONE_INPUT = "model = Sequential([Input((3, 2)), SimpleRNN(2)])"
TWO_INPUTS = """\
a = keras.Input((3, 2))
b = keras.Input((3, 2))
model = keras.Model([a, b], Dense(1)(Concatenate()([SimpleRNN(2)(a), SimpleRNN(2)(b)])))"""
# name: (fence options, code, the labels of each input, what the warning says or None)
FENCES = {
    "too-many": ('tokens="a b c d"', ONE_INPUT, [["I", "am", "groot"]], "4 labels for the 3 steps"),
    "too-few-example": (
        'example="we=[1, 0] are=[0, 1] groot=[1, 1]" tokens="x y"',
        ONE_INPUT,
        [["we", "are", "groot"]],
        "2 labels for the 3 steps",
    ),
    "fits": ('tokens="you are groot"', ONE_INPUT, [["you", "are", "groot"]], None),
    "second-input": (
        'tokens="a b c | d e"',
        TWO_INPUTS,
        [["a", "b", "c"], ["y₁", "y₂", "y₃"]],
        "2 labels for the 3 steps of input 2",
    ),
    "extra-inputs": ('tokens="a b c | d e f"', ONE_INPUT, [["a", "b", "c"]], "labels for 2 inputs"),
}


def article() -> str:
    blocks = [
        f"```python rnn-figure name={name} {options}\n{code}\n```\n"
        for name, (options, code, _, _) in FENCES.items()
    ]
    return HEADER.format(title="Labels", slug="labels") + EXAMPLE + "\nText.\n\n" + "\n".join(blocks)


def test_tokens_label_the_data_drawn_or_are_ignored_at_their_fence(tmp_path):
    text = article()
    result = build_in_process(tmp_path, {"labels.md": text})
    lines = text.splitlines()
    warnings = result.ours(logging.WARNING)
    images = tmp_path / "output" / "images" / "rnn-figures"
    for name, (_, _, labels, warning) in FENCES.items():
        data = check_figure(images / f"{name}.png")  # the SVG's and the page's labels are the JSON's
        sequences = data.get("sequences") or [data]
        assert [sequence["tokens"] for sequence in sequences] == labels, name
        fence = next(n for n, line in enumerate(lines, 1) if f"name={name} " in line)
        said = [m for m in warnings if f"labels.md:{fence}:" in m]
        if warning is None:
            assert not said, name
        else:
            [message] = said
            assert "tokens= " in message and warning in message, message
    # Labels never change the data: the example's embeddings are drawn as given.
    too_many = json.loads((images / "too-many.json").read_text())
    assert too_many["inputs"] == [[0.5, 0.4], [0.3, 0.1], [0.7, 0.5]]
