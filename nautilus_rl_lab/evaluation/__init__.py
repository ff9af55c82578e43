"""Evaluation: agents backtested as `RLAgent` + `AgentStrategy` against baselines, with statistics."""

from nautilus_rl_lab.evaluation.backtest import (
    AgentRun,
    EvaluationResult,
    backtest_agent,
    daily_returns,
    market_for,
    performance_stats,
    run_backtest,
)

__all__ = [
    "AgentRun",
    "EvaluationResult",
    "backtest_agent",
    "daily_returns",
    "market_for",
    "performance_stats",
    "run_backtest",
]
