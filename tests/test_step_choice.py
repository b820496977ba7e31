"""Elision keeps the point: built for real.

Padded reviews of eight steps (five words, three ``<pad>``s, padded after or,
as ``pad_sequences`` pads by default, before): the figure draws words before
pads, the first and last step always (the state enters one, the output
leaves the other), in five columns; the steps the caption names stay drawn
with the step before each; ``steps=`` chooses them. Each "…" says how many
steps it stands for. Every figure is checked against NumPy by its cells
(``check_figure``, which also checks the choice's rules, README "What a
figure shows"); here, which steps each one draws.
"""

from __future__ import annotations

import logging

import pytest
from cell_checks import svg_texts
from figure_checks import check_figure
from helpers import HEADER, build_in_process

from pelican_rnn_figures.article.figure_options import FigureOptionError, read

SETUP = """\
```python
vocabulary = ["", "[UNK]", "loved", "this", "awful", "boring", "plot", "great"]
after = np.array([[2, 3, 4, 5, 6, 0, 0, 0]])
before = np.array([[0, 0, 0, 2, 3, 4, 5, 6]])
model = Sequential([Input((8,)), Embedding(8, 3, mask_zero=True), LSTM(3), Dense(1, activation="sigmoid")])
```
"""
# name: (fence options, the data, the steps drawn (1-based, None for "…"), or the option's error)
FENCES = {
    "padded-after": ("", "after", [1, 2, 3, None, 8]),
    "padded-before": ("", "before", [1, None, 6, 7, 8]),
    # The step before "boring" too would take six columns.
    "caption": ('caption="The state turns at “boring”"', "after", [1, None, 4, None, 8]),
    # A "…" for step 7 alone would save nothing: step 7 is drawn.
    "chosen": ("steps=1-3,6", "after", [1, 2, 3, None, 6, 7, 8]),
    "chosen-past": ("steps=2,9", "after", "steps= names step 9, past the 8 steps"),
}


def article() -> str:
    blocks = [SETUP] + [
        f"```python rnn-figure name={name} {options}\nprint(model.predict({data}, verbose=0))\n```\n"
        for name, (options, data, _) in FENCES.items()
    ]
    return HEADER.format(title="Steps", slug="steps") + "\n".join(blocks)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_in_process(tmp_path_factory.mktemp("steps"), {"steps.md": article()})


def drawn_steps(png) -> list[int | None]:
    """The steps the tokens row draws, from the "t = N" line in each column (None: a "…")."""
    texts = svg_texts(png.with_suffix(".svg").read_text(encoding="utf-8")).texts
    words = [t for t in texts if t.size == 13.0 and t.bold]
    row = words + [t for t in texts if t.size == 14.0 and t.text == "…" and abs(t.y - words[0].y) < 4]
    tokens = sorted(row, key=lambda t: t.x)
    lines = [t for t in texts if t.text.startswith("t = ")]
    steps: list[int | None] = []
    for token in tokens:
        [line] = [t for t in lines if abs(t.x - token.x) < 1] or [None]
        steps.append(int(line.text.removeprefix("t = ")) if line else None)
    return steps


@pytest.mark.parametrize("name", [name for name, (_, _, steps) in FENCES.items() if isinstance(steps, list)])
def test_the_steps_drawn_keep_the_point(built, name):
    png = built.output / "images" / "rnn-figures" / f"{name}.png"
    data = check_figure(png)  # NumPy by cell; words before pads, first and last, steps= honoured
    assert drawn_steps(png) == FENCES[name][2], data["tokens"]


def test_a_step_past_the_input_is_an_error_at_its_fence(built):
    text = article()
    fence = next(n for n, line in enumerate(text.splitlines(), 1) if "name=chosen-past" in line)
    errors = [m for m in built.ours(logging.ERROR) if f"steps.md:{fence}:" in m]
    assert len(errors) == 1 and FENCES["chosen-past"][2] in errors[0], errors


@pytest.mark.parametrize(
    ("value", "chosen"),
    [("1-3,6", [[1, 2, 3, 6]]), ("2 | 1-2", [[2], [1, 2]]), ("| 4", [[], [4]]), ("3,1-2,2", [[1, 2, 3]])],
)
def test_the_steps_option_reads_steps_and_ranges(value, chosen):
    assert read({"steps": value}).drawing["steps"] == chosen


@pytest.mark.parametrize("value", ["0", "3-1", "a", "1-", ""])
def test_an_unreadable_steps_option_says_how_to_write_it(value):
    with pytest.raises(FigureOptionError, match="steps="):
        read({"steps": value})


@pytest.mark.parametrize(
    ("tokens", "drawn"),
    [
        # Words equal (no recurrent layer: none moves a state): a tie drew "a b <pad> … e".
        ("a b <pad> c d <pad> e", "a … c … e"),
        ("loved this awful boring plot <pad> <pad> <pad>", "loved this awful … <pad>"),
        ("<pad> <pad> <pad> loved this awful boring plot", "<pad> … awful boring plot"),
    ],
)
def test_a_padded_step_is_not_drawn_in_place_of_a_word(tokens, drawn):
    from pelican_rnn_figures.worker.drawing.step_choice import shown_columns

    words = tokens.split()
    data = {"layers": [], "inputs": [[0.0]] * len(words), "tokens": words}
    columns = shown_columns(data, 0, data)
    assert " ".join("…" if step is None else words[step] for step in columns) == drawn
