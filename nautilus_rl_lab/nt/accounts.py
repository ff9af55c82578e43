"""Nautilus account reads that are spelled differently on NautilusTrader 1.221 and 2.0.

1.221's `is_margin_account` is a property and `calculate_margin_init` computes an initial margin;
2.0 makes the first a method and names the second `calculate_initial_margin` (the same leveraged
or standard margin: notional / leverage * margin rate, or notional * margin rate).
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.model import Instrument, Money, Price, Quantity
from nautilus_rl_lab.nt.version import NT2

if NT2:

    def is_margin_account(account: Any) -> bool:
        """Whether `account` is a margin account."""
        return bool(account.is_margin_account())

    def initial_margin(
        account: Any, instrument: Instrument, quantity: Quantity, price: Price
    ) -> Money:
        """The initial margin `account` requires for `quantity` of `instrument` at `price`."""
        margin: Money = account.calculate_initial_margin(instrument, quantity, price)
        return margin
else:

    def is_margin_account(account: Any) -> bool:
        """Whether `account` is a margin account."""
        return bool(account.is_margin_account)

    def initial_margin(
        account: Any, instrument: Instrument, quantity: Quantity, price: Price
    ) -> Money:
        """The initial margin `account` requires for `quantity` of `instrument` at `price`."""
        margin: Money = account.calculate_margin_init(instrument, quantity, price)
        return margin


__all__ = ["initial_margin", "is_margin_account"]
