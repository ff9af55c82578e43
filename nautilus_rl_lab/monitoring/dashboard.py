"""`Dashboard`: an ipywidgets view over a session's run store, with a kill-switch button.

A thin view: `refresh()` reads the store (`read_table`) and updates the widgets; the button
calls `request_halt(run_dir, ...)`, the same function as the CLI's `live kill`. It works on
any run directory, of a `LiveNode` in the kernel or of `nautilus-rl-lab live` in another
process, because it only reads the store (SQLite WAL: readers never block the writer).
`start(interval)` refreshes on a background thread while the session runs; tests call
`refresh()` directly and read the widgets' values.
"""

from __future__ import annotations

import io
import os
import threading
import time

import ipywidgets as widgets
from matplotlib.figure import Figure

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.monitoring.killswitch import halt_reason, request_halt
from nautilus_rl_lab.monitoring.store import read_table

ORDER_COLUMNS = ["ts_ns", "kind", "client_order_id", "side", "quantity", "price", "reason"]
ALERT_COLUMNS = ["ts_ns", "rule", "severity", "message"]


def _table(frame, columns: list[str], rows: int) -> str:
    if frame.empty:
        return "<i>none yet</i>"
    return str(frame[columns].tail(rows).to_html(index=False, border=0))


class Dashboard:
    """Equity/drawdown chart, orders, fills and alerts tables, health and a kill button."""

    def __init__(self, run_dir: str | os.PathLike[str], rows: int = 10) -> None:
        self.run_dir = str(run_dir)
        self.rows = rows
        self.chart = widgets.Image(format="png")
        self.health = widgets.HTML()
        self.orders = widgets.HTML()
        self.fills = widgets.HTML()
        self.alerts = widgets.HTML()
        self.kill = widgets.Button(description="Kill switch", button_style="danger", icon="stop")
        self.kill.on_click(lambda _button: self.halt("dashboard button"))
        self.samples = 0
        self.widget = widgets.VBox([
            widgets.HBox([self.health, self.kill]),
            self.chart,
            widgets.HTML("<b>Orders</b>"), self.orders,
            widgets.HTML("<b>Fills</b>"), self.fills,
            widgets.HTML("<b>Alerts</b>"), self.alerts,
        ])  # fmt: skip
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def halt(self, reason: str) -> None:
        """The kill switch (what the button does)."""
        request_halt(self.run_dir, reason, source="dashboard")
        self.refresh()

    def refresh(self) -> None:
        """Re-read the store and update every widget."""
        try:
            samples = read_table(self.run_dir, "samples")
        except ConfigError:
            self.health.value = "<i>waiting for the session's run store…</i>"
            return
        self.samples = len(samples)
        self.orders.value = _table(read_table(self.run_dir, "orders"), ORDER_COLUMNS, self.rows)
        fills = read_table(self.run_dir, "fills")
        self.fills.value = _table(
            fills, ["ts_ns", "trade_id", "side", "quantity", "price", "slippage"], self.rows
        )
        self.alerts.value = _table(read_table(self.run_dir, "alerts"), ALERT_COLUMNS, self.rows)
        self.health.value = self._health(samples)
        if self.samples:
            self.chart.value = self._plot(samples)

    def _health(self, samples) -> str:
        flag = halt_reason(self.run_dir)
        if samples.empty:
            return "<i>no samples yet</i>"
        last = samples.iloc[-1]
        age = time.time() - last["ts_ns"] / 1e9
        state = (
            "HALT REQUESTED"
            if flag and last["trading_state"] != "HALTED"
            else last["trading_state"]
        )
        return (
            f"<b>state</b> {state} · <b>equity</b> {last['equity']:.2f} · "
            f"<b>drawdown</b> {last['drawdown']:.2%} · <b>position</b> {last['position']:.0f} · "
            f"<b>data age</b> {last['staleness_s']:.1f}s · <b>heartbeat</b> {age:.1f}s ago"
            + (f" · <b>halt</b>: {flag['reason']}" if flag else "")
        )

    @staticmethod
    def _plot(samples) -> bytes:
        figure = Figure(figsize=(8, 3.5))  # no pyplot: safe on the refresh thread
        top, bottom = figure.subplots(2, 1, sharex=True)
        seconds = (samples["ts_ns"] - samples["ts_ns"].iloc[0]) / 1e9
        top.plot(seconds, samples["equity"], color="tab:blue")
        top.set_ylabel("equity")
        bottom.fill_between(seconds, -samples["drawdown"], color="tab:red", alpha=0.4)
        bottom.set_ylabel("drawdown")
        bottom.set_xlabel("seconds since the session started")
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
        """Stop the background refresh (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
