"""`PortfolioRLAgent`: a Nautilus actor that runs a portfolio policy and publishes its actions.

The portfolio's `RLAgent`: every bar of its instruments goes to the policy (`Agent.observe_bar`)
and to the observing half of the portfolio's decision path
(`strategies.portfolio_path.PortfolioObserver`: the observation scheme training used, the
`PortfolioState` from Nautilus' portfolio); on the bar completing a timestamp the policy acts
and a `PortfolioAgentAction` goes to the `PortfolioAgentStrategy` listening on `topic`, which
trades it inside the same bar. An action `None` (a rule agent between rebalances) is published
too, so the strategy records the state, and holds.
"""

from __future__ import annotations

from nautilus_rl_lab.agents.base import Agent, given_or_saved
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.common import Actor, ActorConfig
from nautilus_rl_lab.nt.model import Bar, BarType, InstrumentId
from nautilus_rl_lab.schemes.portfolio_registry import build_portfolio_observation
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.strategies.boundary import HandlerErrors, guarded
from nautilus_rl_lab.strategies.portfolio_agent_strategy import (
    PORTFOLIO_TOPIC,
    PortfolioAgentAction,
)
from nautilus_rl_lab.strategies.portfolio_path import PortfolioObserver


class PortfolioRLAgentConfig(ActorConfig, frozen=True, forbid_unknown_fields=True):
    """The instruments and their decision bars (same order), the observation scheme the policy
    was trained with, where the policy is saved (`None`: an `Agent` passed directly) and the
    topic its actions go to."""

    instrument_ids: list[InstrumentId]
    bar_types: list[BarType]
    observation: SchemeConfig
    agent_path: str | None = None
    topic: str = PORTFOLIO_TOPIC


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
        self.actions_published = 0

    def on_start(self) -> None:
        self.observer.start(self, self.config.instrument_ids)
        self._reset_run()
        for bar_type in self.config.bar_types:
            self.subscribe_bars(bar_type)

    def on_stop(self) -> None:
        for bar_type in self.config.bar_types:
            self.unsubscribe_bars(bar_type)
        self.observer.stop()

    def on_reset(self) -> None:
        self._reset_run()

    def _reset_run(self) -> None:
        self.observer.reset()
        self.agent.reset()
        self.actions_published = 0

    @guarded
    def on_bar(self, bar: Bar) -> None:
        self.agent.observe_bar(bar)
        observed = self.observer.observe(self, bar)
        if observed is None:
            return
        observation, state = observed
        action = self.agent.act(observation)
        message = PortfolioAgentAction(self.id.value, action, bar.ts_event, state)
        self.publish_message(self.config.topic, message)
        self.actions_published += 1
