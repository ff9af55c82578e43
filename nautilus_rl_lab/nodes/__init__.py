"""Nodes: `TrainingNode` (backtest engine as a gymnasium env) and the engine builder."""

from nautilus_rl_lab.nodes.engine import (
    MarketData,
    build_engine,
    default_venue,
    prepare_market_data,
)
from nautilus_rl_lab.nodes.training import ENV_ID, TrainingNode, TrainingNodeConfig

__all__ = [
    "ENV_ID",
    "MarketData",
    "TrainingNode",
    "TrainingNodeConfig",
    "build_engine",
    "default_venue",
    "prepare_market_data",
]
