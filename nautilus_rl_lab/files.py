"""Atomic file writes: a reader (or a resumed run after a kill) never sees half a file.

Every artefact the library writes (checkpoints, saved agents, reports, figures) goes through
these helpers: write to a temporary sibling, flush and `fsync`, then `os.replace`, which is
atomic on POSIX and Windows within one filesystem. Directories are assembled under a
temporary name and renamed into place; an existing target directory is first renamed aside,
so a reader sees the old complete directory, the new one, or (for an instant) none, never a
partial one. Checkpoints avoid even that instant: each goes to a new directory and a small
pointer file is replaced atomically afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically (temporary sibling + fsync + `os.replace`)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` (UTF-8) to `path` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary directory; on success it replaces `path` as a whole.

    If the block raises, the temporary directory is removed and `path` is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class FileChanges:
    """Polls one file: `changed()` is True when its mtime or size differs from the last look.

    One `stat` call per look, so SB3 callbacks can watch `evaluations.npz` on every step.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._signature: tuple[int, int] | None = None

    def changed(self) -> bool:
        """Whether the file exists and changed since the previous call."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return False
        signature = (stat.st_mtime_ns, stat.st_size)
        if signature == self._signature:
            return False
        self._signature = signature
        return True
