"""The demo's sentiment article: TextVectorization adapted on twenty short
reviews, Embedding + LSTM + Dense(sigmoid) trained on them, and two figures of
new reviews that differ in one word. The figures' steps must be the reviews'
words (looked up in the code's vectorizer, not ids), every value NumPy's at its
cell, and the verdict the one the post prints."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from figure_checks import check_figure, check_portrait_figure
from helpers import REPO, span_regions

PAGE = "words-decide-the-sentiment.html"
ARTICLE = REPO / "content" / "words-decide-the-sentiment.md"
FIGURES = "images/rnn-figures"
NAMES = ("sentiment-great", "sentiment-boring")


def review_of(name: str) -> str:
    """The review the article's fence ``name`` reads, as the post writes it."""
    text = ARTICLE.read_text(encoding="utf-8")
    fence = re.search(rf"```python rnn-figure name={name}\b.*?\n(.*?)```", text, re.S)
    assert fence, name
    [review] = re.findall(r'^review = "(.*)"$', fence.group(1), re.M)
    return review


def data_of(demo_build, name: str) -> dict:
    return json.loads((demo_build.output / FIGURES / f"{name}.json").read_text(encoding="utf-8"))


def layer_of(data: dict, cls: str) -> dict:
    [layer] = [layer for layer in data["layers"] if layer["class"] == cls]
    return layer


def printed(demo_build) -> list[str]:
    return [output.get_text() for output in demo_build.page(PAGE).select("pre.rnn-figure-output")]


def printed_vocabulary(demo_build) -> tuple[int, dict[int, str]]:
    """The vocabulary as the post prints it: its size, and its first words by id (0 pads)."""
    line = next(text for text in printed(demo_build) if "most frequent words" in text).splitlines()[0]
    size, words = re.fullmatch(r"(\d+) ids; from id 2, the most frequent words: (.*) \.\.\.", line).groups()
    return int(size), {0: "", **dict(enumerate(words.split(" "), 2))}


def printed_verdict(demo_build, review: str) -> tuple[list[int], float]:
    """The ids and the probability the post prints for ``review``."""
    [line] = [text for text in printed(demo_build) if text.startswith(f"{review} -> ")]
    ids, probability = line.removeprefix(f"{review} -> ").split(" -> ")
    return [int(i) for i in ids.strip("[]").split()], float(probability)


@pytest.mark.parametrize("name", NAMES)
def test_the_steps_are_the_reviews_words(demo_build, name):
    page = demo_build.page(PAGE)
    [frame] = [
        frame
        for frame in page.select(".rnn-figure-box .rnn-landscape")
        if frame.select_one("picture img")["src"].endswith(f"/{name}.png")
    ]
    png = demo_build.output / FIGURES / f"{name}.png"
    # Every value against NumPy, at its cell in the SVG and the page's text layer,
    # each step's token drawn under its column (cell_checks: the JSON's tokens, by position).
    data = check_figure(png, span_regions(frame.select(".rnn-figure-layer span")))
    portrait = frame.find_next_sibling("span", class_="rnn-portrait")
    check_portrait_figure(png, data, span_regions(portrait.select(".rnn-figure-layer span")))
    steps = data["input_shape"][1]
    words = review_of(name).split()
    assert data["tokens"] == words + ["<pad>"] * (steps - len(words))
    assert data["labels_from"] == ["vectorize (TextVectorization)"]
    assert data["inputs_origin"] == "snippet data" and data["batch_size"] == 1
    assert data["training"]["epochs"] == 40
    # The ids are the vectorizer's own, as the post prints them for this review, and the
    # labels are its words at those ids, as far as the post prints its vocabulary; 0 pads.
    ids, _ = printed_verdict(demo_build, review_of(name))
    assert data["token_ids"] == ids
    size, vocabulary = printed_vocabulary(demo_build)
    known = [
        (i, word) for i, word in zip(ids, words + [""] * (steps - len(words)), strict=True) if i in vocabulary
    ]
    assert len(known) >= 3 and all(vocabulary[i] == word for i, word in known), (known, vocabulary)
    assert len(layer_of(data, "Embedding")["weights"]["embeddings"]) == size
    # The page's tooltips of the decisive step name its word and its id, in both layouts.
    tip = f"token id x{chr(0x2080 + len(words))} “{words[-1]}” (id {ids[len(words) - 1]} in vectorize)"
    for layer in (frame, portrait):
        assert any(
            span.get("data-tip", "").startswith(tip) for span in layer.select(".rnn-figure-layer span")
        ), tip


def test_the_verdict_is_what_the_post_prints(demo_build):
    for name in NAMES:
        _, shown = printed_verdict(demo_build, review_of(name))
        [probability] = layer_of(data_of(demo_build, name), "Dense")["outputs"]  # NumPy-checked above
        assert shown == pytest.approx(probability, abs=0.0005 + 1e-9), (shown, probability)
    accuracy = next(text for text in printed(demo_build) if text.startswith("accuracy "))
    assert float(accuracy.split()[-1]) == 1.0
    assert len(demo_build.page(PAGE).select("img[data-rnn-figure]")) == 2


def test_the_state_turns_at_the_word_that_decides(demo_build):
    """What the prose reads in the two figures (which draw these numbers: checked above)."""
    great, boring = (data_of(demo_build, name) for name in NAMES)
    words = review_of(NAMES[0]).split()
    assert review_of(NAMES[1]).split()[:-1] == words[:-1]  # one word changed: the last
    decides = len(words) - 1
    # "great" got a large vector, "boring" its mirror image; the other words small ones.
    a, b = (np.asarray(layer_of(data, "Embedding")["outputs"]) for data in (great, boring))
    np.testing.assert_array_equal(a[:decides], b[:decides])
    assert (np.sign(a[decides]) == -np.sign(b[decides])).all(), (a[decides], b[decides])
    assert min(np.abs(a[decides]).min(), np.abs(b[decides]).min()) > 3 * np.abs(a[:decides]).max()
    a_lstm, b_lstm = layer_of(great, "LSTM"), layer_of(boring, "LSTM")
    assert a_lstm["mask"] == b_lstm["mask"] == [True] * len(words) + [False] * (len(a) - len(words))
    for lane in ("states", "cell_states"):
        a, b = np.asarray(a_lstm[lane]), np.asarray(b_lstm[lane])
        # The same words, the same states, to the last digit the figures print.
        np.testing.assert_allclose(a[:decides], b[:decides], atol=1e-6)
        # The padding is skipped: its state is the one the decisive word left.
        for states in (a, b):
            np.testing.assert_array_equal(
                states[decides + 1 :], np.repeat(states[[decides]], len(a) - decides - 1, 0)
            )
        # Each neutral word moves the state a little; the decisive word turns it, each unit
        # the other way for the other word.
        zero = np.zeros((1, a.shape[1]))
        moves = [np.diff(np.concatenate([zero, states[: decides + 1]]), axis=0) for states in (a, b)]
        for move in moves:
            assert np.abs(move[decides]).max() > 2 * np.abs(move[:decides]).max(), (lane, move.round(2))
        assert (np.sign(moves[0][decides]) == -np.sign(moves[1][decides])).all(), (
            lane,
            a.round(2),
            b.round(2),
        )
    # The mean forget gate: near 1 for the neutral words, about a half at the one that decides.
    for lstm in (a_lstm, b_lstm):
        forget = [np.mean(values) for values in lstm["gates"]["forget"][: decides + 1]]
        assert min(forget[:decides]) > 0.85 and 0.4 < forget[decides] < 0.65, forget
    # The verdicts: positive for "great", negative for "boring".
    assert layer_of(great, "Dense")["outputs"][0] > 0.9 > 0.1 > layer_of(boring, "Dense")["outputs"][0]
