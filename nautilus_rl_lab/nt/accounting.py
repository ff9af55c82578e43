"""Nautilus' account-level failure, version-neutral: a fill an account cannot book stops the run.

Nautilus 1.221 raises `AccountError` (`AccountBalanceNegative`) from `BacktestEngine.run` when a
fill would take a CASH balance below zero; NautilusTrader 2 has no such class and raises a
`RuntimeError` saying "Cash account balance would become negative". `suppress_account_error`
ends the run quietly on either line and lets every other error through.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from nautilus_rl_lab.nt.version import NT2

if NT2:
    _ACCOUNT_ERRORS: tuple[type[BaseException], ...] = (RuntimeError,)
else:
    from nautilus_trader.accounting.error import AccountError

    _ACCOUNT_ERRORS = (AccountError,)

# NautilusTrader 2's message for a fill the cash account cannot book (a plain RuntimeError)
_NT2_MESSAGE = "balance would become negative"


def is_account_error(error: BaseException) -> bool:
    """Whether `error` is Nautilus refusing a fill the account cannot book (negative balance)."""
    if not isinstance(error, _ACCOUNT_ERRORS):
        return False
    return not NT2 or _NT2_MESSAGE in str(error)


@contextlib.contextmanager
def suppress_account_error() -> Iterator[None]:
    """Swallow an account error (see `is_account_error`) raised inside; re-raise anything else."""
    try:
        yield
    except Exception as error:
        if not is_account_error(error):
            raise


__all__ = ["is_account_error", "suppress_account_error"]
