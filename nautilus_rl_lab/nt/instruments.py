"""What building an instrument takes beyond its own fields, on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from decimal import Decimal

from nautilus_rl_lab.nt.version import NT2

#: Keyword arguments of an instrument without maker/taker fees: 1.221 requires both fields,
#: 2.0 has none (fees live in the venue's fee model there).
NO_FEES: dict[str, Decimal] = {} if NT2 else {"maker_fee": Decimal(0), "taker_fee": Decimal(0)}

__all__ = ["NO_FEES"]
