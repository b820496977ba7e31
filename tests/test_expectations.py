"""Unit tests of the pure parts added for authoring: promised outputs and
figure options (the builds in test_authoring.py exercise them for real)."""

from __future__ import annotations

import pytest

from pelican_rnn_figures.article import figure_options
from pelican_rnn_figures.article.expectations import expected_outputs, mismatches

pytestmark = pytest.mark.fast  # no TensorFlow: `make test-fast` runs these alone

CODE = """\
x = np.zeros((1, 3, 2))
print(SimpleRNN(4)(x).shape)  # (1, 4)
print(layer.units)  # -> 4
print(out.shape)
# (1, 3, 4)
print("hello")  # says hello
value = 3  # 4
print(nested(  # (9,)
    x))
"""


def test_promises_are_found_on_print_lines_and_the_line_after():
    assert expected_outputs(CODE) == {2: "(1, 4)", 3: "4", 4: "(1, 3, 4)", 8: "(9,)"}


def test_a_promise_is_compared_as_a_python_value():
    printed = {2: ["(1,4)"], 3: ["5"], 4: ["(1, 3, 4)"], 6: ["hello"], 8: ["(9,)"]}
    [broken] = mismatches(CODE, printed)
    assert (broken.line, broken.expected, broken.printed) == (3, "4", "5")
    assert broken.message() == "the comment says 4 but the line printed 5"


def test_lines_that_printed_nothing_are_not_judged():
    assert mismatches(CODE, {}) == []


def test_code_that_does_not_parse_promises_nothing():
    assert expected_outputs("print(x  # (1, 2)\n") == {}


def test_a_quoted_promise_is_compared_with_the_printed_text():
    code = 'print(model.name)  # "lstm"\nprint(other.name)  # "gru"\n'
    assert [m.line for m in mismatches(code, {1: ["lstm"], 2: ["lstm_1"]})] == [2]


def test_options_are_read():
    chosen = figure_options.read(
        {
            "tokens": "I am groot | je suis",
            "ids": "4 7 0",
            "seed": "3",
            "layers": "lstm, dense",
            "values": "off",
            "inputs": "batch",
            "example": "a=[1, 2] b=[3, 4]",
            "caption": "x",
            "name": "y",
        }
    )
    assert chosen.tokens == [["I", "am", "groot"], ["je", "suis"]]
    assert chosen.token_ids == [[4, 7, 0]] and chosen.seed == 3
    # The caption too: the drawing keeps the steps it names (issue 18).
    assert chosen.drawing == {"layers": ["lstm", "dense"], "values": False, "inputs": "batch", "caption": "x"}
    assert chosen.example.tokens == ["a", "b"] and chosen.example.embeddings == [[1, 2], [3, 4]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"token": "a"}, "did you mean 'tokens'"),
        ({"colour": "red"}, "known options: caption"),
        ({"ids": "-1 2"}, "cannot be negative"),
        ({"example": "a=[1] b=[1, 2]"}, "same length"),
        ({"layers": " , "}, "names no layer"),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(figure_options.FigureOptionError, match=message):
        figure_options.read(options)
