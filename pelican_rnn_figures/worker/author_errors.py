"""The article's own failures, as a writer needs to read them.

An exception of the author's code becomes a :class:`SnippetError` carrying an
:class:`~..messages.ErrorInfo`: the deepest article line, the traceback cut to
the article's frames, the line of code as written, and the interpreter's
"Did you mean" (which Python 3.11's ``traceback`` module leaves out).
"""

from __future__ import annotations

import builtins
import difflib
import traceback
from typing import Any

from ..messages import ErrorInfo, ErrorKind


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
    """The interpreter's hint for a misspelt name: `` Did you mean: 'LSTM'?``."""
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
    error: BaseException, filename: str, namespace: dict[str, Any], code_lines: dict[int, str]
) -> ErrorInfo:
    """The author's exception: where, what, the line of code, and the hint.
    ``code_lines`` maps article lines to the code that ran."""
    line, text = _article_traceback(error, filename)
    hint = _did_you_mean(error, namespace)
    message = f"{error}.{hint}" if hint else str(error)
    kind, exception = ErrorKind.RAISED, type(error).__name__
    if isinstance(error, SystemExit):
        kind, exception, message = ErrorKind.SYSTEM_EXIT, "", f"the snippet called sys.exit({error.code!r})"
    code = code_lines.get(line, "").strip() if line is not None else ""
    return ErrorInfo(kind, message, line, text, exception, code)
