"""The worker process: runs Keras snippets and draws their figures.

Started by :mod:`pelican_rnn_figures.runner` as ``python -m
pelican_rnn_figures.worker``; the only module that imports TensorFlow/Keras,
and it does so on the first snippet it gets. Reads one JSON job per line on
stdin, writes the figure files into the job's cache entry (atomically: a
temporary directory renamed into place) and answers one JSON line per job.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import struct
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from .cache import ENTRY_FILES, ENTRY_FORMAT
from .describe import describe_caption, describe_figure
from .example_inputs import InputsError, example_inputs
from .jobs import PRELUDE
from .text_layer import layer_html

MAX_CAPTURED_OUTPUT = 20_000


class CappedText(io.TextIOBase):
    """Collects what a snippet prints, keeping at most ``limit`` characters."""

    def __init__(self, limit: int):
        self.limit, self.parts, self.size, self.dropped = limit, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.limit - self.size
        self.parts.append(text[:room])
        self.size += min(len(text), max(room, 0))
        self.dropped += max(len(text) - max(room, 0), 0)
        return len(text)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        return text + (f"\n[... {self.dropped} more characters not kept]" if self.dropped else "")


class SnippetError(Exception):
    """The snippet raised, did not parse, or built nothing we can draw."""

    def __init__(self, kind: str, message: str, line: int | None, trace: str = ""):
        super().__init__(message)
        self.kind, self.message, self.line, self.trace = kind, message, line, trace


def _article_traceback(error: BaseException, filename: str) -> tuple[int | None, str]:
    """The deepest frame in the article, and the traceback cut to article frames."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if frame.filename == filename]
    line = ours[-1].lineno if ours else None
    if isinstance(error, SyntaxError) and error.filename == filename:
        line = error.lineno
    text = "".join(traceback.format_list(ours)) + "".join(traceback.format_exception_only(type(error), error))
    return line, text


def _find_model(namespace: dict[str, Any], keras) -> Any:
    models = [v for k, v in namespace.items() if isinstance(v, keras.Model) and not k.startswith("_")]
    if not models:
        return None
    named = namespace.get("model")
    return named if isinstance(named, keras.Model) else models[-1]


class PrintedLines:
    """The snippet's ``print``: writes to ``out`` and remembers what each
    article line printed, for the expected-output comments."""

    def __init__(self, out: CappedText, filename: str, first_line: int):
        self.out, self.filename, self.offset = out, filename, first_line - 1
        self.by_line: dict[int, list[str]] = {}

    def __call__(self, *values, sep=" ", end="\n", file=None, flush=False) -> None:
        text = sep.join(str(v) for v in values)
        if file is None or file is sys.stdout:
            caller = sys._getframe(1)
            if caller.f_code.co_filename == self.filename:
                self.by_line.setdefault(caller.f_lineno - self.offset, []).append(text)
            self.out.write(text + end)
        else:
            print(*values, sep=sep, end=end, file=file, flush=flush)


def run_snippet(
    spec: dict[str, Any], filename: str, first_line: int, started=lambda: None, want_figure: bool = True
) -> tuple[dict[str, Any] | None, str, list[dict[str, Any]]]:
    """Execute one snippet; return the traced figure data (None if no figure
    is wanted), what it printed, and warnings for comments that promise an
    output the snippet did not print.

    ``started`` is called once TensorFlow is imported, when the author's code
    begins: the timeout is for that code, not for the import."""
    import keras
    import numpy as np

    from .expectations import mismatches
    from .tracing import TraceError, trace_model

    # A fresh session per snippet: layer names and seeds do not depend on
    # what this worker ran before, so the figure is the same in any worker.
    keras.backend.clear_session()
    keras.utils.set_random_seed(spec["seed"])
    namespace: dict[str, Any] = {"__name__": "__rnn_figure__"}
    exec(PRELUDE, namespace)
    # Pad with blank lines so that code lines are article lines in tracebacks.
    source = "\n" * (first_line - 1) + spec["code"]
    printed = CappedText(MAX_CAPTURED_OUTPUT)
    printer = PrintedLines(printed, filename, first_line)
    namespace["print"] = printer
    started()
    data = None
    try:
        code = compile(source, filename, "exec")
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
        if want_figure:
            model = _find_model(namespace, keras)
            if model is None:
                raise SnippetError(
                    "NoModel",
                    "the snippet builds no Keras model (assign one, e.g. model = Sequential())",
                    None,
                )
            if not model.built:
                inputs, _, _ = example_inputs(spec, model, namespace, np)
                model(inputs if len(inputs) > 1 else inputs[0])
            # Asked again on purpose: building may have fixed the model's input shape.
            inputs, labels, origin = example_inputs(spec, model, namespace, np)
            data = trace_model(model, inputs, labels)
            data["inputs_origin"] = origin
            data["seed"] = spec["seed"]
    except SnippetError:
        raise
    except InputsError as error:
        raise SnippetError("OptionError", str(error), None) from None
    except TraceError as error:
        raise SnippetError("TraceError", str(error), None) from None
    except SystemExit as error:
        line, text = _article_traceback(error, filename)
        raise SnippetError("SystemExit", f"the snippet called sys.exit({error.code!r})", line, text) from None
    except BaseException as error:  # noqa: BLE001 - the author's code may raise anything
        line, text = _article_traceback(error, filename)
        raise SnippetError(type(error).__name__, str(error), line, text) from None
    warnings = [
        {"line": mismatch.line + first_line - 1, "message": mismatch.message()}
        for mismatch in mismatches(spec["code"], printer.by_line)
    ]
    return data, printed.getvalue(), warnings


# CSS px: past these, a figure shown at its legible size needs a lot of scrolling.
LEGIBLE_WIDTH, LEGIBLE_HEIGHT = 1600, 1400


def _display_size(png: Path, dpi: int) -> list[int]:
    """CSS pixels of the PNG: figures are laid out at 100 px per inch."""
    with open(png, "rb") as file:
        width, height = struct.unpack(">II", file.read(24)[16:24])
    return [round(width * 100 / dpi), round(height * 100 / dpi)]


def _size_warnings(size: list[int], fence_line: int) -> list[dict[str, Any]]:
    """A figure readers must scroll far to see, even after elision, is drawn,
    with a warning that says how to make it smaller."""
    width, height = size
    if width <= LEGIBLE_WIDTH and height <= LEGIBLE_HEIGHT:
        return []
    return [
        {
            "line": fence_line,
            "about": "figure size",
            "message": (
                f"the figure is {width}×{height} px at a legible size, more than a screen can show "
                f"({LEGIBLE_WIDTH}×{LEGIBLE_HEIGHT}): draw fewer layers (layers=...) or use a shorter example"
            ),
        }
    ]


def build_entry(job: dict[str, Any], started=lambda: None) -> dict[str, Any]:
    """Make the cache entry of one job; return its summary (alt text etc.)."""
    from . import drawing

    spec = job["spec"]
    dest = Path(job["dest"])
    staging = dest.with_name(f"{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    printed, warnings = "", []
    try:
        if job["kind"] == "rnn":
            from .unrolled import LayoutError, draw_unrolled

            data, printed, warnings = run_snippet(spec, job["source_path"], job["first_line"], started)
            data["figure_options"] = spec.get("options", {})
            try:
                regions = draw_unrolled(data, staging / "figure", dpi=spec["dpi"])
                size = _display_size(staging / "figure.png", spec["dpi"])
                warnings += _size_warnings(size, job["first_line"] - 1)
            except LayoutError as error:
                raise SnippetError("OptionError", str(error), None) from None
            except Exception as error:  # a bug of ours must cost this figure, not the worker
                raise SnippetError(
                    "DrawingError", f"drawing the figure failed: {error!r}", None, traceback.format_exc()
                ) from None
        elif job["kind"] == "check":
            data, printed, warnings = run_snippet(
                spec, job["source_path"], job["first_line"], started, want_figure=False
            )
        elif job["kind"] == "embedding":
            data = {"tokens": spec["tokens"], "inputs": spec["embeddings"]}
            regions = drawing.draw_embeddings(data, staging / "figure", dpi=spec["dpi"])
        elif job["kind"] == "words":
            data = dict(spec["words"])
            regions = drawing.draw_words(data, staging / "figure", dpi=spec["dpi"])
        else:
            raise SnippetError("JobError", f"unknown job kind {job['kind']!r}", None)
        summary: dict[str, Any] = {
            "format": ENTRY_FORMAT,
            "printed": printed,
            "warnings": warnings,
            "files": {},
        }
        if job["kind"] != "check":
            (staging / "figure.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
            summary.update(
                alt=describe_figure(job["kind"], data),
                caption=describe_caption(job["kind"], data),
                # Sizes let a reader of the cache tell a complete entry from a damaged one.
                files={name: (staging / name).stat().st_size for name in ENTRY_FILES},
                display_size=_display_size(staging / "figure.png", spec["dpi"]),
                # The page's text layer, made once here rather than on every build.
                layer_html=layer_html(regions),
            )
        (staging / "result.json").write_text(json.dumps(summary), encoding="utf-8")
        try:
            os.replace(staging, dest)
        except OSError:
            # Another build committed the same entry first; its files are identical.
            if not (dest / "result.json").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary


def serve(jobs: io.TextIOBase, replies: io.TextIOBase) -> None:
    for line in jobs:
        job = json.loads(line)

        def started(number=job["id"]) -> None:
            replies.write(json.dumps({"id": number, "started": True}) + "\n")
            replies.flush()

        try:
            reply = {"id": job["id"], "ok": True, "summary": build_entry(job, started)}
        except SnippetError as error:
            reply = {
                "id": job["id"],
                "ok": False,
                "error": {
                    "type": error.kind,
                    "message": error.message,
                    "line": error.line,
                    "traceback": error.trace,
                },
            }
        except ImportError as error:
            message = (
                f"{error} in {sys.executable}, the Python that runs snippets; install "
                "TensorFlow and matplotlib there: python -m pip install tensorflow matplotlib"
            )
            reply = {
                "id": job["id"],
                "ok": False,
                "error": {"type": "MissingDependency", "message": message, "line": None, "traceback": ""},
            }
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


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


if __name__ == "__main__":
    main()
