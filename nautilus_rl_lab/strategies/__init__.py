"""Nautilus strategies: the scheme-driven strategy base and order helpers."""

from nautilus_rl_lab.strategies.execution import read_market_state, submit_to_target
from nautilus_rl_lab.strategies.scheme_strategy import SchemeStrategy, SchemeStrategyConfig

__all__ = ["SchemeStrategy", "SchemeStrategyConfig", "read_market_state", "submit_to_target"]
