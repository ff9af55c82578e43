"""Nautilus' risk-engine configuration, at one address."""

from __future__ import annotations

from nautilus_trader.risk import RiskEngineConfig

__all__ = ["RiskEngineConfig"]
