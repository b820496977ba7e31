"""Run one snippet as the article's author wrote it, and trace its model.

The snippet runs in a fresh namespace after the prelude, with its lines at
their article line numbers (so tracebacks name the article's lines), its
prints captured (and matched against the outputs its comments promise).
Any exception of the author's code becomes a :class:`SnippetError`.
"""

from __future__ import annotations

import builtins
import contextlib
import difflib
import io
import sys
import traceback
from collections.abc import Callable
from typing import Any

from ..article.prelude import PRELUDE
from ..messages import ErrorInfo, ErrorKind, FigureWarning, JobSpec
from .example_inputs import InputsError, example_inputs
from .model_uses import ModelUses, watching

MAX_CAPTURED_OUTPUT = 20_000


class CappedText(io.TextIOBase):
    """Collects what a snippet prints, keeping at most ``limit`` characters."""

    def __init__(self, limit: int):
        self.limit, self.size, self.dropped = limit, 0, 0
        self.parts: list[str] = []

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

    def __init__(self, info: ErrorInfo):
        super().__init__(info.message)
        self.info = info

    @classmethod
    def of(cls, kind: ErrorKind, message: str, line: int | None = None, trace: str = "") -> SnippetError:
        return cls(ErrorInfo(kind, message, line, trace))


def _article_traceback(error: BaseException, filename: str) -> tuple[int | None, str]:
    """The deepest frame in the article, and the traceback cut to article frames."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if frame.filename == filename]
    line = ours[-1].lineno if ours else None
    if isinstance(error, SyntaxError) and error.filename == filename:
        line = error.lineno
    text = "".join(traceback.format_list(ours)) + "".join(traceback.format_exception_only(type(error), error))
    return line, text


def _did_you_mean(error: BaseException, namespace: dict[str, Any]) -> str:
    """The interpreter's hint for a misspelt name (Python 3.11's traceback
    module leaves it out): `` Did you mean: 'LSTM'?``."""
    name = getattr(error, "name", None)
    if not isinstance(name, str):
        return ""
    if isinstance(error, NameError):
        candidates = [*namespace, *dir(builtins)]
    elif isinstance(error, AttributeError) and getattr(error, "obj", None) is not None:
        candidates = dir(error.obj)
    else:
        return ""
    close = difflib.get_close_matches(
        name, [c for c in candidates if not c.startswith("__")], n=1, cutoff=0.7
    )
    return f" Did you mean: '{close[0]}'?" if close else ""


def raised(
    error: BaseException,
    filename: str,
    namespace: dict[str, Any],
    code_lines: dict[int, str],
    context: str = "",
) -> SnippetError:
    """The author's exception as the writer needs it: where, what, the line of
    code, and the interpreter's "Did you mean"."""
    line, text = _article_traceback(error, filename)
    hint = _did_you_mean(error, namespace)
    message = f"{error}.{hint}" if hint else str(error)
    kind, exception = ErrorKind.RAISED, type(error).__name__
    if isinstance(error, SystemExit):
        kind, exception, message = ErrorKind.SYSTEM_EXIT, "", f"the snippet called sys.exit({error.code!r})"
    code = code_lines.get(line, "").strip() if line is not None else ""
    return SnippetError(ErrorInfo(kind, message + context, line, text, exception, code))


def _code_lines(blocks: list[tuple[int, str]]) -> dict[int, str]:
    """Article line → code, for the blocks a job runs."""
    return {first + i: text for first, code in blocks for i, text in enumerate(code.splitlines())}


def _find_model(namespace: dict[str, Any], keras: Any) -> Any:
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

    def __call__(
        self, *values: object, sep: str = " ", end: str = "\n", file: Any = None, flush: bool = False
    ) -> None:
        text = sep.join(str(v) for v in values)
        if file is None or file is sys.stdout:
            caller = sys._getframe(1)
            if caller.f_code.co_filename == self.filename:
                self.by_line.setdefault(caller.f_lineno - self.offset, []).append(text)
            self.out.write(text + end)
        else:
            print(*values, sep=sep, end=end, file=file, flush=flush)


def _run_setup(
    blocks: list[str], lines: list[int], namespace: dict[str, Any], filename: str, first_line: int
) -> None:
    """Run the earlier blocks a snippet needs; what they print is not the snippet's."""
    for code, line in zip(blocks, lines, strict=True):
        try:
            compiled = compile("\n" * (line - 1) + code, filename, "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compiled, namespace)
        except BaseException as error:  # noqa: BLE001 - the author's code may raise anything
            context = f" (in the block at line {line}, which the snippet at line {first_line} uses)"
            raise raised(error, filename, namespace, _code_lines([(line, code)]), context) from None


def run_snippet(
    spec: JobSpec,
    filename: str,
    first_line: int,
    started: Callable[[], None] = lambda: None,
    want_figure: bool = True,
    setup_lines: list[int] | None = None,
) -> tuple[dict[str, Any] | None, str, list[FigureWarning]]:
    """Execute one snippet, after the earlier blocks it needs (``spec.setup``,
    starting at ``setup_lines``) in the same namespace, as in a notebook;
    return the traced figure data (None if no figure is wanted), what the
    snippet printed, and warnings for comments that promise an output the
    snippet did not print.

    ``started`` is called once TensorFlow is imported, when the author's code
    begins: the timeout is for that code, not for the import."""
    import keras

    from ..article.expectations import mismatches

    # A fresh session per snippet: layer names and seeds do not depend on
    # what this worker ran before, so the figure is the same in any worker.
    keras.backend.clear_session()
    keras.utils.set_random_seed(spec.seed)
    namespace: dict[str, Any] = {"__name__": "__rnn_figure__"}
    exec(PRELUDE, namespace)
    printed = CappedText(MAX_CAPTURED_OUTPUT)
    printer = PrintedLines(printed, filename, first_line)
    lines = setup_lines or [1] * len(spec.setup)  # (a caller without article lines: tests)
    started()
    with watching(keras.Model, filename) as uses:
        _run_setup(spec.setup, lines, namespace, filename, first_line)
        uses.in_snippet = True
        blocks = [*zip(lines, spec.setup, strict=True), (first_line, spec.code)]
        data, notes = _run_and_trace(
            spec, filename, first_line, namespace, printer, uses, want_figure, _code_lines(blocks)
        )
    warnings = [
        FigureWarning(mismatch.line + first_line - 1, mismatch.message())
        for mismatch in mismatches(spec.code, printer.by_line)
    ]
    return data, printed.getvalue(), notes + warnings


def _run_and_trace(
    spec: JobSpec,
    filename: str,
    first_line: int,
    namespace: dict[str, Any],
    printer: PrintedLines,
    uses: ModelUses,
    want_figure: bool,
    code_lines: dict[int, str],
) -> tuple[dict[str, Any] | None, list[FigureWarning]]:
    """Run the snippet itself, then trace the model it made or used."""
    import keras
    import numpy as np

    from .tracing import TraceError, trace_model

    # From here on what is printed is the snippet's, also by the helpers it calls.
    namespace["print"] = printer
    before = dict(namespace)
    # Padded with blank lines so that code lines are article lines in tracebacks.
    source = "\n" * (first_line - 1) + spec.code
    data: dict[str, Any] | None = None
    notes: list[FigureWarning] = []
    try:
        code = compile(source, filename, "exec")
        with contextlib.redirect_stdout(printer.out):
            exec(code, namespace)
        if want_figure:
            # The snippet's own model first: the blocks above may have made others.
            own = {name: value for name, value in namespace.items() if before.get(name) is not value}
            model = _find_model(own, keras) or _find_model(namespace, keras)
            if model is None:
                raise SnippetError.of(
                    ErrorKind.NO_MODEL,
                    "the snippet builds no Keras model (assign one, e.g. model = Sequential())",
                )
            if not model.built:
                inputs, _, _ = example_inputs(spec, model, namespace, np)
                model(inputs if len(inputs) > 1 else inputs[0])
            data, notes = _trace(spec, model, namespace, uses, first_line - 1, trace_model, np)
    except SnippetError:
        raise
    except InputsError as error:
        raise SnippetError.of(ErrorKind.OPTION, str(error)) from None
    except TraceError as error:
        raise SnippetError.of(ErrorKind.TRACE, str(error)) from None
    except BaseException as error:  # noqa: BLE001 - the author's code may raise anything
        raise raised(error, filename, namespace, code_lines) from None
    return data, notes


def _trace(
    spec: JobSpec,
    model: Any,
    namespace: dict[str, Any],
    uses: ModelUses,
    fence_line: int,
    trace_model: Any,
    np: Any,
) -> tuple[dict[str, Any], list[FigureWarning]]:
    """The figure data of ``model``: on the data the code called it on, when
    it did, and saying how it was trained."""
    used = uses.data_for(model)
    notes: list[FigureWarning] = []
    try:
        # Asked after building on purpose: building may have fixed the model's input shape.
        inputs, labels, origin = example_inputs(spec, model, namespace, np, used.x if used else None)
    except InputsError as error:
        if used is None or spec.options.get("inputs"):
            raise
        inputs, labels, origin = example_inputs(spec, model, namespace, np)
        message = f"the figure shows {origin} inputs, not the data of line {used.line}: {error}"
        notes.append(FigureWarning(fence_line, message, about="figure data"))
    batch = int(inputs[0].shape[0])
    if origin == "snippet data":
        inputs = [array[:1] for array in inputs]  # the figure shows the first sample
    data = trace_model(model, inputs, labels)
    data["inputs_origin"] = origin
    data["seed"] = spec.seed
    if origin == "snippet data" and used is not None:
        data["batch_size"] = batch
        data["data_from"] = {"call": used.method, "line": used.line}
    training = uses.training.get(id(model))
    if training is not None:
        data["training"] = {"epochs": training.epochs, "fits": training.fits, "lines": training.lines}
    return data, notes
