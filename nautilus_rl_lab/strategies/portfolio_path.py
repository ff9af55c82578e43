"""The portfolio's decision path, in two halves as `DecisionPath`'s: observe, then execute.

`PortfolioObserver` (every bar): feeds the bar to the observation scheme, and on the bar that
completes a timestamp (`strategies.portfolio_clock`) reads the `PortfolioState` from Nautilus'
portfolio and returns the observation. `PortfolioExecutor` (every decision): the action
scheme's target weights, capped to the portfolio's gross and net exposure, become target units
(`strategies.portfolio_execution`), and each instrument's own `DecisionPath` trades to its
target under its risk rules, counting its orders in flight, exactly as a single-instrument
strategy does (so stop-loss/take-profit, position caps, the kill switch and the equity rules
work per leg; the equity they see is the portfolio's, so a drawdown or daily-loss halt flattens
every leg). Legs that reduce a position go first; on a CASH account the legs that buy wait
until those sales have filled (Nautilus checks a purchase against the free cash when it is
sent), then go out at once: they fill at the first quote after the sales' fills, still after
the decision. A purchase the free cash cannot pay even then is denied by Nautilus
(`orders_denied`) and bought by a later rebalance. `PortfolioStrategy` (the env's) runs both
halves in its `on_bar`; in backtests and live nodes `PortfolioRLAgent` observes and
`PortfolioAgentStrategy` executes, inside the same bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.nt.accounting import account_facts
from nautilus_rl_lab.nt.common import Cache
from nautilus_rl_lab.nt.components import Component
from nautilus_rl_lab.nt.model import (
    Bar,
    BarType,
    Currency,
    Instrument,
    InstrumentId,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    PositionClosed,
    TradingState,
)
from nautilus_rl_lab.nt.trading import Strategy
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState
from nautilus_rl_lab.schemes.portfolio import (
    PortfolioActionScheme,
    PortfolioObservationScheme,
    PortfolioState,
)
from nautilus_rl_lab.schemes.portfolio_action import cap_gross
from nautilus_rl_lab.schemes.portfolio_registry import build_portfolio_action
from nautilus_rl_lab.strategies.boundary import HandlerErrors, guarded
from nautilus_rl_lab.strategies.commissions import FillCommissions
from nautilus_rl_lab.strategies.decision import DecisionPath
from nautilus_rl_lab.strategies.execution import require_instrument
from nautilus_rl_lab.strategies.portfolio_clock import AlignedClock
from nautilus_rl_lab.strategies.portfolio_execution import (
    PortfolioAccounts,
    order_lot,
    read_portfolio_state,
    unit_value,
    weights_to_units,
)
from nautilus_rl_lab.strategies.risk import RiskEvent, RiskLimits

PORTFOLIO_RULES = "PORTFOLIO"  # the instrument of the exposure caps' risk events


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
    if max_gross is not None and float(np.abs(target).sum()) > max_gross:
        target, rule = cap_gross(target, max_gross), "max_gross_exposure"
    net = float(target.sum())
    if max_net is not None and abs(net) > max_net:
        target, rule = target * (max_net / abs(net)), "max_net_exposure"
    return target, rule


class PortfolioObserver:
    """The observing half: bars in, one observation and `PortfolioState` per timestamp out."""

    def __init__(self, scheme: PortfolioObservationScheme, bar_types: Sequence[BarType]) -> None:
        self.scheme = scheme
        self._asset_of = {bar_type: i for i, bar_type in enumerate(bar_types)}
        self.n_assets = n = len(bar_types)
        self.aligned = AlignedClock(n)
        self.accounts = PortfolioAccounts()
        self.commissions = [FillCommissions() for _ in range(n)]
        self.instruments: list[Instrument] = []
        self.closes = [math.nan] * n
        self.decide_from_ns = 0  # no decision on a timestamp before this

    def set_schedule(self, due: dict[int, int] | None) -> None:
        """The number of instruments with a bar at each timestamp (`None`: all of them)."""
        self.aligned = AlignedClock(self.n_assets, due)

    def start(self, component: Component, instrument_ids: Sequence[InstrumentId]) -> None:
        """Look up the instruments and count their fills' commissions from now on."""
        self.instruments = [require_instrument(component, i) for i in instrument_ids]
        for commissions, instrument_id in zip(self.commissions, instrument_ids, strict=True):
            commissions.start(component, instrument_id)

    def stop(self) -> None:
        """Stop counting commissions."""
        for commissions in self.commissions:
            commissions.stop()

    def reset(self) -> None:
        """Forget the bars, the timestamp and the account (a new run)."""
        self.scheme.reset()
        self.aligned.reset()
        self.accounts.reset()
        for commissions in self.commissions:
            commissions.reset()
        self.closes = [math.nan] * self.n_assets

    def observe(self, component: Component, bar: Bar) -> tuple[np.ndarray, PortfolioState] | None:
        """Feed `bar`; on the bar completing its timestamp (once warm), the observation and the
        state it saw (`None`: no decision on this bar)."""
        asset = self._asset_of[bar.bar_type]
        self.scheme.update(asset, bar)
        self.closes[asset] = bar.close.as_double()
        if not self.aligned.arrive(asset, bar.ts_event):
            return None
        return self._decision(component, bar.ts_event)

    def expire(self, component: Component, ts_ns: int) -> tuple[np.ndarray, PortfolioState] | None:
        """Stop waiting for the bars still due at `ts_ns` (live: a symbol's bar is late) and
        decide on those that arrived, as `observe` would (`None`: nothing to decide)."""
        if not self.aligned.expire(ts_ns):
            return None
        return self._decision(component, ts_ns)

    def _decision(self, component: Component, ts: int) -> tuple[np.ndarray, PortfolioState] | None:
        """The observation and state of the decision at `ts` (`None`: before `decide_from_ns`
        or while the scheme warms up)."""
        if ts < self.decide_from_ns or not self.scheme.ready:
            return None
        state = read_portfolio_state(
            component,
            self.instruments,
            self.closes,
            self.aligned.trading,
            ts,
            self.commissions,
            self.accounts,
        )
        return self.scheme.observe(state), state


class PortfolioExecutor:
    """The executing half: an action and the state it was decided in -> each leg's orders."""

    def __init__(
        self,
        scheme: PortfolioActionScheme,
        instrument_ids: Sequence[InstrumentId],
        risks: Sequence[RiskLimits],
        caps: tuple[float | None, float | None] = (None, None),
    ) -> None:
        self.scheme = scheme
        self.instrument_ids = list(instrument_ids)
        self.legs = [DecisionPath(TargetUnits(), risk) for risk in risks]
        self.leg_of = dict(zip(self.instrument_ids, self.legs, strict=True))
        self.caps = caps
        self.instruments: list[Instrument] = []
        self._lots: list[float] = []  # each instrument's order lot (`order_lot`)
        self.rounding_residual = 0.0  # of the last rebalance, in the account currency
        self.exposure_events: list[RiskEvent] = []
        self._cash_account: bool | None = None  # read at the first rebalance of a run
        self._sales: list[int] = []  # the legs the last rebalance sold
        self._purchases: list[tuple[int, float, MarketState]] = []  # waiting for the sales

    @classmethod
    def from_config(cls, config: Any) -> PortfolioExecutor:
        """The executor a portfolio strategy's config describes (its `action`,
        `instrument_ids`, `risks`, `max_gross_exposure`, `max_net_exposure`)."""
        return cls(
            build_portfolio_action(config.action, len(config.instrument_ids)),
            config.instrument_ids,
            config.risks,
            (config.max_gross_exposure, config.max_net_exposure),
        )

    def start(self, component: Component) -> None:
        """Look up the instruments."""
        self.instruments = [require_instrument(component, i) for i in self.instrument_ids]
        self._lots = [order_lot(instrument) for instrument in self.instruments]

    def reset(self) -> None:
        """Forget the legs' risk state and counters (a new run)."""
        for leg in self.legs:
            leg.reset()
        self.rounding_residual = 0.0
        self.exposure_events = []
        self._cash_account = None
        self._sales, self._purchases = [], []

    def execute(self, strategy: Strategy, action: Any, state: PortfolioState) -> None:
        """Target weights -> exposure caps -> units -> each leg's `DecisionPath` (nothing before
        the account has a value: no weight can be sized)."""
        if state.equity <= 0 or not state.currency:
            strategy.log.warning(f"no rebalance at {state.ts_ns}: the account has no value yet")
            return
        weights = np.asarray(state.weights, dtype=np.float64)
        target = self.scheme.target_weights(action, weights)
        if target is None:
            return
        target = np.asarray(target, dtype=np.float64)
        capped, rule = cap_exposure(target, *self.caps)
        if rule is not None:
            gross = (float(np.abs(target).sum()), float(np.abs(capped).sum()))
            self.exposure_events.append(RiskEvent(state.ts_ns, rule, *gross))
        currency = Currency.from_str(state.currency)
        values = [
            unit_value(strategy.cache, instrument, close, currency)
            for instrument, close in zip(self.instruments, state.closes, strict=True)
        ]
        units, self.rounding_residual = weights_to_units(
            capped,
            state.weights,
            state.equity,
            values,
            self._lots,
            state.trading,
        )
        legs = [(i, u, _leg_state(state, i)) for i, u in enumerate(units) if u is not None]
        sales = [leg for leg in legs if abs(leg[1]) < abs(state.positions[leg[0]])]
        purchases = [leg for leg in legs if leg not in sales]
        # sales first: they free margin (and, on a CASH account, the cash the purchases need)
        self._send(strategy, sales)
        self._sales, self._purchases = [i for i, _, _ in sales], []
        if purchases and self._selling(strategy) and self._settles_cash(strategy):
            self._purchases = purchases  # sent once the sales have filled (`on_order_closed`)
            return
        self._send(strategy, purchases)

    def _send(self, strategy: Strategy, legs: list[tuple[int, float, MarketState]]) -> None:
        for i, target, state in legs:
            self.legs[i].execute(strategy, self.instruments[i], target, state)

    def _selling(self, strategy: Strategy) -> bool:
        """Whether an order of the last rebalance's sales is still in flight."""
        return any(self.legs[i].in_flight(strategy.cache) for i in self._sales)

    def _settles_cash(self, strategy: Strategy) -> bool:
        """Whether the account is a CASH account (read once a run): Nautilus checks a purchase
        against the free cash when it is sent, before the sales sent with it have filled."""
        if self._cash_account is None:
            account = strategy.cache.account_for_venue(self.instruments[0].id.venue)
            self._cash_account = account is not None and not account_facts(account).is_margin
        return self._cash_account

    def on_order_closed(self, strategy: Strategy) -> None:
        """An order filled, or was denied or rejected: once none of the sales is in flight,
        send the purchases that waited for them (a CASH account's rebalance)."""
        if self._purchases and not self._selling(strategy):
            purchases, self._purchases = self._purchases, []
            self._send(strategy, purchases)

    @property
    def risk_events(self) -> list[tuple[str, RiskEvent]]:
        """Every rule that changed a target this run, with its instrument (the exposure caps:
        `PORTFOLIO_RULES`), in time order."""
        tagged = [(PORTFOLIO_RULES, event) for event in self.exposure_events]
        for instrument_id, leg in self.leg_of.items():
            tagged += [(str(instrument_id), event) for event in leg.events]
        return sorted(tagged, key=lambda item: item[1].ts_ns)


def _leg_state(state: PortfolioState, i: int) -> MarketState:
    """Instrument `i`'s `MarketState` within the portfolio's `state` (the equity is the
    portfolio's, so the equity rules act on the whole account)."""
    return MarketState(
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


class PortfolioEvents(HandlerErrors):
    """Mixin for a `Strategy` with an `executor`: routes order and position events to the
    instrument's leg and sums the legs' counts."""

    executor: PortfolioExecutor
    cache: Cache  # the strategy's

    @property
    def fill_count(self) -> int:
        """Fills since the start of the run, every instrument's."""
        return sum(leg.fill_count for leg in self.executor.legs)

    @property
    def orders_denied(self) -> int:
        """Orders Nautilus' `RiskEngine` (or the margin gate) denied since the start of the run."""
        return sum(leg.orders_denied for leg in self.executor.legs)

    @property
    def orders_rejected(self) -> int:
        """Orders the venue rejected since the start of the run."""
        return sum(leg.orders_rejected for leg in self.executor.legs)

    @property
    def risk_events(self) -> list[tuple[str, RiskEvent]]:
        """Every rule that changed a target this run, with its instrument."""
        return self.executor.risk_events

    @property
    def rounding_residual(self) -> float:
        """What the last rebalance's lot rounding left in cash (account currency)."""
        return self.executor.rounding_residual

    def set_trading_state(self, state: TradingState) -> None:
        """Trade as a node in `state` does (the kill switch), on every leg."""
        for leg in self.executor.legs:
            leg.trading_state = state

    @guarded
    def on_order_filled(self, event: OrderFilled) -> None:
        self.executor.leg_of[event.instrument_id].on_order_filled(self.cache, event)
        self.executor.on_order_closed(cast("Strategy", self))

    @guarded
    def on_order_event(self, event: Any) -> None:
        super().on_order_event(event)  # type: ignore[misc]  # republished for fill listeners

    @guarded
    def on_order_denied(self, event: OrderDenied) -> None:
        self.executor.leg_of[event.instrument_id].orders_denied += 1
        self.executor.on_order_closed(cast("Strategy", self))

    @guarded
    def on_order_rejected(self, event: OrderRejected) -> None:
        self.executor.leg_of[event.instrument_id].orders_rejected += 1
        self.executor.on_order_closed(cast("Strategy", self))

    @guarded
    def on_position_closed(self, event: PositionClosed) -> None:
        self.executor.leg_of[event.instrument_id].on_position_closed(event)
