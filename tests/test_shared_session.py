"""A block runs at most once per build, however many figures use it.

The figures of an article whose blocks overlap run in one session on one
worker, each block once, in article order. Built for real: a block that
appends to a log file tells how often it ran. And a figure is the same
what a notebook of the article makes: Keras's layer names and the random
seed are set before each block to what the blocks above it leave (the
blocks it needs: every block above that may change anything).
"""

from __future__ import annotations

import json
import logging

from figure_checks import check_figure
from helpers import HEADER, build_in_process, cache_summaries, tally


def post(log: str, *, with_other_figure: bool = True, loop_forever: bool = False) -> str:
    other = (
        """
Another model on the same data, which prints its summary:

```python
other = Sequential([Input((STEPS, 1)), SimpleRNN(2)])
other.summary()
print(other.predict(x[:2], verbose=0))
```

![another](/images/other.png)
"""
        if with_other_figure
        else ""
    )
    hang = (
        """
A block that never ends (it uses the data too):

```python
while len(x):
    pass
print("never")
```
"""
        if loop_forever
        else ""
    )
    return (
        HEADER.format(title="Shared", slug="shared")
        + "Rnn_timeout: 4\n\n"
        + f"""\
The data, made once:

```python
import numpy as np
STEPS = 3
with open({log!r}, "a") as log:
    log.write("data block ran\\n")
x = np.linspace(0, 1, 24).reshape(8, STEPS, 1).round(2)
```

A model that comes first and makes a SimpleRNN of its own:

```python
first = Sequential([Input((STEPS, 1)), SimpleRNN(3)])
print(first.predict(x[:1], verbose=0).shape)
```

![first](/images/first.png)
{hang}{other}
What the data looks like:

```python
print(x.shape)
```
"""
    )


def test_a_block_needed_by_several_figures_runs_once(tmp_path):
    log = tmp_path / "runs.log"
    result = build_in_process(tmp_path, {"shared.md": post(str(log))})
    # Two figures and a printed output, all needing the data block.
    assert "2 generated, 0 from cache, 0 failed" in tally(result)
    assert log.read_text().splitlines() == ["data block ran"]
    printed = [summary["printed"] for summary in cache_summaries(tmp_path) if summary["printed"]]
    assert "(8, 3, 1)\n" in printed and "(1, 3)\n" in printed
    for name in ("first", "other"):
        check_figure(tmp_path / "output" / "images" / f"{name}.png")  # against NumPy
    # A warm build runs nothing.
    log.unlink()
    assert "0 generated, 2 from cache, 0 failed" in tally(
        build_in_process(tmp_path, {"shared.md": post(str(log))})
    )
    assert not log.exists()


def test_layer_names_count_on_through_the_article_as_in_a_notebook(tmp_path):
    """ "other" comes after "first", which made a SimpleRNN: as in a notebook
    of the article, its SimpleRNN is ``simple_rnn_1``, in its printed summary
    and in its figure, also when "first"'s figure comes from the cache."""
    build_in_process(tmp_path, {"shared.md": post(str(tmp_path / "a.log"))})
    (summary,) = [s["printed"] for s in cache_summaries(tmp_path) if "Model:" in s["printed"]]
    assert "simple_rnn_1 (SimpleRNN)" in summary
    figure = json.loads((tmp_path / "output" / "images" / "other.json").read_text())
    assert [layer["name"] for layer in figure["layers"]] == ["simple_rnn_1"]
    # Only "other" changes: "first" is taken from the cache, "other" made anew after it.
    text = post(str(tmp_path / "a.log")).replace("SimpleRNN(2)])", "SimpleRNN(2, name='rnn')])")
    result = build_in_process(tmp_path, {"shared.md": text})
    assert "1 generated, 1 from cache, 0 failed" in tally(result)
    figure = json.loads((tmp_path / "output" / "images" / "other.json").read_text())
    assert [layer["name"] for layer in figure["layers"]] == ["rnn"]


def test_a_block_that_never_ends_costs_its_own_figure_not_its_session(tmp_path):
    log = tmp_path / "runs.log"
    text = post(str(log), loop_forever=True)
    result = build_in_process(tmp_path, {"shared.md": text})
    loop = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("while len(x)"))
    (warning,) = [m for m in result.ours(logging.WARNING) if "Timeout" in m]
    assert f"shared.md:{loop}: output-only snippet failed: Timeout" in warning
    assert f"while running line {loop}" in warning or f"while running line {loop + 1}" in warning
    # The figures and the output that do not need the endless block are made,
    # in a new worker; nothing else failed.
    assert "2 generated, 0 from cache, 0 failed" in tally(result)
    assert not result.ours(logging.ERROR)
    printed = [summary["printed"] for summary in cache_summaries(tmp_path)]
    assert "(8, 3, 1)\n" in printed


def test_figures_sharing_a_block_directly_or_through_others_make_one_session():
    """Sessions are the groups of an article's figures linked by shared blocks
    (also through a third figure); other articles and non-snippet figures apart."""
    from pelican_rnn_figures.messages import Job, JobKind, JobSpec, NeededBlock
    from pelican_rnn_figures.site.figures import Work, _sessions
    from pelican_rnn_figures.site.planning import ArticlePlan, PlannedFigure

    post, other = ArticlePlan("post.md"), ArticlePlan("other.md")

    def work(plan, first_line, needed_lines=(), kind=JobKind.RNN):
        spec = JobSpec(needed=[NeededBlock("", line=line) for line in needed_lines])
        figure = PlannedFigure(Job(kind, spec, plan.source_path, first_line, 10.0), "", first_line - 1)
        return Work(None, figure, key=f"{plan.source_path}:{first_line}")

    a, b, c = work(post, 30, [10]), work(post, 50, [20]), work(post, 70, [10, 20])  # c links a and b
    alone, elsewhere = work(post, 90), work(other, 30, [10])
    words = work(post, 5, kind=JobKind.WORDS)
    sessions = [[item.key for item in session] for session in _sessions([a, b, alone, words, elsewhere, c])]
    assert sorted(sessions) == sorted(
        [["post.md:30", "post.md:50", "post.md:70"], ["post.md:90"], ["post.md:5"], ["other.md:30"]]
    )
