"""Prometheus metrics of a monitored session, served by `prometheus_client` on 127.0.0.1.

Metric names (stable; every one carries the label `run`):

| name | type | meaning |
|---|---|---|
| `nrl_equity` | gauge | account equity (mark to market) in the account currency |
| `nrl_drawdown` | gauge | drawdown from the session's equity peak, a fraction in [0, 1] |
| `nrl_position` | gauge | net position of the monitored instrument, in units |
| `nrl_orders_total{status}` | counter | order events by kind (`submitted`, `filled`, ...) |
| `nrl_rejections_total` | counter | orders the venue rejected or Nautilus denied |
| `nrl_order_latency_seconds` | histogram | submit -> accepted/rejected/filled round trip |
| `nrl_data_staleness_seconds` | gauge | wall time since the last market data arrived |
| `nrl_alerts_total{rule,severity}` | counter | alerts raised |
| `nrl_trading_state` | gauge | 0 ACTIVE, 1 HALTED, 2 REDUCING (Nautilus' `TradingState`) |
| `nrl_heartbeat_timestamp_seconds` | gauge | UNIX time of the last monitor heartbeat |
| `nrl_store_spooled_rows` | gauge | rows the run store could not take yet (in the journal) |
| `nrl_io_dropped{queue}` | gauge | I/O jobs dropped so far because that worker's queue was full |

Each `MonitorMetrics` has its own `CollectorRegistry`, so several monitors (tests, notebooks)
never collide on the global registry.
"""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from nautilus_rl_lab.errors import ConfigError

LOCALHOST = "127.0.0.1"
TRADING_STATES = {"ACTIVE": 0, "HALTED": 1, "REDUCING": 2}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class MonitorMetrics:
    """The session's metrics and, when `port` is given, their HTTP endpoint on 127.0.0.1."""

    def __init__(self, run: str, port: int | None = None) -> None:
        self.registry = CollectorRegistry()
        labels = ["run"]
        r = self.registry
        self.equity = Gauge("nrl_equity", "Account equity", labels, registry=r).labels(run)
        self.drawdown = Gauge("nrl_drawdown", "Drawdown from peak", labels, registry=r).labels(run)
        self.position = Gauge("nrl_position", "Net position", labels, registry=r).labels(run)
        self._orders = Counter("nrl_orders", "Order events", [*labels, "status"], registry=r)
        self.rejections = Counter(
            "nrl_rejections", "Rejected or denied orders", labels, registry=r
        ).labels(run)
        self.latency = Histogram(
            "nrl_order_latency_seconds",
            "Order round-trip latency",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=r,
        ).labels(run)
        self.staleness = Gauge(
            "nrl_data_staleness_seconds", "Seconds since the last market data", labels, registry=r
        ).labels(run)
        self._alerts = Counter(
            "nrl_alerts", "Alerts raised", [*labels, "rule", "severity"], registry=r
        )
        self.trading_state = Gauge(
            "nrl_trading_state", "0 ACTIVE, 1 HALTED, 2 REDUCING", labels, registry=r
        ).labels(run)
        self.heartbeat = Gauge(
            "nrl_heartbeat_timestamp_seconds", "Last heartbeat (UNIX time)", labels, registry=r
        ).labels(run)
        self.spooled = Gauge(
            "nrl_store_spooled_rows", "Rows waiting for the run store", labels, registry=r
        ).labels(run)
        self._dropped = Gauge(
            "nrl_io_dropped", "I/O jobs dropped on a full queue", [*labels, "queue"], registry=r
        )
        self.run = run
        self.server: WSGIServer | None = None
        if port is not None:
            try:
                self.server, _ = start_http_server(port, addr=LOCALHOST, registry=self.registry)
            except OSError as e:  # a busy port: name it, not a node that "did not start"
                raise ConfigError(
                    f"`metrics_port` {port} cannot be served on {LOCALHOST}: "
                    f"{e.strerror or e} (choose a free port, or None for no endpoint)"
                ) from e

    def order_event(self, status: str) -> None:
        self._orders.labels(self.run, status).inc()

    def alert(self, rule: str, severity: str) -> None:
        self._alerts.labels(self.run, rule, severity).inc()

    def set_dropped(self, queue: str, count: int) -> None:
        self._dropped.labels(self.run, queue).set(count)

    def set_trading_state(self, state: str) -> None:
        self.trading_state.set(TRADING_STATES.get(state, -1))

    @property
    def port(self) -> int | None:
        return None if self.server is None else int(self.server.server_port)

    def close(self) -> None:
        """Stop the HTTP endpoint (idempotent)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
