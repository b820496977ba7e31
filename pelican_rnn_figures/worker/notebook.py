"""Run an article's blocks in one namespace, each at most once, as a notebook does.

Blocks run in article order, with their lines at their article line numbers
(so tracebacks name the article's lines) and what each prints captured apart.
A block whose needed block failed is not run: it fails with that error.

A block computes what it would compute in a session of only the blocks it
needs, whatever else ran before it: before it runs the random seed is set
anew (its fence's or the article's) and Keras's layer-name counters are set
to what exactly the blocks it needs consumed. So its cache key (its code and
the code of the blocks it needs) says all that shapes its figure and output.
"""

from __future__ import annotations

import collections
import contextlib
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..article.prelude import PRELUDE
from ..messages import ErrorInfo, FigureWarning, JobSpec
from .author_errors import raised
from .model_uses import ModelUses, watching

MAX_CAPTURED_OUTPUT = 20_000
NAME_COUNTERS = "object_name_uids"  # Keras's global state: layer-name suffixes used so far


@dataclass(frozen=True)
class Block:
    line: int  # the article line of its first line of code
    code: str
    needs: tuple[int, ...]  # the lines of every block it needs (transitively)
    seed: int


@dataclass
class BlockRun:
    """What came of running a block."""

    block: Block
    printed: str = ""
    by_line: dict[int, list[str]] = field(default_factory=dict)  # block line (1-based) → prints
    own: dict[str, Any] = field(default_factory=dict)  # the names it bound or bound anew
    error: ErrorInfo | None = None
    failed_block: int | None = None  # the line of the block that raised: this one or a needed one


class CappedText(io.TextIOBase):
    """Collects what a block prints, keeping at most ``limit`` characters."""

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


class PrintedLines:
    """A block's ``print``: writes to ``out`` and remembers what each line of
    the block printed, for the expected-output comments."""

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


def _name_counters(keras: Any) -> collections.defaultdict[str, int] | None:
    """Keras's layer-name counters (``simple_rnn_2``), or None if this Keras
    keeps them elsewhere (then names run on through the session)."""
    try:
        from keras.src.backend.common import global_state
    except ImportError:
        return None
    counters = global_state.get_global_attribute(
        NAME_COUNTERS, default=collections.defaultdict(int), set_to_default=True
    )
    return counters if isinstance(counters, collections.defaultdict) else None


class Notebook:
    """One article's session: a namespace after the prelude, and the blocks run in it."""

    def __init__(self, filename: str):
        import keras

        self.keras = keras
        self.filename = filename
        # Nothing of what the worker ran before: a session starts as a fresh one.
        keras.backend.clear_session()
        self.namespace: dict[str, Any] = {"__name__": "__rnn_figure__"}
        exec(PRELUDE, self.namespace)
        self.runs: dict[int, BlockRun] = {}
        self.uses = ModelUses()
        self.code_lines: dict[int, str] = {}  # article line → code, of every block run
        self._consumed: dict[int, collections.Counter[str]] = {}  # block line → names it took

    @contextlib.contextmanager
    def watching_models(self) -> Iterator[ModelUses]:
        """Record what the article's code does with its models while blocks run."""
        with watching(self.keras.Model, self.filename, self.uses):
            yield self.uses

    def _reset_state(self, block: Block) -> collections.defaultdict[str, int] | None:
        counters = _name_counters(self.keras)
        if counters is not None:
            counters.clear()
            for need in block.needs:
                for name, count in self._consumed.get(need, {}).items():
                    counters[name] += count
        self.keras.utils.set_random_seed(block.seed)
        return counters

    def run(self, block: Block) -> BlockRun:
        """Run ``block`` (once: a second call returns the first run)."""
        if block.line in self.runs:
            return self.runs[block.line]
        failed = next((self.runs[need] for need in block.needs if self.runs[need].error), None)
        if failed is not None:
            run = BlockRun(block, error=failed.error, failed_block=failed.failed_block)
            self.runs[block.line] = run
            return run
        counters = self._reset_state(block)
        before_counters = dict(counters or {})
        printed = CappedText(MAX_CAPTURED_OUTPUT)
        printer = PrintedLines(printed, self.filename, block.line)
        # What is printed now is this block's, also by the helpers it calls.
        self.namespace["print"] = printer
        before = dict(self.namespace)
        lines = block.code.splitlines()
        self.code_lines.update({block.line + i: text for i, text in enumerate(lines)})
        self.uses.block = block.line
        run = BlockRun(block)
        try:
            # Padded with blank lines so that code lines are article lines in tracebacks.
            compiled = compile("\n" * (block.line - 1) + block.code, self.filename, "exec")
            with contextlib.redirect_stdout(printed):
                exec(compiled, self.namespace)
        except BaseException as error:  # noqa: BLE001 - the author's code may raise anything
            run.error = raised(error, self.filename, self.namespace, self.code_lines)
            run.failed_block = block.line
        after = _name_counters(self.keras)
        consumed: collections.Counter[str] = collections.Counter()
        if after is not None and after is counters:  # (not if the block cleared Keras's session)
            consumed.update({name: count - before_counters.get(name, 0) for name, count in after.items()})
        self._consumed[block.line] = +consumed
        run.printed, run.by_line = printed.getvalue(), printer.by_line
        run.own = {name: value for name, value in self.namespace.items() if before.get(name) is not value}
        self.runs[block.line] = run
        return run


def blocks_of(spec: JobSpec, first_line: int) -> list[Block]:
    """The blocks a job runs, in article order: the blocks it needs, each at
    its own article line, then its snippet at ``first_line``."""
    # A needed block of no article (tests) gets a line of its own below 0.
    lines = [block.line or index - len(spec.needed) for index, block in enumerate(spec.needed)]
    blocks = [
        Block(line, needed.code, tuple(lines[need] for need in needed.needs), needed.seed)
        for line, needed in zip(lines, spec.needed, strict=True)
    ]
    return [*blocks, Block(first_line, spec.code, tuple(lines), spec.seed)]


def promise_warnings(run: BlockRun) -> list[FigureWarning]:
    """The comments of a block that promise an output it did not print."""
    from ..article.expectations import mismatches

    return [
        FigureWarning(mismatch.line + run.block.line - 1, mismatch.message())
        for mismatch in mismatches(run.block.code, run.by_line)
    ]
