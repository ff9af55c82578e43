"""Stale decisions: a bar older than `max_bar_age_secs` on the market's clock is observed, not traded.

When a live node's event loop stalls (a slow store write, a blocked callback), the bars that
closed meanwhile arrive at once; trading each of them would act on old prices, one after the
other. So the decision path measures a bar's age before it asks the policy: the market's time
minus the bar's close. The market's time is the venue's: a live data client publishes its
latest server time (UTC ns) on `market_time_topic(instrument_id)` before the bars of each poll
(the MT5 data client: the tick it checks bar completion against), so a simulated terminal
replaying another date works as well as a real one. Without such a client (backtests,
training) it is the component's clock, which there stands at the bar's own time: nothing is
ever stale, and training, backtests and live trading keep one decision path.

A stale bar still updates the observation scheme (the next decision sees every bar), but no
action is taken: it is logged, counted (`DecisionPath.stale_decisions`) and published as a
`StaleDecision` on `STALE_TOPIC`, which the `MonitorActor` raises as the `stale_bar` alert
(warning). `RLAgentConfig.max_bar_age_secs` sets the limit: `DEFAULT_MAX_BAR_AGE_SECS` (60 s:
a minute-old price is not traded, while a normal poll delay never comes near it); `None`
switches the check off. The first bar after a weekend or a halt is as old as the gap and is
skipped too (the next bar trades).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.components import Component
from nautilus_rl_lab.nt.core import unix_nanos_to_iso8601
from nautilus_rl_lab.nt.model import InstrumentId

STALE_TOPIC = "rl_lab.decisions.stale"
DEFAULT_MAX_BAR_AGE_SECS = 60.0
NANOS_PER_SECOND = 1_000_000_000


def market_time_topic(instrument_id: InstrumentId) -> str:
    """The message-bus topic on which a live data client publishes the venue's time (UTC ns)."""
    return f"rl_lab.market_time.{instrument_id}"


def check_max_bar_age(field: str, value: float | None) -> None:
    """Raise `ConfigError` naming `field` unless `value` is `None` or a positive finite number."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise ConfigError(
            f"`{field}` must be a positive number of seconds or null (no check), was {value}"
        )


@dataclass(frozen=True, slots=True)
class StaleDecision:
    """A decision skipped because its bar closed `age_secs` before the market's time."""

    component_id: str
    instrument_id: InstrumentId
    bar_ts_ns: int
    market_ts_ns: int
    max_age_secs: float

    @property
    def age_secs(self) -> float:
        """How long before the market's time the bar closed."""
        return (self.market_ts_ns - self.bar_ts_ns) / NANOS_PER_SECOND

    @property
    def message(self) -> str:
        """One line for the log and the alert."""
        return (
            f"{self.component_id} skipped the {self.instrument_id} bar closed at "
            f"{unix_nanos_to_iso8601(self.bar_ts_ns)}: {self.age_secs:.1f}s old at the market's "
            f"time, more than max_bar_age_secs={self.max_age_secs:g} (not traded)"
        )


class MarketClock:
    """The latest venue time published for one instrument (0 until a data client reports)."""

    def __init__(self) -> None:
        self.venue_ns = 0
        self._topic: str | None = None

    def subscribe(self, component: Component, instrument_id: InstrumentId) -> None:
        """Follow the venue time of `instrument_id` (see `market_time_topic`) on the
        `component`'s message bus."""
        self._topic = market_time_topic(instrument_id)
        component.subscribe_topic(self._topic, self._on_time)

    def unsubscribe(self, component: Component) -> None:
        """Stop following the venue time."""
        if self._topic is not None:
            component.unsubscribe_topic(self._topic, self._on_time)
            self._topic = None

    def _on_time(self, ts_ns: int) -> None:
        self.venue_ns = max(self.venue_ns, ts_ns)


def report_if_stale(
    component: Component,
    instrument_id: InstrumentId,
    bar_ts_ns: int,
    market_ns: int,
    limit: float | None,
) -> bool:
    """Whether a decision on the bar closed at `bar_ts_ns` is stale at `market_ns` (the venue's
    time, 0: the component's clock); if so, log it and publish it on `STALE_TOPIC`."""
    now = market_ns or component.clock.timestamp_ns()
    if limit is None or now - bar_ts_ns <= limit * NANOS_PER_SECOND:
        return False
    stale = StaleDecision(component.id.value, instrument_id, bar_ts_ns, now, limit)
    component.log.warning(stale.message)
    component.publish_message(STALE_TOPIC, stale)
    return True
