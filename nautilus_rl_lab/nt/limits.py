"""The largest price and quantity Nautilus can represent, on NautilusTrader 1.221 and 2.0.

1.221 exports them; 2.0 does not, but enforces the same bounds (its `Price`/`Quantity`
constructors name them when refusing a value): those of the 128-bit high-precision build,
else of the 64-bit standard build. `tests/nt/test_limits.py` checks them against both lines.
"""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.model import HIGH_PRECISION

    PRICE_MAX = 17_014_118_346_046.0 if HIGH_PRECISION else 9_223_372_036.0
    QUANTITY_MAX = 34_028_236_692_093.0 if HIGH_PRECISION else 18_446_744_073.0
else:
    from nautilus_trader.model.objects import PRICE_MAX, QUANTITY_MAX

__all__ = ["PRICE_MAX", "QUANTITY_MAX"]
