"""`RunStore`: the SQLite (WAL) database a monitored session writes and anyone may read while it runs.

Schema (stable; `SCHEMA_VERSION` in table `meta`, new columns only ever appended):

- `sessions(session INTEGER PK, started_ns, pid, bundle_hash)`: one row per node start; a
  restart with the same run directory appends a session and keeps every earlier row.
- `samples(id PK, session, ts_ns, equity, balance, position, exposure, realized_pnl,
  unrealized_pnl, drawdown, staleness_s, trading_state)`: periodic samples, also the
  heartbeat (one per `sample_interval_secs`); the money columns are NULL (unknown, never 0)
  while Nautilus cannot value the account (a restored position before its first price).
- `orders(event_id TEXT PK, session, ts_ns, kind, client_order_id, venue_order_id,
  strategy_id, side, quantity, price, reason, latency_ms)`: every order event (`submitted`,
  `accepted`, `rejected` with the venue's reason, `canceled`, `filled`, `denied`, ...).
  `event_id` is Nautilus' event UUID, so an event is stored once.
- `fills(trade_id TEXT PK, session, ts_ns, client_order_id, venue_order_id, strategy_id,
  side, quantity, price, decision_price, slippage, commission)`: one row per venue deal;
  `trade_id` is the venue's deal ticket, so fills re-reported by reconciliation after a
  restart are not stored twice. `slippage` is signed against the trader (positive = worse
  than the decision price, in price units).
- `alerts(id PK, session, ts_ns, rule, severity, message, value, threshold)`.
- `state(key TEXT PK, value TEXT)`: persistent flags; `halt` (JSON `{reason, source,
  ts_ns}`) mirrors the kill switch's `halt.json` (`killswitch`) when the store can take it.
- `ownership(client_order_id TEXT PK, strategy_id, venue_order_id)`: which strategy sent
  an order; after a restart the monitor checks the owners Nautilus restored against it
  (`RunStore.owners`, `MonitorActor`).

Writes go through `write_batch(rows)`: one transaction per batch, so a crash loses at most
the batch not yet written and never leaves half a batch. The writer owns one connection
(its calls serialised by a lock); readers (`read_table`, the dashboard) open their own connections.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from nautilus_rl_lab.errors import ConfigError

STORE_FILE = "run.sqlite"
SCHEMA_VERSION = 1
HALT_KEY = "halt"

TABLES: dict[str, tuple[str, ...]] = {
    "samples": (
        "session",
        "ts_ns",
        "equity",
        "balance",
        "position",
        "exposure",
        "realized_pnl",
        "unrealized_pnl",
        "drawdown",
        "staleness_s",
        "trading_state",
    ),
    "orders": (
        "event_id",
        "session",
        "ts_ns",
        "kind",
        "client_order_id",
        "venue_order_id",
        "strategy_id",
        "side",
        "quantity",
        "price",
        "reason",
        "latency_ms",
    ),
    "fills": (
        "trade_id",
        "session",
        "ts_ns",
        "client_order_id",
        "venue_order_id",
        "strategy_id",
        "side",
        "quantity",
        "price",
        "decision_price",
        "slippage",
        "commission",
    ),
    "alerts": ("session", "ts_ns", "rule", "severity", "message", "value", "threshold"),
    "ownership": ("client_order_id", "strategy_id", "venue_order_id"),
}

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    session INTEGER PRIMARY KEY AUTOINCREMENT, started_ns INTEGER NOT NULL,
    pid INTEGER NOT NULL, bundle_hash TEXT);
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session INTEGER NOT NULL, ts_ns INTEGER NOT NULL,
    equity REAL, balance REAL, position REAL, exposure REAL, realized_pnl REAL,
    unrealized_pnl REAL, drawdown REAL, staleness_s REAL, trading_state TEXT);
CREATE TABLE IF NOT EXISTS orders (
    event_id TEXT PRIMARY KEY, session INTEGER NOT NULL, ts_ns INTEGER NOT NULL,
    kind TEXT NOT NULL, client_order_id TEXT, venue_order_id TEXT, strategy_id TEXT,
    side TEXT, quantity REAL, price REAL, reason TEXT, latency_ms REAL);
CREATE TABLE IF NOT EXISTS fills (
    trade_id TEXT PRIMARY KEY, session INTEGER NOT NULL, ts_ns INTEGER NOT NULL,
    client_order_id TEXT, venue_order_id TEXT, strategy_id TEXT, side TEXT,
    quantity REAL NOT NULL, price REAL NOT NULL, decision_price REAL, slippage REAL,
    commission REAL);
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session INTEGER NOT NULL, ts_ns INTEGER NOT NULL,
    rule TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL, value REAL,
    threshold REAL);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ownership (
    client_order_id TEXT PRIMARY KEY, strategy_id TEXT NOT NULL, venue_order_id TEXT);
"""

Row = tuple[str, dict[str, Any]]


def store_path(run_dir: str | os.PathLike[str]) -> Path:
    """The store file of a run directory."""
    return Path(run_dir) / STORE_FILE


def open_store(run_dir: str | os.PathLike[str], busy_timeout_s: float = 10.0) -> RunStore:
    """`RunStore(run_dir)` at a session's start: a store it cannot open is a `ConfigError`
    naming the file and why (a mid-session reopen keeps sqlite's errors: they are spooled)."""
    try:
        with _a_store_file(run_dir):
            return RunStore(run_dir, busy_timeout_s)
    except sqlite3.OperationalError as e:  # locked, read-only, unreadable
        raise ConfigError(f"the run store {store_path(run_dir)} cannot be opened ({e})") from e


@contextlib.contextmanager
def _a_store_file(run_dir: str | os.PathLike[str]) -> Iterator[None]:
    """A file that is there but is not a SQLite database is a `ConfigError` naming it; sqlite's
    operational errors (locked, read-only) pass through for the caller's policy."""
    try:
        yield
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as e:
        raise ConfigError(f"{store_path(run_dir)} is not a SQLite run store ({e})") from e


def _connect(path: Path, timeout_s: float = 10.0) -> sqlite3.Connection:
    connection = sqlite3.connect(
        path, timeout=timeout_s, isolation_level=None, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
    return connection


class RunStore:
    """The writer side of a run's store (one connection; calls serialised by a lock).

    `busy_timeout_s` bounds how long a call waits for a lock another connection holds.
    """

    def __init__(self, run_dir: str | os.PathLike[str], busy_timeout_s: float = 10.0) -> None:
        self._lock = threading.Lock()
        self.path = store_path(run_dir)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = _connect(self.path, busy_timeout_s)
        self._file_id = _file_id(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(f"BEGIN;{_DDL}COMMIT;")  # all tables at once, for readers
        found = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if found is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(found[0]) != SCHEMA_VERSION:
            raise ConfigError(
                f"`run_dir` store {self.path} has schema {found[0]}, this library writes "
                f"{SCHEMA_VERSION}: use a new `run_dir`",
            )

    def open_session(self, started_ns: int, bundle_hash: str | None) -> int:
        """Append a session row and return its number."""
        cursor = self._db.execute(
            "INSERT INTO sessions (started_ns, pid, bundle_hash) VALUES (?, ?, ?)",
            (started_ns, os.getpid(), bundle_hash),
        )
        return int(cursor.lastrowid or 0)

    def ensure_session(self, session: int, started_ns: int, bundle_hash: str | None) -> None:
        """Add the row of `session` if it is missing (a store recreated during the session)."""
        self._db.execute(
            "INSERT OR IGNORE INTO sessions (session, started_ns, pid, bundle_hash) "
            "VALUES (?, ?, ?, ?)",
            (session, started_ns, os.getpid(), bundle_hash),
        )

    @property
    def replaced(self) -> bool:
        """True once the file this connection writes was deleted or replaced by another."""
        return _file_id(self.path) != self._file_id

    def state(self, key: str) -> dict[str, Any] | None:
        """A persistent flag, read through the writer's connection (no reconnect per tick)."""
        with self._lock:
            found = self._db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return None if found is None else dict(json.loads(found[0]))

    def max_equity(self) -> float:
        """The highest equity any earlier session of this run recorded (0 if none)."""
        found = self._db.execute("SELECT MAX(equity) FROM samples").fetchone()
        return float(found[0]) if found and found[0] is not None else 0.0

    def owners(self) -> dict[str, str]:
        """Every recorded order's owner: client order id -> strategy id."""
        with self._lock:
            rows = self._db.execute("SELECT client_order_id, strategy_id FROM ownership").fetchall()
        return {str(order): str(strategy) for order, strategy in rows}

    def write_batch(self, rows: Sequence[Row]) -> int:
        """Insert `(table, values)` rows in one transaction; return the count.

        A row whose key is already stored (an event re-reported after a restart) is skipped;
        any other constraint violation (a missing required value) raises and rolls back.
        """
        if not rows:
            return 0
        with self._lock:
            return self._write(rows)

    def _write(self, rows: Sequence[Row]) -> int:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for table, values in rows:
                columns = TABLES[table]
                names = ", ".join(columns)
                marks = ", ".join("?" for _ in columns)
                self._db.execute(
                    f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                    tuple(values.get(c) for c in columns),
                )
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # SQLite rolls back itself on a disk I/O error
                self._db.execute("ROLLBACK")
            raise
        return len(rows)

    def close(self) -> None:
        """Checkpoint the WAL and close (idempotent)."""
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._db.close()
            except sqlite3.ProgrammingError:
                pass


def _file_id(path: Path) -> tuple[int, int] | None:
    """The (device, inode) of `path` (`None` if it does not exist)."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def set_state(
    run_dir: str | os.PathLike[str],
    key: str,
    value: dict[str, Any] | None,
    timeout_s: float = 10.0,
) -> None:
    """Set (or with `None` delete) a persistent flag in the run's store."""
    path = store_path(run_dir)
    if not path.is_file():
        raise ConfigError(f"`run_dir` {str(run_dir)!r} holds no run store ({STORE_FILE})")
    with _a_store_file(run_dir), contextlib.closing(_connect(path, timeout_s)) as db:
        if value is None:
            db.execute("DELETE FROM state WHERE key=?", (key,))
        else:
            db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, json.dumps(value)))


def get_state(run_dir: str | os.PathLike[str], key: str) -> dict[str, Any] | None:
    """A persistent flag of the run's store (`None` if unset or there is no store yet)."""
    path = store_path(run_dir)
    if not path.is_file():
        return None
    db = _connect(path)
    try:
        with _a_store_file(run_dir):
            found = db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
    except sqlite3.OperationalError:  # the writer has not created the tables yet
        return None
    finally:
        db.close()
    return None if found is None else dict(json.loads(found[0]))


def read_table(
    run_dir: str | os.PathLike[str], table: str, columns: Iterable[str] | None = None
) -> pd.DataFrame:
    """Read one table of a (possibly running) session's store as a frame."""
    if table not in {*TABLES, "sessions", "state"}:
        raise ConfigError(f"`table` {table!r} is not in the run store: use one of {sorted(TABLES)}")
    path = store_path(run_dir)
    if not path.is_file():
        raise ConfigError(f"`run_dir` {str(run_dir)!r} holds no run store ({STORE_FILE})")
    names = ", ".join(columns) if columns else "*"
    db = _connect(path)
    try:
        if _being_created(db):  # the writer has created the file, not yet its tables
            db.close()
            db = sqlite3.connect(":memory:")
            db.executescript(_DDL)
        return pd.read_sql_query(f"SELECT {names} FROM {table}", db)
    finally:
        db.close()


def _being_created(db: sqlite3.Connection) -> bool:
    """A store file without any table yet: the moment between its creation and its schema."""
    return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
