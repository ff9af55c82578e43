"""Early-warning rules with thresholds from config, the `Alert` they raise, and alert sinks.

Rules are pure functions of a `MonitorSnapshot` (unit tests call them without a node). A
rule fires once when its condition becomes true and re-arms when it clears (`AlertLatch`),
so a persisting drawdown is one alert, not one per sample. Severities: `info`, `warning`,
`critical`; a `critical` alert triggers the kill switch when the monitor's `halt_on_critical`.

Sinks receive every alert: `JsonlSink` (one JSON object per line, appended and flushed),
`WebhookSink` (HTTP POST of the JSON to a configured URL; failures are logged, never raised
into the node) and any Python callable (`Callable[[Alert], None]`).
"""

from __future__ import annotations

import json
import logging
import math
import os
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from nautilus_trader.config import NautilusConfig

from nautilus_rl_lab.errors import ConfigError

logger = logging.getLogger(__name__)

SEVERITIES = ("info", "warning", "critical")


class AlertRules(NautilusConfig, frozen=True, forbid_unknown_fields=True):
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
        fills above which `slippage` fires; set it from the backtest's assumed costs.
    max_drift_score : float, optional
        Largest feature drift score of the last `drift_window` live observations vs the
        bundle's training moments (`monitoring.drift`) above which `drift` fires.
    min_rolling_return : float, optional
        Return over the last `performance_window` samples below which `performance` fires
        (set it from the out-of-sample backtest, e.g. its worst window).
    """

    max_drawdown: float | None = 0.2
    max_daily_loss: float | None = None
    stale_feed_secs: float | None = 60.0
    disconnected: bool = True
    max_rejection_rate: float | None = 0.5
    rejection_window: int = 20
    max_mean_slippage: float | None = None
    slippage_window: int = 20
    max_drift_score: float | None = 0.5
    drift_window: int = 200
    drift_min_observations: int = 50
    min_rolling_return: float | None = None
    performance_window: int = 500

    def __post_init__(self) -> None:
        for name in ("max_drawdown", "max_daily_loss", "max_rejection_rate"):
            value = getattr(self, name)
            if value is not None and not 0 < value <= 1:
                raise ConfigError(f"`{name}` must be a fraction in (0, 1], was {value}")
        for name in ("stale_feed_secs", "max_drift_score"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"`{name}` must be positive, was {value}")
        for name in ("rejection_window", "slippage_window", "drift_window", "performance_window"):
            if getattr(self, name) < 1:
                raise ConfigError(f"`{name}` must be >= 1, was {getattr(self, name)}")
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


@dataclass
class MonitorSnapshot:
    """What the rules look at: the latest sample and the recent windows."""

    ts_ns: int
    equity: float
    peak_equity: float
    day_start_equity: float
    staleness_s: float
    outcomes: list[bool] = field(default_factory=list)  # True = rejected/denied
    slippages: list[float] = field(default_factory=list)
    drift_score: float | None = None
    drift_observations: int = 0
    equities: list[float] = field(default_factory=list)
    connected: bool | None = None

    @property
    def drawdown(self) -> float:
        return 0.0 if self.peak_equity <= 0 else max(0.0, 1 - self.equity / self.peak_equity)


Check = tuple[str, str, float, float, str]  # rule, severity, value, threshold, message


def evaluate(rules: AlertRules, snap: MonitorSnapshot) -> list[Check]:
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
    slips = snap.slippages[-rules.slippage_window :]
    if rules.max_mean_slippage is not None and slips:
        mean = float(np.mean(slips))
        if mean > rules.max_mean_slippage:
            out.append(("slippage", "warning", mean, rules.max_mean_slippage,
                        f"mean slippage {mean:.6g} over {len(slips)} fills exceeds "
                        f"{rules.max_mean_slippage:.6g}"))  # fmt: skip
    if (
        rules.max_drift_score is not None
        and snap.drift_score is not None
        and snap.drift_observations >= rules.drift_min_observations
        and snap.drift_score > rules.max_drift_score
    ):
        out.append(("drift", "warning", snap.drift_score, rules.max_drift_score,
                    f"observation drift: feature score {snap.drift_score:.3f} over "
                    f"{snap.drift_observations} bars exceeds {rules.max_drift_score}"))  # fmt: skip
    window = snap.equities[-rules.performance_window :]
    if rules.min_rolling_return is not None and len(window) >= rules.performance_window:
        ret = window[-1] / window[0] - 1 if window[0] > 0 else math.nan
        if ret < rules.min_rolling_return:
            out.append(("performance", "warning", ret, rules.min_rolling_return,
                        f"rolling return {ret:.2%} over {len(window)} samples is below "
                        f"{rules.min_rolling_return:.2%}"))  # fmt: skip
    return out


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
    """POSTs each alert as JSON to `url`; a failing endpoint is logged, never raised."""

    def __init__(self, url: str, timeout_s: float = 2.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"`webhook_url` must be an http(s) URL, was {url!r}")
        self.url = url
        self.timeout_s = timeout_s

    def __call__(self, alert: Alert) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(alert.to_dict()).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except OSError as e:
            logger.warning("alert webhook %s failed: %s", self.url, e)
