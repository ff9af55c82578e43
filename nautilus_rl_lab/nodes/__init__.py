"""Nodes: the engine builder, `TrainingNode` (backtest engine as a gymnasium env) and `LiveNode`."""

from nautilus_rl_lab.nodes.engine import (
    MarketData,
    build_engine,
    default_venue,
    prepare_market_data,
)
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig, build_live_node_config
from nautilus_rl_lab.nodes.training import ENV_ID, TrainingNode, TrainingNodeConfig

__all__ = [
    "ENV_ID",
    "LiveNode",
    "LiveNodeConfig",
    "MarketData",
    "TrainingNode",
    "TrainingNodeConfig",
    "build_engine",
    "build_live_node_config",
    "default_venue",
    "prepare_market_data",
]
