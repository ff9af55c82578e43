"""Early-warning rules with thresholds from config or the bundle's backtest, the `Alert` they raise, and sinks.

Rules are pure functions of a `MonitorSnapshot` (unit tests call them without a node). A
rule fires once when its condition becomes true and re-arms when it clears (`AlertLatch`),
so a persisting drawdown is one alert, not one per sample. Severities: `info`, `warning`,
`critical`; a `critical` alert triggers the kill switch when the monitor's `halt_on_critical`.

Slippage and performance decay compare the session with the agent's out-of-sample backtest
(`BacktestExpectations`, from the bundle's `backtest` figures) unless a threshold is
configured (`max_mean_slippage`, `min_rolling_sharpe` override the bundle). The default
thresholds are the backtest's figure plus/minus `*_tolerance` standard errors of the
difference between the live window's statistic and the backtest's:

- slippage: the expected mean of the live window is the backtest's per-side mean slippage
  weighted by the window's buys and sells; its variance is sum_s (n_s / n)^2 var_s (1 / n_s +
  1 / N_s) (n_s live and N_s backtest fills of side s); the threshold is at least one price
  increment above the expected mean (a backtest whose fills all slipped alike);
- performance: the live per-bar Sharpe ratio over `performance_window` bars against the
  backtest's, with the standard error sqrt((1 + SR^2 / 2) (1 / n + 1 / N)) (Lo, 2002).

Sinks receive every alert: `JsonlSink` (one JSON object per line, appended and flushed),
`WebhookSink` (HTTP POST of the JSON to a configured URL within a total deadline; failures are
logged, never raised into the node) and any Python callable (`Callable[[Alert], None]`).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import math
import os
import socket
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.statistics import sharpe_ratio
from nautilus_rl_lab.validation import check_minimum, check_positive

logger = logging.getLogger(__name__)

SEVERITIES = ("info", "warning", "critical")


class AlertRules(LabConfig, frozen=True, forbid_unknown_fields=True):
    """Thresholds of the early-warning rules (`None` disables a rule).

    Parameters
    ----------
    max_drawdown : float, optional
        Drawdown from the session's equity peak (fraction) that raises `drawdown` (critical).
    max_daily_loss : float, optional
        Loss since the first sample of the UTC day, as a fraction of that equity (critical).
    stale_feed_secs : float, optional
        Seconds without market data that raise `stale_feed` (warning).
    disconnected : bool
        Raise `disconnected` (warning) while the terminal link is down (needs a bound link).
    max_rejection_rate : float, optional
        Share of rejected/denied orders among the last `rejection_window` order outcomes.
    max_mean_slippage : float, optional
        Mean signed slippage (price units, positive = worse) over the last `slippage_window`
        fills above which `slippage` fires (None: from the bundle's backtest, see above).
    slippage_tolerance : float
        Standard errors above the backtest's expected slippage at which `slippage` fires.
    max_drift_score : float, optional
        Largest feature drift score of the last `drift_window` live observations vs the
        bundle's training moments (`monitoring.drift`) above which `drift` fires.
    min_rolling_sharpe : float, optional
        Per-bar Sharpe ratio of the last `performance_window` decision bars below which
        `performance` fires (None: from the bundle's backtest, see above).
    sharpe_tolerance : float
        Standard errors below the backtest's Sharpe ratio at which `performance` fires.
    """

    max_drawdown: float | None = 0.2
    max_daily_loss: float | None = None
    stale_feed_secs: float | None = 60.0
    disconnected: bool = True
    max_rejection_rate: float | None = 0.5
    rejection_window: int = 20
    max_mean_slippage: float | None = None
    slippage_window: int = 20
    slippage_tolerance: float = 3.0
    max_drift_score: float | None = 0.5
    drift_window: int = 200
    drift_min_observations: int = 50
    min_rolling_sharpe: float | None = None
    performance_window: int = 250
    sharpe_tolerance: float = 3.0

    def __post_init__(self) -> None:
        for name in ("max_drawdown", "max_daily_loss", "max_rejection_rate"):
            value = getattr(self, name)
            if value is not None and not 0 < value <= 1:
                raise ConfigError(f"`{name}` must be a fraction in (0, 1], was {value}")
        for name in ("stale_feed_secs", "max_drift_score", "slippage_tolerance",
                     "sharpe_tolerance"):  # fmt: skip
            value = getattr(self, name)
            if value is not None:
                check_positive(name, value)
        for name in ("rejection_window", "slippage_window", "drift_window"):
            check_minimum(name, getattr(self, name), 1)
        check_minimum("performance_window", self.performance_window, 2)
        if not 2 <= self.drift_min_observations <= self.drift_window:
            raise ConfigError(
                f"`drift_min_observations` must be in [2, `drift_window`], "
                f"was {self.drift_min_observations}",
            )


@dataclass(frozen=True)
class Alert:
    """One early warning: which rule, how bad, what it saw and the threshold it crossed."""

    rule: str
    severity: str
    message: str
    value: float
    threshold: float
    ts_ns: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SideSlippage:
    """Backtest slippage of one side's fills: count, mean and sample variance (price units)."""

    fills: float
    mean: float
    var: float


@dataclass(frozen=True)
class BacktestExpectations:
    """The bundle's out-of-sample figures the slippage and performance rules default to."""

    slippage: dict[str, SideSlippage]
    price_increment: float
    sharpe: float
    bars: float

    @classmethod
    def from_figures(cls, figures: dict[str, Any]) -> BacktestExpectations:
        """Parse the bundle's `backtest` field (`evaluation.expectations`)."""
        slip = figures["slippage"]
        pooled = SideSlippage(slip["fills"], slip["mean"], slip["std"] ** 2)
        sides = {
            side: SideSlippage(slip[side]["fills"], slip[side]["mean"], slip[side]["std"] ** 2)
            if slip[side]["fills"] > 0
            else pooled  # a side the backtest never traded: the pooled figures
            for side in ("BUY", "SELL")
        }
        returns = figures["returns"]
        return cls(sides, figures["price_increment"], returns["sharpe"], returns["bars"])

    def slippage_threshold(self, sides: list[str], tolerance: float) -> float | None:
        """Mean live slippage above which a window with these fill `sides` fires (None: no
        backtest fills to compare with)."""
        n = len(sides)
        expected = variance = 0.0
        for side, figures in self.slippage.items():
            count = sides.count(side)
            if count == 0:
                continue
            if figures.fills == 0:
                return None
            expected += count / n * figures.mean
            variance += (count / n) ** 2 * figures.var * (1 / count + 1 / figures.fills)
        return expected + max(tolerance * math.sqrt(variance), self.price_increment)

    def sharpe_threshold(self, bars: int, tolerance: float) -> float | None:
        """Per-bar Sharpe ratio over `bars` live bars below which `performance` fires."""
        if self.bars < 2:
            return None
        error = math.sqrt((1 + self.sharpe**2 / 2) * (1 / bars + 1 / self.bars))
        return self.sharpe - tolerance * error


@dataclass
class MonitorSnapshot:
    """What the rules look at: the latest sample and the recent windows."""

    ts_ns: int
    equity: float
    peak_equity: float
    day_start_equity: float
    staleness_s: float
    outcomes: list[bool] = field(default_factory=list)  # True = rejected/denied
    slippages: list[tuple[str, float]] = field(default_factory=list)  # (side, slippage)
    drift_score: float | None = None
    drift_observations: int = 0
    bar_returns: list[float] = field(default_factory=list)  # per decision bar
    connected: bool | None = None

    @property
    def drawdown(self) -> float:
        return 0.0 if self.peak_equity <= 0 else max(0.0, 1 - self.equity / self.peak_equity)


Check = tuple[str, str, float, float, str]  # rule, severity, value, threshold, message


def evaluate(
    rules: AlertRules, snap: MonitorSnapshot, expected: BacktestExpectations | None = None
) -> list[Check]:
    """Every rule whose condition holds on `snap` (latching is the caller's job)."""
    out: list[Check] = []
    if rules.max_drawdown is not None and snap.drawdown >= rules.max_drawdown:
        out.append(("drawdown", "critical", snap.drawdown, rules.max_drawdown,
                    f"drawdown {snap.drawdown:.2%} reached the limit {rules.max_drawdown:.2%}"))  # fmt: skip
    if rules.max_daily_loss is not None and snap.day_start_equity > 0:
        loss = 1 - snap.equity / snap.day_start_equity
        if loss >= rules.max_daily_loss:
            out.append(("daily_loss", "critical", loss, rules.max_daily_loss,
                        f"daily loss {loss:.2%} reached the limit {rules.max_daily_loss:.2%}"))  # fmt: skip
    if rules.stale_feed_secs is not None and snap.staleness_s >= rules.stale_feed_secs:
        out.append(("stale_feed", "warning", snap.staleness_s, rules.stale_feed_secs,
                    f"no market data for {snap.staleness_s:.1f}s "
                    f"(limit {rules.stale_feed_secs:.1f}s)"))  # fmt: skip
    if rules.disconnected and snap.connected is False:
        out.append(("disconnected", "warning", 1.0, 0.0, "the MT5 terminal link is down"))
    recent = snap.outcomes[-rules.rejection_window :]
    if rules.max_rejection_rate is not None and len(recent) >= min(5, rules.rejection_window):
        rate = sum(recent) / len(recent)
        if rate >= rules.max_rejection_rate:
            out.append(("rejection_rate", "warning", rate, rules.max_rejection_rate,
                        f"{rate:.0%} of the last {len(recent)} orders were rejected or denied"))  # fmt: skip
    out += _slippage(rules, snap, expected)
    if (
        rules.max_drift_score is not None
        and snap.drift_score is not None
        and snap.drift_observations >= rules.drift_min_observations
        and snap.drift_score > rules.max_drift_score
    ):
        out.append(("drift", "warning", snap.drift_score, rules.max_drift_score,
                    f"observation drift: feature score {snap.drift_score:.3f} over "
                    f"{snap.drift_observations} bars exceeds {rules.max_drift_score}"))  # fmt: skip
    out += _performance(rules, snap, expected)
    return out


def _slippage(
    rules: AlertRules, snap: MonitorSnapshot, expected: BacktestExpectations | None
) -> list[Check]:
    window = snap.slippages[-rules.slippage_window :]
    if not window:
        return []
    threshold, source = rules.max_mean_slippage, "configured limit"
    if threshold is None and expected is not None:
        sides = [side for side, _ in window]
        threshold = expected.slippage_threshold(sides, rules.slippage_tolerance)
        source = "the backtest's expectation"
    mean = float(np.mean([value for _, value in window]))
    if threshold is None or mean <= threshold:
        return []
    return [("slippage", "warning", mean, threshold,
             f"mean slippage {mean:.6g} over {len(window)} fills exceeds {threshold:.6g} "
             f"({source})")]  # fmt: skip


def _performance(
    rules: AlertRules, snap: MonitorSnapshot, expected: BacktestExpectations | None
) -> list[Check]:
    window = snap.bar_returns[-rules.performance_window :]
    if len(window) < rules.performance_window:
        return []
    threshold, source = rules.min_rolling_sharpe, "configured limit"
    if threshold is None and expected is not None:
        threshold = expected.sharpe_threshold(len(window), rules.sharpe_tolerance)
        source = f"backtest Sharpe {expected.sharpe:.4f} - {rules.sharpe_tolerance} s.e."
    sharpe = sharpe_ratio(window)
    if threshold is None or sharpe >= threshold:
        return []
    return [("performance", "warning", sharpe, threshold,
             f"rolling per-bar Sharpe {sharpe:.4f} over {len(window)} bars is below "
             f"{threshold:.4f} ({source})")]  # fmt: skip


class AlertLatch:
    """Turns conditions into alerts: a rule fires when it becomes true, re-arms when it clears."""

    def __init__(self) -> None:
        self.active: set[str] = set()

    def update(self, checks: list[Check], ts_ns: int) -> list[Alert]:
        now = {check[0] for check in checks}
        fired = [
            Alert(rule, severity, message, float(value), float(threshold), ts_ns)
            for rule, severity, value, threshold, message in checks
            if rule not in self.active
        ]
        self.active = now
        return fired


AlertSink = Callable[[Alert], None]


class JsonlSink:
    """Appends each alert as one JSON line to `path` (flushed at once)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, alert: Alert) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(alert.to_dict()) + "\n")


class WebhookSink:
    """POSTs each alert as JSON to `url` within a total deadline; a failure is logged, never raised.

    `timeout_s` bounds the whole call (connect, send, every read), not one socket read: a
    watchdog shuts the socket down when it passes, so an endpoint that answers one byte at a
    time cannot hold the caller longer.
    """

    def __init__(self, url: str, timeout_s: float = 2.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"`webhook_url` must be an http(s) URL, was {url!r}")
        check_positive("webhook_timeout_secs", timeout_s)
        self.url = url
        self.timeout_s = timeout_s
        parts = urllib.parse.urlsplit(url)
        self._https = parts.scheme == "https"
        self._netloc = parts.netloc
        self._path = parts.path + (f"?{parts.query}" if parts.query else "") or "/"

    def __call__(self, alert: Alert) -> None:
        connection_type = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = connection_type(self._netloc, timeout=self.timeout_s)
        expired = threading.Event()

        def abort() -> None:
            expired.set()
            if connection.sock is not None:
                with contextlib.suppress(OSError):
                    connection.sock.shutdown(socket.SHUT_RDWR)

        watchdog = threading.Timer(self.timeout_s, abort)
        watchdog.start()
        try:
            body = json.dumps(alert.to_dict()).encode()
            connection.request("POST", self._path, body, {"Content-Type": "application/json"})
            connection.getresponse().read()
        except (OSError, http.client.HTTPException) as e:
            if expired.is_set():
                logger.warning(
                    "alert webhook %s failed: no answer within the %.1fs deadline",
                    self.url,
                    self.timeout_s,
                )
            else:
                logger.warning("alert webhook %s failed: %r", self.url, e)
        finally:
            watchdog.cancel()
            connection.close()
