"""Models nobody here wrote, of every layer the figures know: each is drawn
and checked against NumPy, or refused with a message that names the layer.
Never a bug of ours (a PluginBug: an exception of our tracing, stepping or
drawing), never a crash; a model Keras itself refuses as the block builds
it is the writer's error, and no model to draw.

Hypothesis (fixed seed: a failure reproduces) generates sequential and
functional models from SimpleRNN, LSTM, GRU (or RNN around their cells, or
around StackedRNNCells of them),
Bidirectional (every merge mode), Embedding (``mask_zero`` both ways), Masking, Dropout,
BatchNormalization, LayerNormalization, Dense, TimeDistributed, RepeatVector,
Concatenate/Add of two branches, and Attention, AdditiveAttention and
MultiHeadAttention over an encoder's steps (each also drawn with
``attention=on``, or refused naming the layer); fixed and ``None`` lengths, one to three
inputs, ``return_state``/``initial_state`` hand-overs and ``go_backwards``;
stateful layers, called by the code or not.
Traced in this process as the worker traces them (the ``tracer`` fixture).
"""

from __future__ import annotations

import json
import os
import re

import pytest
from attention_checks import (
    attention_layer,
    axis_tokens,
    check_attention_figure,
    check_attention_layout,
)
from figure_checks import check_figure
from helpers import entry_regions, entry_summary
from hypothesis import HealthCheck, Phase, assume, example, given, reject, settings
from hypothesis import strategies as st
from test_legible_figures import check_legible

from pelican_rnn_figures.article.prelude import PRELUDE
from pelican_rnn_figures.messages import ErrorKind
from pelican_rnn_figures.worker.author_errors import SnippetError
from pelican_rnn_figures.worker.example_inputs import are_words

CELLS = ("SimpleRNN", "LSTM", "GRU")
MERGES = ("concat", "sum", "mul", "ave", None)
BETWEEN = ("Dropout(0.2)", "BatchNormalization()", "LayerNormalization()", "Dense({units})")
# Several hundred per CI run; RNN_FIGURES_EXAMPLES raises it for a longer hunt.
WORDS = ("the", "cat", "sat", "<pad>", "I", "am")
EXAMPLES = int(os.environ.get("RNN_FIGURES_EXAMPLES", "250"))


@st.composite
def recurrent_layer(
    draw,
    sequences: bool | None = None,
    states: bool = False,
    units: int | None = None,
    stateful: bool = False,
) -> str:
    cell, units = draw(st.sampled_from(CELLS)), units or draw(st.integers(1, 5))
    # Now and then keras.layers.RNN around the layer's cell: the same layer (issue 18).
    wrapper = draw(st.integers(0, 7))
    layer = f"RNN({cell}Cell({units}), " if wrapper < 2 else f"{cell}({units}, "
    if wrapper == 2:  # RNN([cell, cell]): StackedRNNCells, drawn as the stacked layers it equals
        # (the last cell has the layer's units: an attention over it needs them)
        layer = f"RNN([{draw(st.sampled_from(CELLS))}Cell({draw(st.integers(1, 4))}), {cell}Cell({units})], "
    if stateful:
        layer += "stateful=True, "
    sequences = draw(st.booleans()) if sequences is None else sequences
    if not states and draw(st.integers(0, 3)) == 0:
        merge = draw(st.sampled_from(MERGES))
        return f"Bidirectional({layer}return_sequences={sequences}), merge_mode={merge!r})"
    backwards = draw(st.booleans()) and not states
    return f"{layer}return_sequences={sequences}, go_backwards={backwards}, return_state={states})"


@st.composite
def branch(draw, name: str) -> tuple[list[str], str]:
    """An input and what reads it, up to its recurrent layer's output ``{name}_out``."""
    steps = draw(st.sampled_from([None, 1, 2, 3, 4]))
    lines = []
    if draw(st.booleans()):  # token ids through an Embedding
        lines.append(f"{name} = keras.Input(shape=({steps},))")
        lines.append(f"x = Embedding(20, {draw(st.integers(1, 4))}, mask_zero={draw(st.booleans())})({name})")
    else:
        lines.append(f"{name} = keras.Input(shape=({steps}, {draw(st.integers(1, 3))}))")
        lines.append(f"x = {name}")
        if draw(st.booleans()):
            lines.append("x = Masking(0.0)(x)")
    for layer in draw(st.lists(st.sampled_from(BETWEEN), max_size=2)):
        lines.append(f"x = {layer.format(units=draw(st.integers(1, 4)))}(x)")
    lines.append(f"{name}_out = {draw(recurrent_layer())}(x)")
    return lines, steps


def _head(draw, sequences_out: bool) -> list[str]:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return []
    if sequences_out:
        return [f"out = TimeDistributed(Dense({draw(st.integers(1, 3))}))(out)"]
    if choice == 1:  # seq2seq: the vector repeated, read by a second recurrent layer
        return [
            f"out = RepeatVector({draw(st.integers(1, 3))})(out)",
            f"out = {draw(recurrent_layer(sequences=True))}(out)",
        ]
    return [f"out = Dense({draw(st.integers(1, 3))}, activation='softmax')(out)"]


def _stateful_model(draw) -> str:
    """Issue 18: stateful layers, drawn from the state the code's call left (or the zeros they hold)."""
    batch, steps, features = (
        draw(st.integers(1, 3)),
        draw(st.sampled_from([None, 2, 3])),
        draw(st.integers(1, 3)),
    )
    layers = [f"Input(batch_shape=({batch}, {steps}, {features}))"]
    for number in range(draw(st.integers(1, 2))):
        layers.append(draw(recurrent_layer(sequences=True if number == 0 else None, stateful=True)))
    code = f"model = Sequential([{', '.join(layers)}])"
    if draw(st.booleans()):
        shape = f"({batch}, {steps or 3}, {features})"
        code += f"\n_ = model.predict(np.linspace(-1, 1, {batch * (steps or 3) * features}).reshape{shape}, verbose=0)"
    return code


@st.composite
def attention_call(draw, query: str, value: str) -> str:
    """An attention layer of query over value (``context = ...``): Attention,
    AdditiveAttention or MultiHeadAttention, now and then with a causal mask."""
    # (Hypothesis draws 0 often: the rare branches are at the other end.)
    causal = ", use_causal_mask=True" if draw(st.integers(0, 5)) == 5 else ""
    which = draw(st.integers(0, 2))
    if which == 0:
        scale, mode = draw(st.booleans()), draw(st.sampled_from(["dot", "concat"]))
        return f"context = Attention(use_scale={scale}, score_mode={mode!r})([{query}, {value}]{causal})"
    if which == 1:
        return f"context = AdditiveAttention(use_scale={draw(st.booleans())})([{query}, {value}]{causal})"
    heads, size = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return f"context = MultiHeadAttention(num_heads={heads}, key_dim={size})({query}, {value}{causal})"


@st.composite
def attention_model(draw) -> str:
    """A decoder's steps attending to an encoder's (or a layer's to its own), as
    the sequence-to-sequence tutorials write it; now and then through a Dense
    first (not a recurrent layer's steps: the attention figure refuses it)."""
    units = draw(st.integers(1, 4))  # the same for both: a dot product needs it
    lines, _ = draw(branch("e"))
    lines[-1] = f"e_out = {draw(recurrent_layer(sequences=True, units=units))}(x)"
    inputs, query = "e", "e_out"
    if draw(st.booleans()):
        decoder, _ = draw(branch("d"))
        decoder[-1] = f"d_out = {draw(recurrent_layer(sequences=True, units=units))}(x)"
        lines += decoder
        inputs, query = "[e, d]", "d_out"
    if draw(st.integers(0, 5)) == 5:
        lines.append(f"query = Dense({units})({query})")
        query = "query"
    lines.append(draw(attention_call(query, "e_out")))
    lines.append(f"model = keras.Model({inputs}, Dense(2)(context))")
    return "\n".join(lines)


@st.composite
def models(draw) -> str:
    kind = draw(
        st.sampled_from(["sequential", "one", "two", "handover", "three", "conv", "attention", "stateful"])
    )
    if kind == "attention":
        return draw(attention_model())
    if kind == "stateful":
        return _stateful_model(draw)
    if kind == "conv":  # refused: each step is a grid, not a vector
        dims = draw(st.integers(1, 2))
        grid = ", ".join(str(draw(st.integers(2, 4))) for _ in range(dims))
        layer = (
            f"layers.ConvLSTM{dims}D({draw(st.integers(1, 3))}, 2, return_sequences={draw(st.booleans())})"
        )
        if draw(st.booleans()):
            layer = f"Bidirectional({layer})"
        return f"model = Sequential([Input(({draw(st.sampled_from([None, 3]))}, {grid}, 1)), {layer}])"
    if kind == "sequential":
        steps, features = draw(st.sampled_from([None, 1, 2, 3])), draw(st.integers(1, 3))
        layers = [f"Input(({steps}, {features}))"]
        if draw(st.booleans()):
            layers.append("Masking(0.0)")
        for number in range(draw(st.integers(1, 3))):
            layers.append(draw(recurrent_layer(sequences=True if number < 2 else None)))
            if draw(st.booleans()):
                layers.append(draw(st.sampled_from(BETWEEN[:3])))
        return f"model = Sequential([{', '.join(layers)}])"
    if kind == "handover":
        encoder, decoder = draw(st.sampled_from(CELLS)), draw(st.sampled_from(CELLS))
        assume((encoder == "LSTM") == (decoder == "LSTM"))  # h and c hand over to h and c
        units = draw(st.integers(1, 4))
        states = "_, h, c" if encoder == "LSTM" else "_, h"
        handed = "[h, c]" if encoder == "LSTM" else "h"
        e_lines, _ = draw(branch("e"))
        d_lines, _ = draw(branch("d"))
        e_lines[-1] = f"{states} = {encoder}({units}, return_state=True)(x)"
        d_lines[-1] = f"out = {decoder}({units}, return_sequences=True)(x, initial_state={handed})"
        return "\n".join([*e_lines, *d_lines, "model = keras.Model([e, d], Dense(2)(out))"])
    count = {"one": 1, "two": 2, "three": 3}[kind]
    lines, names = [], []
    for number in range(count):
        name = f"in{number}"
        part, _ = draw(branch(name))
        lines += part
        names.append(name)
    outs = [f"{name}_out" for name in names]
    if count == 1:
        lines.append(f"out = {outs[0]}")
    else:
        merge = draw(st.sampled_from(["Concatenate()", "Add()"]))
        lines.append(f"out = {merge}([{', '.join(outs)}])")
    lines += _head(draw, sequences_out="return_sequences=True" in lines[-2] and count == 1)
    inputs = f"[{', '.join(names)}]" if count > 1 else names[0]
    lines.append(f"model = keras.Model({inputs}, out)")
    return "\n".join(lines)


def keras_runs(code: str) -> bool:
    """Whether Keras itself can call the model on inputs of its own input
    shapes (every unknown length 3), without the plugin."""
    import numpy as np

    namespace: dict = {}
    exec(PRELUDE, namespace)
    exec(code, namespace)
    model = namespace["model"]
    arrays = [
        np.zeros(
            (1, *[size or 3 for size in tensor.shape[1:]]), "int32" if len(tensor.shape) == 2 else "float32"
        )
        for tensor in model.inputs
    ]
    try:
        model(arrays if len(arrays) > 1 else arrays[0])
    except Exception:  # noqa: BLE001 - whatever Keras raises, it cannot run this model
        return False
    return True


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[
        Phase.explicit,
        Phase.generate,
    ],  # a failure's own example is clear enough; shrinking took minutes
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(models(), st.none() | st.lists(st.lists(st.sampled_from(WORDS), max_size=5), min_size=1, max_size=2))
# What the generator found, kept as regular cases.
@example(
    labels=None,
    code="model = Sequential([Input((None, 1)), Bidirectional(SimpleRNN(1, return_sequences=True), "
    "merge_mode='concat'), BatchNormalization()])",
)  # a layer name wider than its cell
@example(
    labels=None,
    code="model = Sequential([Input((1, 1)), Masking(0.0), Bidirectional(LSTM(1, return_sequences=True), "
    "merge_mode='concat')])",
)  # every step masked: no gates to check
@example(
    labels=None,
    code="in0 = keras.Input(shape=(1,))\nx = Embedding(20, 1, mask_zero=False)(in0)\n"
    "in0_out = Bidirectional(SimpleRNN(1, return_sequences=False), merge_mode='concat')(x)\n"
    "out = RepeatVector(2)(in0_out)\nout = Bidirectional(SimpleRNN(1, return_sequences=True), "
    "merge_mode='concat')(out)\nmodel = keras.Model(in0, out)",
)  # another time axis: refused, naming the layer
@example(
    labels=None,
    code="in0 = keras.Input(shape=(1,))\nx = Embedding(20, 1, mask_zero=False)(in0)\n"
    "in0_out = Bidirectional(SimpleRNN(2, return_sequences=True), merge_mode='concat')(x)\n"
    "in1 = keras.Input(shape=(1,))\nx = Embedding(20, 1, mask_zero=False)(in1)\n"
    "in1_out = Bidirectional(SimpleRNN(2, return_sequences=True), merge_mode='concat')(x)\n"
    "out = Concatenate()([in0_out, in1_out])\nmodel = keras.Model([in0, in1], out)",
)  # two one-step token inputs: once told apart by nothing ("'float' has no len()")
@example(
    labels=None,
    code="e = keras.Input(shape=(None, 1))\n_, h, c = LSTM(1, return_state=True)(e)\n"
    "d = keras.Input(shape=(None, 1))\nx = BatchNormalization()(BatchNormalization()(d))\n"
    "out = LSTM(1, return_sequences=True)(x, initial_state=[h, c])\nmodel = keras.Model([e, d], Dense(2)(out))",
)  # a hand-over to a decoder two bands up: its label ran into the decoder's
@example(
    labels=None,
    code="in0 = keras.Input(shape=(None, 1))\nx = in0\n"
    "in0_out = Bidirectional(SimpleRNN(1, return_sequences=False), merge_mode='concat')(x)\n"
    "in1 = keras.Input(shape=(None, 1))\nx = in1\n"
    "in1_out = SimpleRNN(1, return_sequences=False, go_backwards=False, return_state=False)(x)\n"
    "out = Concatenate()([in0_out, in1_out])\nmodel = keras.Model([in0, in1], out)",
)  # branches of two widths merged: once a bug of ours, hidden as the writer's ("inhomogeneous shape")
@example(
    labels=None,
    code="in0 = keras.Input(shape=(None, 1))\nx = in0\n"
    "in0_out = Bidirectional(SimpleRNN(1, return_sequences=True), merge_mode='concat')(x)\n"
    "in1 = keras.Input(shape=(None, 1))\nx = in1\n"
    "in1_out = Bidirectional(SimpleRNN(1, return_sequences=True), merge_mode='concat')(x)\n"
    "out = Add()([in0_out, in1_out])\nmodel = keras.Model([in0, in1], out)",
)  # sequences of unknown length added step by step: once given 4 and 3 steps ("Incompatible shapes")
@example(
    labels=None,
    code="in0 = keras.Input(shape=(2, 1))\nx = in0\n"
    "in0_out = SimpleRNN(1, return_sequences=True, go_backwards=False, return_state=False)(x)\n"
    "in1 = keras.Input(shape=(None, 1))\nx = in1\n"
    "in1_out = Bidirectional(SimpleRNN(1, return_sequences=False), merge_mode='concat')(x)\n"
    "out = Add()([in0_out, in1_out])\nout = Dense(1, activation='softmax')(out)\n"
    "model = keras.Model([in0, in1], out)",
)  # Keras builds it (Add broadcasts to (None, 2, 2)) but no call of it runs: Dense gets (1, 2, 1)
@example(
    labels=[["the", "cat", "I", "cat"], ["sat", "the"]],
    code="in0 = keras.Input(shape=(None, 1))\nin0_out = SimpleRNN(2, return_sequences=True)(in0)\n"
    "in1 = keras.Input(shape=(None, 1))\nin1_out = SimpleRNN(2, return_sequences=True)(in1)\n"
    "out = Add()([in0_out, in1_out])\nmodel = keras.Model([in0, in1], out)",
)  # tokens= of two lengths once set the made-up steps: Add got 4 and 2 (a PluginBug); labels only label
@example(
    labels=None,
    code="in0 = keras.Input(shape=(None, 1))\nx = Dense(3)(in0)\nin0_out = SimpleRNN(3, return_sequences=True)(x)\n"
    "in1 = keras.Input(shape=(3, 2))\nin1_out = SimpleRNN(3, return_sequences=True)(in1)\n"
    "out = Add()([in0_out, in1_out])\nmodel = keras.Model([in0, in1], out)",
)  # an unknown length beside a known 3 once got the example's 4 steps: now the known length
def test_every_generated_model_is_drawn_true_or_refused_clearly(tracer, tmp_path_factory, code, labels):
    folder = tmp_path_factory.mktemp("model")
    try:
        png = tracer(code, folder, labels)
    except SnippetError as error:
        info = error.info
        if info.kind is ErrorKind.PLUGIN_BUG:
            # Ours, unless Keras builds the model but cannot call it on anything
            # (shapes it broadcasts when building, not when called): no model to draw.
            assert not keras_runs(code), f"{code}\n{info.message}\n{info.traceback}"
            reject()
        if info.kind is ErrorKind.RAISED:
            # Keras refused the model as the block built it (shapes that do not
            # combine): an error at a line of the code, and no model to draw.
            assert info.line is not None and 1 <= info.line <= len(code.splitlines()), (code, info)
            reject()
        if "ConvLSTM" in code:
            assert info.kind is ErrorKind.TRACE and "ConvLSTM" in info.message, (code, info)
        if "stateful=True" in code and "Bidirectional" in code:
            # (Refused as stateful, or first for another layer's stated reason.)
            assert info.kind is ErrorKind.TRACE and "stateful" in info.message, (code, info)
        if "RNN([" in code and info.kind is ErrorKind.TRACE and "stacked" in info.message:
            # Refused only read backwards, returning state, stateful, or in Bidirectional.
            assert re.search(
                r"go_backwards=True|return_state=True|stateful=True|Bidirectional", info.message
            ), info
        assert info.kind in (ErrorKind.TRACE, ErrorKind.OPTION, ErrorKind.NO_MODEL), (code, info)
        assert info.message and len(info.message) > 20, (code, info)
        return
    data = check_figure(png)  # NumPy by cell; the colour key reaches every value
    for layer in data["layers"]:
        if "stateful=True" in code and "states" in layer:  # (a stateful Bidirectional is refused)
            assert layer["stateful"] and layer["initial_state_carried"], (code, layer["name"])
            called = any(v != 0 for state in layer["initial_state"] for v in state)
            assert called == ("predict" in code), (code, layer["name"])
    check_legible(png)
    check_labels(data, labels or [], entry_summary(png)["warnings"])
    if any("attention" in layer for layer in data["layers"]):
        check_attention_drawn_or_refused(tracer, code, folder, labels)


def check_attention_drawn_or_refused(tracer, code: str, folder, labels) -> None:
    """``attention=on``: the weights drawn, each in its cell against NumPy, or
    refused at the fence naming the attention layer and what to do."""
    try:
        png = tracer(code, folder / "attention", labels, options={"attention": True})
    except SnippetError as error:
        info = error.info
        assert info.kind in (ErrorKind.TRACE, ErrorKind.OPTION), (code, info)
        assert "Attention (" in info.message or "Attention)" in info.message, (code, info.message)
        assert "leave attention= out" in info.message, (code, info.message)
        return
    data = json.loads(png.with_suffix(".json").read_text(encoding="utf-8"))
    tokens = axis_tokens(data, attention_layer(data))
    data = check_attention_figure(png, entry_regions(png), tokens)
    check_attention_layout(data)


def check_labels(data: dict, labels: list[list[str]], warnings: list[dict]) -> None:
    """tokens= labels an input's steps where it fits them, else the build
    warns (once per input it does not fit) and the steps are x₁ … (the
    tracer's spec has no example words)."""
    sequences = data.get("sequences") or [data]
    ignored = [w["message"] for w in warnings if "tokens=" in w["message"]]
    expected = 0
    for number, sequence in enumerate(sequences):
        words = labels[number] if number < len(labels) else None
        if words is not None and len(words) == len(sequence["tokens"]):
            assert sequence["tokens"] == words
        else:
            assert are_words(sequence["tokens"]) is False, sequence["tokens"]
            expected += words is not None
    expected += len(labels) > len(sequences)
    assert len(ignored) == expected, (labels, [s["tokens"] for s in sequences], ignored)


def test_the_generator_makes_every_kind_of_model():
    """The strategy reaches what the docstring promises (not a test of the plugin)."""
    seen = set()

    @settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.filter_too_much])
    @given(models())
    def collect(code):
        for word in (
            "Bidirectional",
            "Embedding",
            "Masking",
            "Dropout",
            "BatchNormalization",
            "LayerNormalization",
            "TimeDistributed",
            "RepeatVector",
            "Concatenate",
            "Add(",
            "initial_state",
            "go_backwards=True",
            "(None,",
            "Sequential",
            "in2",
            "ConvLSTM",
            "= Attention(",
            "AdditiveAttention(",
            "MultiHeadAttention(",
            "use_causal_mask",
            "stateful=True",
            "RNN([",
        ):
            if word in code:
                seen.add(word)

    collect()
    assert len(seen) == 22, seen


pytestmark = pytest.mark.filterwarnings("ignore")
