"""Nautilus' strategy base and its configuration, at one address on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.trading import ImportableStrategyConfig, Strategy
else:
    from nautilus_trader.trading.config import ImportableStrategyConfig
    from nautilus_trader.trading.strategy import Strategy

__all__ = ["ImportableStrategyConfig", "Strategy"]
