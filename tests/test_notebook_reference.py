"""The reference is a notebook: generated articles, the worker's session code
against a plain top-to-bottom run of their blocks.

Hypothesis (fixed seed) writes notebook-style articles nobody here wrote:
a setup block that sets global state and makes a random generator, helpers
that call methods on it, data, models (some unbuilt, some functional with a
layer kept in a variable), aliases that train a model (``m = model;
m.fit(...)``), blocks that train and later blocks that draw, layers reused in
a new model after training, summaries and predictions, stateful models
called again and drawn again (each call starts where the last one ended, so
a figure that moved their state on would change every later block).

The production path is the worker's own :func:`run_session`, fed the
analysis of :mod:`pelican_rnn_figures.article.session` as the site feeds it:
once as one session of the whole article, and once per block as a session of
only that block and what it needs (what a build runs when the other figures
are cached). The reference knows nothing of that analysis: for each block a
fresh Python session runs the prelude, then every block above it and the
block itself, in order, each after ``keras.utils.set_random_seed`` (the
plugin's documented per-block seeding), and nothing else. Every block's
figure data (weights, states, layer names) and printed output must be the
same in all three.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pelican_rnn_figures.article.session import CodeBlock, needed_blocks
from pelican_rnn_figures.messages import Job, JobKind, JobMessage, JobSpec, NeededBlock, SessionMessage

SEED = 42
SPACING = 30  # article lines between blocks' fences
FILENAME = "generated.md"
CELLS = ("SimpleRNN", "LSTM", "GRU")
SETUP = (
    "import numpy as np\n"
    "np.set_printoptions(precision=3, suppress=True)\n"
    "rng = np.random.default_rng(0)\n\n"
    "def make_batch(n):\n    return rng.uniform(-1, 1, size=(n, 3, 2)).round(2)\n\n"
    "def build(units, cell):\n    return Sequential([Input((3, 2)), cell(units), Dense(1)])\n"
)


@st.composite
def article(draw) -> list[str]:
    """Blocks of code, in article order."""
    blocks = [SETUP]
    data: list[str] = []
    built: list[str] = []  # models with an output shape to train to
    kept_layers: list[tuple[str, str]] = []  # (layer variable, its input) of functional models
    stateful: list[str] = []  # models of a stateful layer: each call starts where the last one ended
    for number in range(1, draw(st.integers(3, 7)) + 1):
        # (Data and a model first, so that training, aliases and reuse have something to work on.)
        kind = {1: "data", 2: draw(st.sampled_from(["model", "functional"]))}.get(number) or draw(
            st.sampled_from(
                [
                    "data",
                    "model",
                    "helper",
                    "functional",
                    "unbuilt",
                    "train",
                    "alias",
                    "reuse",
                    "stateful",
                    "again",
                ]
            )
        )
        cell, units = draw(st.sampled_from(CELLS)), draw(st.integers(1, 3))
        if kind in ("train", "alias") and not (built and data):
            kind = "data"
        if kind == "reuse" and not kept_layers:
            kind = "functional"
        if kind == "again" and not stateful:
            kind = "stateful"
        if kind == "data":
            name = f"x{number}"
            maker = draw(st.sampled_from(["make_batch({n})", "np.random.uniform(-1, 1, size=({n}, 3, 2))"]))
            blocks.append(f"{name} = {maker.format(n=draw(st.integers(1, 4)))}\nprint({name}.shape)\n")
            data.append(name)
        elif kind in ("model", "helper", "unbuilt"):
            name = f"m{number}"
            code = {
                "model": f"{name} = Sequential([Input((3, 2)), {cell}({units}), Dense(1)])\n",
                "helper": f"{name} = build({units}, {cell})\n",
                "unbuilt": f"{name} = Sequential([{cell}({units})])\n",
            }[kind]
            if data and kind != "unbuilt" and draw(st.booleans()):
                code += f"print({name}.predict({draw(st.sampled_from(data))}, verbose=0))\n"
            if kind != "unbuilt" and draw(st.booleans()):
                code += f"{name}.summary()\n"
            blocks.append(code)
            built += [name] if kind != "unbuilt" else []
        elif kind == "functional":
            name, layer, source = f"m{number}", f"rnn{number}", f"in{number}"
            blocks.append(
                f"{source} = Input((3, 2))\n{layer} = {cell}({units})\n"
                f"{name} = keras.Model({source}, Dense(1)({layer}({source})))\n"
            )
            built.append(name)
            kept_layers.append((layer, source))
        elif kind in ("train", "alias"):
            model, x = draw(st.sampled_from(built)), draw(st.sampled_from(data))
            target = f"a{number}" if kind == "alias" else model
            alias = f"{target} = {model}\n" if kind == "alias" else ""
            blocks.append(
                f"{alias}{target}.compile('adam', 'mse')\n"
                f"{target}.fit({x}, np.zeros(({x}.shape[0], 1)), epochs=2, verbose=0)\n"
            )
        elif kind in ("stateful", "again"):
            # Issue 18: drawn from the state the code left; a figure's trace must not move it on.
            name = f"m{number}"
            code = (
                f"{name} = {draw(st.sampled_from(stateful))}\n"
                if kind == "again"
                else f"{name} = Sequential([Input(batch_shape=(2, 3, 2)), {cell}({units}, stateful=True), Dense(1)])\n"
            )
            blocks.append(code + f"print({name}.predict(make_batch(2), verbose=0))\n")
            stateful.append(name)
        else:  # a layer kept in a variable, in a new model (after training, perhaps)
            layer, source = draw(st.sampled_from(kept_layers))
            name = f"m{number}"
            blocks.append(f"{name} = keras.Model({source}, {layer}({source}))\n")
            built.append(name)
    return blocks


def _outcome(summary, error, dest: Path) -> tuple[str, str]:
    if error is not None:
        return "error: " + error.message, getattr(error, "printed", "")
    drawn = (dest / "figure.json").read_text() if (dest / "figure.json").exists() else ""
    return _canonical(drawn), summary.printed


def _canonical(figure_json: str) -> str:
    return json.dumps(json.loads(figure_json), sort_keys=True) if figure_json else ""


def _job(blocks: list[str], index: int, needed, tmp: Path, number: int) -> JobMessage:
    """The job of block ``index`` as the site plans it: its needs, in article order."""
    setup = needed[index * SPACING]
    position = {block.fence_line: k for k, block in enumerate(setup)}
    spec = JobSpec(
        code=blocks[index],
        seed=SEED,
        dpi=60,
        needed=[
            NeededBlock(
                block.code, [position[e.fence_line] for e in needed[block.fence_line]], SEED, block.first_line
            )
            for block in setup
        ],
    )
    makes_model = any(line.startswith("m") and " = " in line for line in blocks[index].splitlines())
    dest = tmp / f"entry-{number}-{index}"
    kind = JobKind.RNN if makes_model else JobKind.OUTPUT_ONLY
    job = Job(
        kind,
        spec if makes_model else JobSpec(code=spec.code, seed=SEED, needed=spec.needed),
        FILENAME,
        index * SPACING + 1,
    )
    return JobMessage(number * 100 + index, str(dest), job)


def production(blocks: list[str], wanted: list[int], tmp: Path, number: int) -> dict[int, tuple[str, str]]:
    """The worker's session of the jobs of the blocks at ``wanted``."""
    from pelican_rnn_figures.worker.session_run import run_session

    code_blocks = [CodeBlock(code, fence_line=index * SPACING) for index, code in enumerate(blocks)]
    needed = needed_blocks(code_blocks)
    jobs = [_job(blocks, index, needed, tmp, number) for index in wanted]
    results: dict[int, tuple[str, str]] = {}

    def done(job: JobMessage, summary, error) -> None:
        results[(job.job.first_line - 1) // SPACING] = _outcome(summary, error, Path(job.dest))

    run_session(SessionMessage(number, jobs), lambda line: None, done)
    return results


def notebook(blocks: list[str], index: int, tmp: Path) -> tuple[str, str]:
    """Block ``index``'s figure data and output, in a fresh session that ran
    the prelude and every block up to it, each after the seed is set."""
    import keras

    from pelican_rnn_figures.worker.author_errors import SnippetError
    from pelican_rnn_figures.worker.entry import _draw
    from pelican_rnn_figures.worker.model_figure import model_figure_data
    from pelican_rnn_figures.worker.notebook import Block, BlockRun, Notebook

    session = Notebook(FILENAME)  # (clears Keras's session and runs the prelude)
    printed = io.StringIO()
    with session.watching_models():
        for number, code in enumerate(blocks[: index + 1]):
            line = number * SPACING + 1
            session.uses.block = line
            before = dict(session.namespace)
            keras.utils.set_random_seed(SEED)
            printed = io.StringIO()
            compiled = compile("\n" * (line - 1) + code, FILENAME, "exec")
            with contextlib.redirect_stdout(printed):
                exec(compiled, session.namespace)
        own = {k: v for k, v in session.namespace.items() if before.get(k) is not v}
        if not any(line.startswith("m") and " = " in line for line in blocks[index].splitlines()):
            return "", printed.getvalue()
        run = BlockRun(Block(index * SPACING + 1, blocks[index], (), SEED), own=own)
        try:
            data, _ = model_figure_data(JobSpec(code=blocks[index], seed=SEED, dpi=60), run, session)
        except SnippetError as error:
            return "error: " + error.info.message, printed.getvalue()
    data["figure_options"] = {}
    try:
        (tmp / "reference-figure").mkdir(exist_ok=True)
        _draw(JobKind.RNN, data, tmp / "reference-figure", 60)  # (a refusal to draw is the same both ways)
    except SnippetError as error:
        return "error: " + error.info.message, printed.getvalue()
    return _canonical(json.dumps(data)), printed.getvalue()


@settings(max_examples=12, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(article())
def test_every_block_computes_what_a_notebook_of_the_article_computes(tmp_path_factory, blocks):
    tmp = tmp_path_factory.mktemp("article")
    everything = list(range(len(blocks)))
    whole = production(blocks, everything, tmp, 0)
    article_text = "\n---\n".join(blocks)
    for index in everything:
        reference = notebook(blocks, index, tmp)
        assert whole[index] == reference, f"block {index}, whole-article session:\n{article_text}"
        alone = production(blocks, [index], tmp, index + 1)
        assert alone[index] == reference, f"block {index}, session of its needs:\n{article_text}"
