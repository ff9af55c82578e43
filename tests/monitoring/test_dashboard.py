"""The dashboard's widgets show the growing store, and its kill button halts the node."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd

from nautilus_rl_lab.monitoring.dashboard import COLUMNS, Dashboard, readable
from nautilus_rl_lab.monitoring.killswitch import write_node_state
from nautilus_rl_lab.monitoring.store import RunStore, read_table
from tests.monitoring.conftest import WAIT, step_bars


def test_widgets_follow_the_store_and_the_kill_button_halts(
    terminal, monitored_node, tmp_path: Path
) -> None:
    simulator, _ = terminal
    node, monitor = monitored_node(rules={"max_drawdown": None, "stale_feed_secs": None})
    dashboard = Dashboard(tmp_path / "run")
    node.wait_until(lambda: False, timeout_secs=0.3)
    dashboard.refresh()
    first_samples, first_orders = dashboard.samples, dashboard.orders.value
    assert first_samples > 0
    for _ in range(10):
        step_bars(node, simulator, 1)
        if simulator.positions_get():
            break
    node.wait_until(lambda: False, timeout_secs=0.5)
    dashboard.refresh()
    assert dashboard.samples > first_samples
    assert dashboard.orders.value != first_orders and "filled" in dashboard.orders.value
    assert "ACTIVE" in dashboard.health.value
    assert dashboard.chart.value[:4] == b"\x89PNG"

    dashboard.kill.click()
    assert node.wait_until(lambda: monitor.trading_state == "HALTED", timeout_secs=WAIT)
    assert node.wait_until(lambda: not simulator.positions_get(), timeout_secs=WAIT)
    node.wait_until(lambda: False, timeout_secs=0.5)
    dashboard.refresh()
    assert "HALTED" in dashboard.health.value and "dashboard button" in dashboard.health.value


WALL_NS = pd.Timestamp("2026-12-07 04:30:01.250", tz="UTC").value  # the node's clock
VENUE_NS = pd.Timestamp("2017-03-01 10:00:00", tz="UTC").value  # the simulated terminal's


def _store(run_dir: Path, states: list[str]) -> RunStore:
    """A run store as a monitor writes it: samples, a submitted and a filled order, its fill."""
    store = RunStore(run_dir)
    store.open_session(WALL_NS, None)
    samples = [
        ("samples", {"session": 1, "ts_ns": WALL_NS + i * 10**9, "equity": 100_000.0 - i,
                     "balance": 100_000.0, "position": 0.0, "drawdown": i / 1e5,
                     "staleness_s": 0.1, "trading_state": state})
        for i, state in enumerate(states)
    ]  # fmt: skip
    order = {"session": 1, "client_order_id": "O-1", "strategy_id": "S-1", "side": None}
    store.write_batch([
        *samples,
        ("orders", {**order, "event_id": "e1", "ts_ns": WALL_NS, "kind": "submitted"}),
        ("orders", {**order, "event_id": "e2", "ts_ns": VENUE_NS, "kind": "filled",
                    "side": "BUY", "quantity": 10_000.0, "price": 1.05712}),
        ("fills", {"trade_id": "T-1", "session": 1, "ts_ns": VENUE_NS, "client_order_id": "O-1",
                   "side": "BUY", "quantity": 10_000.0, "price": 1.05712, "commission": 0.35}),
    ])  # fmt: skip
    return store


def test_tables_show_utc_times_labelled_by_clock_and_only_meaningful_columns(
    tmp_path: Path,
) -> None:
    _store(tmp_path, ["ACTIVE"]).close()
    dashboard = Dashboard(tmp_path)
    dashboard.refresh()
    orders, fills = dashboard.orders.value, dashboard.fills.value
    for html in (orders, fills):
        assert str(WALL_NS) not in html and str(VENUE_NS) not in html  # no raw nanoseconds
        assert "None" not in html and "NaN" not in html and "ts_ns" not in html
    assert ">2026-12-07 04:30:01.250 UTC<" in orders and ">2017-03-01 10:00:00.000 UTC<" in fills
    rows = re.findall(r"<tr>(.*?)</tr>", orders.split("<tbody>")[1], re.S)
    assert "submitted" in rows[0] and ">wall clock<" in rows[0]
    assert "filled" in rows[1] and ">venue clock<" in rows[1]
    assert ">time (UTC, venue clock)<" in fills  # a fill carries the venue's deal time
    for empty in ("venue_order_id", "reason", "latency_ms", "decision_price", "slippage"):
        assert empty not in orders + fills  # columns nobody filled are left out
    assert "commission" in fills and "1.05712" in fills


def test_the_chart_has_a_utc_time_axis(tmp_path: Path) -> None:
    _store(tmp_path, ["ACTIVE"] * 3).close()
    dashboard = Dashboard(tmp_path)
    dashboard.refresh()
    equity_ax, drawdown_ax = dashboard.figure.axes
    assert drawdown_ax.get_xlabel() == "wall clock (UTC)"
    assert isinstance(drawdown_ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    first = pd.Timestamp(equity_ax.lines[0].get_xdata()[0])
    assert first == pd.Timestamp(WALL_NS, tz="UTC")
    assert dashboard.chart.layout.width == "100%"


def test_the_state_follows_the_node_after_a_halt(tmp_path: Path) -> None:
    _store(tmp_path, ["ACTIVE"]).close()  # the last sample was taken before the halt
    dashboard = Dashboard(tmp_path)
    dashboard.halt("test")
    assert "HALT REQUESTED" in dashboard.health.value and dashboard.state == "HALT REQUESTED"
    later = WALL_NS + 5 * 10**9
    write_node_state(tmp_path, {"ts_ns": later, "trading_state": "REDUCING", "halt": None})
    dashboard.refresh()
    assert dashboard.state == "HALT REQUESTED"
    write_node_state(tmp_path, {"ts_ns": later + 1, "trading_state": "HALTED", "halt": None})
    dashboard.stop()  # refreshes once more: what the node wrote last is newer than the sample
    assert dashboard.state == "HALTED" and "HALT REQUESTED" not in dashboard.health.value
    assert "<b>state</b> HALTED" in dashboard.health.value and "test" in dashboard.health.value


def test_an_error_in_a_refresh_shows_in_the_dashboard(tmp_path: Path) -> None:
    _store(tmp_path, ["ACTIVE"]).close()
    (tmp_path / "node.json").write_text("{not json", encoding="utf-8")
    dashboard = Dashboard(tmp_path)
    dashboard.refresh()  # as the refresh thread calls it: must not raise into nowhere
    assert "JSONDecodeError" in dashboard.health.value and "color:#b00" in dashboard.health.value


def test_an_empty_table_keeps_its_headers(tmp_path: Path) -> None:
    _store(tmp_path, ["ACTIVE"]).close()
    alerts = readable(read_table(tmp_path, "alerts"), "alerts")
    assert alerts.empty and list(alerts.columns) == ["time (UTC)", "clock", *COLUMNS["alerts"]]
