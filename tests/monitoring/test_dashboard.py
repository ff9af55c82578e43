"""The dashboard's widgets show the growing store, and its kill button halts the node."""

from __future__ import annotations

from pathlib import Path

from nautilus_rl_lab.monitoring.dashboard import Dashboard
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
