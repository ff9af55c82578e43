"""Backtest statistics: orders, fills and round trips apart; the random baseline's averages."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.agents.base import Agent
from nautilus_rl_lab.agents.simple import BuyAndHoldAgent, SignalActions
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation import AgentRun, backtest_agent, market_for, run_backtest
from nautilus_rl_lab.evaluation.statistics import trade_stats
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies.risk import RiskLimits
from tests.evaluation.test_frequency import ohlcv
from tests.nodes.conftest import small_config
from tests.strategies.failing import failing_config
from tests.widgets.conftest import small_env


class ScriptedAgent(Agent):
    """Asks for the signals of `script` in turn (flat once it runs out)."""

    def __init__(self, script: list[float], action: SchemeConfig) -> None:
        self.script, self.signals = script, SignalActions(action)
        self._next: Iterator[float] = iter(script)

    def reset(self) -> None:
        self._next = iter(self.script)

    def act(self, observation: np.ndarray) -> object:
        return self.signals(next(self._next, 0.0))

    def save(self, path: str | os.PathLike[str]) -> Path:
        raise NotImplementedError

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ScriptedAgent:
        raise NotImplementedError


NO_RISK = RiskLimits()


def scripted_run(
    script: list[float], trade_size: float, frame: pd.DataFrame, risk: RiskLimits = NO_RISK
) -> AgentRun:
    """`run_backtest` of a `ScriptedAgent` on `frame` (window-2 observations, target position)."""
    action = SchemeConfig(name="target_position", params={"trade_size": trade_size})
    config = TrainingNodeConfig(
        data=DataSourceConfig(kind="frame"),
        observation=SchemeConfig(name="window", params={"window": 2}),
        action=action,
        risk=risk,
    )
    return run_backtest(ScriptedAgent(script, action), config, market=market_for(config, frame))


def test_an_order_filled_in_two_parts_is_one_order_two_fills_and_round_trips_count_apart() -> None:
    frame = ohlcv(pd.date_range("2017-03-06", periods=40, freq="1h", tz="UTC"))
    frame["volume"] = 200_000.0  # quotes of 50,000 (a quarter of the bar volume): two fills
    script = [1, 1, 1, 0, 0, 1, 1, 0, 0, 0]  # long, flat, long, flat: two round trips
    run = scripted_run(script, 100_000, frame)
    fills = run.fills
    assert len(fills) == 8 and (fills["last_qty"].astype(float) == 50_000).all()
    assert fills.index.nunique() == 4  # Nautilus' fills report, indexed by client order id
    stats = run.stats
    assert (stats["orders"], stats["fills"], stats["round_trips"]) == (4, 8, 2)
    trips = run.round_trips
    assert len(trips) == 2
    assert stats["hit_rate"] == pytest.approx(float((trips["pnl"] > 0).mean()))
    assert stats["avg_holding_hours"] == pytest.approx(2.5)  # held three bars, then two
    assert "trades" not in stats


def test_the_orders_report_lists_every_order_with_the_venues_cancelled_protection_legs() -> None:
    frame = ohlcv(pd.date_range("2017-03-06", periods=20, freq="1h", tz="UTC"))
    risk = RiskLimits(stop_loss=0.05, take_profit=0.05)  # far away: never hit
    run = scripted_run([1, 1, 0], 10_000, frame, risk=risk)
    orders = run.orders.sort_values("ts_init", kind="stable")
    assert list(zip(orders["type"], orders["status"], strict=True)) == [
        ("MARKET", "FILLED"),  # the entry
        ("STOP_MARKET", "CANCELED"),  # its venue stop-loss ...
        ("LIMIT", "CANCELED"),  # ... and take-profit, cancelled when the position closed
        ("MARKET", "FILLED"),  # the exit
    ]
    filled = orders.index[orders["status"] == "FILLED"]
    assert sorted(filled) == sorted(run.fills.index.unique())


def test_the_random_baseline_averages_every_trade_figure_over_its_runs() -> None:
    config = small_env()
    result = backtest_agent(
        ScriptedAgent([1], config.action), config, role="test", n_random=3, rule=None
    )
    mean = result.runs["random_mean"]
    members = result.random_runs
    assert mean.members == members and result.averaged == {"random_mean": 3}
    each = pd.DataFrame(
        [trade_stats(r.fills, r.round_trips, r.position, r.equity) for r in members]
    )
    stats = result.stats.loc["random_mean"]
    assert each["round_trips"].min() > 10  # hundreds of random decisions: many trades
    for key in ("orders", "fills", "round_trips", "turnover", "exposure", "hit_rate",
                "avg_holding_hours"):  # fmt: skip
        assert stats[key] == pytest.approx(each[key].mean()), key
    assert stats["turnover"] > 0 and not math.isnan(stats["hit_rate"])
    assert stats["exposure"] < 1  # not the exposure of the mean position (never flat)
    assert stats["orders_denied"] == pytest.approx(np.mean([r.orders_denied for r in members]))
    # the curve figures are those of the mean equity curve
    assert stats["total_return_%"] == pytest.approx(
        (mean.equity.iloc[-1] / mean.equity.iloc[0] - 1) * 100
    )


# issue 24 hazard (1): a handler's exception (swallowed by NautilusTrader 2) raised from run_backtest
@pytest.mark.parametrize("field", ["action", "observation"])
def test_a_scheme_error_in_a_handler_surfaces_from_run_backtest_and_backtest_agent(
    field: str,
) -> None:
    config = small_config(**failing_config(field, 5))
    with pytest.raises(LookupError, match=r"^scheme bug at call 5$"):
        run_backtest(BuyAndHoldAgent(config.action), config)
    with pytest.raises(LookupError, match=r"^scheme bug at call 5$"):
        backtest_agent(BuyAndHoldAgent(config.action), config, role="test", n_random=0, rule=None)
