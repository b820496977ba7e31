"""Run figure jobs in worker processes, with timeouts, from the Pelican process.

A worker (:mod:`pelican_rnn_figures.worker`) is a fresh interpreter started
with ``subprocess`` (fork + exec of a new Python, so nothing is ever forked
from a process that has imported TensorFlow; Pelican's process never does).
A job that outlives its timeout, grows past the memory limit or kills its
worker is reported, and the next job gets a new worker.

Workers outlive a build on purpose: under ``make devserver`` Pelican rebuilds
in the same process, and a warm worker turns an edited snippet into a figure
without paying for TensorFlow's import again. They end when Pelican exits
(``atexit``), or by themselves when its end closes their input.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..messages import (
    PROTOCOL,
    ErrorKind,
    Finished,
    JobKind,
    JobMessage,
    JobSpec,
    Outcome,
    Ready,
    Reply,
    SessionMessage,
    Started,
    failure,
    reply_from_json,
)

logger = logging.getLogger(__name__)

PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])  # the folder that holds the package
STDERR_TAIL = 2_000
MEMORY_POLL_SECONDS = 0.05
STARTUP_SECONDS = 300


@dataclass
class Job:
    """One figure to make: ``spec`` is hashed into the cache key; the rest is not."""

    kind: JobKind
    spec: JobSpec
    dest: Path
    source_path: str
    first_line: int  # article line of the code's first line, for tracebacks
    timeout: float  # seconds; RNN_FIGURES_TIMEOUT, or less if the article says so
    setup_lines: list[int] = field(default_factory=list)  # where the spec's setup blocks start

    def message(self, number: int) -> JobMessage:
        return JobMessage(
            number,
            self.kind,
            self.spec,
            str(self.dest),
            self.source_path,
            self.first_line,
            self.setup_lines,
            self.timeout,
        )

    @property
    def block_lines(self) -> set[int]:
        """The article lines of the blocks it runs (none if it runs no snippet)."""
        return {*self.setup_lines, self.first_line} if self.kind.runs_snippet else set()


Session = list[Job]  # jobs of one article that share blocks: one worker, each block run once


def _lost_job(lost: Outcome, job: Job, lost_at: int | None) -> Outcome:
    """Why the worker was lost, as the failure of a job whose blocks include
    the one that was running (saying so when it is a block the job needs)."""
    error = lost.error
    assert error is not None
    if lost_at is None or lost_at == job.first_line or not job.kind.runs_snippet:
        return lost
    needed = error.in_needed_block(lost_at, job.first_line)
    needed.line = error.line or lost_at  # (a timeout knows its line only from the stack dump)
    return Outcome(error=needed)


class ProtocolError(Exception):
    """The worker said something that is not the protocol's next message."""


def _reader(stream: IO[str], replies: queue.Queue[str | None]) -> None:
    for line in stream:
        replies.put(line)
    replies.put(None)


def _rss_megabytes(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


class Runner:
    """Owns at most one worker process at a time."""

    def __init__(self, python: str, memory_limit_mb: float, scratch: Path):
        self.python = python
        self.memory_limit_mb = memory_limit_mb
        self.scratch = scratch
        self.process: subprocess.Popen[str] | None = None
        self.replies: queue.Queue[str | None] = queue.Queue()
        self.stderr: IO[str] | None = None
        self.over_memory = False

    def _start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_PARENT, env.get("PYTHONPATH")]))
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env["PYTHONWARNINGS"] = "ignore"
        env["MPLBACKEND"] = "Agg"
        env.pop("PYTHONPROFILEIMPORTTIME", None)
        self.scratch.mkdir(parents=True, exist_ok=True)
        # Kept open as long as the worker lives, to report its last words if it dies.
        self.stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        self.process = subprocess.Popen(
            [self.python, "-m", "pelican_rnn_figures.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            cwd=self.scratch,
            env=env,
            text=True,
            encoding="utf-8",
        )
        self.replies = queue.Queue()
        threading.Thread(target=_reader, args=(self.process.stdout, self.replies), daemon=True).start()
        logger.debug("Started figure worker %d", self.process.pid)

    def _handshake(self) -> None:
        """The worker's first line says it runs and which protocol it speaks."""
        hello = self._await_reply(STARTUP_SECONDS)
        if not isinstance(hello, Ready):
            raise ProtocolError(f"the worker's first line was not its handshake: {hello!r}")
        if hello.protocol != PROTOCOL:
            raise ProtocolError(
                f"the worker speaks protocol {hello.protocol}, this plugin {PROTOCOL}: "
                f"RNN_FIGURES_PYTHON ({self.python}) has another version of pelican_rnn_figures"
            )

    def _where_it_hung(self, source_path: str) -> int | None:
        """The article line the snippet was running when its time ran out, from
        the stack the worker dumps just before (faulthandler)."""
        if self.stderr is None:
            return None
        self.stderr.seek(0)
        found = re.search(rf'File "{re.escape(source_path)}", line (\d+)', self.stderr.read())
        return int(found.group(1)) if found else None

    def _stderr_tail(self) -> str:
        if self.stderr is None:
            return ""
        self.stderr.seek(0)
        return self.stderr.read()[-STDERR_TAIL:].strip()

    def _stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        self.process = None
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None and self.process.stdin is not None:
            try:
                self.process.stdin.close()  # the worker ends at end of input
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def _await_reply(self, timeout: float) -> Reply | None:
        """The worker's next reply (None if it ended); raises queue.Empty on
        timeout or memory overrun, ProtocolError on a line that is no reply."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise queue.Empty
            try:
                line = self.replies.get(timeout=min(remaining, MEMORY_POLL_SECONDS * 4))
            except queue.Empty:
                if self.memory_limit_mb and _rss_megabytes(self.process.pid) > self.memory_limit_mb:
                    self.over_memory = True
                    raise
                continue
            if line is None:
                return None
            try:
                return reply_from_json(json.loads(line))
            except (ValueError, KeyError, TypeError) as error:
                raise ProtocolError(f"the worker said {line[:200]!r} ({error})") from None

    def run(self, session: Session, number: int, on_done: Callable[[Job, Outcome], None]) -> list[Outcome]:
        """Run the session's jobs; outcomes in job order. A job whose block (or a
        block it needs) outlived its timeout or killed the worker fails; the
        others are run again in a new worker."""
        outcomes: list[Outcome | None] = [None] * len(session)
        pending = list(range(len(session)))
        while pending:
            lost_at, lost = self._run_once([session[i] for i in pending], number, outcomes, pending, on_done)
            if lost is None:
                break
            still: list[int] = []
            for index in (index for index in pending if outcomes[index] is None):
                job = session[index]
                if lost_at is None or lost_at in job.block_lines:
                    outcomes[index] = _lost_job(lost, job, lost_at)
                    on_done(job, outcomes[index])  # type: ignore[arg-type]
                else:
                    still.append(index)
            pending = still
        return [outcome or failure(ErrorKind.INTERNAL, "the job was not run") for outcome in outcomes]

    def _run_once(
        self,
        jobs: list[Job],
        number: int,
        outcomes: list[Outcome | None],
        indexes: list[int],
        on_done: Callable[[Job, Outcome], None],
    ) -> tuple[int | None, Outcome | None]:
        """One worker's go at ``jobs`` (at ``indexes`` of the session). Returns
        None, None when every job finished; else the line of the block that was
        running (None if none was) and why the worker was lost."""
        self.over_memory = False
        running: int | None = None
        finished = 0
        try:
            if self.process is None or self.process.poll() is not None:
                self._stop()
                self._start()
                self._handshake()
            assert self.process is not None and self.process.stdin is not None
            message = SessionMessage(number, [job.message(i) for i, job in zip(indexes, jobs, strict=True)])
            self.process.stdin.write(json.dumps(message.to_json()) + "\n")
            self.process.stdin.flush()
            timeout = min(job.timeout for job in jobs)
            # Importing TensorFlow is not the snippets' time: each block's
            # timeout runs from its Started (a job that runs no snippet answers
            # Finished at once).
            wait = max(timeout, STARTUP_SECONDS)
            while finished < len(jobs):
                reply = self._await_reply(wait)
                if reply is None:
                    return running, self._died()
                if isinstance(reply, Started) and reply.id == number:
                    running, wait = reply.line, timeout
                elif isinstance(reply, Finished) and reply.id in indexes and outcomes[reply.id] is None:
                    outcome = outcomes[reply.id] = Outcome(reply.summary, reply.error)
                    on_done(jobs[indexes.index(reply.id)], outcome)
                    finished += 1
                    if running is not None:
                        wait = timeout
                else:
                    self._stop()
                    return None, failure(
                        ErrorKind.PROTOCOL, f"the worker answered {reply!r} to session {number}"
                    )
        except queue.Empty:
            where = self._where_it_hung(jobs[0].source_path)
            self._stop()
            if self.over_memory:
                return running, failure(
                    ErrorKind.OUT_OF_MEMORY,
                    f"the snippet used more than {self.memory_limit_mb:g} MB "
                    "(RNN_FIGURES_MEMORY_LIMIT); its worker was stopped",
                )
            return running, failure(
                ErrorKind.TIMEOUT,
                f"the snippet did not finish within {jobs[0].timeout:g} seconds "
                "(RNN_FIGURES_TIMEOUT); its worker was stopped"
                + (f" while running line {where}" if where else ""),
                line=where,
            )
        except ProtocolError as error:
            self._stop()
            return None, failure(ErrorKind.PROTOCOL, str(error))
        except OSError:  # a broken pipe: the worker is gone
            return running, self._died()
        return None, None

    def _died(self) -> Outcome:
        assert self.process is not None
        self.process.wait()
        code = self.process.returncode
        tail = self._stderr_tail()
        self._stop()
        cause = f"killed by signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        last = f": {tail.splitlines()[-1]}" if tail else ""
        return failure(ErrorKind.WORKER_DIED, f"the worker running the snippet died ({cause}){last}", tail)


class WorkerPool:
    """Up to ``size`` workers, each owned by one thread while a batch runs."""

    def __init__(self, python: str, memory_limit_mb: float):
        self.python = python
        self.memory_limit_mb = memory_limit_mb
        self.scratch = Path(tempfile.mkdtemp(prefix="rnn-figures-scratch-"))
        self.idle: queue.LifoQueue[Runner] = queue.LifoQueue()
        self.runners: list[Runner] = []
        self.lock = threading.Lock()

    def _runner(self) -> Runner:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            with self.lock:
                runner = Runner(self.python, self.memory_limit_mb, self.scratch / str(len(self.runners)))
                self.runners.append(runner)
            return runner

    def run_all(
        self, sessions: list[Session], workers: int, on_done: Callable[[Job, Outcome], None] | None = None
    ) -> list[list[Outcome]]:
        """Run ``sessions`` on at most ``workers`` workers; outcomes per session, in job order."""
        outcomes: list[list[Outcome]] = [[] for _ in sessions]
        pending: queue.Queue[int] = queue.Queue()
        for index in range(len(sessions)):
            pending.put(index)
        report = on_done or (lambda job, outcome: None)

        def drain() -> None:
            runner = self._runner()
            try:
                while True:
                    try:
                        index = pending.get_nowait()
                    except queue.Empty:
                        return
                    outcomes[index] = runner.run(sessions[index], index, report)
            finally:
                self.idle.put(runner)

        count = max(1, min(workers, len(sessions)))
        with ThreadPoolExecutor(max_workers=count, thread_name_prefix="rnn-figures") as executor:
            for future in [executor.submit(drain) for _ in range(count)]:
                future.result()
        return outcomes

    def close(self) -> None:
        for runner in self.runners:
            runner.close()
        self.runners.clear()
        while not self.idle.empty():
            self.idle.get_nowait()
        shutil.rmtree(self.scratch, ignore_errors=True)


_pools: dict[tuple[str, float], WorkerPool] = {}


def shared_pool(python: str | None, memory_limit_mb: float) -> WorkerPool:
    """The process's pool for this interpreter and limit, kept between builds."""
    key = (python or sys.executable, float(memory_limit_mb))
    if key not in _pools:
        _pools[key] = WorkerPool(*key)
    return _pools[key]


@atexit.register
def close_pools() -> None:
    for pool in _pools.values():
        pool.close()
    _pools.clear()
