"""Builds of articles other than the demo: the unchanged draft, explicit
figures, LSTM and GRU, and snippets that fail."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from figure_checks import check_figure, png_size
from helpers import HEADER, build, make_site, run_pelican

LAYERS_POST = (
    HEADER.format(title="Gated layers", slug="gated")
    + """\
Rnn_example: the=[0.1, -0.2, 0.3] cat=[0.5, 0.5, -0.5] sat=[0.9, -0.1, 0.0] down=[-0.4, 0.2, 0.8]
Rnn_seed: 3

An LSTM first.

```python rnn-figure caption="An LSTM & <its> cell state"
model = Sequential()
model.add(LSTM(3, input_shape=(4, 3), return_sequences=True))
model.add(GRU(2))
```

A GRU the old way:

```python rnn-figure name=old-gru
model = keras.Sequential([keras.Input(shape=(4, 3)), layers.GRU(5, reset_after=False)])
```

Plain code stays plain:

```python
print("no model here")
```

```bash
echo SimpleRNN
```
"""
)


@pytest.fixture(scope="module")
def layers_build(tmp_path_factory):
    result = build(tmp_path_factory.mktemp("layers"), {"gated.md": LAYERS_POST})
    assert result.returncode == 0, result.log
    return result


def test_unchanged_draft_builds_with_generated_inputs(tmp_path, seed_text):
    result = build(tmp_path, {"illustrated-lstm-keras.md": seed_text})
    assert result.returncode == 0, result.log
    assert "ERROR" not in result.log, result.log
    for name in ("rnn-default-keras", "rnn-stacked"):
        png = result.output / "images" / f"{name}.png"
        data = check_figure(png)
        assert data["tokens"] == ["x₁", "x₂", "x₃"]
        assert data["inputs_origin"] == "generated"
        assert len(data["inputs"]) == 3 and len(data["inputs"][0]) == 2
    page = result.page("drafts/illustrated-lstm-keras.html")
    [img] = page.find_all("img", src="/images/rnn-default-keras.png")
    assert "SimpleRNN" in img["alt"]


def test_generated_inputs_are_deterministic(tmp_path, seed_text):
    first = build(tmp_path / "one", {"a.md": seed_text})
    second = build(tmp_path / "two", {"a.md": seed_text})
    for result in (first, second):
        assert result.returncode == 0, result.log
    a = json.loads((first.output / "images/rnn-stacked.json").read_text())
    b = json.loads((second.output / "images/rnn-stacked.json").read_text())
    assert a["inputs"] == b["inputs"]
    for la, lb in zip(a["layers"], b["layers"], strict=True):
        assert la["weights"] == lb["weights"]
        np.testing.assert_allclose(la["states"], lb["states"], atol=1e-6)


def test_explicit_figures_follow_their_code(layers_build):
    page = layers_build.page("gated.html")
    figures = page.select("figure.rnn-figure")
    assert len(figures) == 2
    first, second = figures
    code = first.find_previous_sibling()
    assert "LSTM" in code.get_text()
    # Pelican resolves the link per page (RELATIVE_URLS here), as for the author's own files.
    assert first.img["src"] == "./images/rnn-figures/gated-1.png"
    assert first.figcaption.get_text() == "Figure 1. An LSTM & <its> cell state"
    assert "&lt;its&gt;" in str(first.figcaption)
    assert second.img["src"] == "./images/rnn-figures/old-gru.png"
    assert second.figcaption.get_text().startswith("Figure 2. GRU(5)")
    for figure in figures:
        assert figure.img["alt"].strip()
        assert (layers_build.output / figure.img["src"]).is_file()


def test_lstm_and_gru_states_match_numpy(layers_build):
    stacked = check_figure(layers_build.output / "images/rnn-figures/gated-1.png")
    lstm, gru = stacked["layers"]
    assert lstm["class"] == "LSTM" and lstm["params"] == 4 * 3 * (3 + 3 + 1)
    assert len(lstm["cell_states"]) == 4
    assert gru["class"] == "GRU" and gru["reset_after"] is True
    assert gru["params"] == 3 * 2 * (3 + 2) + 6 * 2
    old = check_figure(layers_build.output / "images/rnn-figures/old-gru.png")
    [layer] = old["layers"]
    assert layer["reset_after"] is False and layer["params"] == 3 * 5 * (3 + 5 + 1)
    assert old["tokens"] == ["the", "cat", "sat", "down"]


def test_other_code_blocks_untouched(layers_build, tmp_path):
    # Without the plugin, the explicit fences are written as plain ones.
    unmarked = re.sub(r"^(```python) rnn-figure.*$", r"\1", LAYERS_POST, flags=re.MULTILINE)
    plain = build(tmp_path, {"gated.md": unmarked}, plugin=False)
    blocks = [str(b) for b in plain.page("gated.html").select("div.highlight")]
    ours = [str(b) for b in layers_build.page("gated.html").select("div.highlight")]
    assert ours == blocks and len(blocks) == 4


BROKEN_POST = (
    HEADER.format(title="Broken", slug="broken")
    + """\

Text.

```python
model = Sequential()
model.add(SimpleRNN(4, input_shape=(3, 2)))
raise ValueError("<b>bad</b> units")
```

![](/images/broken.png)
"""
)

GOOD_POST = (
    HEADER.format(title="Good", slug="good")
    + """\

```python
model = Sequential([Input((3, 2)), SimpleRNN(2)])
```

![](/images/good.png)
"""
)


def test_failing_snippet_is_reported_at_its_line_and_others_build(tmp_path):
    result = build(tmp_path, {"broken.md": BROKEN_POST, "good.md": GOOD_POST})
    assert result.returncode == 0, result.log
    line = BROKEN_POST.splitlines().index('raise ValueError("<b>bad</b> units")') + 1
    errors = [entry for entry in result.log.split("ERROR")[1:]]
    assert len(errors) == 1, result.log
    assert re.search(rf"broken\.md:{line}: RNN figure failed: ValueError", errors[0].replace("\n", " "))
    box = result.page("broken.html").select_one(".rnn-figure-error")
    assert box is not None and "ValueError" in box.get_text()
    assert box.find("b") is None and "<b>bad</b> units" in box.get_text()  # escaped: shown as text
    assert not (result.output / "images" / "broken.png").exists()
    check_figure(result.output / "images" / "good.png")
    assert not list((tmp_path / "cache").rglob("*.tmp-*"))


def test_fatal_errors_make_the_build_fail(tmp_path):
    strict = run_pelican(make_site(tmp_path, {"broken.md": BROKEN_POST}), "--fatal", "errors")
    assert strict.returncode != 0
    assert "broken.md" in strict.log


LONG_POST = (
    HEADER.format(title="Long", slug="long")
    + """\

```python rnn-figure
model = Sequential([Input((50, 8)), LSTM(64, return_sequences=True), GRU(3), Dense(2, activation="softmax")])
```
"""
)


def test_long_sequences_and_wide_layers_are_elided(tmp_path):
    result = build(tmp_path, {"long.md": LONG_POST})
    assert result.returncode == 0, result.log
    png = result.output / "images/rnn-figures/long-1.png"
    data = check_figure(png)
    lstm, gru, dense = data["layers"]
    assert len(lstm["states"]) == 50 and len(lstm["states"][0]) == 64
    assert len(lstm["cell_states"]) == 50
    assert dense["class"] == "Dense" and len(dense["outputs"]) == 2
    width, _ = png_size(png)
    assert width <= 18 * 200  # elided: 50 steps and 64 units in 5 columns of 6 cells
    svg = png.with_suffix(".svg").read_text()
    hidden = [int(n) for n in re.findall(r">(\d+) more steps<", svg)]
    assert hidden and sum(hidden) + 5 - len(hidden) == 50 and "…" in svg  # 5 columns: steps and "…"s
    assert ">x₁<" in svg and ">x₅₀<" in svg


EMBEDDING_POST = (
    HEADER.format(title="Ids", slug="ids")
    + """\
Rnn_example: I=[0.5, 0.4] am=[0.3, 0.1] groot=[0.7, 0.5]

```python rnn-figure
model = Sequential([Embedding(50, 3), GRU(4), Dense(2, activation="softmax")])
```
"""
)


def test_embedding_first_layer_looks_up_token_ids(tmp_path):
    result = build(tmp_path, {"ids.md": EMBEDDING_POST})
    assert result.returncode == 0, result.log
    data = check_figure(result.output / "images/rnn-figures/ids-1.png")
    embedding, gru, dense = data["layers"]
    assert embedding["class"] == "Embedding" and data["token_ids"] == [1, 2, 3]
    table = np.asarray(embedding["weights"]["embeddings"])
    np.testing.assert_allclose(data["inputs"], table[[1, 2, 3]], atol=1e-6)
    assert data["tokens"] == ["I", "am", "groot"]
    assert gru["output_shape"] == [None, 4] and dense["output_shape"] == [None, 2]
    assert ">Embedding lookup<" in (result.output / "images/rnn-figures/ids-1.svg").read_text()


BIDIRECTIONAL_POST = (
    HEADER.format(title="Both ways", slug="both")
    + """\
Rnn_example: I=[0.5, 0.4] am=[0.3, 0.1] groot=[0.7, 0.5]

```python rnn-figure
model = Sequential([Input((3, 2)), Bidirectional(LSTM(3, return_sequences=True)), Dense(2)])
```

```python rnn-figure
model = Sequential([Input((3, 2)), Bidirectional(GRU(2), merge_mode="sum")])
```

```python rnn-figure
model = Sequential([Input((3, 2)), SimpleRNN(3, go_backwards=True, return_sequences=True)])
```

```python rnn-figure
model = Sequential([Input((3, 2)), GRU(3, go_backwards=True)])
```

```python rnn-figure
inputs = keras.Input((3, 2))
sequence, h, c = LSTM(2, return_sequences=True, return_state=True)(inputs)
model = keras.Model(inputs, [sequence, h, c])
```
"""
)


def test_bidirectional_and_go_backwards_match_numpy(tmp_path):
    result = build(tmp_path, {"both.md": BIDIRECTIONAL_POST})
    assert result.returncode == 0, result.log
    assert "ERROR" not in result.log, result.log
    concat = check_figure(result.output / "images/rnn-figures/both-1.png")
    [bidirectional, dense] = concat["layers"]
    assert bidirectional["merge_mode"] == "concat" and len(bidirectional["outputs"][0]) == 6
    assert bidirectional["backward"]["go_backwards"] is True
    assert len(dense["outputs"]) == 3 and len(dense["outputs"][0]) == 2  # one per step
    summed = check_figure(result.output / "images/rnn-figures/both-2.png")
    assert summed["layers"][0]["merge_mode"] == "sum" and len(summed["layers"][0]["outputs"]) == 2
    for number in (3, 4):
        [layer] = check_figure(result.output / f"images/rnn-figures/both-{number}.png")["layers"]
        assert layer["go_backwards"] is True
    [state] = check_figure(result.output / "images/rnn-figures/both-5.png")["layers"]
    assert state["return_state"] is True and state["output_shape"] == [[None, 3, 2], [None, 2], [None, 2]]
    assert "return_state: + h, c" in (result.output / "images/rnn-figures/both-5.svg").read_text()
