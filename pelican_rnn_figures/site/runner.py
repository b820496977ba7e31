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

Ctrl-C and SIGTERM stop a build's figures (:meth:`WorkerPool.run_all`): workers
run in a process group of their own, so a terminal's Ctrl-C reaches Pelican
alone, as a KeyboardInterrupt in its main thread; the pool then starts no job
and no worker more, kills its workers, removes what they left half-written and
lets the interrupt end the build. SIGTERM does the same while figures run
(its previous handler is put back after), then ends the process as that
handler would have.
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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from ..common.files import PARTIAL_PREFIX
from ..messages import (
    PROTOCOL,
    ErrorKind,
    Finished,
    JobMessage,
    Outcome,
    Ready,
    Reply,
    SessionMessage,
    Started,
    failure,
    reply_from_json,
)
from .worker_python import WORKER_ARGUMENTS, worker_environment

logger = logging.getLogger(__name__)

STDERR_TAIL = 2_000
MEMORY_POLL_SECONDS = 0.2  # how often a worker's memory is looked at while it runs
STARTUP_SECONDS = 300


# The jobs of one article that share blocks: one worker, each block run once.
# Each job's message id is its own in the session (figures.py numbers them).
Session = list[JobMessage]
JobDone = Callable[[JobMessage, Outcome], None]


def _lost_job(lost: Outcome, message: JobMessage, lost_at: int | None) -> Outcome:
    """Why the worker was lost, as the failure of a job whose blocks include
    the one that was running (saying so when it is a block the job needs)."""
    error, job = lost.error, message.job
    assert error is not None
    if lost_at is None or lost_at == job.first_line or not job.kind.runs_snippet:
        return lost
    needed = error.in_needed_block(lost_at, job.first_line)
    needed.line = error.line or lost_at  # (a timeout knows its line only from the stack dump)
    return Outcome(error=needed)


class WorkerEndedError(Exception):
    """The worker's output ended: it died."""


class FiguresInterrupted(KeyboardInterrupt):
    """The build was interrupted (Ctrl-C, SIGTERM, a worker killed by SIGINT):
    no job or worker more; Pelican stops as at a Ctrl-C."""


class FiguresTerminated(SystemExit):
    """SIGTERM while figures run (see :func:`_terminate_stops`)."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def _raise_terminated(signum: int, frame: object) -> None:
    raise FiguresTerminated


@contextlib.contextmanager
def _terminate_stops() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`FiguresTerminated` in the
    main thread (so the pool kills its workers, as at a Ctrl-C); then the
    previous handler is put back and the signal given to it again: by default
    the process ends, as Pelican's does at a SIGTERM. (Only in the main thread,
    and not if SIGTERM is ignored or was not set from Python.)"""
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or previous in (signal.SIG_IGN, None):
        yield
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except FiguresTerminated:
        signal.signal(signal.SIGTERM, previous)
        signal.raise_signal(signal.SIGTERM)
        raise  # (a handler that did not end the process: the build ends here)
    finally:
        signal.signal(signal.SIGTERM, previous)


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

    def __init__(
        self, python: str, memory_limit_mb: float, scratch: Path, stopping: threading.Event | None = None
    ):
        self.python = python
        self.memory_limit_mb = memory_limit_mb
        self.scratch = scratch
        # Set when the build is interrupted: no job or worker more (the pool's, shared by its runners).
        self.stopping = stopping or threading.Event()
        self.process: subprocess.Popen[str] | None = None
        # The entries of the session it runs (the one it was filling is removed if it is killed).
        self.dests: list[str] = []
        self.replies: queue.Queue[str | None] = queue.Queue()
        self.stderr: IO[str] | None = None
        self.over_memory = False
        self.running: int | None = None  # the article line of the block the worker runs now

    def _start(self) -> None:
        env = worker_environment(self.python)  # its own environment's packages, and this plugin
        self.scratch.mkdir(parents=True, exist_ok=True)
        # Kept open as long as the worker lives, to report its last words if it dies.
        self.stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        self.process = subprocess.Popen(
            [self.python, *WORKER_ARGUMENTS],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            cwd=self.scratch,
            env=env,
            text=True,
            encoding="utf-8",
            # A group of its own: a terminal's Ctrl-C reaches Pelican, which stops it.
            process_group=0,
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
        for dest in self.dests:  # an entry it was writing when it was killed or died
            folder, name = os.path.split(dest)
            shutil.rmtree(
                os.path.join(folder, f"{PARTIAL_PREFIX}{self.process.pid}-{name}"), ignore_errors=True
            )
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
                line = self.replies.get(timeout=min(remaining, MEMORY_POLL_SECONDS))
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

    def run(self, session: Session, number: int, on_done: JobDone) -> list[Outcome]:
        """Run the session's jobs; outcomes in job order. A job whose block (or a
        block it needs) outlived its timeout or killed the worker fails; the
        others are run again in a new worker."""
        outcomes: dict[int, Outcome] = {}
        pending = session
        self.dests = [message.dest for message in session]
        while pending:
            lost = self._run_once(pending, number, outcomes, on_done)
            if self.stopping.is_set():  # a worker lost to the interrupt is no failure, and not restarted
                self._stop()
                raise FiguresInterrupted
            if lost is None:
                break
            pending = self._fail_lost(pending, outcomes, lost, on_done)
        return [
            outcomes.get(message.id) or failure(ErrorKind.INTERNAL, "the job was not run")
            for message in session
        ]

    def _fail_lost(
        self, jobs: Session, outcomes: dict[int, Outcome], lost: Outcome, on_done: JobDone
    ) -> Session:
        """Fail the unfinished jobs that ran the block the worker was lost in
        (all of them if it was in none); returns the others, to run again."""
        still: Session = []
        for message in (message for message in jobs if message.id not in outcomes):
            if self.running is None or self.running in message.job.block_lines:
                outcomes[message.id] = _lost_job(lost, message, self.running)
                on_done(message, outcomes[message.id])
            else:
                still.append(message)
        return still

    def _run_once(
        self, jobs: Session, number: int, outcomes: dict[int, Outcome], on_done: JobDone
    ) -> Outcome | None:
        """One worker's go at ``jobs``. Returns None when every job finished;
        else why the worker was lost, with ``self.running`` the line of the
        block that was running then (None if none was, or if the loss is no
        block's)."""
        self.over_memory, self.running = False, None
        try:
            self._ensure_started()
            self._send(SessionMessage(number, jobs))
            self._collect(jobs, number, outcomes, on_done)
        except queue.Empty:
            return self._stopped_in_time(jobs)
        except ProtocolError as error:
            self._stop()
            self.running = None
            return failure(ErrorKind.PROTOCOL, str(error))
        except (OSError, WorkerEndedError):  # a broken pipe, or the end of its output: the worker is gone
            return self._died()
        return None

    def _ensure_started(self) -> None:
        """A worker that runs and said its handshake: this one's, or a new one."""
        if self.process is None or self.process.poll() is not None:
            self._stop()
            if self.stopping.is_set():
                raise FiguresInterrupted
            self._start()
            if self.stopping.is_set():  # (the pool may have missed it while it started)
                raise FiguresInterrupted
            self._handshake()

    def _send(self, message: SessionMessage) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps(message.to_json()) + "\n")
        self.process.stdin.flush()

    def _collect(self, jobs: Session, number: int, outcomes: dict[int, Outcome], on_done: JobDone) -> None:
        """The worker's replies to session ``number`` until every job finished;
        queue.Empty when a block outlives its time, WorkerEndedError if it dies,
        ProtocolError on a reply that is not the next one."""
        timeout = min(message.job.timeout for message in jobs)
        # Importing TensorFlow is not the snippets' time: each block's
        # timeout runs from its Started (a job that runs no snippet answers
        # Finished at once).
        wait = max(timeout, STARTUP_SECONDS)
        waiting = {message.id: message for message in jobs}
        while waiting:
            reply = self._await_reply(wait)
            if reply is None:
                raise WorkerEndedError
            if isinstance(reply, Started) and reply.id == number:
                self.running, wait = reply.line, timeout
            elif isinstance(reply, Finished) and reply.id in waiting:
                outcome = outcomes[reply.id] = Outcome(reply.summary, reply.error)
                on_done(waiting.pop(reply.id), outcome)
                if self.running is not None:
                    wait = timeout
            else:
                raise ProtocolError(f"the worker answered {reply!r} to session {number}")

    def _stopped_in_time(self, jobs: Session) -> Outcome:
        """The worker stopped for a block that outlived its timeout or grew
        past the memory limit: why, and (for a timeout) the line it was at."""
        where = self._where_it_hung(jobs[0].job.source_path)
        self._stop()
        if self.over_memory:
            return failure(
                ErrorKind.OUT_OF_MEMORY,
                f"the snippet used more than {self.memory_limit_mb:g} MB "
                "(RNN_FIGURES_MEMORY_LIMIT); its worker was stopped",
            )
        return failure(
            ErrorKind.TIMEOUT,
            f"the snippet did not finish within {jobs[0].job.timeout:g} seconds "
            "(RNN_FIGURES_TIMEOUT); its worker was stopped"
            + (f" while running line {where}" if where else ""),
            line=where,
        )

    def _died(self) -> Outcome:
        assert self.process is not None
        self.process.wait()
        code = self.process.returncode
        if code == -signal.SIGINT:  # someone interrupted it: the build is interrupted
            self.stopping.set()
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
        self.stopping = threading.Event()  # the build is interrupted (see :meth:`run_all`)

    def _runner(self) -> Runner:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            with self.lock:
                scratch = self.scratch / str(len(self.runners))
                runner = Runner(self.python, self.memory_limit_mb, scratch, self.stopping)
                self.runners.append(runner)
            return runner

    def run_all(
        self, sessions: list[Session], workers: int, on_done: JobDone | None = None
    ) -> list[list[Outcome]]:
        """Run ``sessions`` on at most ``workers`` workers; outcomes per session, in job order.

        A KeyboardInterrupt (or SIGTERM, :func:`_terminate_stops`) while they
        run stops them: no session and no worker more, every worker killed,
        and the interrupt raised once the threads have ended. The entries
        finished are in the cache; nothing of the others is."""
        self.stopping.clear()
        outcomes: list[list[Outcome]] = [[] for _ in sessions]
        pending: queue.Queue[int] = queue.Queue()
        for index in range(len(sessions)):
            pending.put(index)
        report = on_done or (lambda job, outcome: None)

        def drain() -> None:
            runner = self._runner()
            try:
                while not self.stopping.is_set():
                    try:
                        index = pending.get_nowait()
                    except queue.Empty:
                        return
                    outcomes[index] = runner.run(sessions[index], index, report)
            finally:
                self.idle.put(runner)

        count = max(1, min(workers, len(sessions)))
        with _terminate_stops():
            executor = ThreadPoolExecutor(max_workers=count, thread_name_prefix="rnn-figures")
            try:
                for future in [executor.submit(drain) for _ in range(count)]:
                    future.result()
            except BaseException as error:
                self._interrupt(error)
                raise
            finally:
                executor.shutdown(cancel_futures=True)  # (at once, once the workers are killed)
        return outcomes

    def _interrupt(self, why: BaseException) -> None:
        """Stop every runner: no job more, each worker killed (its thread sees it end)."""
        self.stopping.set()
        if isinstance(why, (KeyboardInterrupt, SystemExit)):
            cause = "SIGTERM" if isinstance(why, FiguresTerminated) else "interrupted"
            logger.warning("RNN figures: stopped (%s); the figures finished are kept in the cache", cause)
        for runner in list(self.runners):
            process = runner.process
            if process is not None:
                with contextlib.suppress(OSError):
                    process.kill()

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
