"""Everything that crosses the process boundary, typed: stdlib only.

The Pelican side (:mod:`.site`) and the worker (:mod:`.worker`) talk in JSON
lines over the worker's stdin and stdout, and through the cache entry the
worker writes (``result.json``). Each message is a dataclass here with its
``to_json``/``from_json``:

- the worker says :class:`Ready` once it has started (the handshake);
- the site sends a :class:`SessionMessage`: the :class:`JobMessage` of
  each figure whose blocks one session runs, each block once: its
  :class:`Job` (as the site planned it: a :class:`JobSpec` and its place in
  the article) and where to write its cache entry;
- the worker answers :class:`Started` as each block's code begins
  (TensorFlow imported: its timeout starts), and :class:`Finished` for each
  job, with an :class:`EntrySummary` or an :class:`ErrorInfo`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

# Bumped when the worker would answer differently: a worker of another
# version (RNN_FIGURES_PYTHON pointing at an old install) is refused.
PROTOCOL = 6

# The files of a cache entry that are copied into the output (each beside the
# figure's PNG, with the suffix of its own name); and the format of its
# result.json (an entry of another format is a miss).
ENTRY_FILES = ("figure.png", "figure.svg", "figure.json")
# Beside them, for the figures that have one: the layout for a narrow column
# (time running down), which article pages show on a phone.
PORTRAIT_FILE = "figure.portrait.svg"
ENTRY_FORMAT = 9


def entry_suffix(name: str) -> str:
    """What an entry file's copy adds to the figure's stem: ``.png``, ``.portrait.svg``."""
    return name.removeprefix("figure")


class JobKind(StrEnum):
    RNN = "rnn"  # run a snippet, trace its model, draw it unrolled
    OUTPUT_ONLY = "output-only"  # run a snippet for its printed output only (no figure)
    EMBEDDING = "embedding"  # draw the article's example embeddings
    WORDS = "words"  # draw a sentence as word boxes

    @property
    def runs_snippet(self) -> bool:
        """Whether the job runs author code (and imports TensorFlow)."""
        return self in (JobKind.RNN, JobKind.OUTPUT_ONLY)


class ErrorKind(StrEnum):
    """Why a job failed. ``RAISED`` is the snippet's own exception, whose type
    name (``NameError``) the :class:`ErrorInfo` carries; ``PLUGIN_BUG`` an
    exception of the plugin's own code (tracing, stepping, drawing) that no
    frame of the article's code raised: ours, never cached."""

    # The snippet's own failures (see ``deterministic``):
    RAISED = "Raised"
    NO_MODEL = "NoModel"
    OPTION = "OptionError"
    TRACE = "TraceError"
    SYSTEM_EXIT = "SystemExit"
    # The others:
    PLUGIN_BUG = "PluginBug"
    JOB = "JobError"
    MISSING_DEPENDENCY = "MissingDependency"
    PROTOCOL = "ProtocolError"
    OUT_OF_MEMORY = "OutOfMemory"
    TIMEOUT = "Timeout"
    WORKER_DIED = "WorkerDied"
    NOT_EXECUTED = "NotExecuted"
    DUPLICATE_FIGURE = "DuplicateFigure"
    OUTPUT = "OutputError"
    ARTICLE = "ArticleError"
    INTERNAL = "Internal"

    @property
    def deterministic(self) -> bool:
        """Whether it is a failure of the snippet itself: the same code fails
        the same way, so it is cached like a result. Timeouts, dead workers,
        missing dependencies, bugs of ours are not."""
        return self in DETERMINISTIC_ERRORS


DETERMINISTIC_ERRORS = frozenset(
    {ErrorKind.RAISED, ErrorKind.NO_MODEL, ErrorKind.OPTION, ErrorKind.TRACE, ErrorKind.SYSTEM_EXIT}
)


# Terminal codes: CSI sequences (colours, bold: Keras' error texts carry
# them), OSC sequences (titles, links) and two-character escapes.
TERMINAL_CODE_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# What XML 1.0 refuses (a feed writer raises on it) or no page should carry:
# control characters but tab and newline, lone surrogates (which cannot be
# written as UTF-8), and the two non-characters.
UNPRINTABLE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
MESSAGE_LIMIT = 4_000  # characters of an error message shown; the rest is counted
TRACEBACK_LIMIT = 20_000


def printable(text: str, limit: int | None = None) -> str:
    """``text`` fit for a page, a feed and a log: terminal codes removed, a
    line overwritten by carriage returns kept as a terminal shows it (its
    last state), other control characters dropped, and at most ``limit``
    characters, the rest counted."""
    text = TERMINAL_CODE_RE.sub("", text.replace("\r\n", "\n"))
    if "\r" in text:
        text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))
    text = UNPRINTABLE_RE.sub("", text)
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters)"
    return text


# What a bug of ours asks of the writer who meets it, in the log and the page.
PLEASE_REPORT = (
    "a bug of pelican_rnn_figures: please report it, with the snippet and the traceback in the log"
)


@dataclass
class ErrorInfo:
    kind: ErrorKind
    message: str
    line: int | None = None  # article line, when the error has one
    traceback: str = ""  # cut to the article's frames (a PluginBug's: all of it)
    exception: str = ""  # the exception's type name, for RAISED
    code: str = ""  # the article's line of code that failed, as written
    # What the job's own block printed before it (or its figure) failed: shown
    # under the block all the same, as a notebook shows it.
    printed: str = ""

    def __post_init__(self) -> None:
        # Whatever the snippet raised or printed, the page, the feed and the
        # log get text they can hold.
        self.message = printable(self.message, MESSAGE_LIMIT)
        self.traceback = printable(self.traceback, TRACEBACK_LIMIT)
        self.code = printable(self.code, MESSAGE_LIMIT)
        self.printed = printable(self.printed)

    @property
    def deterministic(self) -> bool:
        return self.kind.deterministic

    def in_needed_block(self, block_line: int, snippet_line: int) -> ErrorInfo:
        """This failure of a block, as the failure of a snippet that needs it
        (which did not run, so printed nothing)."""
        context = f" (in the block at line {block_line}, which the snippet at line {snippet_line} uses)"
        return ErrorInfo(
            self.kind, self.message + context, self.line, self.traceback, self.exception, self.code
        )

    @property
    def title(self) -> str:
        """What a reader sees before the message: ``NameError``, ``Timeout``."""
        return self.exception or self.kind.value

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ErrorInfo:
        return cls(
            ErrorKind(data["kind"]),
            data["message"],
            data.get("line"),
            data.get("traceback", ""),
            data.get("exception", ""),
            data.get("code", ""),
            data.get("printed", ""),
        )


@dataclass
class WordsSpec:
    words: list[str]
    highlighted: list[int]
    label: str


@dataclass
class NeededBlock:
    """An earlier block of the article that a snippet needs, run before it."""

    code: str
    # The needed blocks (indexes, all earlier in the list) this one needs in turn.
    needs: list[int] = field(default_factory=list)
    seed: int = 0  # set before it runs: its fence's seed option, or the article's
    # The article line of its first line of code, where it is now: not part of
    # the cache key (an entry made elsewhere is moved, site/relocation.py).
    # 0 for a block of no article (tests).
    line: int = 0


@dataclass
class JobSpec:
    """What a figure is made from; hashed into its cache key (all of it but
    the article lines, :meth:`key_json`). Unset fields are left out of the
    JSON, so adding a field changes no existing key's meaning."""

    code: str = ""
    tokens: list[str] = field(default_factory=list)  # the example's words (fence's or article's)
    embeddings: list[list[float]] = field(default_factory=list)
    seed: int = 0
    dpi: int | None = None  # None for an OUTPUT_ONLY job: no figure
    # The fence's tokens=, one list per model input: labels of the steps of
    # whatever data is drawn, used where they fit it.
    labels: list[list[str]] = field(default_factory=list)
    token_ids: list[list[int]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)  # the fence's drawing options
    words: WordsSpec | None = None
    # The article's earlier blocks the snippet needs, run first in its
    # session, in article order (article/session.py finds them).
    needed: list[NeededBlock] = field(default_factory=list)
    # The fence gave data (ids, an example's embeddings): it beats the data
    # the code calls the model on (and the figure says so). Tokens only relabel.
    fence_inputs: bool = False

    def to_json(self) -> dict[str, Any]:
        """All of it, as the worker gets it (:meth:`from_json` reads it back)."""
        return self._json(with_lines=True)

    def key_json(self) -> dict[str, Any]:
        """What the cache key hashes: all but the needed blocks' article lines."""
        return self._json(with_lines=False)

    def _json(self, with_lines: bool) -> dict[str, Any]:
        # By hand, not asdict (which deep-copies every embedding): every figure
        # of every build hashes its spec.
        data = {
            name: value
            for name, value in vars(self).items()
            if value not in (None, [], {}, "") and value is not False
        }
        if self.words is not None:
            data["words"] = dict(vars(self.words))
        if self.needed:
            data["needed"] = [
                {name: value for name, value in vars(block).items() if with_lines or name != "line"}
                for block in self.needed
            ]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobSpec:
        words = data.get("words")
        needed = [NeededBlock(**block) for block in data.get("needed", [])]
        return cls(**{**data, "words": WordsSpec(**words) if words else None, "needed": needed})


@dataclass
class Job:
    """One job, from the planner to the worker and back: a figure to make, or
    a snippet to run for its printed output. ``spec`` is what it is made from
    (the cache key); the rest says where it is, which the key leaves out."""

    kind: JobKind
    spec: JobSpec
    source_path: str
    # The article line of the snippet's first line of code (of the figure's
    # declaration, for a job that runs no snippet): tracebacks and the log name it.
    first_line: int
    timeout: float = 0.0  # seconds the code may run: shortly before, the worker says where it is

    @property
    def blocks(self) -> list[tuple[int, str]]:
        """The blocks it runs, as (article line of the first line of code,
        code): the blocks it needs, then its snippet (none for a job that runs
        no snippet)."""
        if not self.kind.runs_snippet:
            return []
        return [*((block.line, block.code) for block in self.spec.needed), (self.first_line, self.spec.code)]

    @property
    def block_lines(self) -> list[int]:
        """The article lines its blocks start at (see :attr:`blocks`)."""
        return [line for line, _ in self.blocks]

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "kind": self.kind.value, "spec": self.spec.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        return cls(
            JobKind(data["kind"]),
            JobSpec.from_json(data["spec"]),
            data["source_path"],
            data["first_line"],
            data.get("timeout", 0.0),
        )


@dataclass
class JobMessage:
    """A job as the site sends it to a worker, with what is this run's: the
    message's id (its place in the session) and the cache entry to write."""

    id: int
    dest: str  # the cache entry's folder
    job: Job

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "dest": self.dest, "job": self.job.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobMessage:
        return cls(data["id"], data["dest"], Job.from_json(data["job"]))


@dataclass
class SessionMessage:
    """The jobs of one article whose snippets share blocks: one worker runs
    them in one session, every block once, in article order."""

    id: int
    jobs: list[JobMessage]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "jobs": [job.to_json() for job in self.jobs]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionMessage:
        return cls(data["id"], [JobMessage.from_json(job) for job in data["jobs"]])


@dataclass
class FigureWarning:
    """Something the writer should fix that did not stop the figure."""

    line: int
    message: str
    about: str = "snippet output"  # what the warning is about, in the log line

    def __post_init__(self) -> None:
        self.message = printable(self.message, MESSAGE_LIMIT)


@dataclass
class EntrySummary:
    """A cache entry's ``result.json``: what the site needs to show the figure."""

    printed: str = ""
    warnings: list[FigureWarning] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # sizes, to tell a damaged entry
    alt: str = ""
    caption: str = ""
    display_size: list[int] = field(default_factory=lambda: [0, 0])  # CSS px
    layer_html: str = ""  # the page's text layer over the figure
    # The portrait layout's (PORTRAIT_FILE), if the figure has one: [0, 0] and "" if not.
    portrait_size: list[int] = field(default_factory=lambda: [0, 0])
    portrait_layer_html: str = ""
    # Where the job's blocks were when the entry was made (Job.block_lines):
    # the article lines above name those places; the site moves them to where
    # the blocks are now (site/relocation.py).
    block_lines: list[int] = field(default_factory=list)
    format: int = ENTRY_FORMAT

    def __post_init__(self) -> None:
        self.printed, self.alt, self.caption = map(printable, (self.printed, self.alt, self.caption))
        self.layer_html = printable(self.layer_html)
        self.portrait_layer_html = printable(self.portrait_layer_html)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EntrySummary:
        if not isinstance(data, dict) or data.get("format") != ENTRY_FORMAT:
            raise ValueError("written by another version of the plugin")
        fields = {**data, "warnings": [FigureWarning(**warning) for warning in data.get("warnings", [])]}
        return cls(**fields)


@dataclass
class Ready:
    """The worker's first line: it runs, speaks this protocol, and imports
    from these folders (its ``sys.path``: the site reads the versions of the
    packages there for the cache key, ``site/worker_python.py``)."""

    pid: int
    protocol: int = PROTOCOL
    prefix: str = ""  # its sys.prefix
    path: list[str] = field(default_factory=list)
    event: str = "ready"


@dataclass
class Started:
    """A block of the session begins (TensorFlow is imported): its timeout starts."""

    id: int  # the session's
    line: int = 0  # the article line of the block's code, 0 for a job that runs none
    event: str = "started"


@dataclass
class Finished:
    id: int  # the job's
    summary: EntrySummary | None = None
    error: ErrorInfo | None = None
    event: str = "finished"

    @property
    def ok(self) -> bool:
        return self.error is None


Reply = Ready | Started | Finished


def reply_to_json(reply: Reply) -> dict[str, Any]:
    if isinstance(reply, Finished):
        return {
            "event": reply.event,
            "id": reply.id,
            "summary": reply.summary.to_json() if reply.summary else None,
            "error": reply.error.to_json() if reply.error else None,
        }
    return asdict(reply)


def reply_from_json(data: dict[str, Any]) -> Reply:
    """A worker's line, typed; ValueError if it is none of the replies."""
    event = data.get("event") if isinstance(data, dict) else None
    if event == "ready":
        return Ready(data["pid"], data["protocol"], str(data.get("prefix", "")), list(data.get("path", [])))
    if event == "started":
        return Started(data["id"], data.get("line", 0))
    if event == "finished":
        summary, error = data.get("summary"), data.get("error")
        return Finished(
            data["id"],
            EntrySummary.from_json(summary) if summary else None,
            ErrorInfo.from_json(error) if error else None,
        )
    raise ValueError(f"not a worker reply: {str(data)[:200]}")


@dataclass
class Outcome:
    """What came of a job, on the site side: a summary, or an error."""

    summary: EntrySummary | None = None
    error: ErrorInfo | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.summary is not None


def failure(kind: ErrorKind, message: str, trace: str = "", line: int | None = None) -> Outcome:
    return Outcome(error=ErrorInfo(kind, message, line, trace))
