"""What a figure job is and what comes of it, and the names snippets get for free."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The names a blog snippet may use without importing them.
PRELUDE = """\
import numpy as np
import tensorflow as tf
import keras
from keras import layers, ops
from keras.models import Sequential, Model
from keras.layers import *
"""


@dataclass
class Job:
    """One figure to make: ``spec`` is hashed into the cache key; the rest is not."""

    kind: str
    spec: dict[str, Any]
    dest: Path
    source_path: str
    first_line: int  # article line of the code's first line, for tracebacks
    timeout: float  # seconds; RNN_FIGURES_TIMEOUT, or less if the article says so

    def message(self, number: int) -> str:
        return json.dumps(
            {
                "id": number,
                "kind": self.kind,
                "spec": self.spec,
                "dest": str(self.dest),
                "source_path": self.source_path,
                "first_line": self.first_line,
            }
        )


@dataclass
class Outcome:
    ok: bool
    summary: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] = field(default_factory=dict)


def failure(kind: str, message: str, trace: str = "") -> Outcome:
    return Outcome(False, error={"type": kind, "message": message, "line": None, "traceback": trace})
