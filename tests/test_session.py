"""One session per article: which earlier blocks a block needs (pure, no TensorFlow)."""

from __future__ import annotations

import json

import pytest

from pelican_rnn_figures.article.session import CodeBlock, names_of, needed_blocks
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


def test_each_block_needs_every_block_above_that_is_not_quiet():
    needed = needed_blocks(NOTEBOOK)
    assert lines(needed[20]) == [10]  # VOCAB (and LSTM, Dense: imports the prelude has anyway)
    assert lines(needed[40]) == [10]  # pd; np comes with the prelude
    assert lines(needed[50]) == [10, 20, 40]  # build_model, x, y, and what they need
    assert lines(needed[60]) == [10, 20, 40, 50]  # model.fit(...) in 50 changed the model
    # Self-contained, but the blocks above made layers (its layer names count on from
    # theirs, as in a notebook) and may have changed anything: it needs them.
    assert lines(needed[70]) == [10, 20, 40, 50, 60]
    assert lines(needed[80]) == [10, 20, 40, 50, 60, 70]
    assert 30 not in needed  # the skipped block is never needed


def test_quiet_blocks_are_needed_only_for_the_names_they_bind():
    blocks = [
        CodeBlock("import numpy as np\nVOCAB = 20\nwords = ['I', 'am', 'groot']\n", 1),
        CodeBlock("def helper(n):\n    return [w.upper() for w in words][:n]\n", 5),
        CodeBlock("x = np.array([[0.5, 0.4], [0.3, 0.1]])\nsizes = [len(words), VOCAB]\n", 9),
        CodeBlock("print(VOCAB)\n", 13),
    ]
    assert [names_of(block.code).quiet for block in blocks] == [True, True, True, True]
    needed = needed_blocks(blocks)
    assert lines(needed[5]) == [1]  # words, read inside the helper
    assert lines(needed[9]) == [1]
    assert lines(needed[13]) == [1]  # not the helper's block, nor the data's


@pytest.mark.parametrize(
    "code",
    [
        "model.fit(x, y)\n",  # a method call may change its object
        "m = model\nm.fit(x, y)\n",  # ... also through an alias
        "np.set_printoptions(precision=2)\n",  # global state
        "keras.utils.set_random_seed(1)\n",
        "x = make_batch(3)\n",  # a helper called: it may change anything
        "model = Sequential([Input((3, 2)), LSTM(4)])\n",  # a layer made: names count on
        "items[0] = 1\n",
        "items += [1]\n",
        "model.trainable = False\n",
        "print(model.layers)\n",  # a property may run anything
        "y = enc_out + dec_out\n",  # an operator on KerasTensors makes an op
        "from keras.layers import *\n",
        "total = eval('1 + 1')\n",
        "for layer in model.layers:\n    pass\n",
        "with tf.device('/cpu:0'):\n    pass\n",
    ],
)
def test_a_block_that_may_change_what_others_see_is_not_quiet(code):
    assert not names_of(code).quiet
    blocks = [CodeBlock("import numpy as np\n", 1), CodeBlock(code, 3), CodeBlock("z = 1\n", 9)]
    assert 3 in lines(needed_blocks(blocks)[9])


def test_names_inside_functions_loops_and_handlers():
    names = names_of(
        "def f(a, *b, c=1, **d):\n    e = a + g\n    return [h for h in e]\nfor i in range(3):\n    t = i\n"
    )
    assert names.needs == {"g"}
    assert {"f", "i", "t"} <= names.defines
    names = names_of("x = x + 1\ntry:\n    pass\nexcept ValueError as error:\n    print(error)\n")
    assert names.needs == {"x"} and "error" in names.defines


def test_a_method_called_in_a_helper_reads_the_outer_name():
    """``rng.integers`` inside a helper reads the ``rng`` of the setup block
    (it was taken for the helper binding ``rng``: a false NameError)."""
    names = names_of("def f(n):\n    return rng.integers(n)\nx = f(3)\n")
    assert names.needs == {"rng"}
    names = names_of("def generate():\n    probs = char_model.predict(seed)\n    return probs\n")
    assert names.needs == {"char_model", "seed"}
    names = names_of("def step():\n    global counter\n    counter += 1\n")
    assert names.needs == {"counter"}
    blocks = [
        CodeBlock("rng = np.random.default_rng(0)\n", 1),
        CodeBlock("def make_batch(n):\n    return rng.integers(0, 9, size=(n, 3))\n", 3),
        CodeBlock("x = make_batch(4)\n", 6),
    ]
    assert lines(needed_blocks(blocks)[6]) == [1, 3]


def test_a_block_that_changes_an_object_is_needed_below():
    """What the analysis cannot follow (an alias trained, a layer reused after
    training) is caught because such blocks are never quiet."""
    blocks = [
        CodeBlock("enc = LSTM(4, return_state=True)\ninp = Input((3, 2))\nout, h, c = enc(inp)\n", 1),
        CodeBlock("seq2seq = keras.Model(inp, out)\nm = seq2seq\n", 5),
        CodeBlock("m.compile('adam', 'mse')\nm.fit(x, y)\n", 9),
        CodeBlock("encoder = keras.Model(inp, [h, c])\n", 13),
    ]
    assert lines(needed_blocks(blocks)[13]) == [1, 5, 9]


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
    assert [block["fence_line"] for block in by_line[6].needed] == [1]
    assert by_line[6].candidates[0].url == "/images/m.png"
    # The last block makes its own model, after a block that made layers: it runs after it.
    assert [block["fence_line"] for block in by_line[12].needed] == [1, 6]


def test_what_blocks_need_is_remembered_between_builds(tmp_path):
    """The analysis of each block is kept in the cache by its code's hash: a
    later build reads it instead of analysing, a damaged file is analysed anew."""
    import markdown

    from pelican_rnn_figures.site import block_names
    from pelican_rnn_figures.site.markdown_ext import RnnFiguresExtension

    post = "```python\nSTEPS = 3\n```\n\n```python\nmodel = Sequential([Input((STEPS, 2)), GRU(2)])\n```\n"

    def needed_lines(folder) -> list[list[int]]:
        block_names._remembered.clear()  # as a new process would
        md = markdown.Markdown(extensions=["fenced_code", RnnFiguresExtension(cache_path=str(folder))])
        md.convert(post)
        return [[block["fence_line"] for block in snippet["needed"]] for snippet in md.rnn_snippets]

    assert needed_lines(tmp_path) == [[1]]
    remembered = tmp_path / block_names.FILE_NAME
    stored = json.loads(remembered.read_text())
    definitions, model = sorted(stored["names"].values())
    assert definitions == [[], ["STEPS"], True, False] and "STEPS" in model[0] and model[1] == ["model"]
    # A later build takes the stored answers: told that the model needs nothing, it believes it.
    told = {key: [[], *names[1:]] for key, names in stored["names"].items()}
    remembered.write_text(json.dumps({**stored, "names": told}))
    assert needed_lines(tmp_path) == [[]]
    remembered.write_text("{not json")
    assert needed_lines(tmp_path) == [[1]]
    assert json.loads(remembered.read_text()) == stored  # analysed and written anew
