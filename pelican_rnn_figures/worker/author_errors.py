"""The article's own failures, as a writer needs to read them; and ours.

An exception of the author's code becomes a :class:`SnippetError` carrying an
:class:`~..messages.ErrorInfo`: the deepest article line, the traceback cut to
the article's frames, the line of code as written, and the interpreter's
"Did you mean" (which Python 3.11's ``traceback`` module leaves out).

An exception while the plugin traces or draws a model is the writer's only
if its traceback passes through the article's code (a custom layer, a helper
defined in the post); otherwise it is a bug of ours (:func:`plugin_bug`):
said to be the plugin's, with the whole traceback, and never cached.
"""

from __future__ import annotations

import builtins
import traceback
from typing import Any

from ..common.hints import closest
from ..messages import PLEASE_REPORT, ErrorInfo, ErrorKind


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


def described(error: BaseException) -> str:
    """``str(error)``, even for an exception whose ``__str__`` raises (the
    author's own class may), as the ``traceback`` module words it."""
    try:
        return str(error)
    except Exception:
        return f"<exception str() failed: {type(error).__name__}>"


def _did_you_mean(error: BaseException, namespace: dict[str, Any]) -> str:
    """The interpreter's hint for a misspelt name: `` Did you mean: 'LSTM'?``."""
    try:
        name = getattr(error, "name", None)
    except Exception:  # an author's exception class with a failing property
        return ""
    if not isinstance(name, str):
        return ""
    if isinstance(error, NameError):
        candidates = [*namespace, *dir(builtins)]
    elif isinstance(error, AttributeError) and getattr(error, "obj", None) is not None:
        candidates = dir(error.obj)
    else:
        return ""
    match = closest(name, (c for c in candidates if not c.startswith("__")), cutoff=0.7)
    return f" Did you mean: '{match}'?" if match else ""


def raised(
    error: BaseException, filename: str, namespace: dict[str, Any], code_lines: dict[int, str]
) -> ErrorInfo:
    """The author's exception: where, what, the line of code, and the hint.
    ``code_lines`` maps article lines to the code that ran."""
    line, text = _article_traceback(error, filename)
    hint = _did_you_mean(error, namespace)
    message = f"{described(error)}.{hint}" if hint else described(error)
    kind, exception = ErrorKind.RAISED, type(error).__name__
    if isinstance(error, SystemExit):
        kind, exception, message = (
            ErrorKind.SYSTEM_EXIT,
            "",
            f"the snippet called sys.exit({_code_of(error)})",
        )
    code = code_lines.get(line, "").strip() if line is not None else ""
    return ErrorInfo(kind, message, line, text, exception, code)


def _code_of(error: SystemExit) -> str:
    try:
        return repr(error.code)
    except Exception:
        return "…"


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions it was raised from or while handling."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def passes_through(error: BaseException, filename: str) -> bool:
    """Whether the article's code (compiled under ``filename``) is in the
    traceback of ``error`` or of an exception it came from."""
    for link in _chain(error):
        if isinstance(link, SyntaxError) and link.filename == filename:
            return True
        if any(frame.filename == filename for frame in traceback.extract_tb(link.__traceback__)):
            return True
    return False


def plugin_bug(error: BaseException, doing: str, printed: str = "") -> ErrorInfo:
    """An exception of the plugin's own code while ``doing`` ("tracing the
    model"): the writer is told it is not theirs; the log gets the traceback."""
    message = f"{doing} failed, not on the snippet's code: {type(error).__name__}: {described(error)}; {PLEASE_REPORT}"
    trace = "".join(traceback.format_exception(error))
    return ErrorInfo(ErrorKind.PLUGIN_BUG, message, None, trace, printed=printed)


def whose(
    error: BaseException, doing: str, filename: str, namespace: dict[str, Any], code_lines: dict[int, str]
) -> ErrorInfo:
    """An exception while the plugin was ``doing`` something with the
    article's model: the writer's (:func:`raised`) if the article's code is
    in its traceback, else a bug of ours."""
    if passes_through(error, filename):
        return raised(error, filename, namespace, code_lines)
    return plugin_bug(error, doing)
