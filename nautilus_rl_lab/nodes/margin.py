"""`MarginGate`: the pre-trade margin check Nautilus 1.221 lacks for margin accounts in backtests.

Nautilus' `RiskEngine` returns early for margin accounts (`if account.is_margin_account: return
True  # TODO`) and the simulated venue never checks margin, so a 100,000 USD account would fill
any order size. The gate sits in front of the risk engine on the message bus (the
`RiskEngine.execute` endpoint every strategy submits through). For a `SubmitOrder` on a margin
account whose resulting position is larger than the current one it asks the account's own margin
model for the initial margin of the resulting position (the net position plus the market
orders sent and not yet filled, e.g. a flip's reduce-only close) at the price a market order would pay
(ask for buys, bid for sells) and denies the order when that margin plus the margin held for
other instruments exceeds the account's equity (`nautilus_rl_lab.strategies.valuation`). The
denial goes through `RiskEngine._deny_order`, so the order ends DENIED with an `OrderDenied`
event, exactly as Nautilus' own cash-account checks deny; every other command, and every order
that passes, reaches the risk engine unchanged. Orders that reduce the position (or are
reduce-only) always pass.

`MarginCheck` is the check itself (an account's cache and portfolio, no engine), the same on
both NautilusTrader lines; `MarginGate` puts it in front of the risk engine. NautilusTrader 2
exposes neither its message bus nor its risk engine to Python (and its `Cache` cannot record a
denied order), so there `MarginGate.install` warns and returns `None`: a strategy must ask a
`MarginCheck` of its own `cache`/`portfolio` before `submit_order`.
"""

from __future__ import annotations

import logging
from typing import Any

from nautilus_rl_lab.nt.accounts import initial_margin, is_margin_account
from nautilus_rl_lab.nt.backtest import BacktestEngine
from nautilus_rl_lab.nt.engine import engine_kernel
from nautilus_rl_lab.nt.live import SubmitOrder
from nautilus_rl_lab.nt.model import Order, OrderSide, PriceType, Quantity
from nautilus_rl_lab.strategies.execution import in_flight_quantity
from nautilus_rl_lab.strategies.valuation import account_value, convert, valuation_currency

ENDPOINT = "RiskEngine.execute"
logger = logging.getLogger(__name__)


class MarginCheck:
    """Says why a margin-account order needs more margin than the equity (see the module)."""

    def __init__(self, cache: Any, portfolio: Any) -> None:
        self._cache = cache
        self._portfolio = portfolio

    def denial(self, order: Order) -> str | None:
        """The reason to deny `order`, or `None` when the account's margin covers it."""
        instrument_id = order.instrument_id
        venue = instrument_id.venue
        account = self._cache.account_for_venue(venue)
        instrument = self._cache.instrument(instrument_id)
        if account is None or instrument is None or not is_margin_account(account):
            return None
        if order.is_reduce_only:
            return None
        cache = self._cache  # an order pending update/cancel is both in flight and open
        working = {o.client_order_id: o for o in cache.orders_inflight(instrument_id=instrument_id)}
        working.update(
            (o.client_order_id, o) for o in cache.orders_open(instrument_id=instrument_id)
        )
        in_flight = in_flight_quantity(o for o in working.values() if not o.is_passive)
        position = float(self._portfolio.net_position(instrument_id)) + in_flight
        signed = float(order.quantity)
        resulting = position + (signed if order.side == OrderSide.BUY else -signed)
        if abs(resulting) <= abs(position):
            return None
        side = PriceType.ASK if order.side == OrderSide.BUY else PriceType.BID
        price = self._cache.price(instrument_id, side)
        if price is None:
            return None  # no market yet: Nautilus' own checks handle it
        currency = valuation_currency(account, instrument)
        size = Quantity(abs(resulting), instrument.size_precision)
        margin = initial_margin(account, instrument, size, price)
        required = convert(self._cache, venue, margin, currency)
        held = sum(
            convert(self._cache, venue, balance.initial, currency)
            + convert(self._cache, venue, balance.maintenance, currency)
            for other, balance in account.margins().items()
            if other != instrument_id
        )
        equity = account_value(self._portfolio, self._cache, account, currency).equity
        if required + held <= equity:
            return None
        leverage = account.leverage(instrument_id) or account.default_leverage
        others = f" plus {held:.2f} held for other instruments" if held else ""
        return (
            f"MARGIN_EXCEEDS_EQUITY: a position of {resulting:.{instrument.size_precision}f} "
            f"{instrument_id} needs "
            f"{required:.2f} {currency} initial margin at leverage {leverage}{others}, "
            f"equity is {equity:.2f} {currency}"
        )


class MarginGate:
    """Denies margin-account orders whose resulting position needs more margin than the equity."""

    def __init__(self, kernel: Any) -> None:
        self._risk = kernel.risk_engine
        self.check = MarginCheck(kernel.cache, kernel.portfolio)

    @classmethod
    def install(cls, engine: BacktestEngine) -> MarginGate | None:
        """Put a gate in front of `engine`'s risk engine and return it; `None` (and a warning)
        where the engine's message bus cannot be reached from Python (NautilusTrader 2)."""
        kernel = engine_kernel(engine)
        if kernel is None:
            logger.warning("margin is not checked before orders: no access to the risk engine")
            return None
        gate = cls(kernel)
        msgbus = kernel.msgbus
        msgbus.deregister(ENDPOINT, gate._risk.execute)
        msgbus.register(ENDPOINT, gate.execute)
        return gate

    def execute(self, command: Any) -> None:
        """Deny `command` if it is an over-margined order, else hand it to the risk engine."""
        if isinstance(command, SubmitOrder):
            reason = self.check.denial(command.order)
            if reason is not None:
                self._risk._deny_order(command.order, reason)
                return
        self._risk.execute(command)
