"""The authoring vocabulary of explicit figures, snippets that build no model,
and the check of outputs promised in comments."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from figure_checks import check_figure
from helpers import HEADER, build, line_of, run_pelican

OPTIONS_POST = (
    HEADER.format(title="Options", slug="options")
    + """\
Rnn_example: I=[0.5, 0.4] am=[0.3, 0.1] groot=[0.7, 0.5]

```python rnn-figure name=batch inputs=batch tokens="we are groot"
batch = np.linspace(-1, 1, 4 * 3 * 2).reshape(4, 3, 2).astype("float32")
model = Sequential([Input((3, 2)), GRU(4)])
```

```python rnn-figure name=only-lstm layers=lstm tokens="a b c"
model = Sequential([Input((3, 2)), Dense(2), LSTM(3, name="lstm"), Dense(1, name="head")])
```

```python rnn-figure name=seeded seed=7 example="x=[1, 0] y=[0, 1]"
model = Sequential([SimpleRNN(2)])
```

```python rnn-figure name=merges
inputs = keras.Input((3, 2))
mul = Bidirectional(SimpleRNN(2, return_sequences=True), merge_mode="mul")(inputs)
model = keras.Model(inputs, Bidirectional(GRU(2), merge_mode="ave")(mul))
```

```python rnn-figure name=two-outputs
model = Sequential([Input((3, 2)), Bidirectional(SimpleRNN(2), merge_mode=None)])
```

```python rnn-figure name=nested
encoder = Sequential([Input((3, 2)), LSTM(4, return_sequences=True), GRU(3)])
model = Sequential([encoder, Dense(2)])
```

Shapes, one promise kept and one broken:

```python
x = np.zeros((2, 5, 3))
print(SimpleRNN(4)(x).shape)  # (2, 4)
print(LSTM(4, return_sequences=True)(x).shape)  # (2, 5, 8)
print("done")  # a note, not an output
```

A shape check that needs an earlier snippet's variable:

```python
print(GRU(4)(earlier).shape)  # (1, 4)
```
"""
)


@pytest.fixture(scope="module")
def options_build(tmp_path_factory):
    result = build(tmp_path_factory.mktemp("options"), {"options.md": OPTIONS_POST})
    assert result.returncode == 0, result.log
    return result


def test_a_batch_shows_its_first_sample(options_build):
    data = check_figure(options_build.output / "images/rnn-figures/batch.png")
    assert data["batch_size"] == 4 and data["inputs_origin"] == "snippet"
    batch = np.linspace(-1, 1, 24).reshape(4, 3, 2).astype("float32")
    np.testing.assert_allclose(data["inputs"], batch[0], atol=1e-6)
    assert data["tokens"] == ["we", "are", "groot"]
    assert "sample 1 of 4" in (options_build.output / "images/rnn-figures/batch.svg").read_text()


def test_layers_option_draws_only_the_named_layers(options_build):
    data = check_figure(options_build.output / "images/rnn-figures/only-lstm.png")
    assert [layer["class"] for layer in data["layers"]] == ["Dense", "LSTM", "Dense"]  # all in the JSON
    svg = (options_build.output / "images/rnn-figures/only-lstm.svg").read_text()
    assert ">LSTM(3)<" in svg and ">layer 1 · 72 params<" in svg
    assert ">Dense<" not in svg  # neither the layer before nor the head is drawn


def test_seed_and_example_options(options_build, tmp_path):
    data = check_figure(options_build.output / "images/rnn-figures/seeded.png")
    assert data["seed"] == 7 and data["tokens"] == ["x", "y"] and data["inputs"] == [[1, 0], [0, 1]]
    other = build(tmp_path, {"o.md": OPTIONS_POST.replace("seed=7", "seed=8")})
    reseeded = json.loads((other.output / "images/rnn-figures/seeded.json").read_text())
    assert reseeded["layers"][0]["weights"] != data["layers"][0]["weights"]


def test_merge_modes_mul_ave_and_none(options_build):
    data = check_figure(options_build.output / "images/rnn-figures/merges.png")
    assert [layer["merge_mode"] for layer in data["layers"]] == ["mul", "ave"]
    [pair] = check_figure(options_build.output / "images/rnn-figures/two-outputs.png")["layers"]
    assert pair["merge_mode"] is None and "outputs" not in pair


def test_a_model_nested_in_a_model_is_unrolled(options_build):
    data = check_figure(options_build.output / "images/rnn-figures/nested.png")
    assert [layer["class"] for layer in data["layers"]] == ["LSTM", "GRU", "Dense"]
    assert data["layers"][1]["input_from"] == {"layer": data["layers"][0]["name"], "output": 0}


def test_a_broken_promise_is_a_warning_at_its_line(options_build):
    log = options_build.log.replace("\n", " ")
    kept = line_of(OPTIONS_POST, "print(SimpleRNN(4)(x).shape)  # (2, 4)")
    broken = line_of(OPTIONS_POST, "print(LSTM(4, return_sequences=True)(x).shape)  # (2, 5, 8)")
    assert re.search(
        rf"options\.md:{broken}: snippet output: the comment says \(2, 5, 8\) but the line printed \(2, 5, 4\)",
        log,
    )
    assert f"options.md:{kept}:" not in log
    assert "a note" not in log


def test_the_warning_comes_back_on_a_warm_build(options_build):
    warm = run_pelican(options_build.root)
    assert warm.returncode == 0, warm.log
    assert re.search(r"0 generated, 6 from cache", warm.log), warm.log
    broken = line_of(OPTIONS_POST, "print(LSTM(4, return_sequences=True)(x).shape)  # (2, 5, 8)")
    assert f"options.md:{broken}: snippet output" in warm.log.replace("\n", " ")


def test_a_snippet_without_a_figure_never_breaks_the_build(options_build):
    failing = line_of(OPTIONS_POST, "print(GRU(4)(earlier).shape)  # (1, 4)")
    log = options_build.log.replace("\n", " ")
    assert re.search(rf"WARNING.*options\.md:{failing}: output-only snippet failed: NameError", log), (
        options_build.log
    )
    assert "ERROR" not in options_build.log
    page = options_build.page("options.html")
    assert not page.select(".rnn-figure-error")
    assert "earlier" in page.get_text()  # the code is shown as written


@pytest.mark.parametrize(
    ("fence", "message"),
    [
        ('```python rnn-figure captoin="x"', "unknown figure option 'captoin'; did you mean 'caption'?"),
        ("```python rnn-figure seed=many", "seed='many' is not an integer"),
        ('```python rnn-figure ids="1 two"', "ids='1 two': write whole numbers"),
        ("```python rnn-figure values=maybe", "values='maybe': write values=off or values=on"),
        ("```python rnn-figure inputs=1x", "must name a variable of the snippet"),
        ("```python rnn-figure layers=gru", "layers=gru names no layer of the model"),
        ("```python rnn-figure inputs=missing", "inputs=missing: the snippet defines no variable 'missing'"),
    ],
)
def test_bad_options_name_the_article_line(tmp_path, fence, message):
    post = (
        HEADER.format(title="Bad", slug="bad")
        + f"\nText.\n\n{fence}\nmodel = Sequential([Input((3, 2)), LSTM(2)])\n```\n"
    )
    good = (
        HEADER.format(title="Good", slug="good")
        + "\n```python rnn-figure\nmodel = Sequential([Input((3, 2)), GRU(2)])\n```\n"
    )
    result = build(tmp_path, {"bad.md": post, "good.md": good})
    assert result.returncode == 0, result.log
    fence_line = post.splitlines().index(fence) + 1
    log = result.log.replace("\n", " ")
    assert re.search(rf"bad\.md:{fence_line}: RNN figure failed: \w+: ", log), result.log
    assert message in log, result.log
    check_figure(result.output / "images/rnn-figures/good-1.png")
