"""Helpers shared by every Nautilus component that runs schemes: read the state, trade to a target.

Orders to a target (`plan_orders`, `submit_plan`). The part of an order that only reduces the
position goes out as its own reduce-only market order: Nautilus' `RiskEngine` checks a CASH
account's non-reducing SELL against the free balance (CUM_NOTIONAL_EXCEEDS_FREE_BALANCE) and
would deny the exit of a holding worth more than the free cash, which left agents stuck long.
So a flip is two orders, a reduce-only close then an open of the new side, and only the open
needs the balance (on MARGIN accounts the margin gate, `nodes.margin`, checks it). The plan starts from
the position plus the orders already sent and not yet filled (`in_flight_quantity`), so the
position once everything fills is the target whatever the backlog of decisions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from nautilus_rl_lab.errors import UnknownInstrumentError
from nautilus_rl_lab.nt.components import Component
from nautilus_rl_lab.nt.model import (
    Bar,
    Instrument,
    InstrumentId,
    MarketOrder,
    Order,
    OrderSide,
    TradingState,
)
from nautilus_rl_lab.nt.pretrade import submit_checked
from nautilus_rl_lab.nt.trading import Strategy
from nautilus_rl_lab.schemes.base import MarketState, ObservationScheme
from nautilus_rl_lab.strategies.commissions import FillCommissions
from nautilus_rl_lab.strategies.valuation import AccountReader, total


def require_instrument(component: Component, instrument_id: InstrumentId) -> Instrument:
    """The instrument from the component's cache, or `UnknownInstrumentError` saying what to do."""
    instrument = component.cache.instrument(instrument_id)
    if instrument is None:
        raise UnknownInstrumentError(
            f"instrument {instrument_id} is not in the cache; add it to the engine",
        )
    return instrument


def read_market_state(
    component: Component,
    instrument: Instrument,
    close: float,
    ts_ns: int,
    position_limit: float,
    commissions: FillCommissions,
    accounts: AccountReader,
) -> MarketState:
    """Snapshot position, balance, unrealised P&L, mark-to-market equity (see `valuation`;
    read through the component's `accounts`) and the `commissions` of the fills so far."""
    portfolio, cache = component.portfolio, component.cache
    value = accounts.read(portfolio, cache, instrument)
    if value is None:  # no account yet (a live node before the venue reported it)
        position = float(portfolio.net_position(instrument.id))
        return MarketState(ts_ns, close, position, 0.0, 0.0, 0.0, 0.0, position_limit)
    # nothing open at the account's venue (the instrument's): Nautilus' net position is 0
    position = 0.0 if value.flat else float(portfolio.net_position(instrument.id))
    currency = value.currency
    fees = commissions.values()  # none before the first fill: nothing to sum
    paid = total(cache, instrument.id.venue, fees, currency) if fees else 0.0
    return MarketState(
        ts_ns,
        close,
        position,
        value.balance,
        value.equity,
        value.unrealized_pnl,
        paid,
        position_limit,
        currency.code,
    )


class OrderPlan(NamedTuple):
    """The orders that move a position to a target, in signed instrument units (0: none).

    `close` only reduces the position held (it is sent reduce-only, so no free-balance check
    can deny it); `open` opens or adds beyond it and is the only part that needs the balance.
    A flip is both: a close of the whole position, then an open of the new side.
    """

    close: float = 0.0
    open: float = 0.0


NO_ORDERS = OrderPlan()  # the plan of most bars, built once (a NamedTuple takes 0.3 us to build)


def plan_orders(
    target: float | None, position: float, in_flight: float, increment: float
) -> OrderPlan:
    """The `OrderPlan` from `position + in_flight` (orders sent, not yet filled) to `target`.

    Counting the orders in flight keeps a burst of decisions from the same stale position from
    sending the same order again and again: once everything fills, the position is `target`
    (so a capped target caps the position). The difference is rounded to `increment`;
    `target=None` (hold) or a target already held (or on its way) plans nothing.
    """
    if target is None:
        return NO_ORDERS
    held = position + in_flight
    delta = round((target - held) / increment) * increment
    if abs(delta) < increment:
        return NO_ORDERS
    if held * delta >= 0:  # flat, or adding to the side held
        return OrderPlan(0.0, delta)
    close = math.copysign(min(abs(delta), abs(held)), delta)
    rest = round((delta - close) / increment) * increment
    return OrderPlan(close, 0.0 if abs(rest) < increment else rest)


def gate_plan(plan: OrderPlan, state: TradingState) -> OrderPlan:
    """The part of `plan` a node in trading `state` sends: all of it (ACTIVE), only the close
    (REDUCING) or nothing (HALTED). Nautilus 1.221's risk-engine rule, applied by our own
    decision path because 2.0 lets Python set no trading state (`monitoring.trading_switch`)."""
    if state == TradingState.HALTED:
        return NO_ORDERS
    if state == TradingState.REDUCING:
        return OrderPlan(plan.close)
    return plan


def in_flight_quantity(orders: Iterable[Order]) -> float:
    """The signed quantity of `orders` still to fill (sent, not yet filled, not closed)."""
    total = 0.0
    for order in orders:
        if not order.is_closed:
            leaves = float(order.leaves_qty)
            total += leaves if order.side == OrderSide.BUY else -leaves
    return total


def market_order(
    strategy: Strategy, instrument: Instrument, quantity: float, *, reduce_only: bool = False
) -> MarketOrder:
    """A market order for the signed `quantity` (not yet submitted)."""
    side = OrderSide.BUY if quantity > 0 else OrderSide.SELL
    # make_qty converts its argument to float first: a float gives the same Quantity as
    # Decimal(str(x)) without the string round trip.
    size = instrument.make_qty(abs(quantity))
    return strategy.order_factory.market(instrument.id, side, size, reduce_only=reduce_only)


def submit_plan(strategy: Strategy, instrument: Instrument, plan: OrderPlan) -> list[Order]:
    """Submit `plan` as market orders, the reduce-only close first; return the orders sent
    (an order the engine's pre-trade gate denied included: `nt.pretrade.submit_checked`)."""
    sent: list[Order] = []
    for quantity, reduce_only in ((plan.close, True), (plan.open, False)):
        if quantity:
            order = market_order(strategy, instrument, quantity, reduce_only=reduce_only)
            submit_checked(strategy, order)
            sent.append(order)
    return sent


def observe_bar(
    component: Component,
    scheme: ObservationScheme,
    instrument: Instrument,
    bar: Bar,
    position_limit: float,
    commissions: FillCommissions,
    accounts: AccountReader,
) -> tuple[np.ndarray, MarketState] | None:
    """Feed `bar` to `scheme`; once it is warm, return the observation and the state it saw.

    The observation half of `DecisionPath.decide`, in training and trading alike.
    """
    scheme.update(bar)
    if not scheme.ready:
        return None
    state = read_market_state(
        component,
        instrument,
        bar.close.as_double(),
        bar.ts_event,
        position_limit,
        commissions,
        accounts,
    )
    return scheme.observe(state), state
