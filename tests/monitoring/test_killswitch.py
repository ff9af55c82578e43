"""The kill switch: `live kill` refuses a directory without a session, waits for the node's
acknowledgement, and halts a node whose run store was deleted under it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nautilus_rl_lab.cli import main
from nautilus_rl_lab.monitoring import read_table
from nautilus_rl_lab.monitoring.killswitch import halt_reason, node_state
from nautilus_rl_lab.monitoring.store import RunStore
from tests.monitoring.conftest import MAGIC, WAIT, step_bars


def _kill(run_dir: Path, *extra: str) -> int:
    return main(["live", "kill", "--run-dir", str(run_dir), *extra])


def test_kill_refuses_a_directory_without_a_session_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "rnu"
    assert _kill(typo) == 2
    assert "holds no live session" in capsys.readouterr().err
    assert not typo.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _kill(empty) == 2
    assert main(["live", "resume", "--run-dir", str(empty)]) == 2
    assert list(empty.iterdir()) == []


def test_kill_without_a_running_node_sets_the_flag_and_says_nobody_acknowledged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    RunStore(tmp_path).close()  # a session that is not running
    assert _kill(tmp_path, "--wait", "0.2") == 1
    assert "no running node acknowledged" in capsys.readouterr().err
    assert halt_reason(tmp_path)["source"] == "cli"  # a restarted node starts halted


def test_kill_halts_a_node_whose_run_store_was_deleted(
    terminal, monitored_node, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simulator, _ = terminal
    run_dir = tmp_path / "run"
    node, monitor = monitored_node(
        rules={"max_drawdown": None, "stale_feed_secs": None}, on_store_failure="spool",
        metrics_port=0,
    )  # fmt: skip
    for _ in range(10):
        step_bars(node, simulator, 1)
        if simulator.positions_get():
            break
    assert simulator.positions_get(), "the buy-and-hold agent never opened a position"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run_dir / 'run.sqlite'}{suffix}").unlink(missing_ok=True)
    assert _kill(run_dir, "--wait", str(WAIT)) == 0
    assert "acknowledged" in capsys.readouterr().out
    assert node_state(run_dir)["halt"]["source"] == "cli"
    assert node.wait_until(lambda: monitor.trading_state == "HALTED", timeout_secs=WAIT)
    assert node.wait_until(lambda: not simulator.positions_get(), timeout_secs=WAIT)
    assert monitor.metrics is not None
    registry = monitor.metrics.registry
    assert node.wait_until(
        lambda: registry.get_sample_value("nrl_trading_state", {"run": "run"}) == 1.0, WAIT
    ), "nrl_trading_state does not say HALTED"
    store_alerts = [a for a in monitor.alerts if a.rule == "store"]
    assert len(store_alerts) == 1 and "deleted" in store_alerts[0].message
    deals = sorted(
        str(d.ticket) for d in simulator.history_deals_get(0, 2**31 - 1) or () if d.magic == MAGIC
    )
    assert node.wait_until(lambda: _stored_fills(run_dir) == deals, WAIT), (
        "the recreated store misses fills"
    )
    assert json.loads((run_dir / "halt.json").read_text())["source"] == "cli"


def _stored_fills(run_dir: Path) -> list[str] | None:
    """The trade ids in the store (`None` while the monitor is still recreating it: the file
    exists a moment before its tables)."""
    try:
        return sorted(read_table(run_dir, "fills")["trade_id"])
    except pd.errors.DatabaseError:
        return None
