"""`MonitorActor`: records a live session into the run store and Prometheus, raises alerts, halts.

Inside the node it listens to every order event on the message bus (`events.order.*`), to the
bars of `bar_type` (data staleness, decision prices, drift observations) and samples the
account on a timer (equity, exposure, P&L, drawdown, heartbeat). Rows are buffered and handed
once per timer tick (and on stop) to the store's I/O worker, which writes them in one
transaction (`journal.SpoolingWriter`).

Nothing blocks the event loop: the store, every alert sink (webhook, JSONL, callbacks) and the
control files each have an `IoWorker` thread with a bounded queue; results come back to the
loop with `call_soon_threadsafe`. A full queue drops the job, counts it and raises the
`io_overflow` alert (store rows are kept for the next tick instead). A store write that fails
raises the critical `store` alert once per outage and follows `on_store_failure` (`halt`, or
`spool` and trade on); the rows wait in the journal, and once the store writes again every
fill Nautilus holds (reconciled from the terminal's deals) is written again, so none is
missing. On stop the workers get `stop_timeout_secs` in all.

Kill switch: `request_halt(run_dir, reason)` (Python, the CLI `live kill`, the dashboard
button) writes the persistent flag `halt.json` next to the store (`killswitch`); a critical
alert does the same. The control worker polls it every tick; the monitor applies it on the
node's own thread: the node's trading state (`trading_switch`: our strategies' decision path,
and Nautilus' risk engine where Python can reach it) goes to REDUCING, every bound strategy
cancels its working orders and closes its positions, and once the instrument is flat the state
becomes HALTED; `node.json` acknowledges it. The flag stays until `resume(run_dir)`, so a
restarted node starts halted. The monitor needs the node's `TradingSwitch` and strategies for
this: `attach_monitor(node)` binds them (the `live` command does it before starting).

Decisions:

- Latency is the submit -> first venue answer (accepted, rejected or filled) interval of
  Nautilus' own event timestamps (`ts_init`, the live clock), not a separate timer.
- Slippage is measured against the decision price: the close of the last bar seen when the
  order was submitted; positive is worse for the trader (buy above, sell below it).
- Performance is judged on the equity at every decision bar's close (the series the
  backtest's per-bar returns come from), not on the timer's samples.
- With a bundle that carries backtest figures (`training.bundle.attach_backtest`), the
  slippage and performance rules default to them (`alerts.BacktestExpectations`).
- Ownership after a restart: Nautilus 1.221 gives an order it rebuilds from the terminal
  (client order id from the MT5 comment) to the strategy that claims its instrument
  (`external_order_claims`; `ExecutionEngine.get_external_order_claim` is per instrument,
  there is no per-order hook), else to EXTERNAL. On start the monitor reads the run store's
  `ownership` table back and checks every order in the cache against it: an order the store
  says a strategy sent but Nautilus restored under another (EXTERNAL: nobody manages it, the
  kill switch cannot close it) raises the critical `ownership` alert naming the orders.
- Staleness is wall time since the last bar arrived (the live clock), so a feed that stops
  ticking is seen even though no event comes. A decision an agent skipped because its bar was
  too old (`strategies.staleness`, published on `STALE_TOPIC`) is the `stale_bar` alert
  (warning), one per skipped bar.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import itertools
import logging
import math
import os
import time
from collections import deque
from collections.abc import Callable
from typing import Any, cast

from nautilus_rl_lab.errors import ConfigError, ValuationError
from nautilus_rl_lab.evaluation.statistics import sharpe_ratio
from nautilus_rl_lab.monitoring.alerts import (
    Alert,
    AlertLatch,
    AlertRules,
    AlertSink,
    BacktestExpectations,
    JsonlSink,
    MonitorSnapshot,
    WebhookSink,
    evaluate,
)
from nautilus_rl_lab.monitoring.drift import DriftTracker
from nautilus_rl_lab.monitoring.journal import SpoolingWriter, WriteResult
from nautilus_rl_lab.monitoring.killswitch import (
    halt_reason,
    persist_halt,
    read_halt_file,
    write_node_state,
)
from nautilus_rl_lab.monitoring.metrics import MonitorMetrics
from nautilus_rl_lab.monitoring.store import Row, open_store
from nautilus_rl_lab.monitoring.trading_switch import TradingSwitch
from nautilus_rl_lab.monitoring.worker import IoWorker
from nautilus_rl_lab.nt.common import Actor, ActorConfig
from nautilus_rl_lab.nt.components import ORDER_TOPICS, order_topic
from nautilus_rl_lab.nt.model import (
    Bar,
    BarType,
    Instrument,
    InstrumentId,
    Money,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderFilled,
    OrderInitialized,
    OrderRejected,
    OrderSide,
    OrderSubmitted,
    TradingState,
)
from nautilus_rl_lab.schemes.base import ObservationScheme
from nautilus_rl_lab.strategies.commissions import FillCommissions
from nautilus_rl_lab.strategies.execution import observe_bar, read_market_state, require_instrument
from nautilus_rl_lab.strategies.staleness import STALE_TOPIC, StaleDecision
from nautilus_rl_lab.strategies.valuation import AccountReader
from nautilus_rl_lab.validation import check_choice, check_positive

logger = logging.getLogger(__name__)

TIMER = "nrl-monitor"
STORE_FAILURE_POLICIES = ("halt", "spool")
_KINDS: dict[type, str] = {
    OrderSubmitted: "submitted",
    OrderAccepted: "accepted",
    OrderRejected: "rejected",
    OrderDenied: "denied",
    OrderCanceled: "canceled",
    OrderFilled: "filled",
}


class MonitorConfig(ActorConfig, frozen=True, forbid_unknown_fields=True):
    """Where the session is recorded, what is watched and how alerts are raised.

    Parameters
    ----------
    run_dir : str
        The run directory: store (`run.sqlite`), `alerts.jsonl`.
    instrument_id : InstrumentId
        The traded instrument (equity is valued with it).
    bar_type : BarType, optional
        Decision bars: staleness, decision prices and drift observations.
    bundle_path : str, optional
        The agent bundle: its observation scheme and training feature statistics (drift),
        its out-of-sample backtest figures (slippage and performance thresholds).
    sample_interval_secs : float
        Timer period of samples, rule checks, heartbeats and store writes.
    metrics_port : int, optional
        Serve Prometheus metrics on 127.0.0.1 at this port (0: any free port; None: off).
    rules : AlertRules
        Early-warning thresholds.
    webhook_url : str, optional
        POST every alert here as JSON.
    webhook_timeout_secs : float
        Total deadline of one webhook call (connect, send and the whole answer).
    halt_on_critical : bool
        A critical alert triggers the kill switch.
    on_store_failure : str
        When the run store cannot be written (full disk, lock, deleted file): ``"halt"``
        (the kill switch) or ``"spool"`` (trade on); either way the critical `store` alert is
        raised and the rows are spooled to the journal until the store takes them.
    store_timeout_secs : float
        How long one store write waits for a lock another connection holds.
    io_queue_size : int
        Jobs each I/O worker (a sink, the store, the control files) may queue; beyond, a job
        is dropped, counted and the `io_overflow` alert raised (store rows wait instead).
    stop_timeout_secs : float
        Deadline for the queued I/O to finish when the node stops.
    """

    run_dir: str
    instrument_id: InstrumentId
    bar_type: BarType | None = None
    bundle_path: str | None = None
    sample_interval_secs: float = 1.0
    metrics_port: int | None = None
    rules: AlertRules = AlertRules()
    webhook_url: str | None = None
    webhook_timeout_secs: float = 2.0
    halt_on_critical: bool = True
    on_store_failure: str = "halt"
    store_timeout_secs: float = 2.0
    io_queue_size: int = 1000
    stop_timeout_secs: float = 5.0

    def __post_init__(self) -> None:
        check_positive("sample_interval_secs", self.sample_interval_secs)
        if self.metrics_port is not None and not 0 <= self.metrics_port < 65536:
            raise ConfigError(f"`metrics_port` must be in 0..65535, was {self.metrics_port}")
        if self.webhook_url is not None:
            WebhookSink(self.webhook_url, self.webhook_timeout_secs)
        check_choice("on_store_failure", self.on_store_failure, STORE_FAILURE_POLICIES)
        for name in ("store_timeout_secs", "io_queue_size", "stop_timeout_secs"):
            check_positive(name, getattr(self, name))


class MonitorActor(Actor):
    """Records the session, serves metrics, raises alerts and applies the kill switch."""

    def __init__(self, config: MonitorConfig) -> None:
        super().__init__(config)
        self.sinks: list[AlertSink] = [JsonlSink(os.path.join(config.run_dir, "alerts.jsonl"))]
        if config.webhook_url is not None:
            self.sinks.append(WebhookSink(config.webhook_url, config.webhook_timeout_secs))
        self._sink_io: list[IoWorker] = []
        self._store_io: IoWorker | None = None
        self._control_io: IoWorker | None = None
        self._writer: SpoolingWriter | None = None
        self._store_failed = False
        self._flag_confirmed = False
        self.metrics: MonitorMetrics | None = None
        self.session = 0
        self.switch: TradingSwitch | None = None
        self.strategies: list[Any] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.link: Any = None
        self.instrument: Instrument | None = None
        self.latch = AlertLatch()
        self._drift: DriftTracker | None = None
        self._observation: ObservationScheme | None = None
        self._commissions = FillCommissions()
        self._accounts = AccountReader()
        self._bundle_hash: str | None = None
        self.expected: BacktestExpectations | None = None
        self._bars_per_year: float | None = None
        if config.bundle_path is not None:
            self._load_bundle(config.bundle_path)
        self._reset_state()

    def _load_bundle(self, path: str) -> None:
        from nautilus_rl_lab.schemes.registry import build_observation
        from nautilus_rl_lab.training.bundle import load_bundle

        bundle = load_bundle(path)
        self._bundle_hash = bundle.content_hash
        if bundle.backtest is not None:
            self.expected = BacktestExpectations.from_figures(bundle.backtest)
            self._bars_per_year = bundle.backtest.get("frequency", {}).get("bars_per_year")
        if bundle.feature_stats is not None:
            self._observation = build_observation(bundle.observation)
            self._drift = DriftTracker(bundle.feature_stats, self.config.rules.drift_window)

    def _reset_state(self) -> None:
        self._rows: list[Row] = []
        self._decisions: dict[str, float | None] = {}  # decision price of an order not yet sent
        self._submitted: dict[str, tuple[int, float | None]] = {}
        self._answered: set[str] = set()
        self._last_close: float | None = None
        self._last_data_ns: int | None = None
        self._peak = 0.0
        self._day: dt.date | None = None
        self._day_start = 0.0
        self._outcomes: deque[bool] = deque(maxlen=self.config.rules.rejection_window)
        self._slippages: deque[tuple[str, float]] = deque(maxlen=self.config.rules.slippage_window)
        self._bar_equities: deque[float] = deque(maxlen=self.config.rules.performance_window + 1)
        self._commissions.reset()
        self._accounts.reset()
        self.halting: dict[str, Any] | None = None
        self.alerts: list[Alert] = []

    # -- binding -----------------------------------------------------------------------------

    def bind(
        self,
        switch: TradingSwitch,
        strategies: list[Any],
        loop: asyncio.AbstractEventLoop | None = None,
        link: Any = None,
    ) -> None:
        """Give the monitor the node's `TradingSwitch`, strategies (kill switch) and event loop.

        With `loop`, timer ticks run on the node's event loop thread (Nautilus 1.221's live
        timers call back on a thread of their own), like every other component callback.
        `link` is the shared MT5 terminal connection (`is_initialized`): the disconnect rule.
        """
        self.switch = switch
        self.strategies = list(strategies)
        self._loop = loop
        self.link = link

    def add_sink(self, sink: AlertSink) -> None:
        """Send every further alert to `sink` too (e.g. a Python callback), off the event loop."""
        self.sinks.append(sink)
        if self._control_io is not None:  # started: the other sinks have their workers
            self._sink_io.append(self._sink_worker(len(self.sinks) - 1))

    @property
    def rolling_sharpe(self) -> float | None:
        """Per-bar Sharpe ratio of the last `performance_window` bars (None until it is full)."""
        returns = _returns(self._bar_equities)
        if len(returns) < self.config.rules.performance_window:
            return None
        return sharpe_ratio(returns)

    @property
    def rolling_sharpe_annualised(self) -> float | None:
        """`rolling_sharpe` annualised like the bundle's backtest and its report (the bundle's
        `frequency.bars_per_year`); None without those figures or until the window is full."""
        sharpe = self.rolling_sharpe
        if sharpe is None or self._bars_per_year is None:
            return None
        return sharpe * math.sqrt(self._bars_per_year)

    @property
    def trading_state(self) -> str:
        if self.switch is None:
            return "ACTIVE"
        return self.switch.state.name

    # -- Nautilus lifecycle ------------------------------------------------------------------

    def on_start(self) -> None:
        self.instrument = require_instrument(self, self.config.instrument_id)
        store = open_store(self.config.run_dir, self.config.store_timeout_secs)
        started_ns = self.clock.timestamp_ns()
        self.session = store.open_session(started_ns, self._bundle_hash)
        self._peak = store.max_equity()
        recorded = store.owners()
        self._writer = SpoolingWriter(store, self.session, started_ns, self._bundle_hash,
                                      self.config.store_timeout_secs)  # fmt: skip
        self._store_io = self._worker("store")
        self._control_io = self._worker("control")
        self._sink_io = [self._sink_worker(i) for i in range(len(self.sinks))]
        self._flag_confirmed = False
        flag = halt_reason(self.config.run_dir)
        if flag is not None:
            self._begin_halt(flag)
        self._check_ownership(recorded)
        self.metrics = MonitorMetrics(os.path.basename(os.path.abspath(self.config.run_dir)),
                                      self.config.metrics_port)  # fmt: skip
        for topic in self._order_topics():
            self.subscribe_topic(topic, self._on_order_event)
        self.subscribe_topic(STALE_TOPIC, self._on_stale_decision)
        self._commissions.start(self, self.config.instrument_id)
        if self.config.bar_type is not None:
            self.subscribe_bars(self.config.bar_type)
        self._last_data_ns = self.clock.timestamp_ns()
        interval = dt.timedelta(seconds=self.config.sample_interval_secs)
        self.clock.set_timer(TIMER, interval, callback=self._on_timer)
        self._tick()

    def _worker(self, name: str) -> IoWorker:
        return IoWorker(name, self.config.io_queue_size, self._on_overflow)

    def _sink_worker(self, index: int) -> IoWorker:
        return self._worker(f"alert sink {index} ({type(self.sinks[index]).__name__})")

    def _check_ownership(self, recorded: dict[str, str]) -> None:
        """Compare the owners of the cached orders with those the run store recorded."""
        orders = self.cache.orders(instrument_id=self.config.instrument_id)
        known = [o for o in orders if o.client_order_id.value in recorded]
        wrong = [
            f"{o.client_order_id} ({o.strategy_id}, recorded {recorded[o.client_order_id.value]})"
            for o in known
            if o.strategy_id.value != recorded[o.client_order_id.value]
        ]
        self.log.info(f"ownership of {len(known) - len(wrong)}/{len(known)} restored orders kept")
        if wrong:
            self.raise_alert(Alert(
                "ownership", "critical",
                f"{len(wrong)} restored orders are not owned by the strategy that sent them "
                f"(claim the instrument with `external_order_claims`): {', '.join(wrong[:5])}",
                float(len(wrong)), 0.0, self.clock.timestamp_ns(),
            ))  # fmt: skip

    def on_stop(self) -> None:
        if TIMER in self.clock.timer_names():
            self.clock.cancel_timer(TIMER)
        for topic in self._order_topics():
            self.unsubscribe_topic(topic, self._on_order_event)
        self.unsubscribe_topic(STALE_TOPIC, self._on_stale_decision)
        self._commissions.stop()
        if self.config.bar_type is not None:
            self.unsubscribe_bars(self.config.bar_type)
        self._sample()
        self.flush()
        self._poll_control()
        self._close_io()
        if self.metrics is not None:
            self.metrics.close()
        if self.link is not None:
            from nautilus_rl_lab.adapters.metatrader5.connection import release_connection

            release_connection(self.link)
            self.link = None

    def _close_io(self) -> None:
        """Let the I/O workers finish within `stop_timeout_secs` in all, then close the store."""
        deadline = time.monotonic() + self.config.stop_timeout_secs
        workers = self._io_workers()
        self._store_io = self._control_io = None
        self._sink_io = []
        for worker in workers:
            if not worker.close(max(0.0, deadline - time.monotonic())):
                self.log.error(f"I/O worker {worker.name} did not finish by the stop deadline")
        if self._writer is not None:
            if self._writer.journal.exists():
                self.log.error(f"rows the store could not take are kept in {self._writer.journal}")
            self._writer.close()
            self._writer = None

    def on_reset(self) -> None:
        self._reset_state()

    def _order_topics(self) -> list[str]:
        """The bound strategies' order-event topics (and EXTERNAL's), else every strategy's.

        Exact topics because Nautilus 1.221's message bus adds a wildcard subscription only
        to topics not yet published: after a restart, reconciliation publishes the
        strategies' topics before the monitor starts, and `events.order.*` would miss them.
        """
        if not self.strategies:
            return [ORDER_TOPICS]
        return [*(order_topic(s.id) for s in self.strategies), order_topic("EXTERNAL")]

    def on_bar(self, bar: Bar) -> None:
        self._last_close = float(bar.close)
        self._last_data_ns = self.clock.timestamp_ns()
        if self.instrument is None:
            return
        try:
            state = read_market_state(
                self,
                self.instrument,
                self._last_close,
                bar.ts_event,
                1.0,
                self._commissions,
                self._accounts,
            )
        except ValuationError:  # a restored position the account cannot value yet
            state = None
        if state is not None and state.equity > 0:
            self._bar_equities.append(state.equity)
        if self._observation is not None:
            observed = observe_bar(
                self,
                self._observation,
                self.instrument,
                bar,
                1.0,
                self._commissions,
                self._accounts,
            )
            if observed is not None and self._drift is not None:
                self._drift.add(self._observation, *observed)

    # -- order events ------------------------------------------------------------------------

    def _on_order_event(self, event: Any) -> None:  # any order event (Nautilus has no base)
        if isinstance(event, OrderInitialized):  # published as the strategy decides
            self._decisions[event.client_order_id.value] = self._decision_close()
            return
        kind = _KINDS.get(type(event))
        if kind is None:
            return
        order_id = event.client_order_id.value
        latency_ms = None
        if isinstance(event, OrderSubmitted):
            decision = self._decisions.pop(order_id, self._last_close)
            self._submitted[order_id] = (event.ts_init, decision)
            self._rows.append(("ownership", {"client_order_id": order_id,
                                             "strategy_id": event.strategy_id.value}))  # fmt: skip
        elif kind in ("accepted", "rejected", "filled") and order_id not in self._answered:
            sent = self._submitted.get(order_id)
            if sent is not None:
                self._answered.add(order_id)
                latency_ms = (event.ts_init - sent[0]) / 1e6
                if self.metrics is not None:
                    self.metrics.latency.observe(latency_ms / 1e3)
        if kind in ("rejected", "denied", "filled"):
            self._outcomes.append(kind != "filled")
        if self.metrics is not None:
            self.metrics.order_event(kind)
            if kind in ("rejected", "denied"):
                self.metrics.rejections.inc()
        venue_id = getattr(event, "venue_order_id", None)
        row = {
            "event_id": str(event.event_id.value),
            "session": self.session,
            "ts_ns": event.ts_event,
            "kind": kind,
            "client_order_id": order_id,
            "venue_order_id": venue_id.value if venue_id is not None else None,
            "strategy_id": event.strategy_id.value,
            "reason": getattr(event, "reason", None),
            "latency_ms": latency_ms,
        }
        if isinstance(event, OrderFilled):
            fill = self._fill_row(event)
            if fill["slippage"] is not None:
                self._slippages.append((fill["side"], fill["slippage"]))
            row.update(side=fill["side"], quantity=fill["quantity"], price=fill["price"])
            self._rows.append(("fills", fill))
        self._rows.append(("orders", row))

    def _decision_close(self) -> float | None:
        """The close of the newest bar in the cache: the bar a decision made now has seen (this
        actor's own `on_bar` for it may come after the deciding agent's)."""
        bar = self.cache.bar(self.config.bar_type) if self.config.bar_type is not None else None
        return float(bar.close) if bar is not None else self._last_close

    def _fill_row(self, event: OrderFilled) -> dict[str, Any]:
        """The `fills` row of a fill (slippage against the decision price, if one was seen)."""
        price, quantity = float(event.last_px), float(event.last_qty)
        side = "BUY" if event.order_side == OrderSide.BUY else "SELL"
        decision = self._submitted.get(event.client_order_id.value, (0, None))[1]
        slippage = None
        if decision is not None:
            slippage = (price - decision) if side == "BUY" else (decision - price)
        venue_id = event.venue_order_id.value if event.venue_order_id is not None else None
        return {
            "trade_id": event.trade_id.value, "session": self.session, "ts_ns": event.ts_event,
            "client_order_id": event.client_order_id.value, "venue_order_id": venue_id,
            "strategy_id": event.strategy_id.value, "side": side, "quantity": quantity,
            "price": price, "decision_price": decision, "slippage": slippage,
            # optional in 2.0's stub: our backtests and the MT5 client give every fill one
            "commission": float(cast("Money", event.commission)),
        }  # fmt: skip

    def _reconcile_fills(self) -> int:
        """Queue a `fills` row for every fill Nautilus holds (from the terminal's deals): after
        the store could not write, no fill is missing (those already stored are skipped)."""
        fills = [
            event
            for order in self.cache.orders(instrument_id=self.config.instrument_id)
            for event in order.events()
            if isinstance(event, OrderFilled)
        ]
        self._rows += [("fills", self._fill_row(event)) for event in fills]
        return len(fills)

    # -- timer -------------------------------------------------------------------------------

    def _on_timer(self, _event: Any) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(self._tick)
        else:
            self._tick()

    def _tick(self) -> None:
        self._advance_halt()
        snapshot = self._sample()
        if snapshot is not None:
            checks = evaluate(self.config.rules, snapshot, self.expected)
            for alert in self.latch.update(checks, snapshot.ts_ns):
                self.raise_alert(alert)
        self.flush()
        self._poll_control()
        if self.metrics is not None:
            for worker in self._io_workers():
                self.metrics.set_dropped(worker.name, worker.dropped)

    def _io_workers(self) -> list[IoWorker]:
        workers = [self._store_io, self._control_io, *self._sink_io]
        return [worker for worker in workers if worker is not None]

    def _post(self, callback: Callable[..., None], *args: Any) -> None:
        """Run `callback(*args)` on the node's event loop (from an I/O worker) while running."""
        loop = self._loop
        if self._control_io is None:  # stopped: the final writes report to nobody
            return
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(callback, *args)
        elif loop is None:
            callback(*args)

    def _poll_control(self) -> None:
        """Off the loop: persist a halt not yet on disk, read `halt.json`, write `node.json`."""
        if self._control_io is None:
            return
        state = {
            "pid": os.getpid(), "session": self.session, "ts_ns": self.clock.timestamp_ns(),
            "trading_state": self.trading_state, "halt": self.halting,
            "store_ok": not self._store_failed,
        }  # fmt: skip
        unsaved = self.halting if not self._flag_confirmed else None
        self._control_io.submit(functools.partial(self._control, state, unsaved))

    def _control(self, state: dict[str, Any], unsaved: dict[str, Any] | None) -> None:
        if unsaved is not None and read_halt_file(self.config.run_dir) is None:
            persist_halt(self.config.run_dir, unsaved, self.config.store_timeout_secs)
        flag = read_halt_file(self.config.run_dir)
        write_node_state(self.config.run_dir, state)
        self._post(self._on_flag, flag)

    def _on_flag(self, flag: dict[str, Any] | None) -> None:
        """Apply the polled halt flag: halt on a new one, resume once ours was removed."""
        if flag is not None:
            if self.halting is None:
                self._begin_halt(flag)
            self._flag_confirmed = True
        elif self.halting is not None and self._flag_confirmed:
            self._resume()

    def _sample(self) -> MonitorSnapshot | None:
        if self.instrument is None:
            return None
        now = self.clock.timestamp_ns()
        close = self._last_close or 0.0
        staleness = (now - (self._last_data_ns or now)) / 1e9
        if self.metrics is not None:
            self.metrics.staleness.set(staleness)
            self.metrics.heartbeat.set(now / 1e9)
        try:
            state = read_market_state(
                self, self.instrument, close, now, 1.0, self._commissions, self._accounts
            )
        except ValuationError:  # a restored position before its first price: equity unknown
            self._rows.append(("samples", {
                "session": self.session, "ts_ns": now, "staleness_s": staleness,
                "position": float(self.portfolio.net_position(self.instrument.id)),
                "trading_state": self.trading_state,
            }))  # fmt: skip
            return None
        equity = state.equity
        if equity > 0:
            self._peak = max(self._peak, equity)
            day = dt.datetime.fromtimestamp(now / 1e9, dt.UTC).date()
            if day != self._day:
                self._day, self._day_start = day, equity
        snapshot = MonitorSnapshot(
            ts_ns=now,
            equity=equity,
            peak_equity=self._peak,
            day_start_equity=self._day_start,
            staleness_s=staleness,
            outcomes=list(self._outcomes),
            slippages=list(self._slippages),
            drift_score=self._drift.score() if self._drift is not None else None,
            drift_observations=len(self._drift) if self._drift is not None else 0,
            bar_returns=_returns(self._bar_equities),
            connected=None if self.link is None else bool(self.link.is_initialized),
        )
        net_exposure = self.portfolio.net_exposure(self.instrument.id)
        exposure = float(net_exposure) if net_exposure is not None else 0.0
        realized = self.portfolio.realized_pnl(self.instrument.id)
        trading_state = self.trading_state
        self._rows.append(("samples", {
            "session": self.session, "ts_ns": now, "equity": equity, "balance": state.balance,
            "position": state.position, "exposure": exposure,
            "realized_pnl": float(realized) if realized is not None else 0.0,
            "unrealized_pnl": state.unrealized_pnl, "drawdown": snapshot.drawdown,
            "staleness_s": staleness, "trading_state": trading_state,
        }))  # fmt: skip
        if self.metrics is not None:
            self.metrics.equity.set(equity)
            self.metrics.drawdown.set(snapshot.drawdown)
            self.metrics.position.set(state.position)
            self.metrics.set_trading_state(trading_state)
        return snapshot

    def flush(self) -> int:
        """Hand the buffered rows to the store worker (one transaction, off the loop); return
        how many (rows the full queue cannot take stay buffered for the next tick)."""
        if self._store_io is None or not self._rows:
            return 0
        rows, self._rows = self._rows, []
        if not self._store_io.submit(functools.partial(self._write, rows)):
            self._rows = rows + self._rows
            return 0
        return len(rows)

    def _write(self, rows: list[Row]) -> None:
        assert self._writer is not None
        self._post(self._on_write, self._writer.write(rows))

    def _on_write(self, result: WriteResult) -> None:
        """A failed write raises the critical `store` alert once; recovery reconciles fills."""
        if self.metrics is not None:
            self.metrics.spooled.set(result.spooled)
        if result.error is not None and not self._store_failed:
            self._store_failed = True
            halt = self.config.on_store_failure == "halt"
            assert self._writer is not None
            self.raise_alert(Alert(
                "store", "critical",
                f"the run store cannot be written ({result.error}): "
                f"{'halting' if halt else 'trading on'}, {result.spooled} rows spooled to "
                f"{self._writer.journal} until it can",
                float(result.spooled), 0.0, self.clock.timestamp_ns(),
            ), halt=halt)  # fmt: skip
        elif result.error is None and self._store_failed:
            self._store_failed = False
            count = self._reconcile_fills()
            self.log.warning(f"run store writable again: spooled rows stored, {count} fills "
                             "reconciled with Nautilus' (the terminal's) fills")  # fmt: skip

    def _on_overflow(self, name: str, dropped: int) -> None:
        self.raise_alert(Alert(
            "io_overflow", "warning",
            f"the {name} I/O queue is full ({self.config.io_queue_size} jobs): {dropped} jobs "
            "dropped so far",
            float(dropped), float(self.config.io_queue_size), self.clock.timestamp_ns(),
        ))  # fmt: skip

    # -- alerts and the kill switch ----------------------------------------------------------

    def raise_alert(self, alert: Alert, halt: bool | None = None) -> None:
        """Log, record, count and dispatch `alert` (off the loop); `halt` (default: a critical
        one when `halt_on_critical`) triggers the kill switch."""
        log = self.log.error if alert.severity == "critical" else self.log.warning
        log(f"ALERT {alert.rule} ({alert.severity}): {alert.message}")
        self.alerts.append(alert)
        self._rows.append(("alerts", {"session": self.session, **alert.to_dict()}))
        if self.metrics is not None:
            self.metrics.alert(alert.rule, alert.severity)
        for sink, worker in zip(self.sinks, self._sink_io, strict=False):
            worker.submit(functools.partial(sink, alert))
        if halt is None:
            halt = alert.severity == "critical" and self.config.halt_on_critical
        if halt and self.halting is None:
            flag = {"reason": f"{alert.rule}: {alert.message}", "source": "alert",
                    "ts_ns": time.time_ns()}  # fmt: skip
            self._begin_halt(flag)  # persisted by the next control poll

    def _on_stale_decision(self, stale: StaleDecision) -> None:
        """A decision path skipped a stale bar (`strategies.staleness`): the `stale_bar` alert."""
        age, limit = stale.age_secs, stale.max_age_secs
        self.raise_alert(
            Alert("stale_bar", "warning", stale.message, age, limit, stale.market_ts_ns)
        )

    def _begin_halt(self, flag: dict[str, Any]) -> None:
        self.halting = flag
        self._flag_confirmed = False
        self.log.error(f"KILL SWITCH ({flag.get('source')}): {flag.get('reason')}")
        if self.switch is None:
            self.log.error(
                "kill switch not bound to the node (`attach_monitor(node)`): cannot halt"
            )
            return
        self.switch.set(TradingState.REDUCING)
        for strategy in self.strategies:
            strategy.cancel_all_orders(self.config.instrument_id)
            strategy.close_all_positions(self.config.instrument_id)

    def _advance_halt(self) -> None:
        if self.halting is None or self.switch is None:
            return
        if self.switch.state == TradingState.HALTED:
            return
        flat = self.portfolio.is_net_flat(self.config.instrument_id)
        working = self.cache.orders_open(instrument_id=self.config.instrument_id)
        if flat and not working:
            self.switch.set(TradingState.HALTED)
            self.log.error("trading HALTED: positions flat, no working orders")

    def _resume(self) -> None:
        self.log.warning("kill switch released: trading ACTIVE again")
        self.halting = None
        self._flag_confirmed = False
        if self.switch is not None:
            self.switch.set(TradingState.ACTIVE)


def _returns(equities: deque[float]) -> list[float]:
    return [b / a - 1 for a, b in itertools.pairwise(equities)]


def attach_monitor(node: Any, backend: Any = None) -> MonitorActor:
    """Bind the node's `TradingSwitch`, strategies, loop (and terminal link) to its `MonitorActor`.

    Call it before `start`. With `backend` (the node's `Mt5BackendConfig`) the monitor shares
    the adapter's terminal connection (`acquire_connection`: equal configs, one connection)
    and watches its state for the `disconnected` rule.
    """
    monitors = [a for a in node.trader.actors() if isinstance(a, MonitorActor)]
    if len(monitors) != 1:
        raise ConfigError(f"the node must run exactly one MonitorActor, found {len(monitors)}")
    link = None
    if backend is not None:
        from nautilus_rl_lab.adapters.metatrader5.connection import acquire_connection

        link = acquire_connection(backend)
    loop = node.get_event_loop()
    monitors[0].bind(TradingSwitch.of_node(node), node.trader.strategies(), loop, link)
    return monitors[0]
