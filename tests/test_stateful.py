"""A stateful layer is drawn from the state the code left in it: built for real.

The post calls a ``stateful=True`` LSTM once (so it carries a state), draws
it, then calls it again and prints what it returns. The figure's initial
states are the final states of that first call, re-computed in NumPy from
zeros; every later state follows from them (NumPy, by cell); the states the
figure's block prints are its h₀ and c₀; the next call prints the figure's
outputs (tracing left the state as the code left it: had it moved the state
on, that call would start one call later), and the states after it are the
figure's last. A stateful ``Bidirectional`` layer is refused, naming it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from cell_checks import svg_texts
from figure_checks import check_figure
from helpers import HEADER, build_in_process, failures
from reference_rnn import recompute

SETUP = """\
```python
np.set_printoptions(precision=6, suppress=True)
x = np.linspace(-1, 1, 12).reshape(2, 3, 2).round(2)
model = Sequential([
    Input(batch_shape=(2, 3, 2)),
    LSTM(3, stateful=True, return_sequences=True, name="lstm"),
    Dense(2, name="head"),
])
first = model.predict(x, verbose=0)
```
"""
FIGURE = """\
```python rnn-figure name=carried
h, c = (state.numpy()[0] for state in model.get_layer("lstm").states)
print("carried", h, c)
```
"""
AFTER = """\
```python
print("next", model.predict(x, verbose=0)[0])
h, c = (state.numpy()[0] for state in model.get_layer("lstm").states)
print("after", h, c)
```
"""
BIDIRECTIONAL = """\
```python rnn-figure name=both-ways
both = Sequential([Input(batch_shape=(1, 3, 2)), Bidirectional(GRU(2, stateful=True), name="both")])
```
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("stateful")
    text = HEADER.format(title="Stateful", slug="stateful") + "\n".join([SETUP, FIGURE, AFTER, BIDIRECTIONAL])
    return build_in_process(root, {"stateful.md": text})


def printed(result, label: str) -> list[list[float]]:
    """The arrays a block printed after ``label``, in print's order."""
    outputs = [pre.get_text() for pre in result.page("stateful.html").select("pre.rnn-figure-output")]
    [text] = [output for output in outputs if output.startswith(label)]
    return [[float(v) for v in row.split()] for row in re.findall(r"\[([^\[\]]+)\]", text)]


def test_the_figure_starts_from_the_state_the_first_call_left(built):
    png = built.output / "images" / "rnn-figures" / "carried.png"
    data = check_figure(png)  # NumPy from its initial state on, every value at its cell
    lstm, head = data["layers"]
    assert lstm["stateful"] and lstm["initial_state_carried"] and "initial_state_from" not in lstm
    x = np.linspace(-1, 1, 12).reshape(2, 3, 2).round(2)
    # The first call, from zeros, in NumPy: its final h and c are what the figure starts from.
    states, cells, _, _ = recompute({**lstm, "mask": None}, x[0])
    np.testing.assert_allclose(lstm["initial_state"], [states[-1], cells[-1]], atol=1e-5)
    assert np.abs(lstm["initial_state"]).max() > 0.05  # a state, not zeros
    np.testing.assert_allclose(data["inputs"], x[0], atol=1e-6)
    # What the code prints: the state before the figure, the next call's outputs, the state after.
    np.testing.assert_allclose(printed(built, "carried"), lstm["initial_state"], atol=2e-6)
    np.testing.assert_allclose(printed(built, "next")[:3], head["outputs"], atol=2e-6)
    np.testing.assert_allclose(
        printed(built, "next")[3:], [lstm["states"][-1], lstm["cell_states"][-1]], atol=2e-6
    )
    texts = [t.text for t in svg_texts(png.with_suffix(".svg").read_text(encoding="utf-8")).texts]
    assert "h₀ carried over" in texts and "c₀ carried over" in texts and "h₀ = 0" not in texts
    assert any("stateful lstm: starts from the state its last call left" in t for t in texts)


def test_a_stateful_bidirectional_layer_is_refused_naming_it(built):
    [message] = [m for m in failures(built) if "both" in m]
    assert "both (Bidirectional(GRU)) is not drawn: it is stateful" in message
    assert "stateful=False" in message and "reproduce" not in message
