"""The largest price and quantity Nautilus can represent.

NautilusTrader 2 does not export them but enforces them (its `Price`/`Quantity` constructors
name them when refusing a value): those of the 128-bit high-precision build, else of the 64-bit
standard build. `tests/nt/test_limits.py` checks them.
"""

from __future__ import annotations

from nautilus_trader.model import HIGH_PRECISION

PRICE_MAX = 17_014_118_346_046.0 if HIGH_PRECISION else 9_223_372_036.0
QUANTITY_MAX = 34_028_236_692_093.0 if HIGH_PRECISION else 18_446_744_073.0

__all__ = ["PRICE_MAX", "QUANTITY_MAX"]
