"""Run one session's jobs: every block once, in article order, in one notebook.

The jobs of a session are the figures (and printed outputs) of one article
whose snippets share blocks. Their blocks are merged by article line and run
in order; each job's entry is made as soon as its own block has run, before
later blocks can change its model. Jobs that run no snippet (an embedding or
words figure) are made first, without TensorFlow.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from ..messages import EntrySummary, ErrorInfo, ErrorKind, JobMessage, SessionMessage
from .author_errors import SnippetError, plugin_bug
from .entry import block_printed, build_entry
from .notebook import Block, Notebook, blocks_of

JobDone = Callable[[JobMessage, EntrySummary | None, ErrorInfo | None], None]


def missing_dependency(error: ImportError) -> ErrorInfo:
    message = (
        f"{error} in {sys.executable}, the Python that runs snippets; install "
        "TensorFlow and matplotlib there: python -m pip install tensorflow matplotlib"
    )
    return ErrorInfo(ErrorKind.MISSING_DEPENDENCY, message)


def _made(message: JobMessage, notebook: Notebook | None, done: JobDone) -> None:
    """Make the job's entry and say so; a failure costs this job only."""
    try:
        summary = build_entry(message, notebook)
    except SnippetError as error:
        done(message, None, error.info)
    except ImportError as error:
        done(message, None, missing_dependency(error))
    except Exception as error:  # noqa: BLE001 - a bug of ours costs this job, not the session
        done(message, None, plugin_bug(error, "making the figure", block_printed(message.job, notebook)))
    else:
        done(message, summary, None)


def session_blocks(messages: list[JobMessage]) -> dict[int, Block]:
    """Every block the jobs run, by article line."""
    blocks: dict[int, Block] = {}
    for message in messages:
        for block in blocks_of(message.job.spec, message.job.first_line):
            blocks.setdefault(block.line, block)
    return blocks


def run_session(session: SessionMessage, started: Callable[[int], None], done: JobDone) -> None:
    """Run the session; ``started(line)`` as each block begins, ``done`` per job."""
    snippet_jobs = [message for message in session.jobs if message.job.kind.runs_snippet]
    for message in session.jobs:
        if not message.job.kind.runs_snippet:
            _made(message, None, done)
    if not snippet_jobs:
        return
    try:
        notebook = Notebook(snippet_jobs[0].job.source_path)
    except ImportError as error:
        for message in snippet_jobs:
            done(message, None, missing_dependency(error))
        return
    blocks = session_blocks(snippet_jobs)
    waiting: dict[int, list[JobMessage]] = {}
    for message in snippet_jobs:
        waiting.setdefault(message.job.first_line, []).append(message)
    with notebook.watching_models():
        for line in sorted(blocks):
            started(line)
            notebook.run(blocks[line])
            for message in waiting.get(line, []):
                _made(message, notebook, done)
