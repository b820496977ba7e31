"""The Python that runs snippets (``RNN_FIGURES_PYTHON``, else this one): the
environment its workers get, and where they import from.

A worker imports from its own environment and this plugin, nothing more: its
``PYTHONPATH`` is a folder that holds a link to this package alone
(:func:`plugin_path`), not the folder the package is in (in a wheel install,
Pelican's site-packages), nor Pelican's own ``PYTHONPATH`` (which this
interpreter, the default, keeps: its environment is Pelican's).

The cache key holds the versions of what the worker imports; ``site/cache.py``
reads them from the dist-info folders of its import path, on every build,
without running anything. This interpreter's import path is ``sys.path``;
another's only it can tell, so it is asked once: a worker is started (TensorFlow
is not imported before a job) and its handshake (:class:`~..messages.Ready`)
says its ``sys.path``, kept in ``interpreters/`` of the plugin's cache folder
(:func:`import_path`). A later build asks again only if what decides that path
changed: the interpreter's file or its ``pyvenv.cfg``, a folder of the path
appearing or going, or a ``.pth`` file in one (a few ``stat`` and ``listdir``
calls). Any program that runs the worker will do (a wrapper script), as long
as its folders can be read from here.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from ..common.files import write_text
from ..messages import PROTOCOL, Ready, reply_from_json

logger = logging.getLogger(__name__)

WORKER_ARGUMENTS = ("-m", "pelican_rnn_figures.worker")
ASK_SECONDS = 60  # for a worker to say Ready (it imports no TensorFlow before a job)
MEMO_FOLDER = "interpreters"
MEMO_FORMAT = 1
# Besides the interpreter, what decides its sys.path (each value its own memo).
PATH_ENVIRONMENT = ("PYTHONHOME", "PYTHONPLATLIBDIR", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "HOME")


class AskError(Exception):
    """The interpreter did not say where it imports from."""


def _executable(python: str) -> str | None:
    """``python`` as an absolute path (found on ``PATH`` if it is a bare name;
    symbolic links kept: a virtual environment's ``python`` is one)."""
    found = shutil.which(python)
    return os.path.abspath(found) if found else None


def is_this_python(python: str | None) -> bool:
    """Whether the worker is this interpreter (``RNN_FIGURES_PYTHON`` unset, or it)."""
    return python is None or _executable(python) == sys.executable


_making_path = threading.Lock()  # (the pool's threads start workers at once)


def plugin_path() -> str:
    """A folder that holds this plugin alone (a link to the package), for the
    workers' ``PYTHONPATH``; one per process, removed when Pelican ends."""
    with _making_path:
        return _plugin_path()


@cache
def _plugin_path() -> str:
    package = Path(__file__).resolve().parents[1]
    folder = tempfile.mkdtemp(prefix="rnn-figures-path-")
    try:
        os.symlink(package, os.path.join(folder, package.name), target_is_directory=True)
    except OSError:  # no symbolic links here: the folder the package is in, as before
        shutil.rmtree(folder, ignore_errors=True)
        return str(package.parent)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def worker_environment(python: str) -> dict[str, str]:
    """The environment of a worker run by ``python``."""
    env = dict(os.environ)
    kept = [env["PYTHONPATH"]] if env.get("PYTHONPATH") and is_this_python(python) else []
    env["PYTHONPATH"] = os.pathsep.join([plugin_path(), *kept])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONWARNINGS"] = "ignore"
    env["MPLBACKEND"] = "Agg"
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def import_path(python: str, folder: str | os.PathLike[str]) -> list[str] | None:
    """The folders the workers of ``python`` import from (their ``sys.path``,
    less their working directory and :func:`plugin_path`), as remembered in
    ``folder`` or asked now; None, with a warning, if it cannot be asked."""
    executable = _executable(python)
    if executable is None:
        logger.warning("RNN figures: RNN_FIGURES_PYTHON (%s) is not a program that can be run", python)
        return None
    environment = {name: os.environ.get(name) for name in PATH_ENVIRONMENT}
    name = hashlib.sha256(json.dumps([executable, environment]).encode()).hexdigest()[:32]
    memo_path = os.path.join(folder, MEMO_FOLDER, f"{name}.json")
    memo = _read_memo(memo_path, executable)
    if memo is not None and memo["stamp"] == _stamp(executable, memo["prefix"], memo["path"]):
        return list(memo["path"])
    try:
        prefix, path = _ask(executable)
    except AskError as error:
        logger.warning(
            "RNN figures: RNN_FIGURES_PYTHON (%s) could not be asked where it imports from (%s), "
            "so no figure of this build is taken from the cache",
            python,
            error,
        )
        return None
    stored = {"format": MEMO_FORMAT, "python": executable, "environment": environment, "prefix": prefix}
    stored |= {"path": path, "stamp": _stamp(executable, prefix, path)}
    try:
        write_text(memo_path, json.dumps(stored, indent=1))
    except OSError as error:  # (the next build asks again)
        logger.warning("RNN figures: could not keep what %s said in %s (%s)", python, memo_path, error)
    return path


def _read_memo(path: str, executable: str) -> dict[str, Any] | None:
    """What ``executable`` said when it was last asked, if it is in ``path`` and whole."""
    try:
        with open(path, encoding="utf-8") as file:
            memo = json.load(file)
    except (OSError, ValueError):
        return None
    if not isinstance(memo, dict) or memo.get("format") != MEMO_FORMAT or memo.get("python") != executable:
        return None
    entries = memo.get("path")
    if not isinstance(memo.get("prefix"), str) or not isinstance(entries, list) or "stamp" not in memo:
        return None
    return memo if all(isinstance(entry, str) for entry in entries) else None


def _file_stamp(path: str) -> list[int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_mtime_ns, status.st_size]


def _stamp(executable: str, prefix: str, path: list[str]) -> list[Any]:
    """What decides an interpreter's ``sys.path`` (besides :data:`PATH_ENVIRONMENT`),
    cheap to read: its file and its ``pyvenv.cfg``, and for each folder of the
    path whether it is one and the ``.pth`` files in it. (Lists, as JSON gives them back.)"""
    folders: list[Any] = []
    for entry in path:
        try:
            names = sorted(name for name in os.listdir(entry) if name.endswith(".pth"))
        except OSError:
            folders.append(_file_stamp(entry))  # a zip file, or nothing (not yet)
            continue
        folders.append([[name, _file_stamp(os.path.join(entry, name))] for name in names])
    return [_file_stamp(executable), _file_stamp(os.path.join(prefix, "pyvenv.cfg")), folders]


def _ready_in(output: str) -> Ready | None:
    """The worker's handshake among the lines it wrote (a wrapper may write others first)."""
    for line in output.splitlines():
        try:
            reply = reply_from_json(json.loads(line))
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(reply, Ready):
            return reply
    return None


def _ask(executable: str) -> tuple[str, list[str]]:
    """Start a worker of ``executable`` as the pool does, and read its
    handshake: its ``sys.prefix`` and the folders it imports from."""
    import subprocess  # (only when an interpreter is asked: not on a warm build)

    env = worker_environment(executable)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rnn-figures-ask-") as cwd:
        try:
            done = subprocess.run(
                [executable, *WORKER_ARGUMENTS],
                input="",
                capture_output=True,
                cwd=cwd,
                env=env,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=ASK_SECONDS,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise AskError(str(error) or type(error).__name__) from None
        ready = _ready_in(done.stdout)
        if ready is None:
            last = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            raise AskError(f"it started no worker: {last[0][:300]}")
        if ready.protocol != PROTOCOL:
            raise AskError(
                f"its worker speaks protocol {ready.protocol}, this plugin {PROTOCOL}: "
                "it has another version of pelican_rnn_figures"
            )
        ours = {os.path.realpath(entry) for entry in [cwd, *env["PYTHONPATH"].split(os.pathsep)]}
        path = [entry for entry in ready.path if entry and os.path.realpath(entry) not in ours]
    logger.debug(
        "RNN figures: asked %s where it imports from (%.2f s): %s", executable, time.monotonic() - began, path
    )
    return ready.prefix, path
