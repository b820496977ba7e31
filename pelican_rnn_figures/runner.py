"""Run figure jobs in a worker process, with a timeout, from the Pelican process.

The worker (:mod:`pelican_rnn_figures.worker`) is a fresh interpreter started
with ``subprocess``, never forked, so the Pelican process never imports
TensorFlow and nothing is forked from a process that has. One worker serves
every job of a build; a job that outlives the timeout or kills its worker is
reported and the next job gets a new worker.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)
STDERR_TAIL = 2_000


@dataclass
class Job:
    """One figure to make: ``spec`` is hashed into the cache key; the rest is not."""

    kind: str
    spec: dict[str, Any]
    dest: Path
    source_path: str = ""
    first_line: int = 1

    def message(self, number: int) -> str:
        return json.dumps(
            {
                "id": number,
                "kind": self.kind,
                "spec": self.spec,
                "dest": str(self.dest),
                "source_path": self.source_path,
                "first_line": self.first_line,
            }
        )


@dataclass
class Outcome:
    ok: bool
    summary: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] = field(default_factory=dict)


def _reader(stream, replies: queue.Queue) -> None:
    for line in stream:
        replies.put(line)
    replies.put(None)


class Runner:
    """Owns at most one worker process at a time; use as a context manager."""

    def __init__(self, python: str | None, timeout: float, scratch: Path):
        self.python = python or sys.executable
        self.timeout = timeout
        self.scratch = scratch
        self.process: subprocess.Popen | None = None
        self.replies: queue.Queue = queue.Queue()
        self.stderr = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_PARENT, env.get("PYTHONPATH")]))
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env["PYTHONWARNINGS"] = "ignore"
        env["MPLBACKEND"] = "Agg"
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
                stream.close()
        self.process = None

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.stdin.close()  # the worker ends at end of input
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()
        if self.stderr is not None:
            self.stderr.close()
            self.stderr = None

    def run(self, job: Job, number: int) -> Outcome:
        if self.process is None or self.process.poll() is not None:
            self._stop()
            self._start()
        try:
            self.process.stdin.write(job.message(number) + "\n")
            self.process.stdin.flush()
            line = self.replies.get(timeout=self.timeout)
        except queue.Empty:
            self._stop()
            return Outcome(
                False,
                error={
                    "type": "Timeout",
                    "line": None,
                    "traceback": "",
                    "message": f"the snippet did not finish within {self.timeout:g} seconds "
                    "(RNN_FIGURES_TIMEOUT); its worker was stopped",
                },
            )
        except (BrokenPipeError, OSError):
            line = None
        if line is None:
            self.process.wait()
            code = self.process.returncode
            tail = self._stderr_tail()
            self._stop()
            return Outcome(
                False,
                error={
                    "type": "WorkerDied",
                    "line": None,
                    "traceback": tail,
                    "message": f"the worker running the snippet died (exit status {code})"
                    + (f": {tail.splitlines()[-1]}" if tail else ""),
                },
            )
        reply = json.loads(line)
        if reply.get("ok"):
            return Outcome(True, summary=reply["summary"])
        return Outcome(False, error=reply["error"])
