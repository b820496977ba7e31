"""Live preview, measured as a writer meets it: `make devserver`'s server on a
copy of the demo site, the post open in Chromium, a snippet edited and saved;
how long until the open page has reloaded itself and shows the new figure.

    python benchmarks/live_reload.py [ROUNDS]

Prints the first build's time and, per round, save → new figure visible.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLE = "drafts/illustrated-lstm-keras.html"
SOURCE = "illustrated-lstm-keras.md"
SNIPPET = "SimpleRNN({units}, input_shape=(3, 2)))"
# The figure's image in whichever layout the page shows at this width (the
# landscape PNG/SVG, or the portrait SVG where the column is narrower).
VISIBLE_FIGURE = """[...document.querySelectorAll('img[src*="rnn-default-keras."]')]
    .find(i => i.closest('.rnn-figure-frame') && i.closest('.rnn-figure-frame').offsetParent !== null)"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def devserver(root: Path) -> Iterator[str]:
    """`make devserver`'s command in ``root`` (a site folder); yields its URL."""
    port = free_port()
    log = open(root / "devserver.log", "w")  # noqa: SIM115 - open while the server runs
    server = subprocess.Popen(
        [sys.executable, str(REPO / "tools" / "devserver.py"), "content", "-o", "output", "-p", str(port)],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)
        log.close()


def stop(server: subprocess.Popen) -> None:
    """End a server started in a session of its own, with everything it started."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


RESTART_RELOAD_MS = 2500
LIVERELOAD_LOADED = "Array.from(document.scripts).some(s => s.src.includes('livereload.js'))"


def open_when_built(browser, base: str, seconds: float = 300):
    """The article in a new tab, once the first build has written it."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    deadline = time.monotonic() + seconds
    while True:
        try:
            response = page.goto(f"{base}/{ARTICLE}", wait_until="load")
            if response is not None and response.ok:
                page.wait_for_event("websocket", timeout=10_000)  # livereload's channel
                # livereload's server reloads the pages connected when it starts,
                # at its first poll (every 0.8 s; Server.serve queues a
                # "__livereload__" change): let that reload pass, then wait
                # until the page is loaded again, with livereload's script.
                page.wait_for_timeout(RESTART_RELOAD_MS)
                page.wait_for_load_state("load")
                page.wait_for_function(LIVERELOAD_LOADED, timeout=10_000)
                return page
        except Exception:  # noqa: BLE001 - the server is still starting
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("the first build did not finish")
        time.sleep(0.5)


def save_to_visible(page, article: Path, units: int, seconds: float = 120) -> float:
    """Edit the snippet to ``units`` units, save, and wait until the open page
    (reloaded by livereload, not by us) shows that figure; the seconds it took."""
    text = article.read_text(encoding="utf-8")
    edited = text.replace(SNIPPET.format(units=4), SNIPPET.format(units=units), 1)
    assert edited != text, "the snippet to edit is gone"
    page.evaluate("window.__notReloaded = true")  # gone once livereload reloads the page
    started = time.monotonic()
    article.write_text(edited, encoding="utf-8")
    page.wait_for_function(
        f"""() => !window.__notReloaded && (() => {{
            const image = {VISIBLE_FIGURE};
            return image && image.alt.includes('{units} units');
        }})()""",
        timeout=seconds * 1000,
        polling=50,
    )
    # Seen: scrolled to (figures load lazily) and drawn.
    page.locator('img[src*="rnn-default-keras."]:visible').scroll_into_view_if_needed()
    page.wait_for_function(
        f"() => {{ const i = {VISIBLE_FIGURE}; return i && i.complete && i.naturalWidth > 0; }}",
        timeout=seconds * 1000,
        polling=50,
    )
    elapsed = time.monotonic() - started
    article.write_text(text, encoding="utf-8")
    return elapsed


def main() -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO / "benchmarks"))
    from legibility import launch

    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(REPO / "content", root / "content")
        shutil.copy(REPO / "pelicanconf.py", root / "pelicanconf.py")
        with sync_playwright() as playwright, devserver(root) as base:
            browser = launch(playwright)
            started = time.monotonic()
            page = open_when_built(browser, base)
            print(f"first build (cold cache, TensorFlow imported): {time.monotonic() - started:.1f} s")
            for number in range(rounds):
                units = 5 + number
                elapsed = save_to_visible(page, root / "content" / SOURCE, units)
                print(f"save → new figure visible in the open page (SimpleRNN({units})): {elapsed:.2f} s")
                page.wait_for_timeout(1500)  # the restore is saved too: let it build
            browser.close()


if __name__ == "__main__":
    main()
