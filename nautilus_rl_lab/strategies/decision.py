"""`DecisionPath`: the one decision sequence of training, backtests and live trading.

scheme update -> market state -> observation -> action (`decide`), then action-scheme target
-> risk rules -> orders (`execute`). `TrainingNode`'s strategy runs both halves in its
`on_bar`; in backtests and live nodes `RLAgent` runs `decide` and publishes the action, and the
`AgentStrategy` listening on the topic runs `execute` inside the same bar (the message bus is
synchronous). Both sides build their `DecisionPath` from the same scheme configs and `risk`
section, so a deterministic policy trades identically in every mode (the parity tests).

The path also owns what happens to orders after they are sent: protective fills at the venue
(`on_order_filled`: the stop-loss/take-profit rule is recorded and re-entry on that side is
blocked), closed round trips (`on_position_closed`: losing streaks) and the counts of orders
Nautilus denied (`RiskEngine`) or the venue rejected.

Orders in flight: `execute` plans from the position plus the orders this path sent that have
not filled yet (`in_flight`), and a decision on a bar older than `max_bar_age_secs` is not
taken (`strategies.staleness`), so a backlog of bars after a stalled event loop neither stacks
orders beyond the target nor trades old prices. A part that only reduces the position goes
out reduce-only, a flip as a close plus an open (`strategies.execution`).

Trading state: the kill switch (`monitoring.trading_switch`) sets the path's `trading_state`;
while REDUCING only the closing part of a plan is sent, while HALTED nothing (`gate_plan`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from nautilus_rl_lab.nt.common import Cache
from nautilus_rl_lab.nt.components import Component
from nautilus_rl_lab.nt.model import (
    Bar,
    ClientOrderId,
    Instrument,
    Money,
    Order,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    OrderSide,
    PositionClosed,
    TradingState,
)
from nautilus_rl_lab.nt.trading import Strategy
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState, ObservationScheme
from nautilus_rl_lab.strategies.boundary import HandlerErrors, guarded
from nautilus_rl_lab.strategies.commissions import FillCommissions
from nautilus_rl_lab.strategies.execution import (
    NO_ORDERS,
    OrderPlan,
    gate_plan,
    in_flight_quantity,
    observe_bar,
    plan_orders,
    submit_plan,
)
from nautilus_rl_lab.strategies.protection import (
    cancel_protection,
    protective_rule,
    submit_protected,
)
from nautilus_rl_lab.strategies.risk import RiskEvent, RiskLimits, RiskManager
from nautilus_rl_lab.strategies.staleness import MarketClock, report_if_stale
from nautilus_rl_lab.strategies.valuation import AccountReader

Policy = Callable[[np.ndarray, MarketState], Any]


class DecisionPath:
    """Observation, action and risk of one component: `decide` then `execute` on every bar."""

    def __init__(
        self,
        action: ActionScheme,
        risk: RiskLimits | None = None,
        observation: ObservationScheme | None = None,
        max_bar_age_secs: float | None = None,
    ) -> None:
        self.action_scheme = action
        self.observation_scheme = observation
        self.limits = risk or RiskLimits()
        self.risk = RiskManager(self.limits)
        self.max_bar_age_secs = max_bar_age_secs
        self.market_clock = MarketClock()
        self.stale_decisions = 0
        self.orders_submitted = 0
        self.orders_denied = 0
        self.orders_rejected = 0
        self.fill_count = 0
        self.round_trips: list[tuple[int, float, int]] = []
        self.commissions = FillCommissions()
        self.accounts = AccountReader()
        self._working: list[ClientOrderId] = []
        self.trading_state = TradingState.ACTIVE  # set by the kill switch; kept across resets

    @property
    def events(self) -> list[RiskEvent]:
        """Every risk event since the last reset."""
        return self.risk.events

    def reset(self) -> None:
        """Forget the bars, the risk state and the counters (a new episode or run)."""
        if self.observation_scheme is not None:
            self.observation_scheme.reset()
        self.risk.reset()
        self.orders_submitted = self.orders_denied = self.orders_rejected = self.fill_count = 0
        self.stale_decisions = 0
        self.round_trips = []
        self.commissions.reset()
        self.accounts.reset()
        self._working = []

    def in_flight(self, cache: Cache) -> float:
        """The signed quantity of this path's orders sent and not yet filled (nor closed).

        Their state is read from the strategy's `cache`: on NautilusTrader 2 an order object a
        strategy built is a copy that never sees its fills.
        """
        orders = [cache.order(client_order_id) for client_order_id in self._working]
        working = [order for order in orders if order is not None and not order.is_closed]
        self._working = [order.client_order_id for order in working]
        return in_flight_quantity(working)

    def decide(
        self, component: Component, instrument: Instrument, bar: Bar, policy: Policy
    ) -> tuple[Any, MarketState] | None:
        """Scheme update -> market state -> observation -> `policy` action (`None`: not warm,
        or the bar is stale: see `strategies.staleness`)."""
        if self.observation_scheme is None:
            raise TypeError("this DecisionPath has no observation scheme: it only executes")
        if self.max_bar_age_secs is not None and self._stale(component, instrument, bar):
            self.observation_scheme.update(bar)  # the next decision sees every bar
            return None
        observed = observe_bar(
            component,
            self.observation_scheme,
            instrument,
            bar,
            self.action_scheme.position_limit,
            self.commissions,
            self.accounts,
        )
        if observed is None:
            return None
        observation, state = observed
        return policy(observation, state), state

    def _stale(self, component: Component, instrument: Instrument, bar: Bar) -> bool:
        """Whether `bar` closed more than `max_bar_age_secs` before the market's time; if so,
        log, count and publish the skipped decision (`StaleDecision` on `STALE_TOPIC`)."""
        venue_ns, limit = self.market_clock.venue_ns, self.max_bar_age_secs
        if not report_if_stale(component, instrument.id, bar.ts_event, venue_ns, limit):
            return False
        self.stale_decisions += 1
        return True

    def execute(
        self, strategy: Strategy, instrument: Instrument, action: Any, state: MarketState
    ) -> float | None:
        """Action-scheme target -> risk rules -> orders; return the target traded to.

        The scheme and the rules see the position the orders in flight will leave (`state`
        with `position` plus `in_flight`), so neither a target nor a cap counts twice.
        """
        position = state.position
        in_flight = self.in_flight(strategy.cache) if self._working else 0.0
        if in_flight:
            state = state._replace(position=position + in_flight)
        target = self.action_scheme.target_position(action, state.position)
        entry = _entry_price(strategy, instrument) if self.limits.protection == "close" else None
        adjusted = self.risk.adjust(target, state, entry)
        if self.risk.last_reason is not None:
            strategy.log.debug(f"risk rule {self.risk.last_reason}: target {target} -> {adjusted}")
        increment = float(instrument.size_increment)
        plan = plan_orders(adjusted, position, in_flight, increment)
        if self.trading_state != TradingState.ACTIVE:
            gated = gate_plan(plan, self.trading_state)
            if gated != plan:
                strategy.log.info(f"trading {self.trading_state.name}: {plan} -> {gated}")
            plan = gated
        if plan.close and plan.open and not self.risk.allow_orders(2, state.ts_ns, adjusted):
            return None
        sent = self._send(strategy, instrument, plan, adjusted, state.close)
        if sent:
            self._working += [order.client_order_id for order in sent]
            self.orders_submitted += len(sent)
            self.risk.record_order(len(sent))
        return adjusted

    def _send(
        self,
        strategy: Strategy,
        instrument: Instrument,
        plan: OrderPlan,
        target: float | None,
        close: float,
    ) -> list[Order]:
        if target is None or plan == NO_ORDERS:
            return []
        if not self.limits.venue_protection:
            return submit_plan(strategy, instrument, plan)
        cancel_protection(strategy, instrument)  # the new order brings its own
        if abs(target) < float(instrument.size_increment):  # to flat: nothing left to protect
            return submit_plan(strategy, instrument, plan)
        # The protected entry carries the opening part; a flip closes first, reduce-only.
        sent = submit_plan(strategy, instrument, OrderPlan(plan.close)) if plan.open else []
        quantity = plan.open or plan.close
        side = OrderSide.BUY if quantity > 0 else OrderSide.SELL
        entry = submit_protected(
            strategy,
            instrument,
            side,
            instrument.make_qty(abs(quantity)),
            target,
            close,
            self.limits,
            reduce_only=not plan.open,
        )
        return [*sent, entry]

    def on_order_filled(self, cache: Cache, event: OrderFilled) -> None:
        """Count the fill; a completed protective order (found in the strategy's `cache`)
        blocks re-entry on the side it closed."""
        self.fill_count += 1
        order = cache.order(event.client_order_id)
        rule = protective_rule(order) if order is not None and order.is_closed else None
        if rule is not None:
            closed_side = -1 if event.order_side == OrderSide.BUY else 1
            self.risk.record_exit(closed_side, rule, event.ts_event)

    def on_position_closed(self, event: PositionClosed) -> None:
        """A round trip ended: record it (`ts_closed`, realised P&L, duration) for the statistics
        and feed its P&L to the losing-streak rule (a flip's close ends one as well)."""
        # a closed position's P&L and close time are set (optional in 2.0's stub)
        pnl = cast("Money", event.realized_pnl).as_double()
        ts_closed = cast("int", event.ts_closed)
        duration_ns = ts_closed - event.ts_opened  # 1.221: duration_ns; 2.0: duration
        self.round_trips.append((ts_closed, pnl, duration_ns))
        self.risk.record_round_trip(pnl)


def _entry_price(strategy: Strategy, instrument: Instrument) -> float | None:
    positions = strategy.cache.positions_open(instrument_id=instrument.id)
    return positions[0].avg_px_open if positions else None


class DecisionPathEvents(HandlerErrors):
    """Mixin for a `Strategy` with a `path`: routes order and position events to it."""

    path: DecisionPath
    cache: Cache  # the strategy's

    @property
    def fill_count(self) -> int:
        """Fills since the start of the run."""
        return self.path.fill_count

    @property
    def orders_denied(self) -> int:
        """Orders Nautilus' `RiskEngine` denied since the start of the run."""
        return self.path.orders_denied

    @property
    def orders_rejected(self) -> int:
        """Orders the venue rejected since the start of the run."""
        return self.path.orders_rejected

    @property
    def risk_events(self) -> list[RiskEvent]:
        """Every rule that changed a target (or closed a position at the venue) this run."""
        return self.path.events

    @property
    def round_trips(self) -> list[tuple[int, float, int]]:
        """Closed round trips this run: `(ts_closed, realised P&L, duration_ns)`."""
        return self.path.round_trips

    def set_trading_state(self, state: TradingState) -> None:
        """Trade as a node in `state` does (the kill switch: `monitoring.trading_switch`)."""
        self.path.trading_state = state

    @guarded
    def on_order_filled(self, event: OrderFilled) -> None:
        self.path.on_order_filled(self.cache, event)

    @guarded
    def on_order_event(self, event: Any) -> None:
        # NautilusTrader 2: `nt.components.Strategy` republishes the event for the fill
        # listeners (`FillCommissions`); an error they raise is this handler's
        super().on_order_event(event)  # type: ignore[misc]

    @guarded
    def on_order_denied(self, event: OrderDenied) -> None:
        self.path.orders_denied += 1

    @guarded
    def on_order_rejected(self, event: OrderRejected) -> None:
        self.path.orders_rejected += 1

    @guarded
    def on_position_closed(self, event: PositionClosed) -> None:
        self.path.on_position_closed(event)
