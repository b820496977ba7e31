"""The worker's loop: read jobs from stdin, answer on the protocol channel.

Started by :mod:`pelican_rnn_figures.site.runner` as ``python -m
pelican_rnn_figures.worker``. Says :class:`~..messages.Ready` first, then
for each job line (a :class:`~..messages.JobMessage`) answers ``Started``
when the snippet's own code begins and ``Finished`` when its entry is
written or it failed. A failing job costs its figure, never the worker.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from typing import TextIO

from ..messages import (
    ErrorInfo,
    ErrorKind,
    Finished,
    JobMessage,
    Ready,
    Reply,
    Started,
    reply_to_json,
)
from .entry import build_entry
from .snippet_run import SnippetError


def _send(replies: TextIO | io.TextIOBase, reply: Reply) -> None:
    replies.write(json.dumps(reply_to_json(reply)) + "\n")
    replies.flush()


def _missing_dependency(error: ImportError) -> ErrorInfo:
    message = (
        f"{error} in {sys.executable}, the Python that runs snippets; install "
        "TensorFlow and matplotlib there: python -m pip install tensorflow matplotlib"
    )
    return ErrorInfo(ErrorKind.MISSING_DEPENDENCY, message)


def serve(jobs: TextIO | io.TextIOBase, replies: TextIO | io.TextIOBase) -> None:
    _send(replies, Ready(os.getpid()))
    for line in jobs:
        try:
            job = JobMessage.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError) as error:
            number = json.loads(line).get("id", -1) if line.lstrip().startswith("{") else -1
            _send(replies, Finished(number, error=ErrorInfo(ErrorKind.JOB, f"not a job: {error}")))
            continue

        def started(number: int = job.id) -> None:
            _send(replies, Started(number))

        try:
            summary = build_entry(job, started)
            reply = Finished(job.id, summary=summary)
        except SnippetError as error:
            reply = Finished(job.id, error=error.info)
        except ImportError as error:
            reply = Finished(job.id, error=_missing_dependency(error))
        _send(replies, reply)


def _end_with_parent() -> None:
    """Die with the Pelican process, even if it was killed mid-snippet.

    (Not PR_SET_PDEATHSIG: that fires when the *thread* that started us ends,
    and workers are started from short-lived threads.)"""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    _end_with_parent()
    # Keep the protocol channel to ourselves: anything the snippet or a C
    # library writes to fd 1 goes to stderr instead.
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, replies)
