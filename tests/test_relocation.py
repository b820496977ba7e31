"""Article lines of a cached entry moved to where its blocks are now (no TensorFlow)."""

from __future__ import annotations

import copy

import pytest

from pelican_rnn_figures.messages import EntrySummary, ErrorInfo, ErrorKind, FigureWarning, Outcome
from pelican_rnn_figures.site.relocation import line_moves

pytestmark = pytest.mark.fast  # no TensorFlow: `make test-fast` runs these alone

# Two blocks made at lines 10-11 (fences 9 and 12) and 20-22 (fences 19 and 23).
SETUP = "x = 1\ny = 2\n"
SNIPPET = "model = make()\nmodel.fit(x)\nmodel.predict(x)\n"


def test_nothing_moved_is_nothing_to_do():
    assert line_moves([10, 20], [(10, SETUP), (20, SNIPPET)]) is None
    assert line_moves([], []) is None  # a figure that runs no snippet


def test_a_line_moves_with_its_block_and_its_fences():
    moves = line_moves([10, 20], [(10, SETUP), (23, SNIPPET)])  # prose added between them
    assert moves is not None
    assert [moves.line(line) for line in (9, 10, 11, 12)] == [9, 10, 11, 12]  # the setup stayed
    assert [moves.line(line) for line in (19, 20, 22, 23)] == [22, 23, 25, 26]
    assert [moves.line(line) for line in (1, 15, 24, 100)] == [1, 15, 24, 100]  # no block's
    both = line_moves([10, 20], [(7, SETUP), (23, SNIPPET)])  # and some removed above both
    assert both is not None and (both.line(11), both.line(21)) == (8, 24)


def test_every_mention_of_a_line_in_a_text_moves():
    moves = line_moves([10, 20], [(10, SETUP), (23, SNIPPET)])
    assert moves is not None
    text = "NameError (in the block at line 10, which the snippet at line 20 uses); lines 21."
    assert (
        moves.text(text)
        == "NameError (in the block at line 10, which the snippet at line 23 uses); lines 24."
    )
    traceback = (
        '  File "/site/post.md", line 21, in <module>\n'
        '    print("line 22")\n'  # the code as written, echoed
        "ValueError: bad value at line 22\n"
    )
    assert moves.text(traceback) == (
        '  File "/site/post.md", line 24, in <module>\n'
        '    print("line 22")\n'
        "ValueError: bad value at line 25\n"
    )
    assert moves.text("the data of sample 21, 60 lines") == "the data of sample 21, 60 lines"


def test_a_summary_an_error_and_figure_data_name_the_lines_of_now():
    moves = line_moves([10, 20], [(10, SETUP), (23, SNIPPET)])
    assert moves is not None
    summary = EntrySummary(
        warnings=[FigureWarning(22, "the comment says (1, 4)"), FigureWarning(19, "not the data of line 21")],
        alt="the data the code calls the model on at line 22.",
        caption="LSTM(4), made at line 20.",
        block_lines=[10, 20],
    )
    kept = copy.deepcopy(summary)
    moved = moves.summary(summary)
    assert [(w.line, w.message) for w in moved.warnings] == [
        (25, "the comment says (1, 4)"),
        (22, "not the data of line 24"),
    ]
    assert moved.alt.endswith("at line 25.") and moved.caption == "LSTM(4), made at line 23."
    assert moved.block_lines == [10, 23]
    assert summary == kept  # the entry's own summary is not changed

    error = ErrorInfo(ErrorKind.RAISED, "x (in the block at line 10, which the snippet at line 20 uses)", 11)
    error.traceback = '  File "post.md", line 21, in <module>\n'
    outcome = moves.outcome(Outcome(error=error))
    assert outcome.error is not None and outcome.summary is None
    assert (outcome.error.line, outcome.error.traceback) == (11, '  File "post.md", line 24, in <module>\n')
    assert outcome.error.message.endswith("the snippet at line 23 uses)")
    assert moves.error(ErrorInfo(ErrorKind.NO_MODEL, "no model")).line is None

    data = {
        "data_from": {"call": "predict", "line": 22},
        "training": {"epochs": 5, "fits": 2, "lines": [21, 11]},
    }
    kept_data = copy.deepcopy(data)
    assert moves.in_figure_data(data) == {
        "data_from": {"call": "predict", "line": 25},
        "training": {"epochs": 5, "fits": 2, "lines": [24, 11]},
    }
    assert data == kept_data and moves.in_figure_data({"inputs": [[1]]}) == {"inputs": [[1]]}
