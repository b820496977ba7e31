"""The worker's loop: read jobs from stdin, answer on the protocol channel.

Started by :mod:`pelican_rnn_figures.site.runner` as ``python -m
pelican_rnn_figures.worker``. Says :class:`~..messages.Ready` first (with
its ``sys.path``: where the versions in the cache key are read), then
for each session line (a :class:`~..messages.SessionMessage`) answers
``Started`` as each block's code begins and ``Finished`` as each job's entry
is written or it failed. A failing job costs its figure, never the worker.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import socket
import sys
import threading
import time
from typing import TextIO

from ..messages import (
    EntrySummary,
    ErrorInfo,
    ErrorKind,
    Finished,
    JobMessage,
    Ready,
    Reply,
    SessionMessage,
    Started,
    reply_to_json,
)
from .session_run import run_session

DUMP_AHEAD = 1.0  # seconds before the timeout that the worker dumps its stack


def _send(replies: TextIO | io.TextIOBase, reply: Reply) -> None:
    replies.write(json.dumps(reply_to_json(reply)) + "\n")
    replies.flush()


def _job_number(line: str) -> int:
    """The id of a message that is not a job, if it says one (else -1): a line
    that is not even JSON must not end the worker."""
    try:
        number = json.loads(line).get("id", -1)
    except (ValueError, AttributeError):
        return -1
    return number if isinstance(number, int) else -1


def serve(jobs: TextIO | io.TextIOBase, replies: TextIO | io.TextIOBase) -> None:
    _send(replies, Ready(os.getpid(), prefix=sys.prefix, path=list(sys.path)))
    for line in jobs:
        try:
            session = SessionMessage.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError) as error:
            _send(replies, Finished(_job_number(line), error=ErrorInfo(ErrorKind.JOB, f"not a job: {error}")))
            continue
        timeout = min((message.job.timeout for message in session.jobs), default=0.0)

        def started(block_line: int, number: int = session.id, timeout: float = timeout) -> None:
            _send(replies, Started(number, block_line))
            if timeout:
                # Shortly before the site stops us, say where the code is (a loop
                # that never ends): the site reads it from our stderr.
                faulthandler.dump_traceback_later(max(timeout - DUMP_AHEAD, timeout / 2), file=sys.stderr)

        def done(message: JobMessage, summary: EntrySummary | None, error: ErrorInfo | None) -> None:
            faulthandler.cancel_dump_traceback_later()
            _send(replies, Finished(message.id, summary, error))

        run_session(session, started, done)
        faulthandler.cancel_dump_traceback_later()


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


def _no_network() -> None:
    """Nothing is reachable at build time: a snippet that reaches for the
    network (a dataset download) fails at once, at its line, rather than hang."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError(
            "no network while the site builds: load data from a file in the content, or mark the "
            "block '# rnn-figures: skip'"
        )

    original_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            refuse()
        original_connect(self, address)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.create_connection = refuse  # type: ignore[assignment]


def main() -> None:
    _end_with_parent()
    _no_network()
    # Keep the protocol channel to ourselves: anything the snippet or a C
    # library writes to fd 1 goes to stderr instead.
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin, replies)
