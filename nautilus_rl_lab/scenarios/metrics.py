"""One scenario x agent backtest as a row of the scenario table.

`risk_event_counts` is the one place that reads risk events from an `AgentRun`: `halts`,
`stops` and `denials` (orders Nautilus' `RiskEngine` denied). An `AgentRun` that does not
record them (no `risk_events` attribute) gives NaN, never a made-up zero. A portfolio run
(`PortfolioRun`, `portfolio_row`) fills the same columns where they mean the same; those of one
instrument's position (`round_trips`, `max_position`, `position_limit`) are NaN, and
`max_gross_exposure` is the largest sum of absolute weights it held at a decision.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from nautilus_rl_lab.evaluation.backtest import AgentRun
from nautilus_rl_lab.evaluation.portfolio import PortfolioRun
from nautilus_rl_lab.evaluation.statistics import trade_stats

HALT_RULES = ("max_drawdown", "max_daily_loss")  # the rule that started a halt, once per halt
STOP_RULES = ("stop_loss", "take_profit")
METRICS = (
    "total_return_%",
    "sharpe",
    "sortino",
    "max_drawdown_%",
    "orders",
    "fills",
    "round_trips",
    "turnover",
    "halts",
    "stops",
    "denials",
    "max_position",
    "position_limit",
    "max_gross_exposure",
)


def risk_event_counts(run: AgentRun | PortfolioRun) -> dict[str, float]:
    """Halts, stop-loss/take-profit exits and denied orders of `run` (NaN where not recorded)."""
    events: pd.DataFrame | list[dict[str, Any]] | None = getattr(run, "risk_events", None)
    if events is None:
        return {"halts": math.nan, "stops": math.nan, "denials": math.nan}
    rules = pd.Series(
        [event["rule"] for event in events] if isinstance(events, list) else events["rule"],
        dtype=object,
    )
    return {
        "halts": float(rules.isin(HALT_RULES).sum()),
        "stops": float(rules.isin(STOP_RULES).sum()),
        "denials": float(getattr(run, "orders_denied", math.nan)),
    }


def max_position_held(run: AgentRun) -> float:
    """Largest absolute net position: at the decision bars and after every fill (netting)."""
    sampled = float(run.position.abs().max()) if len(run.position) else 0.0
    if run.fills.empty:
        return sampled
    sides = run.fills["order_side"].astype(str).str.upper()
    signed = (
        run.fills["last_qty"]
        .astype(float)
        .where(sides.str.contains("BUY"), -run.fills["last_qty"].astype(float))
    )
    return max(sampled, float(signed.cumsum().abs().max()))


def run_row(run: AgentRun, position_limit: float) -> dict[str, float]:
    """The table's metrics of `run`; `position_limit` is the largest position its rules allow."""
    stats = run.stats
    trades = trade_stats(run.fills, run.round_trips, run.position, run.equity)
    return {
        "total_return_%": stats["total_return_%"],
        "sharpe": stats["sharpe"],
        "sortino": stats["sortino"],
        "max_drawdown_%": stats["max_drawdown_%"],
        **{key: trades[key] for key in ("orders", "fills", "round_trips", "turnover")},
        **risk_event_counts(run),
        "max_position": max_position_held(run),
        "position_limit": float(position_limit),
        "max_gross_exposure": math.nan,
        **_size(run.equity),
    }


def _size(equity: pd.Series) -> dict[str, float]:
    """The run's number of equity samples and its last equity."""
    return {
        "bars": float(len(equity)),
        "final_equity": float(equity.iloc[-1]) if len(equity) else math.nan,
    }


def portfolio_row(run: PortfolioRun) -> dict[str, float]:
    """The table's metrics of a portfolio `run` (see the module for the NaN columns)."""
    stats = run.stats()
    gross = run.weights.abs().sum(axis=1)
    return {
        **{key: stats[key] for key in ("total_return_%", "sharpe", "sortino", "max_drawdown_%")},
        "orders": stats["orders"],
        "fills": float(len(run.fills)),
        "round_trips": math.nan,
        "turnover": stats["turnover"],
        **risk_event_counts(run),
        "max_position": math.nan,
        "position_limit": math.nan,
        "max_gross_exposure": float(gross.max()) if len(gross) else math.nan,
        **_size(run.equity),
    }
