"""Baselines for evaluations: the rule-based agents adapted from Nautilus' example strategies.

They are `Agent`s (defined in `nautilus_rl_lab.agents.rules`) so that they reach the market
through the same `RLAgent` -> `AgentStrategy` -> `ActionScheme` path as trained policies;
this module names them as the strategy baselines `backtest_agent` compares against.
"""

from __future__ import annotations

from nautilus_rl_lab.agents.rules import (
    BollingerMeanReversionAgent,
    DonchianBreakoutAgent,
    EMACrossAgent,
)

BASELINES: dict[
    str, type[EMACrossAgent] | type[BollingerMeanReversionAgent] | type[DonchianBreakoutAgent]
] = {
    "ema_cross": EMACrossAgent,
    "bollinger": BollingerMeanReversionAgent,
    "donchian": DonchianBreakoutAgent,
}

__all__ = ["BASELINES", "BollingerMeanReversionAgent", "DonchianBreakoutAgent", "EMACrossAgent"]
