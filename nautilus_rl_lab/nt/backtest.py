"""Nautilus' backtest engine and its configuration, at one address on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.backtest import BacktestEngine, BacktestEngineConfig, BacktestVenueConfig
else:
    from nautilus_trader.backtest.config import BacktestVenueConfig
    from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig

__all__ = ["BacktestEngine", "BacktestEngineConfig", "BacktestVenueConfig"]
