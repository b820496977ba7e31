"""Lines follow the code: prose added above a snippet keeps its cached figure
and failure, and every line the build shows is the line of now.

Built for real: a cold build with TensorFlow, then rebuilds from the cache
with a Python that cannot start a worker, so nothing can have run again.
"""

from __future__ import annotations

import json
import logging

from helpers import HEADER, build_in_process, line_of, tally

PROSE = "Three lines\nof prose, added\nabove.\n"

POST = (
    HEADER.format(title="Moved", slug="moved")
    + """\
The data:

```python
import numpy as np
x = np.linspace(0, 1, 24).reshape(8, 3, 1).round(2)
y = x.sum(axis=(1, 2))
```

The model, trained:

```python
model = Sequential([Input((3, 1)), SimpleRNN(2), Dense(1)])
model.compile("adam", "mse")
model.fit(x, y, epochs=2, verbose=0)
print(model.predict(x[:1], verbose=0).shape)  # (1, 2)
```

![](/images/moved.png)

A broken helper:

```python
oops = undefined_helper(3)
```

And a block that uses it:

```python
broken = Sequential([Input((3, 2)), SimpleRNN(2)])
broken(oops)
```

![broken](/images/broken.png)
"""
)


# The same data and model in another article, lower down: the same cache entry.
COPY = (
    HEADER.format(title="Copy", slug="copy")
    + "A copy, lower down.\n\n"
    + POST[POST.index("The data:") : POST.index("A broken helper:")].replace("/moved.png", "/copy.png")
)


def with_prose(text: str) -> str:
    """Three lines above the model, three more between the broken helper and its user."""
    text = text.replace("The model, trained:", PROSE + "The model, trained:", 1)
    return text.replace("And a block that uses it:", PROSE + "And a block that uses it:", 1)


def check_figure_lines(result, text: str, path: str, slug: str) -> None:
    """The promised-output warning, figure.json and alt text of the model's figure."""
    predict, fit = line_of(text, "print(model.predict"), line_of(text, "model.fit(")
    (warning,) = [m for m in result.ours(logging.WARNING) if m.startswith(f"{path}:")]
    assert warning.startswith(f"{path}:{predict}: snippet output: the comment says (1, 2)")
    data = json.loads((result.output / "images" / f"{slug}.json").read_text())
    assert data["data_from"] == {"call": "predict", "line": predict}
    assert data["training"]["lines"] == [fit]
    alt = result.page(f"{slug}.html").select_one(f'img[src$="{slug}.png"]')["alt"]
    assert f"the data the code calls the model on at line {predict}." in alt


def check_lines(result, text: str, path: str) -> None:
    """Every line the build names for ``text`` is where ``text`` has it."""
    check_figure_lines(result, text, path, "moved")
    helper, user = line_of(text, "oops = undefined_helper"), line_of(text, "broken = Sequential")
    (error,) = result.ours(logging.ERROR)
    assert error.startswith(f"{path}:{helper}: RNN figure failed: NameError")
    assert f"(in the block at line {helper}, which the snippet at line {user} uses)" in error
    assert f'File "{path}", line {helper}, in <module>' in error
    box = result.page("moved.html").select_one(".rnn-figure-error").get_text()
    assert f"moved.md, line {helper}: NameError" in box and f"{helper} | oops = undefined_helper(3)" in box


def test_prose_added_above_moves_every_line_shown_without_running_anything(tmp_path):
    path, copy = str(tmp_path / "content" / "moved.md"), str(tmp_path / "content" / "copy.md")
    cold = build_in_process(tmp_path, {"moved.md": POST, "copy.md": COPY})
    # One entry for both: the job made second finds the first's, made at other lines.
    assert "2 generated, 0 from cache, 1 failed" in tally(cold)
    (entry_json,) = (tmp_path / "cache" / "rnn_figures").glob("*/*/figure.json")
    made = entry_json.read_bytes()
    check_lines(cold, POST, path)
    check_figure_lines(cold, COPY, copy, "copy")

    moved = with_prose(POST)
    warm = build_in_process(tmp_path, {"moved.md": moved}, no_worker=True)
    assert "0 generated, 2 from cache, 1 failed" in tally(warm)
    assert not any("running" in message for message in warm.ours(logging.DEBUG))  # no worker
    check_lines(warm, moved, path)
    check_figure_lines(warm, COPY, copy, "copy")
    assert entry_json.read_bytes() == made  # the cache keeps the lines it was made at

    # Prose taken out again: the lines of the start, still from the cache.
    back = build_in_process(tmp_path, {"moved.md": POST}, no_worker=True)
    assert "0 generated, 2 from cache, 1 failed" in tally(back)
    check_lines(back, POST, path)
