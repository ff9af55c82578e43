"""`PortfolioStrategy`: one Nautilus strategy trading several instruments from one decision.

On the bar that completes a timestamp (`strategies.portfolio_clock`) it reads the
`PortfolioState`, builds the observation, gets an action (`decide`, from a subclass: the gym
env, a policy) and trades: the action scheme's target weights, capped to the portfolio's gross
and net exposure, become target units (`strategies.portfolio_execution`), and each instrument's
own `DecisionPath` trades to its target under its risk rules, counting its orders in flight,
exactly as a single-instrument strategy does (so stop-loss/take-profit, position caps, the
kill switch and the equity rules work per leg; the equity they see is the portfolio's, so a
drawdown or daily-loss halt flattens every leg). Legs that reduce a position go first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.common import Cache
from nautilus_rl_lab.nt.model import (
    Bar,
    BarType,
    Instrument,
    InstrumentId,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    PositionClosed,
    TradingState,
)
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState
from nautilus_rl_lab.schemes.portfolio import (
    PortfolioActionScheme,
    PortfolioObservationScheme,
    PortfolioState,
)
from nautilus_rl_lab.schemes.portfolio_registry import (
    build_portfolio_action,
    build_portfolio_observation,
)
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.strategies.boundary import HandlerErrors, guarded
from nautilus_rl_lab.strategies.decision import DecisionPath
from nautilus_rl_lab.strategies.execution import require_instrument
from nautilus_rl_lab.strategies.portfolio_clock import AlignedClock
from nautilus_rl_lab.strategies.portfolio_execution import (
    order_lot,
    read_portfolio_state,
    weights_to_units,
)
from nautilus_rl_lab.strategies.risk import RiskEvent, RiskLimits
from nautilus_rl_lab.strategies.valuation import AccountReader


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


class TargetUnits(ActionScheme):
    """A leg's action is its target position in units (the portfolio has sized it)."""

    @property
    def space(self) -> gym.spaces.Box:
        return gym.spaces.Box(-np.inf, np.inf, shape=(1,))

    @property
    def position_limit(self) -> float:
        return math.inf

    def target_position(self, action: Any, position: float) -> float | None:
        return cast("float | None", action)


def cap_exposure(
    target: np.ndarray, max_gross: float | None, max_net: float | None
) -> tuple[np.ndarray, str | None]:
    """`target` scaled down so that its gross (sum of |weights|) and net (sum) exposure stay
    within the caps, and the rule that scaled it (`None`: unchanged)."""
    rule = None
    gross = float(np.abs(target).sum())
    if max_gross is not None and gross > max_gross:
        target, rule = target * (max_gross / gross), "max_gross_exposure"
    net = float(target.sum())
    if max_net is not None and abs(net) > max_net:
        target, rule = target * (max_net / abs(net)), "max_net_exposure"
    return target, rule


class PortfolioStrategy(HandlerErrors, Strategy):
    """Decides once per aligned timestamp and trades every instrument to its target weight."""

    def __init__(self, config: PortfolioStrategyConfig) -> None:
        super().__init__(config)
        n = len(config.instrument_ids)
        if not n or len(config.bar_types) != n or len(config.risks) != n:
            raise ConfigError(
                "`instrument_ids`, `bar_types` and `risks` need one entry per instrument, "
                f"were {n}, {len(config.bar_types)} and {len(config.risks)}"
            )
        self.observation_scheme: PortfolioObservationScheme = build_portfolio_observation(
            config.observation, n
        )
        self.action_scheme: PortfolioActionScheme = build_portfolio_action(config.action, n)
        self.paths = [DecisionPath(TargetUnits(), risk) for risk in config.risks]
        self._path_of = dict(zip(config.instrument_ids, self.paths, strict=True))
        self._asset_of = {bar_type: i for i, bar_type in enumerate(config.bar_types)}
        self.aligned = AlignedClock(n)
        self.accounts = AccountReader()
        self.instruments: list[Instrument] = []
        self._closes = [math.nan] * n
        self._unit_values: list[float] = [math.nan] * n
        self.decide_from_ns = 0  # no decision on a timestamp before this
        self.rounding_residual = 0.0  # of the last rebalance, in the account currency
        self.exposure_events: list[RiskEvent] = []

    # -- what the host reads ------------------------------------------------------------------

    @property
    def observation_space(self) -> gym.spaces.Box:
        """The observation scheme's space."""
        return self.observation_scheme.space

    @property
    def action_space(self) -> gym.Space[Any]:
        """The action scheme's space."""
        return self.action_scheme.space

    @property
    def warmup_bars(self) -> int:
        """Bars each instrument must deliver before the first decision."""
        return self.observation_scheme.warmup_bars

    def precompute(self, bars: Sequence[Sequence[Bar]]) -> None:
        """Let the observation scheme prepare for each instrument's bars being replayed."""
        self.observation_scheme.precompute(bars)

    def set_schedule(self, due: dict[int, int] | None) -> None:
        """The number of instruments with a bar at each timestamp (`None`: all of them)."""
        self.aligned = AlignedClock(len(self.paths), due)

    @property
    def fill_count(self) -> int:
        """Fills since the start of the run, every instrument's."""
        return sum(path.fill_count for path in self.paths)

    @property
    def orders_denied(self) -> int:
        """Orders Nautilus' `RiskEngine` denied since the start of the run."""
        return sum(path.orders_denied for path in self.paths)

    @property
    def orders_rejected(self) -> int:
        """Orders the venue rejected since the start of the run."""
        return sum(path.orders_rejected for path in self.paths)

    @property
    def risk_events(self) -> list[tuple[str, RiskEvent]]:
        """Every rule that changed a target this run, with the instrument it changed (the
        portfolio's exposure caps: `PORTFOLIO`), in time order."""
        tagged = [("PORTFOLIO", event) for event in self.exposure_events]
        for instrument_id, path in self._path_of.items():
            tagged += [(str(instrument_id), event) for event in path.events]
        return sorted(tagged, key=lambda item: item[1].ts_ns)

    def set_trading_state(self, state: TradingState) -> None:
        """Trade as a node in `state` does (the kill switch), on every leg."""
        for path in self.paths:
            path.trading_state = state

    # -- Nautilus handlers --------------------------------------------------------------------

    def on_start(self) -> None:
        super().on_start()
        config = self.config
        self.instruments = [require_instrument(self, i) for i in config.instrument_ids]
        self._reset_run()
        for path, instrument_id in zip(self.paths, config.instrument_ids, strict=True):
            path.commissions.start(self, instrument_id)
        for bar_type in config.bar_types:
            self.subscribe_bars(bar_type)

    def on_stop(self) -> None:
        for path in self.paths:
            path.commissions.stop()

    def on_reset(self) -> None:
        super().on_reset()
        self._reset_run()

    def _reset_run(self) -> None:
        for path in self.paths:
            path.reset()
        self.observation_scheme.reset()
        self.aligned.reset()
        self.accounts.reset()
        self._closes = [math.nan] * len(self.paths)
        self.rounding_residual = 0.0
        self.exposure_events = []

    @guarded
    def on_bar(self, bar: Bar) -> None:
        asset = self._asset_of[bar.bar_type]
        self.observation_scheme.update(asset, bar)
        self._closes[asset] = bar.close.as_double()
        ts = bar.ts_event
        if not self.aligned.arrive(asset, ts) or ts < self.decide_from_ns:
            return
        if not self.observation_scheme.ready:
            return
        state = self.portfolio_state(ts)
        action = self.decide(self.observation_scheme.observe(state), state)
        if action is not None:
            self.execute(action, state)

    def portfolio_state(self, ts_ns: int) -> PortfolioState:
        """The `PortfolioState` now (positions and equity from Nautilus' portfolio)."""
        state, self._unit_values = read_portfolio_state(
            self,
            self.instruments,
            self._closes,
            self.aligned.trading,
            ts_ns,
            [path.commissions for path in self.paths],
            self.accounts,
        )
        return state

    def decide(self, observation: np.ndarray, state: PortfolioState) -> Any | None:
        """The action for this timestamp, or `None` to do nothing (subclasses override)."""
        raise NotImplementedError

    def execute(self, action: Any, state: PortfolioState) -> None:
        """Target weights -> exposure caps -> units -> each leg's `DecisionPath`."""
        weights = np.asarray(state.weights, dtype=np.float64)
        target = self.action_scheme.target_weights(action, weights)
        if target is None:
            return
        capped, rule = cap_exposure(
            np.asarray(target, dtype=np.float64),
            self.config.max_gross_exposure,
            self.config.max_net_exposure,
        )
        if rule is not None:
            self.exposure_events.append(
                RiskEvent(
                    state.ts_ns, rule, float(np.abs(target).sum()), float(np.abs(capped).sum())
                )
            )
        lots = [order_lot(instrument) for instrument in self.instruments]
        units, self.rounding_residual = weights_to_units(
            capped, state.weights, state.equity, self._unit_values, lots, state.trading
        )
        # legs that reduce their position first (they free margin for the ones that add)
        legs = sorted(
            (i for i, u in enumerate(units) if u is not None),
            key=lambda i: abs(cast("float", units[i])) >= abs(state.positions[i]),
        )
        for i in legs:
            leg = MarketState(
                state.ts_ns,
                state.closes[i],
                state.positions[i],
                state.balance,
                state.equity,
                state.unrealized_pnl,
                state.commissions,
                math.inf,
                state.currency,
            )
            self.paths[i].execute(self, self.instruments[i], units[i], leg)

    # -- order and position events, routed to the instrument's path ----------------------------

    @guarded
    def on_order_filled(self, event: OrderFilled) -> None:
        self._path_of[event.instrument_id].on_order_filled(cast("Cache", self.cache), event)

    @guarded
    def on_order_event(self, event: Any) -> None:
        super().on_order_event(event)  # republished for the fill listeners (commissions)

    @guarded
    def on_order_denied(self, event: OrderDenied) -> None:
        self._path_of[event.instrument_id].orders_denied += 1

    @guarded
    def on_order_rejected(self, event: OrderRejected) -> None:
        self._path_of[event.instrument_id].orders_rejected += 1

    @guarded
    def on_position_closed(self, event: PositionClosed) -> None:
        self._path_of[event.instrument_id].on_position_closed(event)
