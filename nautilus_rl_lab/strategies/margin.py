"""`MarginCheck`: the pre-trade margin rule for margin accounts, asked before an order goes out.

For an order on a margin account whose resulting position is larger than the current one it
asks the account's own margin model for the initial margin of the resulting position (the net
position plus the market orders sent and not yet filled, e.g. a flip's reduce-only close) at the
price a market order would pay (ask for buys, bid for sells) and gives the reason to deny the
order (`MARGIN_EXCEEDS_EQUITY: ...`) when that margin plus the margin held for other
instruments exceeds the account's equity (`strategies.valuation`). Orders that reduce the
position (or are reduce-only) always pass. It reads only an account's cache and portfolio (a
strategy's own, or an engine's), the same on both NautilusTrader lines.

Who asks: the margin gate every `build_engine` installs (`nodes.margin`, `nt.pretrade`), before
the risk engine sees the order; a strategy may also ask it of its own cache and portfolio.
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.model import Order, OrderSide, OrderType, PriceType, Quantity
from nautilus_rl_lab.strategies.execution import in_flight_quantity
from nautilus_rl_lab.strategies.valuation import account_value, convert, valuation_currency


class MarginCheck:
    """Says why a margin-account order needs more margin than the equity (see the module)."""

    def __init__(self, cache: Any, portfolio: Any) -> None:
        self._cache = cache
        self._portfolio = portfolio

    def denial(self, order: Order) -> str | None:
        """The reason to deny `order`, or `None` when the account's margin covers it."""
        if order.is_reduce_only:  # before the account read (on 2.0 a copy with all its events)
            return None
        instrument_id = order.instrument_id
        venue = instrument_id.venue
        account = self._cache.account_for_venue(venue)
        instrument = self._cache.instrument(instrument_id)
        if account is None or instrument is None or not account.is_margin_account():
            return None
        working = _working_orders(self._cache, order)
        # market orders only (1.221's `not is_passive`; a 2.0 market order has no `is_passive`)
        in_flight = in_flight_quantity(o for o in working if o.order_type == OrderType.MARKET)
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
        margin = account.calculate_initial_margin(instrument, size, price)
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


def _working_orders(cache: Any, order: Order) -> list[Order]:
    """The orders on `order`'s instrument sent before it and not closed: in flight, open, or
    still INITIALIZED (NautilusTrader 2 processes a strategy's submit commands after its
    handler returns, so a flip's close sent just before is not in flight yet)."""
    instrument_id = order.instrument_id
    # an order pending update/cancel is both in flight and open
    working = {o.client_order_id: o for o in cache.orders_inflight(instrument_id=instrument_id)}
    working.update((o.client_order_id, o) for o in cache.orders_open(instrument_id=instrument_id))
    known = set(working) | set(cache.client_order_ids_closed(instrument_id=instrument_id))
    known.add(order.client_order_id)
    for client_order_id in set(cache.client_order_ids(instrument_id=instrument_id)) - known:
        sent = cache.order(client_order_id)
        if sent is not None:
            working[client_order_id] = sent
    return list(working.values())
