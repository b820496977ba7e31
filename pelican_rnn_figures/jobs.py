"""What a figure job is, and what comes of it (shared by the planner and the runner)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Job:
    """One figure to make: ``spec`` is hashed into the cache key; the rest is not."""

    kind: str
    spec: dict[str, Any]
    dest: Path
    source_path: str = ""
    first_line: int = 1
    timeout: float = 120.0

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
