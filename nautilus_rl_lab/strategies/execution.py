"""Helpers shared by every Nautilus component that runs schemes: read the state, trade to a target."""

from __future__ import annotations

import numpy as np
from nautilus_trader.common.actor import Actor
from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.trading.strategy import Strategy

from nautilus_rl_lab.errors import UnknownInstrumentError
from nautilus_rl_lab.schemes.base import MarketState, ObservationScheme
from nautilus_rl_lab.strategies.valuation import valuation_currency, value_parts


def require_instrument(component: Actor, instrument_id: InstrumentId) -> Instrument:
    """The instrument from the component's cache, or `UnknownInstrumentError` saying what to do."""
    instrument = component.cache.instrument(instrument_id)
    if instrument is None:
        raise UnknownInstrumentError(
            f"instrument {instrument_id} is not in the cache; add it to the engine",
        )
    return instrument


def read_market_state(
    component: Actor,
    instrument: Instrument,
    close: float,
    ts_ns: int,
    position_limit: float,
) -> MarketState:
    """Snapshot position, balance, unrealised P&L and mark-to-market equity (see `valuation`)."""
    portfolio = component.portfolio
    account = portfolio.account(instrument.id.venue)
    position = float(portfolio.net_position(instrument.id))
    if account is None:  # no account yet (a live node before the venue reported it)
        return MarketState(ts_ns, close, position, 0.0, 0.0, 0.0, 0.0, position_limit)
    currency = valuation_currency(account, instrument)
    balance, unrealized, commissions, equity = value_parts(
        portfolio, component.cache, account, currency
    )
    return MarketState(
        ts_ns,
        close,
        position,
        balance,
        equity,
        unrealized,
        commissions,
        position_limit,
        currency.code,
    )


def order_delta(instrument: Instrument, target: float | None, position: float) -> float:
    """The signed quantity that moves `position` to `target`, in size increments (0: no order)."""
    if target is None:
        return 0.0
    increment = float(instrument.size_increment)
    delta = round((target - position) / increment) * increment
    return 0.0 if abs(delta) < increment else delta


def submit_to_target(
    strategy: Strategy,
    instrument: Instrument,
    target: float | None,
    position: float,
) -> bool:
    """Send one market order that moves the net `position` to `target` units.

    The difference is rounded to the instrument's size increment; nothing is sent when the
    target is `None` or already held. Returns whether an order was submitted.
    """
    delta = order_delta(instrument, target, position)
    if not delta:
        return False
    side = OrderSide.BUY if delta > 0 else OrderSide.SELL
    # make_qty converts its argument to float first: a float gives the same Quantity as
    # Decimal(str(x)) without the string round trip.
    quantity = instrument.make_qty(abs(delta))
    strategy.submit_order(strategy.order_factory.market(instrument.id, side, quantity))
    return True


def observe_bar(
    component: Actor,
    scheme: ObservationScheme,
    instrument: Instrument,
    bar: Bar,
    position_limit: float,
) -> tuple[np.ndarray, MarketState] | None:
    """Feed `bar` to `scheme`; once it is warm, return the observation and the state it saw.

    The observation half of `DecisionPath.decide`, in training and trading alike.
    """
    scheme.update(bar)
    if not scheme.ready:
        return None
    state = read_market_state(
        component, instrument, bar.close.as_double(), bar.ts_event, position_limit
    )
    return scheme.observe(state), state
