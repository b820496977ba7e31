"""Attention drawn (``attention=on``): a decoder's weights over an encoder's
steps, one site built for real with TensorFlow. Each weight is checked in its
cell (its row, its column, the value shown and hovered) against NumPy and
against what the post's own code prints; the page's hover tells which step
attends to which; attention the figure cannot draw is refused at its fence
with what to do."""

from __future__ import annotations

import ast
import logging

import numpy as np
import pytest
from attention_checks import check_attention_figure, check_attention_layout, numpy_weights
from figure_checks import check_figure
from helpers import HEADER, build_in_process, line_of, span_regions

from pelican_rnn_figures.article.figure_options import FigureOptionError, read

SETUP = """\
```python
import numpy as np
src = np.array([[[0.5, 0.1], [0.9, -0.3], [-0.2, 0.4], [0.3, 0.8]]], dtype="float32")
tgt = np.array([[[0.2, 0.1, -0.5], [0.7, 0.3, 0.1], [-0.4, 0.6, 0.2]]], dtype="float32")
ids = np.array([[3, 5, 2, 0, 0]])


def encoder_decoder(attend):
    # Large kernels: states near ±1, so that the weights differ from step to step.
    big = keras.initializers.RandomNormal(stddev=4.0)
    s, t = keras.Input((None, 2)), keras.Input((None, 3))
    enc_out, h, c = LSTM(3, return_sequences=True, return_state=True, name="encoder", kernel_initializer=big)(s)
    dec_out = LSTM(3, return_sequences=True, name="decoder", kernel_initializer=big)(t, initial_state=[h, c])
    context, scores = attend(dec_out, enc_out)
    model = keras.Model([s, t], Dense(2)(Concatenate()([dec_out, context])))
    return model, keras.Model([s, t], scores)
```
"""
TOKENS = 'tokens="the cat sat down | le chat assis"'
# name: the attention called in encoder_decoder (query, value) -> (context, scores)
DRAWN = {
    "dot": "Attention(use_scale=True, name='attention')([q, v], return_attention_scores=True)",
    "concat": "Attention(score_mode='concat')([q, v], return_attention_scores=True)",
    "additive": "AdditiveAttention()([q, v], return_attention_scores=True)",
    "heads": "MultiHeadAttention(num_heads=2, key_dim=2)(q, v, return_attention_scores=True)",
}
MASKED = """\
```python rnn-figure attention=on name=masked
words = keras.Input((5,))
steps = LSTM(3, return_sequences=True, name="reader")(Embedding(10, 2, mask_zero=True)(words))
context, scores = Attention()([steps, steps], return_attention_scores=True)
model = keras.Model(words, Dense(1)(context))
scores_of = keras.Model(words, scores)
model.predict(ids, verbose=0)
print(np.round(scores_of.predict(ids, verbose=0)[0], 4).tolist())
```
"""
# name: (fence options, code, what the refusal says)
REFUSED = {
    "causal": (
        "attention=on",
        "s = keras.Input((4, 2))\nout = LSTM(3, return_sequences=True, name='decoder')(s)\n"
        "model = keras.Model(s, Attention(name='attention')([out, out], use_causal_mask=True))",
        "TraceError: attention (Attention) is called with use_causal_mask=True",
    ),
    "many-heads": (
        "attention=on",
        "model, _ = encoder_decoder(lambda q, v: MultiHeadAttention(num_heads=4, key_dim=2, "
        "name='multi_head_attention')(q, v, return_attention_scores=True))",
        "TraceError: multi_head_attention (MultiHeadAttention) has 4 heads: the attention figure draws at most 2",
    ),
    "over-embeddings": (
        "attention=on",
        "words = keras.Input((5,))\nvectors = Embedding(10, 3, name='embedding')(words)\n"
        "steps = LSTM(3, return_sequences=True)(vectors)\n"
        "model = keras.Model(words, Attention(name='attention')([steps, vectors]))",
        "TraceError: attention (Attention) takes its attended values from embedding (Embedding): the attention "
        "figure draws attention over the steps of a recurrent layer",
    ),
    "no-attention": (
        "attention=on",
        "model = Sequential([Input((4, 2)), LSTM(3, name='lstm')])",
        "OptionError: attention=on: the model has no Attention, AdditiveAttention or MultiHeadAttention layer "
        "(its layers: lstm (LSTM)); leave attention= out",
    ),
    "schematic": (
        "attention=on values=off",
        "model, _ = encoder_decoder(lambda q, v: Attention()([q, v], return_attention_scores=True))",
        "OptionError: attention= draws the weights themselves: leave values=off out",
    ),
    "misnamed": (
        "attention=nope",
        "model, _ = encoder_decoder(lambda q, v: Attention(name='attention')([q, v], return_attention_scores=True))",
        "OptionError: attention=nope names no attention layer of the model (its attention layers: attention",
    ),
}


def fence(name: str, attend: str) -> str:
    return (
        f"```python rnn-figure attention=on name={name} {TOKENS}\n"
        f"model, scores_of = encoder_decoder(lambda q, v: {attend})\n"
        "model.predict([src, tgt], verbose=0)\n"
        "print(np.round(scores_of.predict([src, tgt], verbose=0)[0], 4).tolist())\n```\n"
    )


def article() -> str:
    blocks = [fence(name, attend) for name, attend in DRAWN.items()]
    blocks.append(  # the same model unrolled: the default, attention a plain layer
        f"```python rnn-figure name=unrolled {TOKENS}\n"
        "model, _ = encoder_decoder(lambda q, v: Attention()([q, v], return_attention_scores=True))\n"
        "model.predict([src, tgt], verbose=0)\n```\n"
    )
    blocks.append(MASKED)
    for name, (options, code, _) in REFUSED.items():
        blocks.append(f"```python rnn-figure {options} name={name}\n{code}\n```\n")
    return (
        HEADER.format(title="Attention", slug="attention") + "\nText.\n\n" + SETUP + "\n" + "\n".join(blocks)
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    text = article()
    return text, build_in_process(tmp_path_factory.mktemp("attention"), {"attention.md": text})


def frames(site) -> dict[str, object]:
    """Each figure's frame in the page, by its file's name."""
    _, result = site
    page = result.page("attention.html")
    found = {}
    for frame in page.select(".rnn-figure-box .rnn-figure-frame"):
        name = frame.select_one("picture img")["src"].rsplit("/", 1)[-1].removesuffix(".png")
        found[name] = frame
    return found


def printed(site, name: str) -> np.ndarray:
    """What the figure's own block printed: the scores the post's code computes."""
    _, result = site
    page = result.page("attention.html")
    for output in page.select("pre.rnn-figure-output"):
        figure = output.find_next("picture")  # a block's output is shown above its figure
        if figure is not None and figure.select_one("img")["src"].endswith(f"/{name}.png"):
            return np.asarray(ast.literal_eval(output.get_text()))
    raise AssertionError(f"no output under {name}")


@pytest.mark.parametrize("name", [*DRAWN, "masked"])
def test_each_weight_is_in_its_cell_and_is_what_the_code_computes(site, name):
    _, result = site
    images = result.output / "images" / "rnn-figures"
    regions = span_regions(frames(site)[name].select(".rnn-figure-layer span"))
    tokens = (["le", "chat", "assis"], ["the", "cat", "sat", "down"])
    if name == "masked":
        tokens = ([f"x{s}" for s in "₁₂₃₄₅"],) * 2
    data = check_attention_figure(images / f"{name}.png", regions, tokens)  # NumPy, by position
    check_attention_layout(data)
    layer = next(layer for layer in data["layers"] if "attention" in layer)
    weights, _ = numpy_weights(data, layer)
    code = printed(site, name)  # the post's own code: its scores, rounded to 4 places
    np.testing.assert_allclose(weights[0] if code.ndim == 2 else weights, code, atol=6e-5)
    if name == "masked":  # the padding gets no weight; the words share it all
        np.testing.assert_allclose(weights[0][:, 3:], 0, atol=1e-6)
        np.testing.assert_allclose(weights[0][:, :3].sum(-1), 1, atol=1e-5)


def test_the_hover_tells_which_step_attends_to_which(site):
    tips = [span["data-tip"] for span in frames(site)["dot"].select("[data-tip]")]
    weight = [
        tip for tip in tips if tip.startswith("attention of decoder step 3 (“assis”) on encoder step 1")
    ]
    assert len(weight) == 1 and weight[0].startswith(
        "attention of decoder step 3 (“assis”) on encoder step 1 (“the”): 0."
    )
    contexts = [tip for tip in tips if tip.startswith("context at decoder step 2 (“chat”), unit ")]
    assert len(contexts) == 3
    heads = [span["data-tip"] for span in frames(site)["heads"].select("[data-tip]")]
    assert (
        sum(tip.startswith("attention (head 2) of decoder step 1 (“le”) on encoder step ") for tip in heads)
        == 4
    )


def test_the_default_figure_is_the_model_unrolled(site):
    _, result = site
    data = check_figure(result.output / "images" / "rnn-figures" / "unrolled.png")
    assert "attention" not in data["figure_options"]
    [layer] = [layer for layer in data["layers"] if "attention" in layer]
    assert layer["attention"]["reproduced"] and len(layer["attention"]["weights"]) == 1


def test_attention_it_cannot_draw_is_refused_at_its_fence(site):
    text, result = site
    errors = result.ours(logging.ERROR)
    assert len(errors) == len(REFUSED), errors
    for name, (_, _, message) in REFUSED.items():
        line = line_of(text, f"rnn-figure {REFUSED[name][0]} name={name}")
        assert any(f"attention.md:{line}: RNN figure failed: {message}" in error for error in errors), (
            name,
            errors,
        )
    # The attention figures draw no warning; the same model unrolled is wide (two inputs side by side).
    unrolled = line_of(text, "name=unrolled")
    assert all(f"attention.md:{unrolled}: figure size:" in w for w in result.ours(logging.WARNING))


def test_alt_text_and_caption_say_where_each_step_looks(site):
    frame = frames(site)["dot"]
    alt = frame.select_one("picture img")["alt"]
    assert alt.startswith(
        "Attention weights of attention (Attention): a grid whose rows are the 3 steps of decoder"
    )
    assert "“le” on “" in alt and "each row summing to 1" in alt


@pytest.mark.fast
def test_the_attention_option_reads_on_off_and_a_name():
    assert read({"attention": "on"}).drawing == {"attention": True}
    assert read({"attention": "yes"}).drawing == {"attention": True}
    assert read({"attention": "off"}).drawing == {}  # the default: the model unrolled, the same cache key
    assert read({"attention": "cross_attention"}).drawing == {"attention": "cross_attention"}
    with pytest.raises(FigureOptionError, match="attention= is empty"):
        read({"attention": ""})
