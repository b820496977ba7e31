"""Check what a snippet prints against the output its comments promise.

Pure Python. Blog snippets state results in comments, ``print(output.shape)
# (1, 4)``; hand-written ones are sometimes wrong. :func:`expected_outputs`
finds such comments (on lines that call ``print``, or on the line after it,
``# prints (1, 4)``); :func:`mismatches` compares them with what each line
really printed. A comment that is not a Python value (``# the last state``)
promises nothing and is not checked.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

# Words authors put before the value: "# -> (1, 4)", "# Output: (1, 4)".
LEAD_RE = re.compile(r"^(?:=>|->|→|(?:output|outputs|prints|printed|shape|result)\s*[:=]?)\s*", re.IGNORECASE)


@dataclass
class Mismatch:
    line: int  # snippet line (1-based)
    expected: str
    printed: str

    def message(self) -> str:
        return f"the comment says {self.expected} but the line printed {self.printed}"


NOT_A_VALUE = object()
_NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}


def _literal(text: str):
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NOT_A_VALUE


def _promise(comment: str) -> str | None:
    """The value a comment states, or None when it states no Python literal."""
    text = LEAD_RE.sub("", comment.lstrip("#").strip()).strip()
    if not text or _literal(text) is NOT_A_VALUE:
        return None
    return text


def _print_lines(code: str) -> set[int]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    }


def expected_outputs(code: str) -> dict[int, str]:
    """``{line of the print call: promised value}`` for the snippet ``code``."""
    prints = _print_lines(code)
    if not prints:
        return {}
    promises: dict[int, str] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return {}
    code_lines = {token.start[0] for token in tokens if token.type not in _NOT_CODE}
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        line = token.start[0]
        promise = _promise(token.string)
        if promise is None:
            continue
        if line in prints:
            promises[line] = promise
        elif line not in code_lines and line - 1 in prints and line - 1 not in promises:
            promises[line - 1] = promise  # a comment alone on the line after the print
    return promises


def _same(expected: str, printed: str) -> bool:
    promised, shown = _literal(expected), _literal(printed)
    if shown is not NOT_A_VALUE:
        return promised == shown
    if isinstance(promised, str):  # print("lstm") shows lstm without quotes
        return promised == printed.strip()
    return " ".join(expected.split()) == " ".join(printed.split())


def mismatches(code: str, printed_by_line: dict[int, list[str]]) -> list[Mismatch]:
    """Promises in ``code`` that the first thing printed at their line breaks.
    A line that printed nothing (never reached) is not judged."""
    found = []
    for line, expected in sorted(expected_outputs(code).items()):
        texts = printed_by_line.get(line)
        if not texts:
            continue
        printed = texts[0].rstrip("\n")
        if not _same(expected, printed):
            found.append(Mismatch(line, expected, printed))
    return found
