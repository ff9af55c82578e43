"""`SpoolingWriter` under a real full disk (RLIMIT_FSIZE in a fresh interpreter) and a lock."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from nautilus_rl_lab.monitoring.journal import JOURNAL_FILE, SpoolingWriter
from nautilus_rl_lab.monitoring.store import RunStore, read_table
from tests.conftest import run_python

FULL_DISK = """
import json, resource
from pathlib import Path
from nautilus_rl_lab.monitoring.journal import SpoolingWriter
from nautilus_rl_lab.monitoring.store import RunStore

run_dir = Path({run_dir!r})
def fills(first, n):
    return [("fills", {{"trade_id": str(i), "session": 1, "ts_ns": i, "side": "BUY",
                        "quantity": 1000.0, "price": 1.1, "client_order_id": "O-" + "x" * 2000}})
            for i in range(first, first + n)]
store = RunStore(run_dir)
session = store.open_session(1, None)
writer = SpoolingWriter(store, session, 1, None, busy_timeout_s=1.0)
out = {{"first": writer.write(fills(0, 10)).error}}
size = max(p.stat().st_size for p in run_dir.glob("run.sqlite*"))
_, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))  # `ulimit -f`: the store's disk is full
full = writer.write(fills(10, 40))
out["full"] = [full.error, full.spooled]
out["journal"] = len((run_dir / "store-journal.jsonl").read_text().splitlines())
still = writer.write(fills(50, 5))
out["still"] = [still.error is not None, still.spooled]
resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))  # space again
again = writer.write(fills(55, 5))
out["again"] = [again.error, again.stored, again.spooled]
writer.close()
print(json.dumps(out))
"""


def test_a_full_disk_spools_every_row_and_the_store_takes_them_once_it_can_write(
    tmp_path: Path,
) -> None:
    result = run_python(FULL_DISK.format(run_dir=str(tmp_path)))
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["first"] is None
    error, spooled = out["full"]
    assert error is not None and ("disk" in error or "full" in error), error
    assert spooled == 40 and out["journal"] == 40
    assert out["still"] == [True, 45]
    assert out["again"] == [None, 50, 0]
    assert sorted(read_table(tmp_path, "fills")["trade_id"], key=int) == [str(i) for i in range(60)]
    assert not (tmp_path / JOURNAL_FILE).exists()


def test_a_journal_left_by_a_crash_is_replayed_by_the_next_writer(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    row = {"trade_id": "7", "session": 1, "ts_ns": 1, "side": "SELL", "quantity": 1.0, "price": 1.2}
    (tmp_path / JOURNAL_FILE).write_text(json.dumps(["fills", row]) + "\n" + '["fills", {"tra')
    writer = SpoolingWriter(store, store.open_session(2, None), 2, None, busy_timeout_s=1.0)
    assert writer.write([]).error is None
    assert list(read_table(tmp_path, "fills")["trade_id"]) == ["7"]
    writer.close()


def test_a_locked_store_spools_until_the_lock_is_released(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    writer = SpoolingWriter(store, store.open_session(1, None), 1, None, busy_timeout_s=0.1)
    row = ("alerts", {"session": 1, "ts_ns": 1, "rule": "x", "severity": "info", "message": "m"})
    other = sqlite3.connect(tmp_path / "run.sqlite", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    locked = writer.write([row])
    assert locked.error is not None and "locked" in locked.error and locked.spooled == 1
    other.execute("ROLLBACK")
    other.close()
    assert writer.write([row]).stored == 2
    assert len(read_table(tmp_path, "alerts")) == 2
    writer.close()
