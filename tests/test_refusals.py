"""Models the figures cannot unroll are refused before they are run on
made-up inputs: a ConvLSTM (each step an image or a signal), a recurrent
layer inside TimeDistributed, a custom RNN over a grid, a model whose input
is an image per step. One writer's error (a TraceError) at the fence, naming
the layer and why: never a PluginBug, never Keras' own shape error.

The ConvLSTM fences are built for real, next to a good figure; the other
shapes go through the ``tracer`` fixture, as generated models do.
"""

from __future__ import annotations

import re

import pytest
from figure_checks import check_figure
from helpers import HEADER, build_in_process, failures

from pelican_rnn_figures.messages import ErrorKind
from pelican_rnn_figures.worker.author_errors import SnippetError

# name: (code, the layer's class, a pattern of its name); the first is the snippet of issue 22.
CONV_FENCES = {
    "conv1d-sequences": (
        'model = keras.Sequential([keras.Input((4, 4, 1)), layers.ConvLSTM1D(3, 2, padding="same", '
        "return_sequences=True)])",
        "ConvLSTM1D",
        r"conv_lstm1d(_\d+)?",
    ),
    "conv1d-last": (
        "model = Sequential([Input((5, 6, 2)), ConvLSTM1D(2, 3, name='signal_rnn')])",
        "ConvLSTM1D",
        "signal_rnn",
    ),
    "conv2d-sequences": (
        "model = Sequential([Input((3, 4, 4, 1)), ConvLSTM2D(2, 2, return_sequences=True, name='frames')])",
        "ConvLSTM2D",
        "frames",
    ),
    "conv2d-functional": (
        "clips = keras.Input((3, 5, 5, 2))\n"
        "seen = ConvLSTM2D(2, 3, name='video_rnn')(clips)\n"
        "model = keras.Model(clips, layers.Flatten()(seen))",
        "ConvLSTM2D",
        "video_rnn",
    ),
    "conv1d-functional-predicted": (
        "signals = keras.Input((4, 3, 1))\n"
        "states = ConvLSTM1D(2, 2, padding='same', return_sequences=True, name='wave_rnn')(signals)\n"
        "model = keras.Model(signals, states)\n"
        "x = np.linspace(-1, 1, 2 * 4 * 3).reshape(2, 4, 3, 1)\n"
        "print(model.predict(x, verbose=0).shape)",
        "ConvLSTM1D",
        "wave_rnn",
    ),
    "conv2d-predicted": (
        "model = Sequential([Input((2, 3, 3, 1)), ConvLSTM2D(1, 2, name='grid_rnn')])\n"
        "model.predict(np.ones((1, 2, 3, 3, 1)), verbose=0)",
        "ConvLSTM2D",
        "grid_rnn",
    ),
}
GOOD = "model = Sequential([Input((3, 2)), SimpleRNN(2)])"
KERAS_WORDS = ("Exception encountered", "Invalid input shape", "incompatible with the layer", "PluginBug")


# Fences of the explicit kind (```python rnn-figure); the others are followed by their image.
EXPLICIT = {"conv1d-last", "conv2d-functional"}


def article(fences: dict[str, str]) -> tuple[str, dict[str, int]]:
    """An article of one figure per fence, and each fence's article line."""
    text = HEADER.format(title="Refusals", slug="refusals") + "\nSome text.\n"
    lines = {}
    for name, code in fences.items():
        text += f"\n```python rnn-figure name={name}\n" if name in EXPLICIT else "\n```python\n"
        lines[name] = text.count("\n")  # the fence is the last line so far
        text += f"{code}\n```\n" if name in EXPLICIT else f"{code}\n```\n\n![](/images/{name}.png)\n"
    return text, lines


def check_refusal(message: str, kind: str, name: str) -> None:
    """A refusal says which layer, what its input is, and why it is not drawn."""
    assert re.search(rf"\b{name} \({re.escape(kind)}\) is not drawn: its input is steps × ", message), message
    assert "convolutional recurrent layer" in message and "input at each step is a vector" in message
    assert not [word for word in KERAS_WORDS if word in message], message


def test_convlstm_fences_are_refused_at_their_lines_and_the_rest_is_built(tmp_path):
    text, lines = article({**{name: code for name, (code, _, _) in CONV_FENCES.items()}, "good": GOOD})
    result = build_in_process(tmp_path, {"refusals.md": text})
    failed = failures(result)
    path = str(tmp_path / "content" / "refusals.md")
    at_line = {}
    for message in failed:
        found = re.match(rf"{re.escape(path)}:(\d+): RNN figure failed: TraceError: ", message)
        assert found, message
        at_line.setdefault(int(found.group(1)), []).append(message)
    assert sorted(at_line) == sorted(lines[name] for name in CONV_FENCES), (lines, failed)
    for name, (_, kind, layer_name) in CONV_FENCES.items():
        [message] = at_line[lines[name]]
        check_refusal(message, kind, layer_name)
    assert not [path.name for path in (result.output / "images").rglob("*.png") if path.name != "good.png"]
    boxes = result.page("refusals.html").select(".rnn-figure-error")
    assert len(boxes) == len(CONV_FENCES) and all("is not drawn" in box.get_text() for box in boxes)
    assert "(2, 4, 3, 2)" in result.page("refusals.html").get_text()  # the block ran: its output is shown
    check_figure(result.output / "images" / "good.png")


# code: (a pattern of the layer's title in the message, what its input is said to be)
REFUSED = {
    "model = Sequential([ConvLSTM1D(3, 2, name='unbuilt')])": (
        r"unbuilt \(ConvLSTM1D\)",
        "its input is steps × rows × channels",
    ),
    "model = Sequential([Input((3, 4, 4, 1)), ConvLSTM2D(1, 2, return_sequences=True), ConvLSTM2D(1, 2, name='second')])": (
        r"conv_lstm2d(_\d+)? \(ConvLSTM2D\)",
        "its input is steps × 4 × 4 × 1",
    ),
    "model = Sequential([Input((2, 3, 3, 3, 1)), ConvLSTM3D(1, 2, name='volumes')])": (
        r"volumes \(ConvLSTM3D\)",
        "its input is steps × 3 × 3 × 3 × 1",
    ),
    "model = Sequential([Input((3, 4, 1)), Bidirectional(ConvLSTM1D(2, 2), name='both')])": (
        r"both \(Bidirectional\(ConvLSTM1D\)\)",
        "its input is steps × 4 × 1",
    ),
    "class Net(keras.Model):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.rnn = ConvLSTM1D(2, 2, name='own')\n"
    "    def call(self, x):\n"
    "        return self.rnn(x)\n"
    "model = Net()": (r"own \(ConvLSTM1D\)", "its input is steps × rows × channels"),
    "model = Sequential([Input((3, 2, 5)), TimeDistributed(LSTM(2), name='each')])": (
        r"each \(TimeDistributed\(LSTM\)\)",
        "its input is 3 × 2 × 5 (TimeDistributed runs the LSTM over each of 3 items",
    ),
    "model = Sequential([Input((3, 2)), Reshape((3, 2, 1)), RNN(LSTMCell(2), name='grid')])": (
        r"grid \(RNN\(LSTMCell\)\)",
        "its input is steps × 2 × 1 (each step is a 2 × 1 array)",
    ),
    "model = Sequential([Input((3, 4, 4, 1)), TimeDistributed(Flatten()), LSTM(2, name='after')])": (
        r"after \(LSTM\)",
        "the model's input is steps × 4 × 4 × 1 (each step is a 4 × 4 × 1 array, made a vector only by",
    ),
}


@pytest.mark.parametrize("code", REFUSED, ids=[title.replace("\\", "") for title, _ in REFUSED.values()])
def test_a_recurrent_layer_not_over_vectors_is_a_trace_error_naming_it(tracer, tmp_path, code):
    title, said = REFUSED[code]
    with pytest.raises(SnippetError) as raised:
        tracer(code + "\n", tmp_path)
    info = raised.value.info
    assert info.kind is ErrorKind.TRACE, (info.kind, info.message)
    assert re.match(rf"{title} is not drawn: ", info.message), info.message
    assert said in info.message and "the figures" in info.message, info.message
    assert not [word for word in KERAS_WORDS if word in info.message], info.message


@pytest.mark.parametrize(
    "code",
    [
        "model = Sequential([Input((4,)), LSTM(2)])",  # steps without features, and no Embedding
        "model = Sequential([Input((4, 4, 1)), Conv2D(2, 2), LSTM(2)])",  # an LSTM fed images
    ],
)
def test_a_model_keras_refuses_to_build_is_the_writers_error_at_its_line(tracer, tmp_path, code):
    with pytest.raises(SnippetError) as raised:
        tracer(code + "\n", tmp_path)
    info = raised.value.info
    assert info.kind is ErrorKind.RAISED and info.line == 1, (info.kind, info.line, info.message)
    assert "expected ndim=3" in info.message


# A layer that changes the time axis before or between recurrent layers: named, with a fix that works.
TIME_AXES = {
    "model = Sequential([Input((4, 2)), Conv1D(3, 2, name='conv'), LSTM(2)])": (
        "lstm has 3 time step(s) where the model's input has 4 (conv (Conv1D) makes its 4 steps 3)",
        "remove its image (or rnn-figure)",  # no recurrent layer before it: layers= cannot help
    ),
    "model = Sequential([Input((4, 2)), LSTM(3, name='encoder'), RepeatVector(3, name='again'), "
    "LSTM(2, return_sequences=True), TimeDistributed(Dense(1))])": (
        "(again (RepeatVector) repeats a vector 3 times)",
        "layers=encoder",
    ),
}


@pytest.mark.parametrize("code", TIME_AXES)
def test_a_layer_that_changes_the_time_axis_is_named_with_a_fix_that_works(tracer, tmp_path, code):
    said, fix = TIME_AXES[code]
    with pytest.raises(SnippetError) as raised:
        tracer(code + "\n", tmp_path)
    message = raised.value.info.message
    assert said in message and message.endswith(fix), message
    assert "a RepeatVector or a Reshape" not in message
    if "layers=" in fix:  # the fix it suggests draws the figure
        names = fix.removeprefix("layers=").split(",")
        check_figure(tracer(code + "\n", tmp_path / "fixed", options={"layers": names}))


CUSTOM_CELL = """\
class MinimalCell(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units))

    def call(self, inputs, states):
        h = ops.matmul(inputs, self.kernel) + ops.matmul(states[0], self.recurrent_kernel)
        return h, [h]
"""
# code: a pattern of the message (layer, class, why); issue 18.
CELLS_REFUSED = {
    CUSTOM_CELL + "model = Sequential([Input((3, 2)), RNN(MinimalCell(2), name='mine')])": (
        r"mine \(RNN\(MinimalCell\)\) is not drawn: its cell, MinimalCell, is a custom cell, and the figures "
        r"draw the cells of SimpleRNN, LSTM and GRU \(SimpleRNNCell, LSTMCell or GRUCell, .*remove its image"
    ),
    CUSTOM_CELL + "inputs = keras.Input((3, 2))\n"
    "model = keras.Model(inputs, Dense(1)(RNN(MinimalCell(2), return_sequences=True, name='own')(inputs)))": (
        r"own \(RNN\(MinimalCell\)\) is not drawn: its cell, MinimalCell, is a custom cell"
    ),
    CUSTOM_CELL + "model = Sequential([Input((3, 2)), RNN(StackedRNNCells([LSTMCell(3), MinimalCell(2)]), "
    "name='stack')])": (
        r"stack \(RNN\(StackedRNNCells\)\) is not drawn: its cells are stacked \(StackedRNNCells: LSTMCell, "
        r"MinimalCell\) and MinimalCell is a custom cell, and the figures draw the cells of .*remove its image"
    ),
    # Stacked built-in cells are drawn (test_layer_variants), but not read backwards.
    "model = Sequential([Input((3, 2)), RNN([GRUCell(2), GRUCell(2)], go_backwards=True, name='back')])": (
        r"back \(RNN\(StackedRNNCells\)\) is not drawn: its cells are stacked \(StackedRNNCells: GRUCell, "
        r"GRUCell\) go_backwards=True, which the figures do not draw yet .*remove its image"
    ),
    # A list of cells is stacked by Keras itself.
    "model = Sequential([Input((3, 2)), Bidirectional(RNN([GRUCell(2), GRUCell(2)]), name='both')])": (
        r"both \(Bidirectional\(RNN\(StackedRNNCells\)\)\) is not drawn: its cells are stacked "
        r"\(StackedRNNCells: GRUCell, GRUCell\)"
    ),
}


@pytest.mark.parametrize(
    "code",
    CELLS_REFUSED,
    ids=["custom", "functional-custom", "stacked-custom", "stacked-backwards", "bidirectional-list"],
)
def test_a_cell_the_figures_do_not_step_is_a_trace_error_naming_its_layer(tracer, tmp_path, code):
    """A custom cell is refused as one (not as output stepping failed to
    reproduce), StackedRNNCells with what to write instead; also when Keras
    has not built the model (the refusal comes before any input is made)."""
    for unbuilt in (False, True):
        snippet = code.replace("Input((3, 2)), ", "") if unbuilt else code
        if unbuilt and snippet == code:
            continue  # a functional model is built
        with pytest.raises(SnippetError) as raised:
            tracer(snippet + "\n", tmp_path / str(unbuilt))
        info = raised.value.info
        assert info.kind is ErrorKind.TRACE, (info.kind, info.message)
        assert re.match(CELLS_REFUSED[code], info.message), info.message
        assert "reproduce" not in info.message and not [w for w in KERAS_WORDS if w in info.message]


def test_an_input_of_steps_by_features_by_one_is_drawn(tracer, tmp_path):
    """Keras reads steps × features data into it: not refused, and generated
    inputs of its own steps and features (not the example's 4 × 2) fit."""
    png = tracer("model = Sequential([Input((3, 5, 1)), Reshape((3, 5)), LSTM(2)])\n", tmp_path)
    check_figure(png)
