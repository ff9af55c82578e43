"""Commissions summed from the fills (`OrderFilled.commission`), as Nautilus 1.221's account sums
them in `account.commissions()`, which NautilusTrader 2 no longer has.

Nautilus 1.221 books each fill's non-zero commission into the account's per-currency totals,
on an account with a base currency converted to it at the fill's rate (bid for a sell, ask for
a buy). `FillCommissions` keeps the same totals from the fills of one instrument (the
toolkit's components trade one instrument per venue, so these are the account's).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from nautilus_rl_lab.errors import ValuationError
from nautilus_rl_lab.nt.components import Component, fill_topic
from nautilus_rl_lab.nt.model import (
    AccountId,
    Currency,
    InstrumentId,
    Money,
    OrderFilled,
    OrderSide,
    PriceType,
)


class FillCommissions:
    """A component's running commission totals per currency, from its instrument's fills."""

    def __init__(self) -> None:
        self._component: Component | None = None
        self._topic = ""
        self._totals: dict[Currency, Money] = {}
        self._bases: dict[AccountId, Currency | None] = {}

    def start(self, component: Component, instrument_id: InstrumentId) -> None:
        """Listen to `instrument_id`'s fills (from the component's `on_start`, before any fill).

        An exact topic: Nautilus 1.221 adds a wildcard subscription only to topics not yet
        published, so `events.fills.*` would miss every fill of a second run. On NautilusTrader
        2 the toolkit's strategies publish their fills there (`nt.components.fill_topic`).
        """
        self._component, self._topic = component, fill_topic(instrument_id)
        component.subscribe_topic(self._topic, self.on_fill)

    def stop(self) -> None:
        """Stop listening (from the component's `on_stop`)."""
        if self._component is not None:
            self._component.unsubscribe_topic(self._topic, self.on_fill)
            self._component = None

    def reset(self) -> None:
        """Forget the totals (a new run: Nautilus resets its accounts too)."""
        self._totals = {}
        self._bases = {}

    def values(self) -> Iterable[Money]:
        """The totals, one `Money` per currency."""
        return self._totals.values()

    def on_fill(self, fill: OrderFilled) -> None:
        """Add the fill's commission, in the account's base currency if it has one."""
        # optional in 2.0's stub: our backtests and the MT5 client give every fill one
        commission = cast("Money", fill.commission)
        if commission.raw == 0 or self._component is None:
            return
        cache = self._component.cache
        base = self._base_currency(cache, fill.account_id)
        if base is not None and commission.currency != base:
            side = PriceType.BID if fill.order_side == OrderSide.SELL else PriceType.ASK
            venue = fill.instrument_id.venue
            rate = cache.get_xrate(venue, commission.currency, base, side)
            if not rate:
                raise ValuationError(
                    f"no {commission.currency}/{base} exchange rate at venue {venue} to book "
                    f"the commission {commission.to_formatted_str()} of {fill.client_order_id}"
                )
            commission = Money(commission.as_double() * rate, base)
        currency = commission.currency
        previous = self._totals.get(currency)
        so_far = previous.as_decimal() if previous is not None else Decimal(0)
        self._totals[currency] = Money(float(so_far + commission.as_decimal()), currency)

    def _base_currency(self, cache: Any, account_id: AccountId) -> Currency | None:
        """The account's base currency, read once per run: it is fixed for the account's life,
        and NautilusTrader 2's `cache.account` copies the account with every event it had (a
        read per fill grew with the fills)."""
        if account_id not in self._bases:
            account = cache.account(account_id)
            if account is None:
                return None
            self._bases[account_id] = account.base_currency
        return self._bases[account_id]
