"""A block computes the same whatever else its session ran (generated articles).

Hypothesis (fixed seed) writes notebook-style articles nobody here wrote:
data blocks, model blocks (some made by a helper, some on data, some unbuilt),
blocks that train an earlier block's model, blocks that print summaries. Every
figure and output is made twice, in this process as the worker makes them
(:mod:`pelican_rnn_figures.worker.notebook`, ``figure_data``): once in a
session of the whole article, and once in a session of only the blocks it
needs. Both must agree exactly: its figure data (weights, states, names) and
what it printed. That is what lets one session run each block once while the
cache key of a figure covers only its own block and the blocks it needs.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pelican_rnn_figures.article.session import CodeBlock, setups
from pelican_rnn_figures.messages import JobSpec

CELLS = ("SimpleRNN", "LSTM", "GRU")
SEED = 42


@st.composite
def article(draw) -> list[str]:
    """Blocks of code, in article order."""
    blocks = [
        "import numpy as np\n\ndef build(units, cell):\n    return Sequential([Input((3, 2)), cell(units)])\n"
    ]
    data: list[str] = []
    models: list[str] = []
    cells: dict[str, str] = {}  # model → its recurrent layer
    trainable: list[str] = []  # built models (an unbuilt one has no output shape to train to)
    for number in range(draw(st.integers(2, 6))):
        kind = draw(st.sampled_from(["data", "model", "helper", "unbuilt", "train", "summary", "names"]))
        cell, units = draw(st.sampled_from(CELLS)), draw(st.integers(1, 4))
        if kind == "data" or (kind == "train" and not (trainable and data)):
            name = f"x{number}"
            blocks.append(
                f"{name} = np.random.uniform(-1, 1, size=({draw(st.integers(1, 5))}, 3, 2)).round(2)\n"
            )
            data.append(name)
        elif kind in ("model", "helper", "unbuilt"):
            name = f"m{number}"
            if kind == "model":
                code = f"{name} = Sequential([Input((3, 2)), {cell}({units}), Dense(1)])\n"
            elif kind == "helper":
                code = f"{name} = build({units}, {cell})\n"
            else:  # never built by the code: the figure builds a copy
                code = f"{name} = Sequential([{cell}({units})])\n"
            if data and kind != "unbuilt" and draw(st.booleans()):
                code += f"print({name}.predict({draw(st.sampled_from(data))}, verbose=0).round(4))\n"
            blocks.append(code)
            models.append(name)
            cells[name] = cell
            if kind != "unbuilt":
                trainable.append(name)
        elif kind == "train":
            model, x = draw(st.sampled_from(trainable)), draw(st.sampled_from(data))
            blocks.append(
                f"{model}.compile('adam', 'mse')\n"
                f"{model}.fit({x}, np.zeros(({x}.shape[0],) + {model}.output_shape[1:]), epochs=2, verbose=0)\n"
            )
        elif kind == "names" and models:  # a new layer beside an earlier block's: their names
            name, earlier = f"m{number}", draw(st.sampled_from(models))
            cells[name] = cells[earlier]  # the same layer class: its name must differ
            blocks.append(
                f"{name} = Sequential([Input((3, 2)), {cells[name]}({units})])\n"
                f"print([layer.name for layer in {earlier}.layers + {name}.layers], {name}.name)\n"
            )
            models.append(name)
            trainable.append(name)
        elif models:
            blocks.append(f"{draw(st.sampled_from(models))}.summary()\n")
    return blocks


def fresh_session(blocks: list[str], index: int) -> str:
    """What block ``index`` prints when it and the blocks it needs run in a
    fresh Python session, in order, as a notebook of just them would."""
    import contextlib
    import io

    import keras

    from pelican_rnn_figures.article.prelude import PRELUDE

    code_blocks = [CodeBlock(code, fence_line=number * 20) for number, code in enumerate(blocks)]
    keras.backend.clear_session()
    namespace: dict = {}
    exec(PRELUDE, namespace)
    for block in setups(code_blocks)[index * 20]:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(block.code, namespace)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(blocks[index], namespace)
    return printed.getvalue()


def run(blocks: list[str], wanted: list[int]) -> dict[int, tuple[str, str]]:
    """Run the blocks at ``wanted`` (indexes) and every block they need, in one
    session; per wanted block: its figure data (if it made a model) as JSON,
    and what it printed."""
    from pelican_rnn_figures.worker.author_errors import SnippetError
    from pelican_rnn_figures.worker.model_figure import figure_data
    from pelican_rnn_figures.worker.notebook import Block, Notebook

    code_blocks = [CodeBlock(code, fence_line=index * 20) for index, code in enumerate(blocks)]
    needed = setups(code_blocks)
    lines = {block.first_line: index for index, block in enumerate(code_blocks)}
    session = sorted(
        {block.first_line for index in wanted for block in [*needed[index * 20], code_blocks[index]]}
    )
    notebook = Notebook("generated.md")
    results: dict[int, tuple[str, str]] = {}
    with notebook.watching_models():
        for line in session:
            index = lines[line]
            needs = tuple(block.first_line for block in needed[index * 20])
            ran = notebook.run(Block(line, blocks[index], needs, SEED))
            assert ran.error is None, ran.error
            if index not in wanted:
                continue
            drawn = ""
            if any(name.startswith("m") for name in ran.own):
                try:
                    data, _ = figure_data(JobSpec(code=blocks[index], seed=SEED), ran, notebook)
                    drawn = json.dumps(data, sort_keys=True)
                except SnippetError as error:  # (a model we do not draw: the same refusal both ways)
                    drawn = error.info.message
            results[index] = (drawn, ran.printed)
    return results


@settings(max_examples=12, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(article())
def test_a_block_computes_the_same_in_any_session(blocks):
    whole = run(blocks, list(range(len(blocks))))
    for index in range(1, len(blocks)):
        alone = run(blocks, [index])
        assert alone[index] == whole[index], f"block {index} differs:\n" + "\n---\n".join(blocks)
        if "layer.name" in blocks[index]:
            # Layer names as a session of just these blocks names them: unique.
            assert alone[index][1] == fresh_session(blocks, index)


def test_layer_names_count_every_block_a_block_needs():
    """A block that needs two blocks which both made an LSTM names its own
    LSTM after both, as a fresh session of the three would."""
    blocks = [
        "first = Sequential([Input((3, 2)), LSTM(2)])\n",
        "second = Sequential([Input((3, 2)), LSTM(2)])\nsecond.layers[0].trainable = first.layers[0].trainable\n",
        "third = Sequential([Input((3, 2)), LSTM(2)])\n"
        "print([model.layers[0].name for model in (first, second, third)])\n",
    ]
    printed = run(blocks, [2])[2][1]
    assert printed == "['lstm', 'lstm_1', 'lstm_2']\n" == fresh_session(blocks, 2)
