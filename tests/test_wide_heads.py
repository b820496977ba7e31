"""A wide head keeps the point: built for real.

A character model's next-character softmax (one class per character of the
code's ``chars``) and a 20-way softmax with no vocabulary of its size: each
draws its five largest outputs, largest first, each under its class (the
character, or the index ``argmax`` gives), so the predicted class is the
first; the code's own ``argmax`` prints that class. Values by their cell
against NumPy (``check_figure``: the units shown are the largest, by each
cell's tooltip).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from cell_checks import svg_texts
from figure_checks import check_figure
from helpers import HEADER, build_in_process

CHARACTERS = """\
```python rnn-figure name=next-character
text = "the quick brown fox jumps"
chars = sorted(set(text))
char_to_id = {c: i for i, c in enumerate(chars)}
x = np.array([[char_to_id[c] for c in "the q"]])
model = Sequential([Input((5,)), Embedding(len(chars), 4), LSTM(6), Dense(len(chars), activation="softmax")])
print(repr(chars[int(model.predict(x, verbose=0).argmax())]))
```
"""
CLASSES = """\
```python rnn-figure name=twenty-classes
model = Sequential([Input((3, 2)), GRU(4), Dense(20, activation="softmax", name="classes")])
sample = np.array([[[0.5, -1.0], [1.0, 0.2], [-0.3, 0.8]]])
print("class", int(model.predict(sample, verbose=0).argmax()))
```
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    text = HEADER.format(title="Heads", slug="heads") + CHARACTERS + "\n" + CLASSES
    return build_in_process(tmp_path_factory.mktemp("heads"), {"heads.md": text})


def labels_over_head(png, head: dict) -> list[str]:
    """The muted texts just over the head's output cells, left to right."""
    drawing = svg_texts(png.with_suffix(".svg").read_text(encoding="utf-8"))
    values = [t for t in drawing.texts if t.in_cell and t.text != "…"]
    top = min(t.y for t in values)  # the head's strip is the figure's highest
    strip = [t for t in values if abs(t.y - top) < 1]
    over = [t for t in drawing.texts if not t.in_cell and 4 < top - t.y < 20 and not t.bold]
    xs = sorted(t.x for t in strip)
    return [next(o.text for o in over if abs(o.x - x) < 1) for x in xs]


def printed(built, name: str) -> str:
    summaries = [
        json.loads(path.read_text()) for path in (built.root / "cache" / "rnn_figures").rglob("result.json")
    ]
    [summary] = [s for s in summaries if name in s["printed"]]
    return summary["printed"].strip()


def test_a_next_character_softmax_shows_its_likeliest_characters(built):
    png = built.output / "images" / "rnn-figures" / "next-character.png"
    data = check_figure(png)
    head = data["layers"][-1]
    chars = sorted(set("the quick brown fox jumps"))
    assert head["class_labels"] == [c.replace(" ", "␣") for c in chars]
    ranked = np.argsort(-np.asarray(head["outputs"]), kind="stable")[:5]
    assert labels_over_head(png, head) == [head["class_labels"][i] for i in ranked]
    assert printed(built, "'") == repr(chars[ranked[0]])  # the code's argmax is the first drawn


def test_a_wide_softmax_without_words_shows_its_largest_by_index(built):
    png = built.output / "images" / "rnn-figures" / "twenty-classes.png"
    data = check_figure(png)
    head = data["layers"][-1]
    assert "class_labels" not in head
    ranked = np.argsort(-np.asarray(head["outputs"]), kind="stable")[:5]
    assert labels_over_head(png, head) == [str(i) for i in ranked]
    assert printed(built, "class") == f"class {ranked[0]}"
    texts = [t.text for t in svg_texts(png.with_suffix(".svg").read_text(encoding="utf-8")).texts]
    assert "largest 5 of 20, by class index" in texts
