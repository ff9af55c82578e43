"""Nodes: the engine builder, `TrainingNode` (backtest engine as a gymnasium env) and `LiveNode`.

`TrainingNode` is the environment (a `gymnasium.Env`), not the training: the SB3 code that
trains agents on it is `nautilus_rl_lab.training`.
"""

from nautilus_rl_lab.nodes.engine import (
    MarketData,
    build_engine,
    default_venue,
    prepare_market_data,
)
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig, build_live_node_config
from nautilus_rl_lab.nodes.margin import MarginCheck, install_margin_gate
from nautilus_rl_lab.nodes.portfolio import PortfolioAsset
from nautilus_rl_lab.nodes.training import (
    ENV_ID,
    TrainingNode,
    TrainingNodeConfig,
    market_engine,
    market_for,
)
from nautilus_rl_lab.nodes.venue import check_account, check_venue
from nautilus_rl_lab.nodes.venue_config import VenueConfig

__all__ = [
    "ENV_ID",
    "LiveNode",
    "LiveNodeConfig",
    "MarginCheck",
    "MarketData",
    "PortfolioAsset",
    "TrainingNode",
    "TrainingNodeConfig",
    "VenueConfig",
    "build_engine",
    "build_live_node_config",
    "check_account",
    "check_venue",
    "default_venue",
    "install_margin_gate",
    "market_engine",
    "market_for",
    "prepare_market_data",
]
