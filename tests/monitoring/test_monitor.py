"""`MonitorActor` in a live session on the simulator: store rows, alerts, kill switch, metrics."""

from __future__ import annotations

import sqlite3
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from nautilus_rl_lab.agents import BuyAndHoldAgent, RandomAgent
from nautilus_rl_lab.data.source import load_frame
from nautilus_rl_lab.monitoring import Alert, read_table, request_halt, resume
from nautilus_rl_lab.monitoring.killswitch import halt_reason
from nautilus_rl_lab.schemes.registry import build_action
from nautilus_rl_lab.training.bundle import load_bundle
from tests.monitoring.conftest import (
    ACTION,
    INSTRUMENT,
    MAGIC,
    SPREAD,
    WAIT,
    agent_bundle,
    market,
    step_bars,
)

RUN = {"run": "run"}
QUIET = {"max_drawdown": None, "stale_feed_secs": None, "max_drift_score": None}


def _flat_everywhere(node, simulator) -> bool:
    from nautilus_rl_lab.nt.model import InstrumentId

    open_positions = node.cache.positions_open(instrument_id=InstrumentId.from_str(INSTRUMENT))
    return not open_positions and not (simulator.positions_get() or ())


def _deal_tickets(simulator) -> list[str]:
    deals = simulator.history_deals_get(0, 2**31 - 1) or ()
    return sorted(str(d.ticket) for d in deals if d.magic == MAGIC)


def _scrape(port: int) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    values: dict[tuple[str, tuple], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "run"))
            values[(sample.name, labels)] = sample.value
    return values


def test_drawdown_alert_halts_flattens_and_the_store_holds_every_fill(
    terminal, monitored_node, tmp_path: Path
) -> None:
    simulator, _ = terminal
    node, monitor = monitored_node(rules={"max_drawdown": 0.0005, "stale_feed_secs": None},
                                   metrics_port=0)  # fmt: skip
    run_dir = tmp_path / "run"
    for _ in range(20):
        step_bars(node, simulator, 1)
        if monitor.trading_state == "HALTED":
            break
    assert node.wait_until(lambda: monitor.trading_state == "HALTED", timeout_secs=WAIT)
    assert node.wait_until(lambda: _flat_everywhere(node, simulator), timeout_secs=WAIT)
    assert halt_reason(run_dir)["source"] == "alert"

    node.wait_until(lambda: False, timeout_secs=0.5)  # a few more ticks: rows flushed
    alerts = read_table(run_dir, "alerts")
    assert list(alerts["rule"]) == ["drawdown"]
    assert alerts["severity"].iloc[0] == "critical"
    fills = read_table(run_dir, "fills")
    assert sorted(fills["trade_id"]) == _deal_tickets(simulator)
    assert len(fills) >= 2  # the opening buy and the kill switch's closing sell
    assert set(fills["side"]) == {"BUY", "SELL"}
    assert fills["decision_price"].notna().iloc[0]
    orders = read_table(run_dir, "orders")
    assert {"submitted", "accepted", "filled"} <= set(orders["kind"])
    assert orders["latency_ms"].dropna().ge(0).all()
    samples = read_table(run_dir, "samples")
    assert samples["drawdown"].max() >= 0.0005
    assert samples["trading_state"].iloc[-1] == "HALTED"

    metrics = _scrape(monitor.metrics.port)
    last = read_table(run_dir, "samples").iloc[-1]
    assert metrics[("nrl_equity", ())] == pytest.approx(last["equity"])
    assert metrics[("nrl_trading_state", ())] == 1.0
    assert metrics[("nrl_position", ())] == 0.0
    filled = int((read_table(run_dir, "orders")["kind"] == "filled").sum())
    assert metrics[("nrl_orders_total", (("status", "filled"),))] == filled
    assert metrics[("nrl_alerts_total", (("rule", "drawdown"), ("severity", "critical")))] == 1
    assert ("nrl_order_latency_seconds_count", ()) in metrics
    assert ("nrl_data_staleness_seconds", ()) in metrics


def test_kill_switch_on_demand_halts_and_persists_until_resumed(
    terminal, monitored_node, tmp_path: Path
) -> None:
    simulator, _ = terminal
    node, monitor = monitored_node(rules={"max_drawdown": None, "stale_feed_secs": None})
    run_dir = tmp_path / "run"
    for _ in range(10):
        step_bars(node, simulator, 1)
        if simulator.positions_get():
            break
    assert simulator.positions_get(), "the buy-and-hold agent never opened a position"
    request_halt(run_dir, "operator says stop", source="python")
    assert node.wait_until(lambda: monitor.trading_state == "HALTED", timeout_secs=WAIT)
    assert node.wait_until(lambda: _flat_everywhere(node, simulator), timeout_secs=WAIT)
    step_bars(node, simulator, 2)
    assert not simulator.positions_get(), "a halted node traded again"
    node.stop()

    node2, monitor2 = monitored_node(rules={"max_drawdown": None, "stale_feed_secs": None})
    assert node2.wait_until(lambda: monitor2.trading_state == "HALTED", timeout_secs=WAIT)
    step_bars(node2, simulator, 2)
    assert not simulator.positions_get(), "the restarted node traded while halted"
    resume(run_dir)
    assert node2.wait_until(lambda: monitor2.trading_state == "ACTIVE", timeout_secs=WAIT)
    for _ in range(5):
        step_bars(node2, simulator, 1)
        if simulator.positions_get():
            break
    assert simulator.positions_get(), "trading did not resume"
    sessions = read_table(run_dir, "sessions")
    assert len(sessions) == 2
    node2.wait_until(lambda: False, timeout_secs=0.5)
    orders = read_table(run_dir, "orders")
    assert {"submitted", "filled"} <= set(orders[orders["session"] == 2]["kind"])


def test_stale_feed_raises_the_stale_alert(terminal, monitored_node, tmp_path: Path) -> None:
    simulator, _ = terminal
    received = []
    node, monitor = monitored_node(
        with_agent=False, rules={"max_drawdown": None, "stale_feed_secs": 2.0}
    )
    step_bars(node, simulator, 1)  # the feed flows (before it, start-up alone may exceed the limit)
    journal = tmp_path / "run" / "alerts.jsonl"
    before = journal.read_text().count("stale_feed") if journal.exists() else 0
    monitor.add_sink(received.append)
    step_bars(node, simulator, 2, pause=0.2)
    assert not [a for a in received if a.rule == "stale_feed"], "stale while bars arrived"
    assert node.wait_until(lambda: any(a.rule == "stale_feed" for a in received), WAIT)
    node.wait_until(lambda: False, timeout_secs=0.3)
    alerts = read_table(tmp_path / "run", "alerts")
    assert "stale_feed" in set(alerts["rule"])
    assert journal.read_text().count("stale_feed") == before + 1  # one alert for this stall


def test_a_disconnect_raises_the_alert_and_the_node_reconnects_without_duplicates(
    terminal, monitored_node, tmp_path: Path
) -> None:
    simulator, _ = terminal
    received = []
    node, monitor = monitored_node(rules={"max_drawdown": None, "stale_feed_secs": None})
    monitor.add_sink(received.append)
    step_bars(node, simulator, 3)
    simulator.inject("disconnect", count=6)
    assert node.wait_until(lambda: any(a.rule == "disconnected" for a in received), WAIT)
    assert node.wait_until(lambda: monitor.link.is_initialized, 2 * WAIT), "no reconnect"
    step_bars(node, simulator, 3)
    node.wait_until(lambda: False, timeout_secs=0.5)
    fills = read_table(tmp_path / "run", "fills")
    assert sorted(fills["trade_id"]) == _deal_tickets(simulator)
    history = simulator.history_orders_get(0, 2**31 - 1) or ()
    comments = [o.comment for o in history if o.magic == MAGIC]
    assert len(comments) == len(set(comments)), "an order reached the terminal twice"
    assert "disconnected" in set(read_table(tmp_path / "run", "alerts")["rule"])


@pytest.mark.parametrize(("spread_points", "fires"), [(10, False), (30, True)])
def test_slippage_fires_only_when_fills_slip_more_than_the_bundle_backtest_assumed(
    serve_terminal, node_on, tmp_path: Path, spread_points: int, fires: bool
) -> None:
    """The bundle's backtest quotes a 1-pip spread: buys slip 1 pip, sells none. A broker
    quoting the same spread raises nothing; one quoting 3 pips makes buys slip beyond it."""
    random_agent = RandomAgent(build_action(ACTION).space, seed=3)
    bundle = agent_bundle(random_agent, tmp_path / "bundle", market(1))
    simulator, handle = serve_terminal(load_frame(market(2)), spread_points=spread_points)
    node, monitor = node_on(handle, bundle, bundle_path=str(bundle), rules=QUIET)
    assert monitor.expected is not None
    # Nautilus' L1 fills take the quote's size at the touch and the rest one tick worse
    assert SPREAD <= monitor.expected.slippage["BUY"].mean <= SPREAD + 1e-5
    received = []
    monitor.add_sink(received.append)
    for _ in range(12):
        step_bars(node, simulator, 1)
    node.wait_until(lambda: False, timeout_secs=0.5)
    fills = read_table(tmp_path / "run", "fills")
    assert (fills["side"] == "BUY").sum() >= 2, "too few live buys to judge slippage"
    slipped = [a for a in received if a.rule == "slippage"]
    if fires:
        assert slipped, f"no slippage alert; live slippage {list(fills['slippage'])}"
        assert slipped[0].value > slipped[0].threshold > 0
        assert "backtest" in slipped[0].message
    else:
        assert not slipped, slipped[0].message


@pytest.mark.parametrize(("drift", "fires"), [(0.001, False), (-0.001, True)])
def test_performance_fires_when_the_live_sharpe_falls_below_the_bundle_backtest(
    serve_terminal, node_on, tmp_path: Path, drift: float, fires: bool
) -> None:
    """Buy-and-hold tested on a rising market: live on such a market its rolling Sharpe stays
    near the backtest's; on a falling one it loses and `performance` fires."""
    tested = market(1, drift=0.001, volatility=0.0002)
    bundle = agent_bundle(BuyAndHoldAgent(ACTION), tmp_path / "bundle", tested)
    simulator, handle = serve_terminal(load_frame(market(2, drift=drift, volatility=0.0002)))
    rules = {**QUIET, "performance_window": 10, "sharpe_tolerance": 4.0}
    node, monitor = node_on(handle, bundle, bundle_path=str(bundle), rules=rules)
    assert monitor.expected is not None and monitor.expected.sharpe > 2
    received = []
    monitor.add_sink(received.append)
    for _ in range(16):
        step_bars(node, simulator, 1)
    node.wait_until(lambda: False, timeout_secs=0.5)
    live_sharpe = monitor.rolling_sharpe
    assert live_sharpe is not None, "the performance window never filled"
    # annualised like the bundle's backtest and its report: 1-minute FX bars, 1440 a day, 260 days
    bars_per_year = load_bundle(bundle).backtest["frequency"]["bars_per_year"]
    assert bars_per_year == 260 * 1440
    assert monitor.rolling_sharpe_annualised == pytest.approx(live_sharpe * bars_per_year**0.5)
    decayed = [a for a in received if a.rule == "performance"]
    if fires:
        assert decayed, f"no performance alert at a live Sharpe of {live_sharpe:.3f}"
        assert decayed[0].value < decayed[0].threshold < monitor.expected.sharpe
    else:
        assert not decayed, decayed[0].message
        assert live_sharpe > 0


def test_a_restart_is_checked_against_the_recorded_owners(
    terminal, monitored_node, tmp_path: Path
) -> None:
    """Without Redis the restored orders keep the owner the run store recorded when the agent's
    strategy claims the instrument; restored as EXTERNAL, they raise the `ownership` alert."""
    simulator, _ = terminal
    run_dir = tmp_path / "run"
    node, _ = monitored_node(rules=QUIET)
    for _ in range(10):
        step_bars(node, simulator, 1)
        if simulator.positions_get():
            break
    assert simulator.positions_get(), "the buy-and-hold agent never opened a position"
    node.wait_until(lambda: False, timeout_secs=0.5)
    node.stop()
    recorded = dict(read_table(run_dir, "ownership")[["client_order_id", "strategy_id"]].values)
    assert recorded

    def restored(node) -> dict[str, str]:
        orders = node.cache.orders()
        return {o.client_order_id.value: o.strategy_id.value for o in orders}

    unclaimed, monitor = monitored_node(rules=QUIET, claims=False, halt_on_critical=False)
    assert {restored(unclaimed)[order] for order in recorded} == {"EXTERNAL"}
    alerts = [a for a in monitor.alerts if a.rule == "ownership"]
    assert len(alerts) == 1 and alerts[0].severity == "critical"
    assert all(order in alerts[0].message for order in recorded)
    assert alerts[0].value == len(recorded)
    unclaimed.stop()

    claimed, monitor = monitored_node(rules=QUIET, halt_on_critical=False)
    owners = restored(claimed)
    assert {order: owners[order] for order in recorded} == recorded
    assert not [a for a in monitor.alerts if a.rule == "ownership"]


def test_a_slow_webhook_never_stalls_trading(
    terminal, monitored_node, slow_webhook, tmp_path: Path
) -> None:
    """The stale-feed alert goes to a webhook that answers one byte every 1.5 s: bars are
    still traded meanwhile, and the alert is in the store."""
    simulator, _ = terminal
    node, _ = monitored_node(
        webhook_url=slow_webhook.url, rules={"max_drawdown": None, "stale_feed_secs": 0.3}
    )
    assert node.wait_until(lambda: bool(slow_webhook.received), WAIT), "no alert was posted"
    for _ in range(10):
        step_bars(node, simulator, 1)
        if simulator.positions_get():
            break
    assert simulator.positions_get(), "trading froze behind the webhook"
    assert node.wait_until(
        lambda: "stale_feed" in set(read_table(tmp_path / "run", "alerts")["rule"]), WAIT
    )


def test_a_store_that_cannot_write_raises_the_critical_alert_halts_and_loses_no_fill(
    terminal, monitored_node, tmp_path: Path
) -> None:
    """Another process holds the store's write lock: the critical `store` alert fires, the
    `halt` policy flattens while the rows are spooled; once released, every fill is stored."""
    simulator, _ = terminal
    run_dir = tmp_path / "run"
    node, monitor = monitored_node(rules=QUIET, store_timeout_secs=0.2)
    for _ in range(10):
        step_bars(node, simulator, 1)
        if simulator.positions_get():
            break
    assert simulator.positions_get(), "the buy-and-hold agent never opened a position"
    lock = sqlite3.connect(run_dir / "run.sqlite", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        assert node.wait_until(lambda: monitor.trading_state == "HALTED", timeout_secs=WAIT)
        assert node.wait_until(lambda: _flat_everywhere(node, simulator), timeout_secs=WAIT)
        alerts = [a for a in monitor.alerts if a.rule == "store"]
        assert len(alerts) == 1 and alerts[0].severity == "critical"
        assert "locked" in alerts[0].message
        assert (run_dir / "store-journal.jsonl").is_file()
        assert monitor.metrics.registry.get_sample_value("nrl_store_spooled_rows", RUN) > 0
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert node.wait_until(
        lambda: sorted(read_table(run_dir, "fills")["trade_id"]) == _deal_tickets(simulator), WAIT
    ), "a fill made while the store was locked is missing"
    assert len(read_table(run_dir, "fills")) >= 2  # the opening buy and the closing sell
    assert node.wait_until(lambda: not (run_dir / "store-journal.jsonl").exists(), WAIT)
    assert "store" in set(read_table(run_dir, "alerts")["rule"])
    assert read_table(run_dir, "samples")["trading_state"].iloc[-1] == "HALTED"


def test_alerts_beyond_a_full_webhook_queue_are_dropped_counted_and_alerted(
    terminal, monitored_node, slow_webhook, tmp_path: Path
) -> None:
    node, monitor = monitored_node(
        with_agent=False, webhook_url=slow_webhook.url, io_queue_size=1, rules=QUIET
    )
    for i in range(4):
        alert = Alert(f"probe{i}", "info", "a probe", 0.0, 0.0, i)
        node.call(lambda alert=alert: monitor.raise_alert(alert))
    overflows = [a for a in monitor.alerts if a.rule == "io_overflow"]
    assert any("WebhookSink" in a.message for a in overflows), overflows
    assert node.wait_until(
        lambda: "io_overflow" in set(read_table(tmp_path / "run", "alerts")["rule"]), WAIT
    )
    assert len(slow_webhook.received) < 4
    node.wait_until(lambda: False, timeout_secs=0.3)  # a tick: the gauges
    queue = {**RUN, "queue": "alert sink 1 (WebhookSink)"}
    assert monitor.metrics.registry.get_sample_value("nrl_io_dropped", queue) >= 1
