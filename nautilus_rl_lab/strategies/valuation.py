"""Mark-to-market value of a Nautilus account: the equity every reward, ruin check and report uses.

Nautilus 1.221 has no account-equity call, so the value is assembled from Nautilus' own numbers:
the account's balances, the portfolio's unrealised P&L, the instruments' notional values at the
cache's quotes, and the cache's exchange rates (`Cache.get_xrate`). What counts depends on how
Nautilus books fills on each account type:

- MARGIN: fills move the balance only by realised P&L and commissions, so
  equity = balances + the portfolio's unrealised P&L of every open position.
- CASH: fills move the balances by the cash paid or received, so
  equity = balances + the market value of every open position whose asset is not itself a
  balance. On a multi-currency cash account (no base currency) a currency pair's base currency
  is booked as a balance (buying EUR/USD adds EUR, subtracts USD), so only the balances count;
  an equity (no base currency) or any position on a single-currency account is valued at the
  quote that would close it (bid for longs, ask for shorts, as the portfolio marks positions).

Everything is expressed in the valuation currency: the account's base currency, or for a
multi-currency account the instrument's quote currency. Amounts in other currencies are converted
at the cache's rate for the side that would realise them (bid for holdings, ask for debts). A
missing price or rate raises `ValuationError`; it is never read as zero.

Reads. The account's type and base currency never change, so a component reads the account
object once a run (`AccountReader`) and the balances once a bar (`nt.accounting.account_balances`:
on NautilusTrader 2 through `Portfolio.equity`, because every read of the account there copies
all its events, 1 ms a read after 7.5k fills). The formula above then gives the same numbers on
both lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from nautilus_rl_lab.errors import ValuationError
from nautilus_rl_lab.nt.accounting import (
    Account,
    AccountFacts,
    CacheFacade,
    PortfolioFacade,
    account_balances,
    account_facts,
    carried_by_balances,
)
from nautilus_rl_lab.nt.model import (
    Currency,
    Instrument,
    InstrumentId,
    Money,
    Position,
    PriceType,
    Venue,
)


class AccountValue(NamedTuple):
    """An account's balances, unrealised P&L and equity in one currency; `flat`: no position
    is open at its venue. A `NamedTuple`: one is built on every bar."""

    currency: Currency
    balance: float
    unrealized_pnl: float
    equity: float
    flat: bool


def read_account(portfolio: PortfolioFacade, venue: Venue) -> Account | None:
    """The venue's account (`None` before it exists).

    A dictionary look-up on Nautilus 1.221; on NautilusTrader 2 a copy carrying every account
    event (O(events)), so per-bar reads go through `AccountReader`, which calls this once a run.
    """
    return portfolio.account(venue)


def valuation_currency(account: Account | AccountFacts, instrument: Instrument) -> Currency:
    """The account's base currency, or the instrument's quote currency on multi-currency accounts."""
    return account.base_currency or instrument.quote_currency


class AccountReader:
    """A component's per-bar account reads: the account object once a run (its `AccountFacts`),
    the balances once a bar. `reset()` at the start of every run."""

    def __init__(self) -> None:
        self._facts: AccountFacts | None = None

    def reset(self) -> None:
        """Forget the account (a new run, or an account not reported yet)."""
        self._facts = None

    def read(
        self, portfolio: PortfolioFacade, cache: CacheFacade, instrument: Instrument
    ) -> AccountValue | None:
        """The account's value in its valuation currency (`None`: no account at the venue yet)."""
        facts = self._facts
        if facts is None:
            account = read_account(portfolio, instrument.id.venue)
            if account is None:
                return None
            facts = self._facts = account_facts(account)
        return current_value(portfolio, cache, facts, valuation_currency(facts, instrument))


def current_value(
    portfolio: PortfolioFacade,
    cache: CacheFacade,
    facts: AccountFacts,
    currency: Currency,
) -> AccountValue | None:
    """The account's value in `currency` now, its balances read through the portfolio (no
    account copy; `None`: no account at the venue yet)."""
    positions = cache.positions_open(venue=facts.venue)
    balances = account_balances(portfolio, cache, facts, positions)
    if balances is None:
        return None
    return _value(portfolio, cache, facts, positions, balances, currency)


def account_value(
    portfolio: PortfolioFacade,
    cache: CacheFacade,
    account: Account,
    currency: Currency,
) -> AccountValue:
    """Value `account` (see the module docstring) in `currency`."""
    facts = account_facts(account)
    positions = cache.positions_open(venue=facts.venue)
    return _value(portfolio, cache, facts, positions, account.balances_total(), currency)


def _value(
    portfolio: PortfolioFacade,
    cache: CacheFacade,
    facts: AccountFacts,
    positions: Sequence[Position],
    balances: Mapping[Currency, Money],
    currency: Currency,
) -> AccountValue:
    """The value from the account's `balances` and the `positions` open at its venue (the
    per-bar fast path)."""
    venue = facts.venue
    # in one order whatever the process (Nautilus' maps are not): the float sum's last digit
    moneys = (
        balances.values() if len(balances) < 2 else [balances[c] for c in sorted(balances, key=str)]
    )
    balance = total(cache, venue, moneys, currency)
    if not positions:  # what the sums below give for no positions, without building them
        return AccountValue(currency, balance, 0.0, balance + 0.0, True)
    unrealized = total(
        cache,
        venue,
        # each instrument once, in one order whatever the process: an InstrumentId's hash and
        # the cache's order of positions are not, and the float sum's last digit would vary
        [
            _unrealized_pnl(portfolio, i)
            for i in sorted({p.instrument_id for p in positions}, key=str)
        ],
        currency,
    )
    if facts.is_margin:
        held = unrealized
    else:
        held = total(
            cache,
            venue,
            [
                _market_value(cache, position)
                for position in sorted(positions, key=lambda p: (str(p.instrument_id), str(p.id)))
                if not carried_by_balances(facts, cache.instrument(position.instrument_id))
            ],
            currency,
        )
    return AccountValue(currency, balance, unrealized, balance + held, False)


def _unrealized_pnl(portfolio: PortfolioFacade, instrument_id: InstrumentId) -> Money:
    pnl = portfolio.unrealized_pnl(instrument_id)
    if pnl is None:
        raise ValuationError(
            f"Nautilus cannot compute the unrealised P&L of {instrument_id} "
            "(no quote or no exchange rate to the account currency yet)",
        )
    return pnl


def _market_value(cache: CacheFacade, position: Position) -> Money:
    """Signed notional of `position` at the quote that would close it."""
    instrument = cache.instrument(position.instrument_id)
    side = PriceType.BID if position.is_long else PriceType.ASK
    price = cache.price(position.instrument_id, side) or cache.price(
        position.instrument_id, PriceType.LAST
    )
    if price is None:
        raise ValuationError(f"no quote for {position.instrument_id} to value the position")
    notional = instrument.notional_value(position.quantity, price)
    return notional if position.is_long else Money(-notional.as_double(), notional.currency)


def total(cache: CacheFacade, venue: Venue, moneys: Iterable[Money], currency: Currency) -> float:
    """The sum of `moneys` in `currency`, added in order from 0.0 (as `sum(..., 0.0)` does)."""
    result = 0.0
    for money in moneys:
        amount = money.as_double()  # convert()'s no-conversion case, inline: once per bar
        result += amount if money.currency == currency else convert(cache, venue, money, currency)
    return result


def convert(cache: CacheFacade, venue: Venue, money: Money, currency: Currency) -> float:
    """`money` in `currency` at the venue's rate for the side that would realise it."""
    amount = money.as_double()
    if money.currency == currency or amount == 0.0:
        return amount
    side = PriceType.BID if amount > 0 else PriceType.ASK
    rate = cache.get_xrate(venue, money.currency, currency, side)
    if not rate:
        raise ValuationError(
            f"no {money.currency}/{currency} exchange rate at venue {venue} "
            f"to value {money.to_formatted_str()}",
        )
    return float(amount * rate)
