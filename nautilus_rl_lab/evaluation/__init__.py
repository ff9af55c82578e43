"""Evaluation: agents backtested as `RLAgent` + `AgentStrategy` against baselines, with statistics."""

from nautilus_rl_lab.evaluation.backtest import (
    AgentRun,
    EvaluationResult,
    add_agent,
    backtest_agent,
    backtest_engine,
    daily_returns,
    market_for,
    performance_stats,
    run_backtest,
)
from nautilus_rl_lab.evaluation.portfolio import (
    PortfolioRun,
    compare_portfolios,
    run_portfolio_backtest,
)

__all__ = [
    "AgentRun",
    "EvaluationResult",
    "PortfolioRun",
    "add_agent",
    "backtest_agent",
    "backtest_engine",
    "compare_portfolios",
    "daily_returns",
    "market_for",
    "performance_stats",
    "run_backtest",
    "run_portfolio_backtest",
]
