"""Portfolio weights <-> Nautilus positions: read the `PortfolioState`, turn target weights into units.

Values are in the account's base currency: one unit of an instrument is worth its close times
its multiplier in the quote currency, converted at the cache's rate (Nautilus' exchange rates
from the quotes it holds, as `strategies.valuation` converts equity). A target weight becomes
units by truncating toward zero to the instrument's lot (so no asset gets more than its target);
what the rounding leaves uninvested stays in cash and is reported (`rounding_residual`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nautilus_rl_lab.errors import ValuationError
from nautilus_rl_lab.nt.accounting import CacheFacade, PortfolioFacade
from nautilus_rl_lab.nt.components import Component
from nautilus_rl_lab.nt.model import Currency, Instrument, PriceType, Venue
from nautilus_rl_lab.schemes.portfolio import PortfolioState
from nautilus_rl_lab.strategies.commissions import FillCommissions
from nautilus_rl_lab.strategies.valuation import AccountReader, AccountValue, total


def unit_value(
    cache: CacheFacade, instrument: Instrument, close: float, currency: Currency
) -> float:
    """The value of one unit of `instrument` at `close`, in `currency` (mid rate)."""
    value = close * float(instrument.multiplier)
    quote = instrument.quote_currency
    if quote == currency:
        return value
    rate = cache.get_xrate(instrument.id.venue, quote, currency, PriceType.MID)
    if not rate:
        raise ValuationError(
            f"no {quote}/{currency} exchange rate at venue {instrument.id.venue} "
            f"to value {instrument.id}"
        )
    return value * float(rate)


def order_lot(instrument: Instrument) -> float:
    """The unit a portfolio's orders on `instrument` are whole multiples of: its lot size
    (a whole number of size increments), else its size increment."""
    increment = float(instrument.size_increment)
    lot = float(instrument.lot_size) if instrument.lot_size is not None else increment
    return max(round(lot / increment), 1) * increment


def weights_to_units(
    target: np.ndarray,
    weights: Sequence[float],
    equity: float,
    unit_values: Sequence[float],
    lots: Sequence[float],
    trading: Sequence[bool],
) -> tuple[list[float | None], float]:
    """Each asset's target position in units (`None`: hold) and the rounding residual.

    An asset not `trading` (no bar at this decision) or whose target equals its current weight
    (a rebalance band kept it) is held. Units are truncated toward zero to whole `lots`; the
    residual is the target value the truncation left in cash (account currency, >= 0 in sum
    of absolute values).
    """
    units: list[float | None] = []
    residual = 0.0
    for i, weight in enumerate(target):
        if not trading[i] or weight == weights[i]:
            units.append(None)
            continue
        wanted = float(weight) * equity / unit_values[i]
        lot = lots[i]
        held = math.trunc(round(wanted / lot, 9)) * lot  # 9 decimals: 2.9999999999 lots is 3
        units.append(held)
        residual += abs(wanted - held) * unit_values[i]
    return units, residual


def venue_leads(instruments: Sequence[Instrument]) -> list[Instrument]:
    """The first of `instruments` at each of their venues, in order (one per account)."""
    leads: dict[Venue, Instrument] = {}
    for instrument in instruments:
        leads.setdefault(instrument.id.venue, instrument)
    return list(leads.values())


class PortfolioAccounts:
    """A portfolio's per-bar account reads: one `AccountReader` per venue it trades at."""

    def __init__(self) -> None:
        self._readers: dict[Venue, AccountReader] = {}

    def reset(self) -> None:
        """Forget the accounts (a new run)."""
        for reader in self._readers.values():
            reader.reset()

    def read(
        self, portfolio: PortfolioFacade, cache: CacheFacade, leads: Sequence[Instrument]
    ) -> AccountValue | None:
        """The accounts at the venues of `leads` (`venue_leads`) summed: balances, unrealised
        P&L and equity in their common currency (`None`: a venue has no account yet)."""
        values = []
        for instrument in leads:
            venue = instrument.id.venue
            reader = self._readers.get(venue)
            if reader is None:
                reader = self._readers[venue] = AccountReader()
            value = reader.read(portfolio, cache, instrument)
            if value is None:
                return None
            values.append(value)
        if len(values) == 1:
            return values[0]
        currency = values[0].currency
        if any(value.currency != currency for value in values):
            held = [f"{v.currency} at {i.id.venue}" for v, i in zip(values, leads, strict=True)]
            raise ValuationError(f"the portfolio's accounts differ in currency: {held}")
        return AccountValue(
            currency,
            sum(value.balance for value in values),
            sum(value.unrealized_pnl for value in values),
            sum(value.equity for value in values),
            all(value.flat for value in values),
        )


def read_portfolio_state(
    component: Component,
    instruments: Sequence[Instrument],
    closes: Sequence[float],
    trading: tuple[bool, ...],
    ts_ns: int,
    commissions: Sequence[FillCommissions],
    accounts: PortfolioAccounts,
) -> PortfolioState:
    """The `PortfolioState` at `ts_ns` from Nautilus' portfolio and cache (weights at each
    asset's close); over several venues their accounts and commissions summed."""
    portfolio, cache = component.portfolio, component.cache
    n = len(instruments)
    leads = venue_leads(instruments)
    value = accounts.read(portfolio, cache, leads)
    if value is None:  # no account yet (a live node before the venue reported it)
        flat = (0.0,) * n
        return PortfolioState(ts_ns, tuple(closes), flat, flat, trading, 0.0, 0.0, 0.0, 0.0)
    currency = value.currency
    values = [unit_value(cache, i, c, currency) for i, c in zip(instruments, closes, strict=True)]
    if value.flat:
        positions: tuple[float, ...] = (0.0,) * n
    else:
        positions = tuple(float(portfolio.net_position(i.id)) for i in instruments)
    equity = value.equity
    weights = tuple(
        p * v / equity if equity else 0.0 for p, v in zip(positions, values, strict=True)
    )
    paid = 0.0
    for lead in leads:
        venue = lead.id.venue
        fees = [
            fee
            for leg, instrument in zip(commissions, instruments, strict=True)
            if instrument.id.venue == venue
            for fee in leg.values()
        ]
        paid += total(cache, venue, fees, currency)
    return PortfolioState(
        ts_ns,
        tuple(closes),
        positions,
        weights,
        trading,
        value.balance,
        equity,
        value.unrealized_pnl,
        paid,
        currency.code,
    )
