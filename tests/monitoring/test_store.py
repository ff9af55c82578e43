"""`RunStore`: WAL mode, batches in one transaction, duplicates skipped, readable while written."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.monitoring.killswitch import halt_reason, request_halt, resume
from nautilus_rl_lab.monitoring.store import RunStore, read_table


def _fill(trade_id: str, session: int = 1) -> tuple[str, dict]:
    return ("fills", {"trade_id": trade_id, "session": session, "ts_ns": 1, "side": "BUY",
                      "quantity": 1000.0, "price": 1.1})  # fmt: skip


def test_store_is_wal_and_readable_while_the_writer_is_open(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    store.open_session(1, "abc")
    store.write_batch([_fill("1"), _fill("2")])
    with sqlite3.connect(tmp_path / "run.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert list(read_table(tmp_path, "fills")["trade_id"]) == ["1", "2"]
    store.close()


def test_a_fill_reported_again_after_a_restart_is_stored_once(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    store.write_batch([_fill("1")])
    store.close()
    again = RunStore(tmp_path)
    again.write_batch([_fill("1", session=2), _fill("2", session=2)])
    assert list(read_table(tmp_path, "fills")["trade_id"]) == ["1", "2"]
    again.close()


def test_a_batch_with_a_missing_required_value_is_rolled_back_whole(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    broken = ("fills", {"trade_id": "3", "session": 1, "ts_ns": 1, "quantity": None, "price": 1.0})
    with pytest.raises(sqlite3.IntegrityError):
        store.write_batch([_fill("1"), broken])
    assert read_table(tmp_path, "fills").empty
    store.close()


def test_the_halt_flag_persists_until_resumed(tmp_path: Path) -> None:
    RunStore(tmp_path).close()  # a session's run directory
    assert halt_reason(tmp_path) is None
    flag = request_halt(tmp_path, "too risky", source="cli")
    assert halt_reason(tmp_path) == flag
    assert request_halt(tmp_path, "second", source="python") == flag  # the first reason stays
    resume(tmp_path)
    assert halt_reason(tmp_path) is None


def test_reading_an_unknown_table_or_a_missing_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run store"):
        read_table(tmp_path, "fills")
    RunStore(tmp_path).close()
    with pytest.raises(ConfigError, match="`table`"):
        read_table(tmp_path, "passwords")


def test_a_store_file_that_appears_already_holds_every_table(tmp_path: Path) -> None:
    """A reader polling a run directory (the kill CLI, a dashboard, a test) may open the store
    the moment its file appears: it must never see a file without the tables."""
    run_dirs = [tmp_path / f"run{i}" for i in range(40)]
    failures: list[str] = []

    def read_as_soon_as_created() -> None:
        for run_dir in run_dirs:
            while not (run_dir / "run.sqlite").is_file():
                pass
            try:
                read_table(run_dir, "fills")
            except Exception as e:  # any error is the defect under test
                failures.append(f"{run_dir.name}: {e}")

    reader = threading.Thread(target=read_as_soon_as_created)
    reader.start()
    for run_dir in run_dirs:
        RunStore(run_dir).close()
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert failures == []
