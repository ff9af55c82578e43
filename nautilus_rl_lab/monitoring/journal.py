"""`SpoolingWriter`: writes the monitor's batches into the run store, spooling what it cannot write.

It runs on the monitor's store `IoWorker`, never on the event loop. A batch the store refuses
(disk full, `disk I/O error`, a lock held past `busy_timeout_s`, the file deleted or replaced
during the session) is kept in memory and appended to `store-journal.jsonl` next to the
store (one `[table, values]` JSON line per row). Each later write first reopens a store whose
file was deleted or replaced (recreating it with the session's row), then writes the spooled rows and the new ones in one transaction; once that succeeds
the journal is deleted. A journal left by a crash is replayed by the next session's first
write. Rows are never discarded for a failed batch: only beyond `max_spooled` rows held in
memory (a journal that cannot be written either) are the newest dropped and counted, and a
row the schema refuses (a missing required value) is logged and left out of its batch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nautilus_rl_lab.monitoring.store import Row, RunStore

logger = logging.getLogger(__name__)

JOURNAL_FILE = "store-journal.jsonl"


@dataclass(frozen=True)
class WriteResult:
    """What one write did: stored rows, the error if the store refused, rows still spooled."""

    stored: int
    error: str | None
    spooled: int
    dropped: int


class SpoolingWriter:
    """The store's writer with a journal for what the store cannot take yet (one thread only)."""

    def __init__(
        self,
        store: RunStore,
        session: int,
        started_ns: int,
        bundle_hash: str | None,
        busy_timeout_s: float,
        max_spooled: int = 1_000_000,
    ) -> None:
        self.store: RunStore | None = store
        self.run_dir = store.path.parent
        self.journal = self.run_dir / JOURNAL_FILE
        self._session = (session, started_ns, bundle_hash)
        self._busy_timeout_s = busy_timeout_s
        self._max_spooled = max_spooled
        self._spooled: list[Row] = _read_journal(self.journal)
        self._journal_ok = True
        self.dropped = 0

    def write(self, rows: Sequence[Row]) -> WriteResult:
        """Store the spooled rows and `rows` in one transaction, or spool `rows`."""
        batch = [*self._spooled, *rows]
        try:
            store = self._open()
            if store.replaced:
                self._close()  # the next write recreates it
                raise sqlite3.OperationalError(
                    f"the run store {store.path} was deleted or replaced during the session"
                )
            stored = self._write(store, batch)
        except sqlite3.Error as e:
            self._spool(rows)
            return WriteResult(0, str(e), len(self._spooled), self.dropped)
        self._spooled = []
        self._journal_ok = True
        with contextlib.suppress(FileNotFoundError):
            self.journal.unlink()
        return WriteResult(stored, None, 0, self.dropped)

    @staticmethod
    def _write(store: RunStore, batch: list[Row]) -> int:
        """One transaction; a batch with a broken row is written row by row without it."""
        try:
            return store.write_batch(batch)
        except sqlite3.IntegrityError:
            stored = 0
            for row in batch:
                try:
                    stored += store.write_batch([row])
                except sqlite3.IntegrityError as e:
                    logger.error("run store refused a %s row (%s): %s", row[0], e, row[1])
            return stored

    def _open(self) -> RunStore:
        if self.store is None:
            self.store = RunStore(self.run_dir, self._busy_timeout_s)
            self.store.ensure_session(*self._session)
        return self.store

    def _close(self) -> None:
        if self.store is not None:
            with contextlib.suppress(sqlite3.Error):
                self.store.close()
            self.store = None

    def _spool(self, rows: Sequence[Row]) -> None:
        room = max(0, self._max_spooled - len(self._spooled))
        self.dropped += max(0, len(rows) - room)
        kept = list(rows[:room])
        self._spooled += kept
        if not kept or not self._journal_ok:
            return
        try:
            with self.journal.open("a", encoding="utf-8") as handle:
                handle.writelines(json.dumps([table, values]) + "\n" for table, values in kept)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as e:  # a full disk: the rows stay in memory only
            self._journal_ok = False
            logger.error("store journal %s cannot be written either: %s", self.journal, e)

    def close(self) -> None:
        """Close the store connection (the journal stays for the next session if not empty)."""
        self._close()


def _read_journal(path: Path) -> list[Row]:
    """The rows of a journal a previous session left (a torn last line is skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    rows: list[Row] = []
    for line in lines:
        try:
            table, values = json.loads(line)
        except ValueError:
            logger.warning("store journal %s: skipped a torn line", path)
            continue
        rows.append((str(table), dict(values)))
    if rows:
        logger.warning("store journal %s: %d rows to replay", path, len(rows))
    return rows
