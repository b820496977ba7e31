"""Live preview as a writer uses it: `make devserver`'s command on a temp copy,
and the open page in Chromium reloading itself after a save."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import REPO, chromium, import_playwright

sys.path.insert(0, str(REPO / "benchmarks"))
import live_reload  # noqa: E402
from legibility import CHROMIUM_FLAGS  # noqa: E402

ARTICLE = live_reload.ARTICLE
FIGURE = "images/rnn-default-keras.json"
free_port = live_reload.free_port


def fetch(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def session_processes(session: int) -> list[int]:
    """Processes of a session (the devserver, its reloader and figure workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == session:
                found.append(int(entry.name))
    return found


def test_devserver_regenerates_an_edited_snippets_figure(tmp_path):
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copy(REPO / "pelicanconf.py", tmp_path / "pelicanconf.py")
    port = free_port()
    command = [sys.executable, str(REPO / "tools" / "devserver.py"), "content", "-o", "output"]
    server = subprocess.Popen(
        [*command, "-p", str(port), "-b", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        page = wait_for(lambda: fetch(f"{base}/{ARTICLE}"), 300, "the first build")
        assert b"rnn-default-keras.png" in page
        before = json.loads(wait_for(lambda: fetch(f"{base}/{FIGURE}"), 60, "the figure"))
        assert before["layers"][0]["units"] == 4

        article = tmp_path / "content" / "illustrated-lstm-keras.md"
        text = article.read_text(encoding="utf-8")
        edited = text.replace("SimpleRNN(4, input_shape=(3, 2)))", "SimpleRNN(6, input_shape=(3, 2)))")
        assert edited != text
        article.write_text(edited, encoding="utf-8")

        def regenerated():
            body = fetch(f"{base}/{FIGURE}")
            return body and json.loads(body)["layers"][0]["units"] == 6 and body

        after = json.loads(wait_for(regenerated, 120, "the edited snippet's figure"))
        assert len(after["layers"][0]["states"][0]) == 6
        assert fetch(f"{base}/images/rnn-default-keras.png")
    finally:
        live_reload.stop(server)
    # Nothing left behind: not the server, not the reloader, not a worker.
    wait_for(lambda: not session_processes(server.pid), 15, "the devserver's processes to end")


@pytest.mark.browser
def test_the_open_page_reloads_itself_with_the_new_figure(tmp_path):
    """What benchmarks/live_reload.py times: save, and the page open in the
    browser shows the edited snippet's figure without the writer pressing reload."""
    executable = chromium()
    playwright_api = import_playwright()
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copy(REPO / "pelicanconf.py", tmp_path / "pelicanconf.py")
    with playwright_api.sync_playwright() as playwright, live_reload.devserver(tmp_path) as base:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = live_reload.open_when_built(browser, base)
            assert page.evaluate(live_reload.LIVERELOAD_LOADED)
            for units in (5, 6):  # twice in a row: every save reloads, not only the first
                live_reload.save_to_visible(page, tmp_path / "content" / live_reload.SOURCE, units)
                page.wait_for_timeout(1500)  # the restore is a save too
        finally:
            browser.close()
