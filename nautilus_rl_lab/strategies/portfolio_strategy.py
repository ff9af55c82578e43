"""`PortfolioStrategy`: one Nautilus strategy trading several instruments from one decision.

It runs both halves of the portfolio's decision path (`strategies.portfolio_path`) in its own
`on_bar`: on the bar that completes a timestamp it observes, gets an action (`decide`, from a
subclass: the gym env) and executes it on every leg.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import Bar, BarType, InstrumentId
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.schemes.portfolio import PortfolioState
from nautilus_rl_lab.schemes.portfolio_registry import (
    build_portfolio_observation,
)
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.strategies.boundary import guarded
from nautilus_rl_lab.strategies.portfolio_path import (
    PortfolioEvents,
    PortfolioExecutor,
    PortfolioObserver,
)
from nautilus_rl_lab.strategies.risk import RiskLimits


class PortfolioStrategyConfig(StrategyConfig, frozen=True, forbid_unknown_fields=True):
    """The instruments and their decision bars (same order), the portfolio schemes, each
    instrument's risk rules (`risks`, one per instrument) and the exposure caps (fractions of
    equity; `None`: none)."""

    instrument_ids: list[InstrumentId]
    bar_types: list[BarType]
    observation: SchemeConfig
    action: SchemeConfig
    risks: list[RiskLimits]
    max_gross_exposure: float | None = None
    max_net_exposure: float | None = None


class PortfolioStrategy(PortfolioEvents, Strategy):
    """Decides once per aligned timestamp and trades every instrument to its target weight."""

    def __init__(self, config: PortfolioStrategyConfig) -> None:
        super().__init__(config)
        n = len(config.instrument_ids)
        if not n or len(config.bar_types) != n or len(config.risks) != n:
            raise ConfigError(
                "`instrument_ids`, `bar_types` and `risks` need one entry per instrument, "
                f"were {n}, {len(config.bar_types)} and {len(config.risks)}"
            )
        self.observer = PortfolioObserver(
            build_portfolio_observation(config.observation, n), config.bar_types
        )
        self.executor = PortfolioExecutor.from_config(config)

    @property
    def observation_space(self) -> gym.spaces.Box:
        """The observation scheme's space."""
        return self.observer.scheme.space

    @property
    def action_space(self) -> gym.Space[Any]:
        """The action scheme's space."""
        return self.executor.scheme.space

    @property
    def warmup_bars(self) -> int:
        """Bars each instrument must deliver before the first decision."""
        return self.observer.scheme.warmup_bars

    def precompute(self, bars: Sequence[Sequence[Bar]]) -> None:
        """Let the observation scheme prepare for each instrument's bars being replayed."""
        self.observer.scheme.precompute(bars)

    def on_start(self) -> None:
        super().on_start()
        self.observer.start(self, self.config.instrument_ids)
        self.executor.start(self)
        self._reset_run()
        for bar_type in self.config.bar_types:
            self.subscribe_bars(bar_type)

    def on_stop(self) -> None:
        self.observer.stop()

    def on_reset(self) -> None:
        super().on_reset()
        self._reset_run()

    def _reset_run(self) -> None:
        self.observer.reset()
        self.executor.reset()

    @guarded
    def on_bar(self, bar: Bar) -> None:
        observed = self.observer.observe(self, bar)
        if observed is None:
            return
        action = self.decide(*observed)
        if action is not None:
            self.executor.execute(self, action, observed[1])

    def decide(self, observation: np.ndarray, state: PortfolioState) -> Any | None:
        """The action for this timestamp, or `None` to do nothing (subclasses override)."""
        raise NotImplementedError
