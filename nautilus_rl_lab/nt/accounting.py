"""Nautilus' accounts: what valuing an account needs, and a blown account.

- `AccountFacts` / `account_facts`: the parts of an account that never change (venue, base
  currency, margin or cash), read from the account object once: NautilusTrader 2 hands out a copy
  of the account carrying every account event (O(events) per read).
- `account_balances`: the account's total balances per currency, read once a bar, from
  `Portfolio.equity(venue)` (no account copy) minus what that equity adds to the balances on
  the venue's open positions (which the caller reads once a bar for its other sums too): their
  unrealised P&L on a margin account (`Portfolio.unrealized_pnls`), their mark value on a cash
  account (`Portfolio.mark_values`).
  Positions a multi-currency cash account books as balances of their own (a currency pair's base
  currency) add nothing there; with both kinds open at once the account itself is read. A
  currency whose balance is zero may be missing from the result (it adds nothing to a sum).
- `suppress_account_error`: a fill the account cannot book (a CASH balance below zero) stops
  the run: Nautilus raises a `RuntimeError` saying "Cash account balance would become negative".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from nautilus_rl_lab.errors import ValuationError
from nautilus_rl_lab.nt.model import Currency, Instrument, Money, Position, Venue

Account = Any  # CashAccount | MarginAccount | BettingAccount, no common base class
CacheFacade = Any  # nautilus_trader.common.Cache
PortfolioFacade = Any  # nautilus_trader.portfolio.Portfolio
_ACCOUNT_ERRORS: tuple[type[BaseException], ...] = (RuntimeError,)

# NautilusTrader 2's message for a fill the cash account cannot book (a plain RuntimeError)
_NEGATIVE_BALANCE = "balance would become negative"


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What valuing an account needs that never changes: its venue, base currency, type."""

    venue: Venue
    base_currency: Currency | None
    is_margin: bool


def account_facts(account: Account) -> AccountFacts:
    """The facts of `account` (its venue is its id's issuer, as `AccountId.get_issuer()`)."""
    venue = Venue(account.id.value.split("-", 1)[0])
    return AccountFacts(venue, account.base_currency, account.is_margin_account())


def instrument_base_currency(instrument: Instrument) -> Currency | None:
    """The instrument's base currency (a currency pair's first leg), `None` for an equity."""
    return getattr(instrument, "base_currency", None)


def carried_by_balances(facts: AccountFacts, instrument: Instrument) -> bool:
    """Whether a cash account books the instrument's base asset as a balance of its own
    (a multi-currency account, one without a base currency, holding a currency pair)."""
    return facts.base_currency is None and instrument_base_currency(instrument) is not None


def account_balances(
    portfolio: PortfolioFacade,
    cache: CacheFacade,
    facts: AccountFacts,
    positions: Sequence[Position],
) -> dict[Currency, Money] | None:
    """The account's total balances per currency (`None`: no account at the venue yet), given
    the `positions` open at its venue (`cache.positions_open(venue=facts.venue)`)."""
    venue = facts.venue
    equity = portfolio.equity(venue)
    if not equity:
        return None
    if not positions:
        return equity
    if facts.is_margin:
        added = _valued(portfolio.unrealized_pnls, venue)
    else:
        carried = {carried_by_balances(facts, cache.instrument(p.instrument_id)) for p in positions}
        if carried == {True}:  # the balances hold the positions: equity adds nothing
            return equity
        if carried == {True, False}:  # mark values mix both kinds: read the account itself
            return portfolio.account(venue).balances_total()
        added = _valued(portfolio.mark_values, venue)
    return {
        currency: Money(money.as_decimal() - added[currency].as_decimal(), currency)
        if currency in added
        else money
        for currency, money in equity.items()
    }


def _valued(read: Any, venue: Venue) -> dict[Currency, Money]:
    """`read(venue)` (the per-venue P&L or mark values); its refusal (a position without a
    price yet, e.g. restored after a restart) is a `ValuationError`."""
    try:
        return dict(read(venue))
    except RuntimeError as e:
        raise ValuationError(f"Nautilus cannot value the positions at {venue}: {e}") from e


def is_account_error(error: BaseException) -> bool:
    """Whether `error` is Nautilus refusing a fill the account cannot book (negative balance)."""
    if not isinstance(error, _ACCOUNT_ERRORS):
        return False
    return _NEGATIVE_BALANCE in str(error)


@contextlib.contextmanager
def suppress_account_error() -> Iterator[None]:
    """Swallow an account error (see `is_account_error`) raised inside; re-raise anything else."""
    try:
        yield
    except Exception as error:
        if not is_account_error(error):
            raise


__all__ = [
    "Account",
    "AccountFacts",
    "CacheFacade",
    "PortfolioFacade",
    "account_balances",
    "account_facts",
    "carried_by_balances",
    "instrument_base_currency",
    "is_account_error",
    "suppress_account_error",
]
