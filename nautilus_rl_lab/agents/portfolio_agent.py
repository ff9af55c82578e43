"""`PortfolioRLAgent`: a Nautilus actor that runs a portfolio policy and publishes its actions.

The portfolio's `RLAgent`: every bar of its instruments goes to the policy (`Agent.observe_bar`)
and to the observing half of the portfolio's decision path
(`strategies.portfolio_path.PortfolioObserver`: the observation scheme training used, the
`PortfolioState` from Nautilus' portfolio); on the bar completing a timestamp the policy acts
and a `PortfolioAgentAction` goes to the `PortfolioAgentStrategy` listening on `topic`, which
trades it inside the same bar. An action `None` (a rule agent between rebalances) is published
too, so the strategy records the state, and holds.

Live, each symbol's bars come from a poll of their own: `max_wait_secs` after the first bar of
a timestamp arrived (on the node's clock), the decision is taken on the bars that arrived and
the instruments without one are held (`strategies.portfolio_clock`); `None` waits for every
instrument (backtests: the schedule says which are due). A decision on a timestamp older than
`max_bar_age_secs` on the venue's clock (the latest any instrument's data client reported) is
not taken, and is alerted, as the single agent's (`strategies.staleness`).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from nautilus_rl_lab.agents.base import Agent, given_or_saved
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.common import Actor, ActorConfig, TimeEvent
from nautilus_rl_lab.nt.model import Bar, BarType, InstrumentId
from nautilus_rl_lab.schemes.base import PortfolioState
from nautilus_rl_lab.schemes.portfolio_registry import build_portfolio_observation
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.strategies.boundary import HandlerErrors, guarded
from nautilus_rl_lab.strategies.portfolio_agent_strategy import (
    PORTFOLIO_TOPIC,
    PortfolioAgentAction,
)
from nautilus_rl_lab.strategies.portfolio_path import PortfolioObserver
from nautilus_rl_lab.strategies.staleness import (
    DEFAULT_MAX_BAR_AGE_SECS,
    NANOS_PER_SECOND,
    MarketClock,
    check_max_bar_age,
    report_if_stale,
)
from nautilus_rl_lab.validation import check_positive


class PortfolioRLAgentConfig(ActorConfig, frozen=True, forbid_unknown_fields=True):
    """The instruments and their decision bars (same order), the observation scheme the policy
    was trained with, where the policy is saved (`None`: an `Agent` passed directly), the
    topic its actions go to, how long a live timestamp waits for its late bars
    (`max_wait_secs`, `None`: for all of them) and the oldest bar decided on
    (`max_bar_age_secs`, `None`: no check); the wait must be shorter than that age."""

    instrument_ids: list[InstrumentId]
    bar_types: list[BarType]
    observation: SchemeConfig
    agent_path: str | None = None
    topic: str = PORTFOLIO_TOPIC
    max_wait_secs: float | None = None
    max_bar_age_secs: float | None = DEFAULT_MAX_BAR_AGE_SECS

    def __post_init__(self) -> None:
        check_max_bar_age("max_bar_age_secs", self.max_bar_age_secs)
        if self.max_wait_secs is None:
            return
        check_positive("max_wait_secs", self.max_wait_secs, finite=True, what=" (seconds)")
        if self.max_bar_age_secs is not None and self.max_wait_secs >= self.max_bar_age_secs:
            raise ConfigError(
                f"`max_wait_secs` {self.max_wait_secs} must be shorter than `max_bar_age_secs` "
                f"{self.max_bar_age_secs}: every decision taken after the wait would be stale"
            )


class PortfolioRLAgent(HandlerErrors, Actor):
    """Runs an `Agent` over a portfolio's bars and publishes one action per aligned timestamp."""

    def __init__(self, config: PortfolioRLAgentConfig, agent: Agent | None = None) -> None:
        super().__init__(config)
        self.agent = given_or_saved(agent, config.agent_path)
        n = len(config.instrument_ids)
        if len(config.bar_types) != n:
            raise ConfigError(
                f"`bar_types` needs one entry per instrument ({n}), has {len(config.bar_types)}"
            )
        self.observer = PortfolioObserver(
            build_portfolio_observation(config.observation, n), config.bar_types
        )
        self.market_clocks = [MarketClock() for _ in config.instrument_ids]
        self._deadlines: dict[str, int] = {}  # time alert name -> the timestamp it expires
        self.actions_published = 0
        self.partial_decisions = 0
        self.stale_decisions = 0

    def on_start(self) -> None:
        self.observer.start(self, self.config.instrument_ids)
        self._reset_run()
        for clock, instrument_id in zip(
            self.market_clocks, self.config.instrument_ids, strict=True
        ):
            clock.subscribe(self, instrument_id)
        for bar_type in self.config.bar_types:
            self.subscribe_bars(bar_type)

    def on_stop(self) -> None:
        for bar_type in self.config.bar_types:
            self.unsubscribe_bars(bar_type)
        for clock in self.market_clocks:
            clock.unsubscribe(self)
        pending = set(self._deadlines) & set(self.clock.timer_names())
        for name in pending:
            self.clock.cancel_timer(name)
        self._deadlines = {}
        self.observer.stop()

    def on_reset(self) -> None:
        self._reset_run()

    def _reset_run(self) -> None:
        self.observer.reset()
        self.agent.reset()
        self.actions_published = 0
        self.partial_decisions = 0
        self.stale_decisions = 0

    @guarded
    def on_bar(self, bar: Bar) -> None:
        self.agent.observe_bar(bar)
        observed = self.observer.observe(self, bar)
        if observed is not None:
            self._decide(*observed)
        elif self.config.max_wait_secs is not None:
            self._await_late_bars()

    def _await_late_bars(self) -> None:
        """Set the deadline of the timestamp whose first bar just arrived (once per timestamp)."""
        ts = self.observer.aligned.waiting
        if ts is None or ts in self._deadlines.values():
            return
        name = f"{self.id.value}-aligned-{ts}"
        wait_ns = round(cast("float", self.config.max_wait_secs) * NANOS_PER_SECOND)
        self._deadlines[name] = ts
        self.clock.set_time_alert_ns(name, self.clock.timestamp_ns() + wait_ns, self._on_deadline)

    @guarded
    def _on_deadline(self, event: TimeEvent) -> None:
        ts = self._deadlines.pop(event.name, None)
        observed = None if ts is None else self.observer.expire(self, ts)
        if observed is None:
            return  # the timestamp completed (or was dropped) before its deadline
        missing = [
            str(i)
            for i, arrived in zip(self.config.instrument_ids, observed[1].trading, strict=True)
            if not arrived
        ]
        self.log.warning(
            f"no bar of {missing} at {ts} within max_wait_secs={self.config.max_wait_secs:g}: "
            "decided on the others, those held"
        )
        self.partial_decisions += 1
        self._decide(*observed)

    def _decide(self, observation: np.ndarray, state: PortfolioState) -> None:
        """Act on the observation and publish the action, unless the timestamp is stale."""
        latest = max(range(len(self.market_clocks)), key=lambda i: self.market_clocks[i].venue_ns)
        venue_ns = self.market_clocks[latest].venue_ns
        instrument_id = self.config.instrument_ids[latest]
        limit = self.config.max_bar_age_secs
        if report_if_stale(self, instrument_id, state.ts_ns, venue_ns, limit):
            self.stale_decisions += 1
            return
        action = self.agent.act(observation)
        message = PortfolioAgentAction(self.id.value, action, state.ts_ns, state)
        self.publish_message(self.config.topic, message)
        self.actions_published += 1
