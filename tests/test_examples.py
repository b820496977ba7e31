"""Unit tests of the article metadata the plugin reads."""

from __future__ import annotations

import pytest

from pelican_rnn_figures.article.examples import (
    MetadataError,
    metadata_line,
    parse_example,
    parse_seed,
    parse_words_figures,
)

pytestmark = pytest.mark.fast  # no TensorFlow: `make test-fast` runs these alone


def test_example_tokens_and_embeddings():
    example = parse_example("I=[0.5, 0.4] am=[0.3, 0.1], groot=[0.7, 0.5]")
    assert example.tokens == ["I", "am", "groot"]
    assert example.embeddings == [[0.5, 0.4], [0.3, 0.1], [0.7, 0.5]]


@pytest.mark.parametrize(
    "text, message",
    [
        ("I=[0.5, 0.4] am=[0.3]", "same length"),
        ("I=[0.5, x]", "not a list of numbers"),
        ("I 0.5 0.4", "cannot read"),
        ("I=[]", "empty"),
    ],
)
def test_bad_examples_are_explained(text, message):
    with pytest.raises(MetadataError, match=message):
        parse_example(text)


def test_seed_and_words():
    assert parse_seed(None, 42) == 42
    assert parse_seed("7", 42) == 7
    with pytest.raises(MetadataError):
        parse_seed("seven", 42)
    [figure] = parse_words_figures("/images/a.png = this is *not* good -> negative")
    assert figure.words == ["this", "is", "not", "good"]
    assert figure.highlighted == [2]
    assert figure.label == "negative"


def test_metadata_line(tmp_path):
    article = tmp_path / "a.md"
    article.write_text("Title: A\nRnn_example: I=[1]\n\nRnn_example: in the body\n")
    assert metadata_line(article, "rnn_example") == 2
    assert metadata_line(article, "rnn_seed") == 1
