"""`Dashboard`: an ipywidgets view over a session's run store, with a kill-switch button.

A thin view: `refresh()` reads the store (`read_table`) and the node's `node.json` and
updates the widgets; the button calls `request_halt(run_dir, ...)`, the same function as the
CLI's `live kill`. It works on any run directory, of a `LiveNode` in the kernel or of
`nautilus-rl-lab live` in another process, because it only reads files (SQLite WAL: readers
never block the writer). `start(interval)` refreshes on a background thread while the
session runs; tests call `refresh()` directly and read the widgets' values.

Decisions:

- Two clocks stamp the store: the node's wall clock (samples, heartbeats, order events the
  node makes, most alerts) and the venue's (a fill's deal time, and a `filled` order event
  or a `stale_bar` alert, which carry it). Against the MT5 simulator the venue's clock is
  the simulated one, years away from the wall clock. Tables show UTC times to the
  millisecond with the clock named (a `clock` column where a table mixes them), never raw
  nanoseconds; columns no row filled are left out.
- The state shown is the newer of the last sample's and what the node last wrote to
  `node.json` (each monitor tick), so a halt the node has completed shows as HALTED even
  when no sample was taken since; "HALT REQUESTED" means the flag is set and the node has
  not reached HALTED yet. `stop()` refreshes once more, so the last picture is current.
- An error while refreshing or in the button shows in the health line (the refresh thread
  has no other place a person would see it).
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from typing import Any

import ipywidgets as widgets
import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.monitoring.killswitch import halt_reason, node_state, request_halt
from nautilus_rl_lab.monitoring.store import read_table
from nautilus_rl_lab.widgets.view import table_html

log = logging.getLogger(__name__)

WALL, VENUE = "wall clock", "venue clock"
CLOCKS = (
    "wall clock: this machine's (the node's); venue clock: the venue's (here the MT5 simulator's)"
)
COLUMNS = {
    "orders": ["kind", "client_order_id", "side", "quantity", "price", "reason", "latency_ms"],
    "fills": ["trade_id", "client_order_id", "side", "quantity", "price", "decision_price",
              "slippage", "commission"],
    "alerts": ["rule", "severity", "message", "value", "threshold"],
}  # fmt: skip
VENUE_STAMPED = {"orders": ("kind", {"filled"}), "alerts": ("rule", {"stale_bar"})}


def utc_text(ts_ns: pd.Series) -> pd.Series:
    """Nanoseconds since the epoch as UTC text to the millisecond."""
    times = pd.to_datetime(ts_ns.astype("int64"), unit="ns", utc=True)
    return times.dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3] + " UTC"


def readable(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A store table (orders, fills, alerts) to read: UTC times labelled by clock, no empty columns."""
    shown = frame[COLUMNS[table]]
    if len(shown):
        shown = shown.dropna(axis=1, how="all")
    shown = shown.astype(object).where(shown.notna(), "")  # a field this event has not: blank
    times = utc_text(frame["ts_ns"])
    if table == "fills":
        return pd.concat([times.rename("time (UTC, venue clock)"), shown], axis=1)
    field, venue = VENUE_STAMPED[table]
    clock = frame[field].isin(venue).map({True: VENUE, False: WALL}).rename("clock")
    return pd.concat([times.rename("time (UTC)"), clock, shown], axis=1)


def trading_state(samples: pd.DataFrame, node: dict[str, Any] | None, halting: bool) -> str:
    """The newer of the last sample's and the node's own state; HALT REQUESTED until HALTED."""
    state, at = "UNKNOWN", -1
    if not samples.empty:
        state, at = str(samples["trading_state"].iloc[-1]), int(samples["ts_ns"].iloc[-1])
    if node is not None and int(node.get("ts_ns", -1)) >= at:
        state = str(node.get("trading_state", state))
    return "HALT REQUESTED" if halting and state != "HALTED" else state


class Dashboard:
    """Equity/drawdown chart, orders, fills and alerts tables, health and a kill button."""

    def __init__(self, run_dir: str | os.PathLike[str], rows: int = 10) -> None:
        self.run_dir = str(run_dir)
        self.rows = rows
        self.chart = widgets.Image(format="png", layout=widgets.Layout(width="100%"))
        self.figure = Figure(figsize=(10, 3.5))  # no pyplot: safe on the refresh thread
        self.health = widgets.HTML()
        self.orders = widgets.HTML()
        self.fills = widgets.HTML()
        self.alerts = widgets.HTML()
        self.kill = widgets.Button(description="Kill switch", button_style="danger", icon="stop")
        self.kill.on_click(lambda _button: self._guarded(self.halt, "dashboard button"))
        self.samples = 0
        self.state = "UNKNOWN"
        self.widget = widgets.VBox([
            widgets.HBox([self.health, self.kill]),
            self.chart,
            widgets.HTML("<b>Orders</b>"), self.orders,
            widgets.HTML("<b>Fills</b>"), self.fills,
            widgets.HTML("<b>Alerts</b>"), self.alerts,
            widgets.HTML(f"<small>{CLOCKS}</small>"),
        ])  # fmt: skip
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def halt(self, reason: str) -> None:
        """The kill switch (what the button does)."""
        request_halt(self.run_dir, reason, source="dashboard")
        self.refresh()

    def refresh(self) -> None:
        """Re-read the store and the node's state and update every widget (errors shown)."""
        self._guarded(self._refresh)

    def _guarded(self, action: Any, *args: Any) -> None:
        try:
            action(*args)
        except Exception as e:
            log.info("dashboard: %s", e)
            self.health.value = f"<span style='color:#b00'>{type(e).__name__}: {e}</span>"

    def _refresh(self) -> None:
        with self._lock:  # the refresh thread and a cell's refresh() never interleave
            try:
                samples = read_table(self.run_dir, "samples")
            except ConfigError:
                self.health.value = "<i>waiting for the session's run store…</i>"
                return
            self.samples = len(samples)
            self.orders.value = self._table("orders")
            self.fills.value = self._table("fills")
            self.alerts.value = self._table("alerts")
            self.health.value = self._health(samples)
            if self.samples:
                self.chart.value = self._plot(samples)

    def _table(self, table: str) -> str:
        frame = read_table(self.run_dir, table)
        if frame.empty:
            return "<i>none yet</i>"
        return table_html(readable(frame.tail(self.rows), table), digits=6, index=False)

    def _health(self, samples: pd.DataFrame) -> str:
        flag = halt_reason(self.run_dir)
        self.state = trading_state(samples, node_state(self.run_dir), flag is not None)
        if samples.empty:
            return f"<b>state</b> {self.state} · <i>no samples yet</i>"
        last = samples.iloc[-1]
        age = time.time() - last["ts_ns"] / 1e9
        return (
            f"<b>state</b> {self.state} · <b>equity</b> {last['equity']:,.2f} · "
            f"<b>drawdown</b> {last['drawdown']:.2%} · <b>position</b> {last['position']:,.0f} · "
            f"<b>data age</b> {last['staleness_s']:.1f}s · <b>heartbeat</b> {age:.1f}s ago"
            + (f" · <b>halt</b>: {flag['reason']}" if flag else "")
        )

    def _plot(self, samples: pd.DataFrame) -> bytes:
        figure = self.figure
        figure.clear()
        top, bottom = figure.subplots(2, 1, sharex=True)
        times = pd.to_datetime(samples["ts_ns"], unit="ns", utc=True)
        top.plot(times, samples["equity"], color="tab:blue", label="equity")
        top.set_ylabel("equity")
        top.ticklabel_format(axis="y", useOffset=False, style="plain")
        bottom.fill_between(times, -samples["drawdown"], color="tab:red", alpha=0.4)
        bottom.set_ylabel("drawdown")
        locator = mdates.AutoDateLocator()
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz="UTC"))
        bottom.set_xlabel("wall clock (UTC)")
        buffer = io.BytesIO()
        figure.tight_layout()
        figure.savefig(buffer, format="png", dpi=80)
        return buffer.getvalue()

    def start(self, interval_secs: float = 1.0) -> None:
        """Refresh every `interval_secs` on a background thread until `stop()`."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval_secs):
                self.refresh()

        self._thread = threading.Thread(target=loop, name="Dashboard", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background refresh (idempotent) and show the state as it is now."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.refresh()
