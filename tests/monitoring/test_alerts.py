"""Alert rules (pure functions), the latch, and the sinks: JSONL, callback, HTTP webhook on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.monitoring.alerts import (
    Alert,
    AlertLatch,
    AlertRules,
    BacktestExpectations,
    JsonlSink,
    MonitorSnapshot,
    WebhookSink,
    evaluate,
)


def _snap(**changes: object) -> MonitorSnapshot:
    values: dict[str, object] = {
        "ts_ns": 1, "equity": 10_000.0, "peak_equity": 10_000.0,
        "day_start_equity": 10_000.0, "staleness_s": 0.0,
    }  # fmt: skip
    values.update(changes)
    return MonitorSnapshot(**values)  # type: ignore[arg-type]


def _rules(snapshot: MonitorSnapshot, **rules: object) -> dict[str, str]:
    return {c[0]: c[1] for c in evaluate(AlertRules(**rules), snapshot)}  # type: ignore[arg-type]


def test_each_rule_fires_on_its_threshold_only() -> None:
    assert _rules(_snap()) == {}
    assert _rules(_snap(equity=7_900.0)) == {"drawdown": "critical"}
    assert _rules(_snap(equity=9_650.0), max_daily_loss=0.03) == {"daily_loss": "critical"}
    assert _rules(_snap(staleness_s=61.0)) == {"stale_feed": "warning"}
    rejected = [True, True, True, False, False, False]
    assert _rules(_snap(outcomes=rejected)) == {"rejection_rate": "warning"}
    assert _rules(_snap(outcomes=rejected[1:])) == {}
    slipped = [("BUY", 0.0002), ("SELL", 0.0004)]
    assert _rules(_snap(slippages=slipped), max_mean_slippage=0.0002) == {"slippage": "warning"}
    assert _rules(_snap(slippages=slipped)) == {}  # no bundle figures, no threshold: off
    assert _rules(_snap(drift_score=0.9, drift_observations=10)) == {}  # too few bars
    assert _rules(_snap(drift_score=0.9, drift_observations=60)) == {"drift": "warning"}
    decay = _snap(bar_returns=[0.001, -0.002, -0.003])
    assert _rules(decay, min_rolling_sharpe=-0.1, performance_window=3) == {
        "performance": "warning"
    }
    assert _rules(decay, min_rolling_sharpe=-0.1, performance_window=4) == {}  # window not full


def _figures(buy: tuple[float, float, float], sell: tuple[float, float, float]) -> dict:
    sides = {
        side: {"fills": n, "mean": mean, "std": std}
        for side, (n, mean, std) in (("BUY", buy), ("SELL", sell))
    }
    return {
        "slippage": {"fills": buy[0] + sell[0], "mean": 0.0, "std": 0.0, **sides},
        "price_increment": 1e-5,
        "returns": {"bars": 400.0, "mean": 1e-4, "std": 1e-4, "sharpe": 1.0},
    }


def test_slippage_defaults_to_the_backtest_per_side_expectation() -> None:
    # on bid bars a buy pays the 1-pip spread, a sell nothing; both with 0.5 pip of noise
    expected = BacktestExpectations.from_figures(_figures((50, 1e-4, 5e-5), (50, 0.0, 5e-5)))
    rules = AlertRules(slippage_window=10)

    def fired(window: list[tuple[str, float]], rules: AlertRules = rules) -> bool:
        return "slippage" in {c[0] for c in evaluate(rules, _snap(slippages=window), expected)}

    assert not fired([("BUY", 1e-4)] * 10), "buys that pay the assumed spread fired"
    assert not fired([("SELL", 0.0)] * 10)
    assert fired([("BUY", 3e-4)] * 10), "buys at three times the assumed spread did not fire"
    assert fired([("SELL", 1e-4)] * 10), "sells paying a spread the backtest never saw"
    assert not fired([("SELL", 1e-4)] * 10, AlertRules(max_mean_slippage=2e-4))  # override
    assert not fired([("BUY", 1.5e-4)] * 10, AlertRules(slippage_tolerance=5.0))


def test_performance_defaults_to_the_backtest_sharpe_minus_the_tolerance() -> None:
    expected = BacktestExpectations.from_figures(_figures((1, 0.0, 0.0), (1, 0.0, 0.0)))
    threshold = expected.sharpe_threshold(100, 3.0)
    assert threshold == pytest.approx(1.0 - 3.0 * (1.5 * (1 / 100 + 1 / 400)) ** 0.5)
    rules = AlertRules(performance_window=100)
    rng = np.random.default_rng(0)
    like_backtest = list(rng.normal(1e-4, 1e-4, 100))
    losing = list(rng.normal(-1e-4, 1e-4, 100))

    def fired(returns: list[float]) -> bool:
        snapshot = _snap(bar_returns=returns)
        return "performance" in {c[0] for c in evaluate(rules, snapshot, expected)}

    assert not fired(like_backtest)
    assert fired(losing)


def test_a_latched_rule_fires_once_and_again_after_it_cleared() -> None:
    latch = AlertLatch()
    rules = AlertRules()
    down = evaluate(rules, _snap(equity=7_000.0))
    assert [a.rule for a in latch.update(down, 1)] == ["drawdown"]
    assert latch.update(down, 2) == []
    assert latch.update(evaluate(rules, _snap()), 3) == []
    assert [a.rule for a in latch.update(down, 4)] == ["drawdown"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_drawdown", 1.5), ("stale_feed_secs", 0.0), ("rejection_window", 0)],
)
def test_bad_thresholds_are_refused_by_name(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"`{field}`"):
        AlertRules(**{field: value})  # type: ignore[arg-type]


ALERT = Alert("drawdown", "critical", "drawdown 21% reached 20%", 0.21, 0.2, 123)


def test_jsonl_sink_appends_one_line_per_alert(tmp_path: Path) -> None:
    sink = JsonlSink(tmp_path / "a" / "alerts.jsonl")
    sink(ALERT)
    sink(ALERT)
    lines = (tmp_path / "a" / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(line)["rule"] for line in lines] == ["drawdown", "drawdown"]


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alerts", received
    server.shutdown()
    server.server_close()


def test_webhook_sink_posts_the_alert_as_json(webhook) -> None:
    url, received = webhook
    WebhookSink(url)(ALERT)
    assert received == [ALERT.to_dict()]


def test_a_dead_webhook_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    from tests.services import free_port

    WebhookSink(f"http://127.0.0.1:{free_port()}/x", timeout_s=0.5)(ALERT)
    assert "alert webhook" in caplog.text


def test_a_webhook_url_must_be_http() -> None:
    with pytest.raises(ConfigError, match="`webhook_url`"):
        WebhookSink("file:///etc/passwd")


def test_a_webhook_answering_one_byte_per_read_is_cut_at_its_total_deadline(
    slow_webhook, caplog: pytest.LogCaptureFixture
) -> None:
    """Each byte comes before a per-read timeout would fire; the whole call still ends at the
    sink's deadline (2 s, a fraction of the slow answer) and the failure is logged."""
    WebhookSink(slow_webhook.url)(ALERT)
    assert slow_webhook.received == [ALERT.to_dict()]
    assert "deadline" in caplog.text
