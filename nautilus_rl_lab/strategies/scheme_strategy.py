"""`SchemeStrategy`: a Nautilus strategy that observes through an ObservationScheme and trades
through an ActionScheme; subclasses decide where actions come from (the gym env, a policy).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.events import OrderDenied, OrderFilled, OrderRejected
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.trading.strategy import Strategy

from nautilus_rl_lab.schemes.base import ActionScheme, MarketState, ObservationScheme
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action, build_observation
from nautilus_rl_lab.strategies.execution import (
    observe_bar,
    read_market_state,
    require_instrument,
    submit_to_target,
)


class SchemeStrategyConfig(StrategyConfig, frozen=True):
    """Instrument, decision bars and the observation/action schemes of a `SchemeStrategy`."""

    instrument_id: InstrumentId
    bar_type: BarType
    observation: SchemeConfig = SchemeConfig(name="window")
    action: SchemeConfig = SchemeConfig(name="target_position")


class SchemeStrategy(Strategy):
    """Builds an observation on every closed bar and executes the decided action at market."""

    def __init__(self, config: SchemeStrategyConfig) -> None:
        super().__init__(config)
        self.observation_scheme: ObservationScheme = build_observation(config.observation)
        self.action_scheme: ActionScheme = build_action(config.action)
        self.instrument: Instrument | None = None
        self.fill_count = self.denied_count = self.rejected_count = 0

    def on_start(self) -> None:
        self.instrument = require_instrument(self, self.config.instrument_id)
        self.on_reset()
        self.subscribe_bars(self.config.bar_type)

    def on_reset(self) -> None:
        self.observation_scheme.reset()
        self.fill_count = self.denied_count = self.rejected_count = 0

    def on_order_filled(self, event: OrderFilled) -> None:
        self.fill_count += 1

    def on_order_denied(self, event: OrderDenied) -> None:
        """Count orders Nautilus' risk checks (or the margin gate) refused; it logs the reason."""
        self.denied_count += 1

    def on_order_rejected(self, event: OrderRejected) -> None:
        """Count orders the venue refused."""
        self.rejected_count += 1

    def on_bar(self, bar: Bar) -> None:
        observed = observe_bar(
            self,
            self.observation_scheme,
            self.instrument,
            bar,
            self.action_scheme.position_limit,
        )
        if observed is None:
            return
        observation, state = observed
        action = self.decide(observation, state, bar)
        if action is not None:
            self.execute(action, state)

    def market_state(self, bar: Bar) -> MarketState:
        """The current `MarketState` as Nautilus' portfolio sees it at `bar`."""
        return read_market_state(
            self,
            self.instrument,
            bar.close.as_double(),
            bar.ts_event,
            self.action_scheme.position_limit,
        )

    def execute(self, action: Any, state: MarketState) -> bool:
        """Trade towards the action scheme's target for `action`."""
        target = self.action_scheme.target_position(action, state.position)
        return submit_to_target(self, self.instrument, target, state.position)

    def decide(self, observation: np.ndarray, state: MarketState, bar: Bar) -> Any | None:
        """Return the action for this bar, or `None` to do nothing (subclasses override)."""
        raise NotImplementedError
