"""`SchemeStrategy`: a Nautilus strategy that runs the whole `DecisionPath` in its own `on_bar`;
subclasses decide where actions come from (the gym env, a policy).

Its spaces, warm-up and `precompute` are public so the env that hosts it (`TrainingNode`)
never reaches into its schemes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.nt.model import Bar, BarType, Instrument, InstrumentId
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState, ObservationScheme
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action, build_observation
from nautilus_rl_lab.strategies.boundary import guarded
from nautilus_rl_lab.strategies.decision import DecisionPath, DecisionPathEvents
from nautilus_rl_lab.strategies.execution import read_market_state, require_instrument
from nautilus_rl_lab.strategies.risk import RiskLimits


class SchemeStrategyConfig(StrategyConfig, frozen=True, forbid_unknown_fields=True):
    """Instrument, decision bars, the observation/action schemes and the risk rules."""

    instrument_id: InstrumentId
    bar_type: BarType
    observation: SchemeConfig = SchemeConfig(name="window")
    action: SchemeConfig = SchemeConfig(name="target_position")
    risk: RiskLimits = RiskLimits()


class SchemeStrategy(DecisionPathEvents, Strategy):
    """Builds an observation on every closed bar and executes the decided action under the risk rules."""

    def __init__(self, config: SchemeStrategyConfig) -> None:
        super().__init__(config)
        self.observation_scheme: ObservationScheme = build_observation(config.observation)
        self.action_scheme: ActionScheme = build_action(config.action)
        self.path = DecisionPath(self.action_scheme, config.risk, self.observation_scheme)
        # None until `on_start` sets it; the handlers reading it run after
        self.instrument: Instrument = cast("Instrument", None)

    @property
    def observation_space(self) -> gym.spaces.Box:
        """The observation scheme's space: every observation `decide` gets lies inside it."""
        return self.observation_scheme.space

    @property
    def action_space(self) -> gym.Space[Any]:
        """The action scheme's space: what `decide` may return."""
        return self.action_scheme.space

    @property
    def warmup_bars(self) -> int:
        """Bars the observation scheme must see before the first decision."""
        return self.observation_scheme.warmup_bars

    def precompute(self, bars: Sequence[Bar]) -> None:
        """Let the observation scheme prepare for `bars` being replayed again and again (a
        training node's data; only what each bar and its predecessors determine is cached)."""
        self.observation_scheme.precompute(bars)

    def on_start(self) -> None:
        super().on_start()
        self.instrument = require_instrument(self, self.config.instrument_id)
        self.path.reset()
        self.path.commissions.start(self, self.config.instrument_id)
        self.subscribe_bars(self.config.bar_type)

    def on_stop(self) -> None:
        self.path.commissions.stop()

    def on_reset(self) -> None:
        super().on_reset()
        self.path.reset()

    @guarded
    def on_bar(self, bar: Bar) -> None:
        decided = self.path.decide(self, self.instrument, bar, self.decide)
        if decided is not None and decided[0] is not None:
            self.path.execute(self, self.instrument, *decided)

    def market_state(self, bar: Bar) -> MarketState:
        """The current `MarketState` as Nautilus' portfolio sees it at `bar`."""
        return read_market_state(
            self,
            self.instrument,
            bar.close.as_double(),
            bar.ts_event,
            self.action_scheme.position_limit,
            self.path.commissions,
            self.path.accounts,
        )

    def decide(self, observation: np.ndarray, state: MarketState) -> Any | None:
        """Return the action for this bar, or `None` to do nothing (subclasses override)."""
        raise NotImplementedError
