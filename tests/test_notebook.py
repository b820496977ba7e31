"""Posts written like a notebook: one session per article, built for real.

A setup block, a helper, data, a model trained on a toy task and a printed
prediction: the figure is drawn from the session the code builds (the helper
and data of the blocks above), on the data the code called the model on,
with the weights training left, and re-runs exactly what an edit changes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys

import numpy as np
from figure_checks import check_figure
from helpers import HEADER, build_in_process, cache_summaries, line_of, make_site, tally

POST = (
    HEADER.format(title="Notebook", slug="notebook")
    + """\
Setup first.

```python
import numpy as np
from tensorflow.keras.layers import SimpleRNN, Dense

STEPS, FEATURES = 4, 1
```

A helper:

```python
def build_model(units):
    model = Sequential([Input((STEPS, FEATURES)), SimpleRNN(units), Dense(1)])
    model.compile("adam", "mse")
    return model
```

A block that stands alone:

```python
model = Sequential([Input((3, 2)), GRU(2)])
```

![A GRU](/images/alone.png)

Data: the sum of four numbers.

```python
rng = np.random.default_rng(0)
x = rng.uniform(0, 1, size=(64, STEPS, FEATURES)).round(2)
y = x.sum(axis=(1, 2))
```

The model, trained:

```python
model = build_model(3)
model.fit(x, y, epochs=5, verbose=0)
print(model.predict(x[:3], verbose=0))
```

![A trained SimpleRNN](/images/notebook-rnn.png)

A broken helper, and a block that uses it:

```python
oops = undefined_helper(3)
```

```python
broken = Sequential([Input((3, 2)), SimpleRNN(2)])
broken(oops)
```

![broken](/images/broken.png)
"""
)


def printed_of(root) -> list[str]:
    return [summary["printed"] for summary in cache_summaries(root) if summary["printed"]]


def test_a_post_written_like_a_notebook(tmp_path):
    result = build_in_process(tmp_path, {"notebook.md": POST})
    assert "2 generated, 0 from cache, 1 failed" in tally(result)
    data = check_figure(tmp_path / "output" / "images" / "notebook-rnn.png")  # against NumPy
    # Drawn on the data the code called the model on: its first sample of 3.
    assert data["inputs_origin"] == "snippet data" and data["batch_size"] == 3
    assert data["data_from"] == {"call": "predict", "line": line_of(POST, "print(model.predict")}
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(64, 4, 1)).round(2)
    assert np.allclose(data["inputs"], x[0], atol=1e-6)
    # With the weights training left, and saying so.
    assert data["training"] == {"epochs": 5, "fits": 1, "lines": [line_of(POST, "model.fit(")]}
    svg = (tmp_path / "output" / "images" / "notebook-rnn.svg").read_text(encoding="utf-8")
    assert "weights after fit, 5 epochs" in svg  # the reader is told, in the key
    image = result.page("notebook.html").select_one('img[src$="notebook-rnn.png"]')
    assert image["alt"] == "A trained SimpleRNN"  # the writer's alt is kept
    # The prediction the snippet printed is the figure's output cell.
    (printed,) = printed_of(tmp_path)
    first = float(re.findall(r"-?\d+\.\d+(?:e-?\d+)?", printed)[0])
    assert abs(first - data["layers"][-1]["outputs"][0]) < 1e-4
    # The description (the writer's alt text aside) says how the weights came to be.
    summaries = cache_summaries(tmp_path)
    trained = next(summary for summary in summaries if "fit" in summary["caption"])
    assert "weights after fit, 5 epochs" in trained["caption"] and "after training" in trained["alt"]
    # The block that stands alone is drawn on the article's own terms.
    alone = json.loads((tmp_path / "output" / "images" / "alone.json").read_text())
    assert alone["inputs_origin"] == "generated" and "training" not in alone


def test_a_failing_block_fails_the_blocks_that_use_it_naming_both_lines(tmp_path):
    result = build_in_process(tmp_path, {"notebook.md": POST})
    (error,) = result.ours(logging.ERROR)
    helper, user = line_of(POST, "oops = undefined_helper"), line_of(POST, "broken = Sequential")
    assert error.startswith(f"{tmp_path / 'content' / 'notebook.md'}:{helper}: ")
    assert f"in the block at line {helper}, which the snippet at line {user} uses" in error
    assert "NameError" in error and "undefined_helper" in error


def test_edits_rerun_what_they_change_and_nothing_else(tmp_path):
    build_in_process(tmp_path, {"notebook.md": POST})
    prose = POST.replace("Data: the sum of four numbers.", "Data: four numbers, summed.")
    assert "0 generated, 2 from cache, 1 failed" in tally(build_in_process(tmp_path, {"notebook.md": prose}))
    # The data block changed: the trained model below it is made again (as is
    # every block below it that may change anything), the block that stands
    # alone above it is not.
    data = prose.replace("size=(64, STEPS, FEATURES)", "size=(32, STEPS, FEATURES)")
    assert "1 generated, 1 from cache, 1 failed" in tally(build_in_process(tmp_path, {"notebook.md": data}))


def test_a_skipped_block_is_never_run(tmp_path):
    post = POST.replace(
        "Setup first.\n",
        "Setup first.\n\n```python\n# rnn-figures: skip\nraise SystemExit('needs the network')\n```\n",
    )
    result = build_in_process(tmp_path, {"notebook.md": post})
    assert "2 generated, 0 from cache, 1 failed" in tally(result)


OUTPUTS = (
    HEADER.format(title="Outputs", slug="outputs")
    + """\
```python
model = Sequential([Input((3, 2)), LSTM(4)])
model.summary()
```

```python
print(model.output_shape, "<b>not bold</b>")
```

```python
# rnn-figures: hide-output
print("hidden")
```

```python rnn-figure name=quiet output=hide
model = Sequential([Input((3, 2)), GRU(2)])
print("also hidden")
```

```python
for i in range(100):
    print("\\x1b[32mline\\x1b[0m", i, model.name)
```

```python
silent = Sequential([Input((3, 2)), SimpleRNN(2)])
```
"""
)


def test_what_blocks_print_is_shown_under_them(tmp_path):
    result = build_in_process(tmp_path, {"outputs.md": OUTPUTS})
    page = result.page("outputs.html")
    outputs = page.select("pre.rnn-figure-output")
    texts = [output.get_text() for output in outputs]
    assert len(outputs) == 3, texts
    summary, shape, long = texts
    assert "lstm" in summary.lower() and "Total params" in summary  # model.summary(), as plain text
    assert shape == "(None, 4) <b>not bold</b>"  # escaped: text, not markup
    assert not page.select("pre.rnn-figure-output b")
    # (the GRU model of the block above is the article's second: named as a notebook names it)
    assert long.splitlines()[0] == "line 0 sequential_1" and "\x1b" not in long  # terminal codes stripped
    assert long.splitlines()[-1] == "… 40 more lines"
    assert not any("hidden" in text for text in texts)  # (the code itself says "hidden")
    # Each output sits right under its block.
    for output in outputs:
        assert output.find_previous_sibling().name == "div"  # the highlighted code block
    assert "<!--rnn-figure-output" not in (tmp_path / "output" / "outputs.html").read_text()


def test_a_setting_hides_every_output(tmp_path):
    result = build_in_process(tmp_path, {"outputs.md": OUTPUTS}, RNN_FIGURES_SHOW_OUTPUT=False)
    assert not result.page("outputs.html").select("pre.rnn-figure-output")


TYPOS = (
    HEADER.format(title="Typos", slug="typos")
    + """\
```python
model = Sequental([Input((3, 2)), LSTM(2)])
```

![first](/images/typo-1.png)

```python
model = Sequential([Input((3, 2)), LSTM(2)])
model.summery()
```

![second](/images/typo-2.png)
"""
)


def test_errors_show_the_failing_line_and_what_was_meant(tmp_path):
    result = build_in_process(tmp_path, {"typos.md": TYPOS})
    errors = result.ours(logging.ERROR)
    assert len(errors) == 2
    assert "NameError: name 'Sequental' is not defined. Did you mean: 'Sequential'?" in errors[0]
    # As in a notebook, the block below is not run after a block above failed: it says so.
    assert f"(in the block at line {line_of(TYPOS, 'Sequental')}, which the snippet at line" in errors[1]
    boxes = [box.get_text() for box in result.page("typos.html").select(".rnn-figure-error")]
    assert f"{line_of(TYPOS, 'Sequental')} | model = Sequental([Input((3, 2)), LSTM(2)])" in boxes[0]
    alone = build_in_process(
        tmp_path / "alone",
        {
            "typo.md": TYPOS[: TYPOS.index("```python")]
            + TYPOS[TYPOS.index("```python\nmodel = Sequential") :]
        },
    )
    (error,) = alone.ours(logging.ERROR)
    assert "AttributeError:" in error and "Did you mean: 'summary'?" in error
    box = alone.page("typos.html").select_one(".rnn-figure-error").get_text()
    assert f"{line_of(TYPOS, 'summery') - 6} | model.summery()" in box
    # The same code fails the same way: the next build reports it from the
    # cache, without a worker.
    again = build_in_process(tmp_path, no_worker=True)
    assert again.ours(logging.ERROR) == errors
    assert not any("running" in message for message in again.ours(logging.DEBUG))
    # Prose added above moves the lines: the failure is still the cache's, at its new line.
    moved = TYPOS.replace(
        "```python\nmodel = Sequental", "A new paragraph.\n\n```python\nmodel = Sequental", 1
    )
    third = build_in_process(tmp_path, {"typos.md": moved}, no_worker=True)
    assert f"typos.md:{line_of(moved, 'Sequental')}:" in third.ours(logging.ERROR)[0]
    box = third.page("typos.html").select_one(".rnn-figure-error").get_text()
    assert f"{line_of(moved, 'Sequental')} | model = Sequental([Input((3, 2)), LSTM(2)])" in box


def test_timeouts_are_not_kept(tmp_path):
    post = HEADER.format(title="Slow", slug="slow") + (
        "```python\nimport time\ntime.sleep(30)\nmodel = Sequential([Input((3, 2)), LSTM(2)])\n```\n\n"
        "![slow](/images/slow.png)\n"
    )
    result = build_in_process(tmp_path, {"slow.md": post}, RNN_FIGURES_TIMEOUT=2)
    assert "Timeout" in result.ours(logging.ERROR)[0]
    assert not (tmp_path / "cache" / "rnn_figures" / "errors").exists()


def test_a_ci_log_keeps_each_error_on_one_line(tmp_path):
    """Pelican's console is not a terminal in CI: rich would wrap it at 80 columns."""
    root = make_site(tmp_path, {"typos.md": TYPOS})
    environment = {name: value for name, value in os.environ.items() if name != "COLUMNS"}
    completed = subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
        env=environment,
    )
    log = completed.stdout + completed.stderr
    line = line_of(TYPOS, "Sequental")
    wanted = f"typos.md:{line}: RNN figure failed: NameError: name 'Sequental' is not defined. Did you mean: 'Sequential'?"
    assert any(wanted in text for text in log.splitlines()), log


SPELLINGS = {
    "tf-keras": "model = tf.keras.Sequential([tf.keras.Input((3, 2)), tf.keras.layers.LSTM(2)])",
    "keras-dot": "import keras\nmodel = keras.Sequential([keras.Input((3, 2)), keras.layers.GRU(2)])",
    "tensorflow-keras-layers": (
        "from tensorflow.keras.layers import SimpleRNN, Input\n"
        "from tensorflow.keras.models import Sequential\n"
        "model = Sequential([Input((3, 2)), SimpleRNN(2)])"
    ),
    "keras-layers": "from keras.layers import LSTM\nmodel = Sequential([Input((3, 2)), LSTM(3)])",
    "keras-models": (
        "from keras import layers, models\nmodel = models.Sequential([layers.Input((3, 2)), layers.LSTM(2)])"
    ),
}


def test_every_usual_import_spelling_draws(tmp_path):
    blocks = "\n".join(
        f"```python\n{code}\n```\n\n![{name}](/images/{name}.png)\n" for name, code in SPELLINGS.items()
    )
    result = build_in_process(
        tmp_path, {"spellings.md": HEADER.format(title="Spellings", slug="spellings") + blocks}
    )
    assert f"{len(SPELLINGS)} generated, 0 from cache, 0 failed" in tally(result)
    for name in SPELLINGS:
        check_figure(tmp_path / "output" / "images" / f"{name}.png")


def test_an_image_reference_figure_takes_the_fence_options(tmp_path):
    post = HEADER.format(title="Options", slug="image-options") + (
        '```python rnn-figure layers=lstm tokens="we are groot" values=off\n'
        "model = Sequential([Input((3, 2)), Dense(2), LSTM(3, name='lstm'), Dense(1)])\n"
        "```\n\nThe figure goes where the writer put it:\n\n![The LSTM alone](/images/options.png)\n"
    )
    result = build_in_process(tmp_path, {"image-options.md": post})
    data = json.loads((tmp_path / "output" / "images" / "options.json").read_text())
    assert data["figure_options"] == {"layers": ["lstm"], "values": False}
    assert data["tokens"] == ["we", "are", "groot"]
    page = result.page("image-options.html")
    assert [img["alt"] for img in page.select("img[data-rnn-figure]")] == ["The LSTM alone"]
    assert not page.select("figure.rnn-figure")  # no second, generated slot
    assert "rnn-figure-slot" not in (tmp_path / "output" / "image-options.html").read_text()


FAILED_FIGURES = (
    HEADER.format(title="Failed figures", slug="failed-figures")
    + """\
A block that prints, in a figure's fence, but builds no model:

```python rnn-figure
print("hi <b>there</b>")
```

A model the figures refuse (stacked cells read backwards), summarised first:

```python
model = Sequential([Input((3, 2)), RNN([SimpleRNNCell(2), SimpleRNNCell(2)], go_backwards=True, name="custom")])
model.summary()
print("refused, but printed")
```

![custom](/images/custom.png)

A block run only for its output, which fails after printing:

```python
print("only output", 6 * 7)
int("not a number")
```

A block that raises after printing:

```python
print("printed before the error")
failing = Sequential([Input((3, 2)), LSTM(2)])
raise ValueError("after printing")
print("never printed")
```

![raises](/images/raises.png)
"""
)


def test_what_a_block_printed_is_shown_also_when_its_figure_failed(tmp_path):
    def check(result) -> None:
        page = result.page("failed-figures.html")
        texts = [output.get_text() for output in page.select("pre.rnn-figure-output")]
        assert len(texts) == 4, texts
        no_model, custom, check_only, raises = texts
        assert no_model == "hi <b>there</b>"  # escaped: text, not markup
        assert not page.select("pre.rnn-figure-output b")
        assert "Total params" in custom and "custom" in custom and custom.endswith("refused, but printed")
        assert raises == "printed before the error"  # what it printed before it raised, not after
        assert check_only == "only output 42"
        for output in page.select("pre.rnn-figure-output"):
            assert output.find_previous_sibling().name == "div"  # right under its code block
        boxes = [box.get_text() for box in page.select(".rnn-figure-error")]
        assert len(boxes) == 3, boxes
        assert "NoModel" in boxes[0] and "TraceError" in boxes[1] and "ValueError: after printing" in boxes[2]
        assert "<!--rnn-figure-output" not in (result.output / "failed-figures.html").read_text()

    cold = build_in_process(tmp_path, {"failed-figures.md": FAILED_FIGURES})
    assert len(cold.ours(logging.ERROR)) == 3
    check(cold)
    # The failures are the snippets' own, cached with what their blocks printed:
    # a warm build shows the same page without running anything.
    warm = build_in_process(tmp_path)
    assert not any("running" in message for message in warm.ours(logging.DEBUG))
    check(warm)
