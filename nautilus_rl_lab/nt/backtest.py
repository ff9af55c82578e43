"""Nautilus' backtest engine and its configuration, at one address."""

from __future__ import annotations

from nautilus_trader.backtest import BacktestEngine, BacktestEngineConfig, BacktestVenueConfig

__all__ = ["BacktestEngine", "BacktestEngineConfig", "BacktestVenueConfig"]
