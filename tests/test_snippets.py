"""Unit tests of snippet finding and figure linking (pure text, no Pelican)."""

from __future__ import annotations

import pytest
from helpers import SEED_COPY

from pelican_rnn_figures.article.snippets import (
    SnippetOptionsError,
    builds_recurrent_model,
    find_snippets,
    link_figure,
)

pytestmark = pytest.mark.fast  # no TensorFlow: `make test-fast` runs these alone


def test_seed_draft_snippets_and_their_figures():
    text = SEED_COPY.read_text(encoding="utf-8")
    _, snippets = find_snippets(text)
    lines = text.splitlines()
    assert [s.number for s in snippets] == [1, 2]
    first, second = snippets
    assert lines[first.fence_line - 1] == "```python"
    assert lines[first.first_code_line - 1] == "model = Sequential()"
    assert lines[first.closing_line - 1] == "```"
    assert first.code == "model = Sequential()\nmodel.add(SimpleRNN(4, input_shape=(3, 2)))\n"
    assert [c.url for c in first.candidates] == ["/images/rnn-default-keras.png"]
    assert "/images/rnn-default-keras.png" in lines[first.candidates[0].line - 1]
    assert [c.url for c in second.candidates] == ["/images/rnn-stacked.png"]
    assert link_figure(first, lambda url: False).url == "/images/rnn-default-keras.png"


def test_images_before_the_snippet_or_after_a_heading_are_not_its_figure():
    text = "![before](/a.png)\n\n```python\nm = LSTM(3)\n```\n\n## Next section\n\n![after](/b.png)\n"
    _, [snippet] = find_snippets(text)
    assert snippet.candidates == []
    assert link_figure(snippet, lambda url: False) is None


def test_figure_stops_at_the_next_code_block():
    text = "```python\nm = GRU(3)\n```\n\n```bash\nls\n```\n\n![x](/x.png)\n"
    _, [snippet] = find_snippets(text)
    assert snippet.candidates == []


def test_site_files_are_skipped_for_the_first_generated_one():
    text = "```python\nm = GRU(3)\n```\n![photo](/photo.png)\n![](/figure.png)\n"
    _, [snippet] = find_snippets(text)
    assert link_figure(snippet, lambda url: url == "/photo.png").url == "/figure.png"
    assert link_figure(snippet, lambda url: True) is None


def test_non_recurrent_and_non_python_blocks_are_left_alone():
    text = (
        "```python\nmodel = Sequential([Dense(3)])\n```\n\n"
        "```bash\nSimpleRNN(4)\n```\n\n"
        "    SimpleRNN(4)  # indented code\n"
    )
    assert find_snippets(text)[1] == []


@pytest.mark.parametrize(
    "code, expected",
    [
        ("x = layers.LSTM(4)", True),
        ("keras.layers.Bidirectional(GRU(2))", True),
        ("print('SimpleRNN')", False),
        ("SimpleRNN(4, input_shape=(3, 2)", True),  # a syntax error is still ours to report
        ("# SimpleRNN(4)\nx = 1", False),
        ('"""\nLSTM(3)\n"""', False),
        ("print('GRU(2)')", False),
        ("x = layers.ConvLSTM2D(2, 3)(frames)", True),  # refused by the worker, at the fence
        ("ConvLSTM3D(1, 2)", True),
    ],
)
def test_recurrent_detection(code, expected):
    assert builds_recurrent_model(code) is expected


def test_explicit_marker_and_options():
    text = 'Intro\n\n```python rnn-figure caption="Two \\"layers\\"" name=stacked\nm = Dense(2)\n```\n'
    cleaned, [snippet] = find_snippets(text)
    assert "rnn-figure" not in cleaned
    assert cleaned.splitlines()[2] == "```python"
    assert snippet.explicit and snippet.fence_line == 3
    assert snippet.options == {"caption": 'Two "layers"', "name": "stacked"}


def test_bad_explicit_options_name_their_line():
    with pytest.raises(SnippetOptionsError) as error:
        find_snippets('a\n\n```python rnn-figure caption="open\nm = LSTM(2)\n```\n')
    assert error.value.line == 3


def test_tilde_fences_and_attribute_fences():
    text = "~~~python\nm = LSTM(2)\n~~~\n\n```{.python .numbers}\nm = GRU(2)\n```\n"
    _, snippets = find_snippets(text)
    assert [s.fence_line for s in snippets] == [1, 5]
