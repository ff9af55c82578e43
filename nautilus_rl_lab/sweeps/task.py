"""`SweepTask`: one call of a sweep, named, with the identity its result file is named by."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class SweepTask:
    """One call `function(*args)`, described by `key` (e.g. "seed 3"), unique in its sweep.

    `identity` (the bytes of its configs) and `key` name its result file.
    """

    key: str
    args: tuple[Any, ...]
    identity: bytes

    def result_file(self, results_dir: Path) -> Path:
        """`<results_dir>/<key>-<digest of identity>.pkl` (`key` with `_` for unsafe characters)."""
        digest = hashlib.sha256(self.identity).hexdigest()[:16]
        return results_dir / f"{_UNSAFE.sub('_', self.key)}-{digest}.pkl"


def noted(task: SweepTask, function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)`, with a note naming `task` on its exception."""
    try:
        return function(*args)
    except Exception as e:
        e.add_note(f"while running {task.key}")
        raise
