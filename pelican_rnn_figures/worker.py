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
from .jobs import PRELUDE

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


def _example_inputs(spec: dict[str, Any], model, np) -> tuple[Any, list[str], str]:
    """The inputs the model is called on, their labels and where they came from."""
    embeddings = spec.get("embeddings") or []
    tokens = spec.get("tokens") or []
    first = _first_layer(model)
    if type(first).__name__ == "Embedding":
        return _token_ids(model, first, tokens, np)
    wanted = _model_input_shape(model)
    if embeddings:
        given = (len(embeddings), len(embeddings[0]))
        if all(w is None or w == g for w, g in zip(wanted, given, strict=True)):
            return np.asarray([embeddings], dtype="float32"), tokens, "article"
    steps = wanted[0] or (len(embeddings) if embeddings else 3)
    features = wanted[1] or (len(embeddings[0]) if embeddings else 2)
    rng = np.random.default_rng(spec["seed"])
    values = rng.uniform(-1, 1, size=(1, steps, features)).round(1).astype("float32")
    labels = tokens if len(tokens) == steps else [f"x{_subscript(t + 1)}" for t in range(steps)]
    return values, labels, "generated"


def _first_layer(model):
    return next((layer for layer in model.layers if type(layer).__name__ != "InputLayer"), None)


def _token_ids(model, embedding, tokens: list[str], np) -> tuple[Any, list[str], str]:
    """Ids 1, 2, 3, ... (0 is padding for mask_zero) for a model that starts
    with an Embedding; the looked-up vectors become the drawn inputs."""
    try:
        shape = tuple(model.input_shape)
    except (AttributeError, ValueError):
        shape = (None, None)
    steps = (shape[1] if len(shape) > 1 else None) or len(tokens) or 3
    vocabulary = max(int(embedding.input_dim) - 1, 1)
    ids = [1 + t % vocabulary for t in range(steps)]
    labels = tokens if len(tokens) == steps else [f"x{_subscript(t + 1)}" for t in range(steps)]
    return np.asarray([ids], dtype="int32"), labels, "token ids"


def _subscript(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _model_input_shape(model) -> tuple[int | None, int | None]:
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        return (None, None)
    if isinstance(shape, list):
        shape = shape[0]
    shape = tuple(shape)[1:]
    return (shape + (None, None))[:2] if len(shape) >= 2 else (None, None)


def _find_model(namespace: dict[str, Any], keras) -> Any:
    models = [v for k, v in namespace.items() if isinstance(v, keras.Model) and not k.startswith("_")]
    if not models:
        raise SnippetError(
            "NoModel", "the snippet builds no Keras model (assign one, e.g. model = Sequential())", None
        )
    named = namespace.get("model")
    return named if isinstance(named, keras.Model) else models[-1]


def run_snippet(
    spec: dict[str, Any], filename: str, first_line: int, started=lambda: None
) -> tuple[dict[str, Any], str]:
    """Execute one snippet; return the traced figure data and what it printed.

    ``started`` is called once TensorFlow is imported, when the author's code
    begins: the timeout is for that code, not for the import."""
    import keras
    import numpy as np

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
    started()
    try:
        code = compile(source, filename, "exec")
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
        model = _find_model(namespace, keras)
        if not model.built:
            inputs, _, _ = _example_inputs(spec, model, np)
            model(inputs)
        # Asked again on purpose: building may have fixed the model's input shape.
        inputs, labels, origin = _example_inputs(spec, model, np)
        data = trace_model(model, inputs, labels)
    except SnippetError:
        raise
    except TraceError as error:
        raise SnippetError("TraceError", str(error), None) from None
    except SystemExit as error:
        line, text = _article_traceback(error, filename)
        raise SnippetError("SystemExit", f"the snippet called sys.exit({error.code!r})", line, text) from None
    except BaseException as error:  # noqa: BLE001 - the author's code may raise anything
        line, text = _article_traceback(error, filename)
        raise SnippetError(type(error).__name__, str(error), line, text) from None
    data["inputs_origin"] = origin
    data["seed"] = spec["seed"]
    return data, printed.getvalue()


def _display_size(png: Path, dpi: int) -> list[int]:
    """CSS pixels of the PNG: figures are laid out at 100 px per inch."""
    with open(png, "rb") as file:
        width, height = struct.unpack(">II", file.read(24)[16:24])
    return [round(width * 100 / dpi), round(height * 100 / dpi)]


def build_entry(job: dict[str, Any], started=lambda: None) -> dict[str, Any]:
    """Make the cache entry of one job; return its summary (alt text etc.)."""
    from . import drawing

    spec = job["spec"]
    dest = Path(job["dest"])
    staging = dest.with_name(f"{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    printed = ""
    try:
        if job["kind"] == "rnn":
            data, printed = run_snippet(spec, job["source_path"], job["first_line"], started)
            data["figure_options"] = spec.get("options", {})
            drawing.draw_unrolled(data, staging / "figure", dpi=spec["dpi"])
        elif job["kind"] == "embedding":
            data = {"tokens": spec["tokens"], "inputs": spec["embeddings"]}
            drawing.draw_embeddings(data, staging / "figure", dpi=spec["dpi"])
        elif job["kind"] == "words":
            data = dict(spec["words"])
            drawing.draw_words(data, staging / "figure", dpi=spec["dpi"])
        else:
            raise SnippetError("JobError", f"unknown job kind {job['kind']!r}", None)
        (staging / "figure.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
        summary = {
            "format": ENTRY_FORMAT,
            "alt": describe_figure(job["kind"], data),
            "caption": describe_caption(job["kind"], data),
            "printed": printed,
            # Sizes let a reader of the cache tell a complete entry from a damaged one.
            "files": {name: (staging / name).stat().st_size for name in ENTRY_FILES},
            "display_size": _display_size(staging / "figure.png", spec["dpi"]),
        }
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
