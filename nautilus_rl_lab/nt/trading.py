"""Nautilus' strategy base and its configuration, at one address on NautilusTrader 1.221 and 2.0.

`Strategy` and `StrategyConfig` are `nt.components`' (one API on both lines).
"""

from __future__ import annotations

from nautilus_rl_lab.nt.components import Strategy, StrategyConfig
from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.trading import ImportableStrategyConfig
else:
    from nautilus_trader.trading.config import ImportableStrategyConfig

__all__ = ["ImportableStrategyConfig", "Strategy", "StrategyConfig"]
