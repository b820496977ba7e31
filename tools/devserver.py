"""`make devserver`: build, serve, rebuild on every save, and reload the open page.

As Pelican's quickstart ``tasks.py`` does with livereload, but the rebuilds
run in this one process, so the plugin's figure workers (and the TensorFlow
they imported) stay warm between saves: an edited snippet's figure is ready
in about a second, and the page in the browser reloads itself once the
build is done.

    python tools/devserver.py [-p PORT] [-b HOST] [-s pelicanconf.py] [content] [-o output]
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from livereload import Server
from livereload.handlers import LiveReloadHandler
from pelican import Pelican
from pelican.settings import read_settings

logger = logging.getLogger("devserver")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=None, help="the content folder (PATH)")
    parser.add_argument("-o", "--output", default=None, help="the output folder (OUTPUT_PATH)")
    parser.add_argument("-s", "--settings", default="pelicanconf.py")
    parser.add_argument("-p", "--port", type=int, default=8000)
    parser.add_argument("-b", "--bind", default="127.0.0.1")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    override = {"RELATIVE_URLS": True, "SITEURL": ""}
    if arguments.path:
        override["PATH"] = str(Path(arguments.path).resolve())
    if arguments.output:
        override["OUTPUT_PATH"] = str(Path(arguments.output).resolve())
    settings = read_settings(arguments.settings, override=override)
    pelican = Pelican(settings)

    def build() -> None:
        started = time.monotonic()
        try:
            pelican.run()
        except Exception:  # a broken post must not stop the preview
            logger.exception("The build failed; fix the post and save again")
        logger.info("Rebuilt in %.1f s; the open pages reload", time.monotonic() - started)
        # Reload now, every time: livereload's own reload skips a save made
        # within 3 s of the last reload (its guard against bursts of files).
        if LiveReloadHandler.watcher is not None:  # (not yet serving at the first build)
            LiveReloadHandler.reload_waiters(path="*")

    def reconfigure() -> None:
        nonlocal pelican
        pelican = Pelican(read_settings(arguments.settings, override=override))
        build()

    build()
    server = Server()
    # (delay="forever": the build above reloads the pages itself, once done.)
    server.watch(settings["PATH"], build, delay="forever")  # the content folder, every file in it
    server.watch(arguments.settings, reconfigure, delay="forever")
    server.serve(host=arguments.bind, port=arguments.port, root=settings["OUTPUT_PATH"], restart_delay=0)


if __name__ == "__main__":
    main()
