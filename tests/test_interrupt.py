"""Ctrl-C and SIGTERM stop a build: a real ``pelican`` process, a real signal.

Ctrl-C in a terminal is SIGINT to the whole foreground process group, so the
build is started in a group of its own and the group is signalled; SIGTERM
goes to the Pelican process alone. Either way the build ends within 2 s, no
worker is started after it or left behind, the cache holds only complete
entries (and no failure of the interrupted figures), and the next build makes
only what is missing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from helpers import HEADER, build_in_process, make_site, tally

from pelican_rnn_figures.common.files import is_partial

ARTICLES, SNIPPETS = 3, 2  # one session per article, on two workers
SLEEP = 1.5  # seconds each snippet sleeps: the build still runs when the first figure is done
DONE_RE = re.compile(r"RNN figures: \[1/\d+\] \S+ done")
TALLY_RE = re.compile(r"(\d+) generated, (\d+) from cache, (\d+) failed")


def article(number: int) -> str:
    blocks = "".join(
        f"```python rnn-figure\nimport time\ntime.sleep({SLEEP})\n"
        f"model = Sequential([Input((3, 2)), SimpleRNN({number * SNIPPETS + block + 1})])\n```\n\n"
        for block in range(SNIPPETS)
    )
    return HEADER.format(title=f"Slow {number}", slug=f"slow-{number}") + "\n" + blocks


def workers_of(marker: str) -> set[int]:
    """The live worker processes of the build whose environment has ``marker``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:  # ended meanwhile, or not ours
            continue
        if b"pelican_rnn_figures.worker" in cmdline and marker.encode() in environ:
            found.add(int(entry.name))
    return found


def check_entries(cache: Path) -> int:
    """Every entry complete (result.json and the files it lists, at their
    sizes), no partial name anywhere, no failure kept; how many entries."""
    assert not [path for path in cache.rglob("*") if is_partial(path.name)]
    assert not list((cache / "errors").rglob("*.json")), "an interrupted figure was kept as a failure"
    entries = [folder for folder in cache.glob("??/*") if folder.is_dir()]
    for folder in entries:
        summary = json.loads((folder / "result.json").read_text(encoding="utf-8"))
        assert summary["files"], folder
        for name, size in summary["files"].items():
            assert (folder / name).stat().st_size == size, (folder, name)
    return len(entries)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_a_signal_stops_the_build_within_2_s(tmp_path, how):
    make_site(tmp_path, {f"slow-{number}.md": article(number) for number in range(ARTICLES)})
    marker = f"RNN_INTERRUPT_TEST={uuid.uuid4().hex}"
    process = subprocess.Popen(
        [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "400", marker.split("=")[0]: marker.split("=")[1]},
        start_new_session=True,
    )
    lines: list[str] = []
    first_done = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if DONE_RE.search(line):
                first_done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert first_done.wait(300), "".join(lines)
        before = workers_of(marker)
        assert before, "the build's workers were not found"
        sent = time.monotonic()
        if how == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM)
        started_after: set[int] = set()
        while process.poll() is None and time.monotonic() - sent < 10:
            started_after |= workers_of(marker) - before
            time.sleep(0.01)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    reader.join(5)
    log = "".join(lines)
    print(f"{how}: signal to exit {took:.2f} s, exit status {process.returncode}")
    assert took < 2, log
    assert not started_after, f"workers started after the signal: {started_after}\n{log}"
    assert not workers_of(marker), log
    assert "RNN figure failed" not in log and "WorkerDied" not in log, log
    made = check_entries(tmp_path / "cache" / "rnn_figures")
    assert made < ARTICLES * SNIPPETS, log  # (else the test shows nothing: the build was done)
    # The next build makes what is missing, and only that.
    counts = TALLY_RE.search(tally(build_in_process(tmp_path)))
    assert counts is not None
    assert [int(count) for count in counts.groups()] == [ARTICLES * SNIPPETS - made, made, 0]
