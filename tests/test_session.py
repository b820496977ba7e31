"""One session per article: which earlier blocks a block needs (pure, no TensorFlow)."""

from __future__ import annotations

import json

import pytest

from pelican_rnn_figures.article.session import CodeBlock, names_of, setups
from pelican_rnn_figures.article.snippets import find_snippets

pytestmark = pytest.mark.fast

NOTEBOOK = [
    CodeBlock(
        "import numpy as np\nimport pandas as pd\nfrom keras.layers import LSTM, Dense\nVOCAB = 20\n", 10
    ),
    CodeBlock(
        "def build_model(units):\n    m = Sequential([Input((3, 2)), LSTM(units), Dense(VOCAB)])\n    return m\n",
        20,
    ),
    CodeBlock("# rnn-figures: skip\ndata = keras.utils.get_file('x')\n", 30),
    CodeBlock("x = np.random.rand(8, 3, 2)\ny = x.sum(axis=(1, 2))\nframe = pd.DataFrame(y)\n", 40),
    CodeBlock("model = build_model(4)\nmodel.compile('adam', 'mse')\nmodel.fit(x, y, epochs=5)\n", 50),
    CodeBlock("print(model.predict(x[:1]))\n", 60),
    CodeBlock("model = Sequential([Input((3, 2)), SimpleRNN(4)])\n", 70),
    CodeBlock("for i in range(3):\n    total = i\nprint(total, data, pd.concat([frame]))\n", 80),
]


def lines(blocks) -> list[int]:
    return [block.fence_line for block in blocks]


def test_each_block_needs_what_defines_the_names_it_uses():
    needed = setups(NOTEBOOK)
    assert lines(needed[20]) == [10]  # VOCAB (and LSTM, Dense: imports the prelude has anyway)
    assert lines(needed[40]) == [10]  # pd; np comes with the prelude
    assert lines(needed[50]) == [10, 20, 40]  # build_model, x, y, and what they need
    assert lines(needed[60]) == [10, 20, 40, 50]  # model.fit(...) in 50 changed the model
    assert needed[70] == []  # self-contained: never re-run because another block changed
    assert lines(needed[80]) == [10, 40]  # the skipped block is never needed
    assert 30 not in needed


def test_names_inside_functions_loops_and_handlers():
    names = names_of(
        "def f(a, *b, c=1, **d):\n    e = a + g\n    return [h for h in e]\nfor i in range(3):\n    t = i\n"
    )
    assert names.needs == {"g"}
    assert {"f", "i", "t"} <= names.defines
    names = names_of("x = x + 1\ntry:\n    pass\nexcept ValueError as error:\n    print(error)\n")
    assert names.needs == {"x"} and "error" in names.defines


def test_method_calls_and_item_assignment_change_a_name_but_module_calls_do_not():
    blocks = [
        CodeBlock("import numpy as np\nitems = []\n", 1),
        CodeBlock("items.append(np.zeros(2))\n", 5),
        CodeBlock("print(len(items))\n", 9),
    ]
    needed = setups(blocks)
    assert lines(needed[9]) == [1, 5]
    assert lines(needed[5]) == [1]


def test_a_block_that_does_not_parse_needs_and_defines_nothing():
    names = names_of("def broken(:\n")
    assert not names.needs and not names.defines


def test_snippets_carry_their_setup_and_helpers_make_a_figure_block():
    text = (
        "```python\ndef build(units):\n    return Sequential([Input((3, 2)), SimpleRNN(units)])\n```\n\n"
        "```python\nmodel = build(4)\n```\n\n![The model](/images/m.png)\n\n"
        "```python\nmodel = Sequential([Input((3, 2)), GRU(2)])\n```\n"
    )
    _, snippets = find_snippets(text)
    by_line = {snippet.fence_line: snippet for snippet in snippets}
    # The helper's block builds a recurrent layer, so the block using it is a figure block.
    assert [block["fence_line"] for block in by_line[6].setup] == [1]
    assert by_line[6].candidates[0].url == "/images/m.png"
    assert by_line[12].setup == []


def test_what_blocks_need_is_remembered_between_builds(tmp_path):
    """The analysis of each block is kept in the cache by its code's hash: a
    later build reads it instead of analysing, a damaged file is analysed anew."""
    import markdown

    from pelican_rnn_figures.site import block_names
    from pelican_rnn_figures.site.markdown_ext import RnnFiguresExtension

    post = "```python\nSTEPS = 3\n```\n\n```python\nmodel = Sequential([Input((STEPS, 2)), GRU(2)])\n```\n"

    def setups_read(folder) -> list[list[int]]:
        block_names._remembered.clear()  # as a new process would
        md = markdown.Markdown(extensions=["fenced_code", RnnFiguresExtension(cache_path=str(folder))])
        md.convert(post)
        return [[block["fence_line"] for block in snippet["setup"]] for snippet in md.rnn_snippets]

    assert setups_read(tmp_path) == [[1]]
    remembered = tmp_path / block_names.FILE_NAME
    stored = json.loads(remembered.read_text())
    definitions, model = sorted(stored["names"].values())
    assert definitions == [[], ["STEPS"], []] and "STEPS" in model[0] and model[1] == ["model"]
    # A later build takes the stored answers: told that the model needs nothing, it believes it.
    told = {key: [[], names[1], names[2]] for key, names in stored["names"].items()}
    remembered.write_text(json.dumps({**stored, "names": told}))
    assert setups_read(tmp_path) == [[]]
    remembered.write_text("{not json")
    assert setups_read(tmp_path) == [[1]]
    assert json.loads(remembered.read_text()) == stored  # analysed and written anew
