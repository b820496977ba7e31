"""The code's data is never replaced silently: built for real.

A prediction block prints ``model.predict(review)``; its figure, whatever
the fence's options, shows that review and the same prediction in its
output cell. Only options that give data (``ids=``, ``example=``,
``inputs=`` of another array) draw other inputs, and then the build warns at
the fence and the figure's key says so.
"""

from __future__ import annotations

import json
import logging
import re

import numpy as np
from figure_checks import check_figure
from helpers import HEADER, build_in_process, cache_summaries

SETUP = """\
```python
import numpy as np
review = np.array([[4, 7, 2, 9, 1, 3]])
other = np.array([[1, 1, 2, 2, 3, 3]])
model = Sequential([Input((6,)), Embedding(12, 2), LSTM(3), Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy")
model.fit(np.concatenate([review, other]), np.array([[1.0], [0.0]]), epochs=3, verbose=0)
```
"""
PREDICTION = "print(model.predict(review, verbose=0))"
# Options that change how the figure looks, never its data.
KEEPING = {
    "tokens": 'tokens="the film was [UNK] great <pad>"',
    "caption": 'caption="A review, read word by word"',
    "name": "name=named-prediction",
    "seed": "seed=7",
    "layers": "layers=lstm,dense",
    "values": "values=on",
    "output": "output=hide",
    "inputs": "inputs=review",
}
# Options that give the figure data of their own.
REPLACING = {"ids": 'ids="5 5 5 5 5 5"', "inputs_other": "inputs=other"}


def article() -> str:
    blocks = [SETUP]
    for option, text in {**KEEPING, **REPLACING}.items():
        name = "" if option == "name" else f" name=fence-{option}"
        blocks.append(f"```python rnn-figure {text}{name}\n{PREDICTION}\n```\n")
    return HEADER.format(title="Fence data", slug="fence-data") + "\n".join(blocks)


def printed_predictions(root) -> list[float]:
    found = []
    for summary in cache_summaries(root):
        found += [float(v) for v in re.findall(r"\[\[(-?\d+\.\d+(?:e-?\d+)?)\]\]", summary["printed"])]
    return found


def test_a_printed_prediction_is_the_figures_output_for_every_option_that_keeps_the_data(tmp_path):
    text = article()
    result = build_in_process(tmp_path, {"fence-data.md": text})
    images = tmp_path / "output" / "images" / "rnn-figures"
    (prediction,) = set(printed_predictions(tmp_path))  # every block printed the same
    for option in KEEPING:
        stem = "named-prediction" if option == "name" else f"fence-{option}"
        data = check_figure(images / f"{stem}.png")  # against NumPy, values by their cell
        assert data["inputs_origin"] in ("snippet data", "snippet"), option  # (inputs=NAME: "snippet")
        assert abs(data["layers"][-1]["outputs"][0] - prediction) < 1e-5, option
        assert "inputs_from" not in data, option
    tokens = json.loads((images / "fence-tokens.json").read_text())
    assert tokens["tokens"] == ["the", "film", "was", "[UNK]", "great", "<pad>"]  # relabelled, not replaced
    assert np.array_equal(tokens["token_ids"], [4, 7, 2, 9, 1, 3])
    replacing = [f"name=fence-{option}" for option in REPLACING]
    fences = [n for n, line in enumerate(text.splitlines(), 1) if "rnn-figure" in line]
    keeping = [n for n in fences if not any(name in text.splitlines()[n - 1] for name in replacing)]
    assert not [m for m in result.ours(logging.WARNING) if any(f".md:{n}:" in m for n in keeping)]
    for option in ("ids", "inputs_other"):
        data = json.loads((images / f"fence-{option}.json").read_text())
        assert abs(data["layers"][-1]["outputs"][0] - prediction) > 1e-4, option  # other data, truly
        assert data["inputs_from"] in ("ids=", "inputs=other"), option
        svg = (images / f"fence-{option}.svg").read_text(encoding="utf-8")
        assert f"inputs from {data['inputs_from']}, not the code" in svg  # the key says so
        fence = next(n for n, line in enumerate(text.splitlines(), 1) if f"name=fence-{option}" in line)
        warnings = [m for m in result.ours(logging.WARNING) if f"fence-data.md:{fence}:" in m]
        assert len(warnings) == 1 and "not the data the code calls the model on" in warnings[0], option


def test_a_model_the_code_never_builds_says_so(tmp_path):
    """Its weights are a copy's, built on the figure's inputs: the key, the
    caption and the alt text say so; a model the code builds says nothing."""
    text = HEADER.format(title="Unbuilt", slug="unbuilt") + (
        "```python rnn-figure name=unbuilt\nmodel = Sequential([LSTM(3)])\n```\n\n"
        "```python rnn-figure name=built\nmodel = Sequential([Input((3, 2)), LSTM(3)])\n```\n"
    )
    result = build_in_process(tmp_path, {"unbuilt.md": text})
    images = tmp_path / "output" / "images" / "rnn-figures"
    said = "the code never builds this model"
    unbuilt = check_figure(images / "unbuilt.png")
    assert unbuilt["unbuilt"] is True
    assert said in (images / "unbuilt.svg").read_text(encoding="utf-8")
    figure = result.page("unbuilt.html").select_one('figure:has(img[src$="unbuilt.png"])')
    assert said in figure.select_one("figcaption").get_text() and said in figure.select_one("img")["alt"]
    assert "unbuilt" not in check_figure(images / "built.png")
    assert said not in (images / "built.svg").read_text(encoding="utf-8")


def test_an_example_option_draws_its_own_embeddings_and_says_so(tmp_path):
    """``example=`` gives a vector model data of its own: drawn on it, with a
    warning at the fence and the key saying so; the code's prediction stays
    what the code printed."""
    text = HEADER.format(title="Example", slug="example") + (
        "```python\nimport numpy as np\nsequence = np.array([[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]])\n```\n\n"
        '```python rnn-figure name=own-example example="I=[0.5, 0.4] am=[0.3, 0.1] groot=[0.7, 0.5]"\n'
        "model = Sequential([Input((3, 2)), SimpleRNN(2), Dense(1)])\n"
        "print(model.predict(sequence, verbose=0))\n```\n"
    )
    result = build_in_process(tmp_path, {"example.md": text})
    data = check_figure(tmp_path / "output" / "images" / "rnn-figures" / "own-example.png")
    assert data["inputs"] == [[0.5, 0.4], [0.3, 0.1], [0.7, 0.5]] and data["tokens"] == ["I", "am", "groot"]
    assert data["inputs_from"] == "example="
    svg = (tmp_path / "output" / "images" / "rnn-figures" / "own-example.svg").read_text(encoding="utf-8")
    assert "inputs from example=, not the code" in svg
    fence = next(n for n, line in enumerate(text.splitlines(), 1) if "name=own-example" in line)
    (warning,) = [m for m in result.ours(logging.WARNING) if "figure data" in m]
    assert f"example.md:{fence}:" in warning and f"at line {fence + 2}" in warning
    (printed,) = printed_predictions(tmp_path)
    assert abs(printed - data["layers"][-1]["outputs"][0]) > 1e-4  # the code's own data gave this
