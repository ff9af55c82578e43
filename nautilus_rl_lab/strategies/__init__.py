"""Nautilus strategies: the decision path, risk rules, order helpers and the agent executor."""

from nautilus_rl_lab.strategies.agent_strategy import (
    DEFAULT_TOPIC,
    AgentAction,
    AgentStrategy,
    AgentStrategyConfig,
)
from nautilus_rl_lab.strategies.decision import DecisionPath, DecisionPathEvents
from nautilus_rl_lab.strategies.execution import (
    OrderPlan,
    observe_bar,
    plan_orders,
    read_market_state,
    require_instrument,
    submit_plan,
)
from nautilus_rl_lab.strategies.risk import (
    RiskEvent,
    RiskLimits,
    RiskManager,
    in_trading_hours,
    risk_engine_config,
)
from nautilus_rl_lab.strategies.scheme_strategy import SchemeStrategy, SchemeStrategyConfig

__all__ = [
    "DEFAULT_TOPIC",
    "AgentAction",
    "AgentStrategy",
    "AgentStrategyConfig",
    "DecisionPath",
    "DecisionPathEvents",
    "OrderPlan",
    "RiskEvent",
    "RiskLimits",
    "RiskManager",
    "SchemeStrategy",
    "SchemeStrategyConfig",
    "in_trading_hours",
    "observe_bar",
    "plan_orders",
    "read_market_state",
    "require_instrument",
    "risk_engine_config",
    "submit_plan",
]
