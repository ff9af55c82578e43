"""Nautilus strategies: the scheme-driven strategy base, order helpers and the agent executor."""

from nautilus_rl_lab.strategies.agent_strategy import (
    DEFAULT_TOPIC,
    AgentAction,
    AgentStrategy,
    AgentStrategyConfig,
    RiskLimits,
    RiskManager,
)
from nautilus_rl_lab.strategies.execution import (
    observe_bar,
    read_market_state,
    require_instrument,
    submit_to_target,
)
from nautilus_rl_lab.strategies.scheme_strategy import SchemeStrategy, SchemeStrategyConfig

__all__ = [
    "DEFAULT_TOPIC",
    "AgentAction",
    "AgentStrategy",
    "AgentStrategyConfig",
    "RiskLimits",
    "RiskManager",
    "SchemeStrategy",
    "SchemeStrategyConfig",
    "observe_bar",
    "read_market_state",
    "require_instrument",
    "submit_to_target",
]
