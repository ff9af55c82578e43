"""One scenario x agent backtest as a row of the scenario table.

`risk_event_counts` is the one place that reads risk events from an `AgentRun`: `halts`,
`stops` and `denials` (orders Nautilus' `RiskEngine` denied). An `AgentRun` that does not
record them (no `risk_events` attribute) gives NaN, never a made-up zero.
"""

from __future__ import annotations

import math

from nautilus_rl_lab.evaluation.backtest import AgentRun
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
)


def risk_event_counts(run: AgentRun) -> dict[str, float]:
    """Halts, stop-loss/take-profit exits and denied orders of `run` (NaN where not recorded)."""
    events = getattr(run, "risk_events", None)
    if events is None:
        return {"halts": math.nan, "stops": math.nan, "denials": math.nan}
    rules = events["rule"]
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
        "bars": float(len(run.equity)),
        "final_equity": float(run.equity.iloc[-1]) if len(run.equity) else math.nan,
    }
