"""AgentStrategy risk rules: the pure state machine, and the rules applied inside a backtest."""

from __future__ import annotations

import gymnasium as gym
import msgspec
import pandas as pd
import pytest

from nautilus_rl_lab.agents import BuyAndHoldAgent, RandomAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import run_backtest
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import MarketState, SchemeConfig
from nautilus_rl_lab.strategies import RiskLimits, RiskManager

HOUR = 3_600_000_000_000


def state(
    position: float = 0.0, close: float = 1.0, equity: float = 100_000.0, hour: int = 12
) -> MarketState:
    return MarketState(hour * HOUR, close, position, equity, equity, 0.0, 0.0, 10_000.0)


def test_no_limits_pass_targets_through() -> None:
    risk = RiskManager()
    for target in (None, -10_000.0, 0.0, 10_000.0):
        assert risk.adjust(target, state(5_000.0), 1.0) == target
        assert risk.last_reason is None


def test_max_position_caps_the_target() -> None:
    risk = RiskManager(RiskLimits(max_position=4_000))
    assert risk.adjust(10_000.0, state(), None) == 4_000
    assert risk.adjust(-10_000.0, state(), None) == -4_000
    assert risk.last_reason == "max_position"
    assert [(e.rule, e.target, e.adjusted) for e in risk.events] == [
        ("max_position", 10_000.0, 4_000),
        ("max_position", -10_000.0, -4_000),
    ]


def test_stop_loss_closes_and_blocks_reentry_on_the_same_side() -> None:
    risk = RiskManager(RiskLimits(stop_loss=0.01, protection="close"))
    assert risk.adjust(10_000.0, state(10_000.0, close=0.995), 1.0) == 10_000.0  # -0.5%: keep
    assert risk.adjust(10_000.0, state(10_000.0, close=0.989), 1.0) == 0.0  # -1.1%: stop
    assert risk.last_reason == "stop_loss"
    assert risk.adjust(10_000.0, state(0.0), None) is None  # the agent still wants long: stay flat
    assert risk.adjust(-10_000.0, state(0.0), None) == -10_000.0  # the other side is allowed
    assert risk.adjust(10_000.0, state(-10_000.0, close=1.0), 1.0) == 10_000.0  # block cleared


def test_take_profit_closes_a_short_that_gained() -> None:
    risk = RiskManager(RiskLimits(take_profit=0.02, protection="close"))
    assert risk.adjust(-10_000.0, state(-10_000.0, close=0.97), 1.0) == 0.0
    assert risk.last_reason == "take_profit"


def test_max_drawdown_halts_for_good() -> None:
    risk = RiskManager(RiskLimits(max_drawdown=0.1))
    assert risk.adjust(10_000.0, state(equity=120_000.0), None) == 10_000.0
    assert risk.adjust(10_000.0, state(10_000.0, equity=109_000.0), 1.0) == 10_000.0  # 9.2%
    assert risk.adjust(10_000.0, state(10_000.0, equity=107_000.0), 1.0) == 0.0  # 10.8% from peak
    assert risk.last_reason == "max_drawdown"
    assert risk.adjust(10_000.0, state(0.0, equity=130_000.0), None) is None  # flat: stay flat
    assert risk.halted and risk.last_reason == "halted"
    risk.reset()
    assert risk.adjust(10_000.0, state(), None) == 10_000.0


@pytest.mark.parametrize(
    ("hours", "hour", "inside"),
    [((8, 16), 12, True), ((8, 16), 16, False), ((22, 6), 2, True), ((22, 6), 12, False)],
)
def test_trading_hours_only_allow_reductions_outside(hours, hour, inside) -> None:
    risk = RiskManager(RiskLimits(trading_hours=hours))
    expected_open = 10_000.0 if inside else 0.0
    assert risk.adjust(10_000.0, state(0.0, hour=hour), None) == expected_open
    assert risk.adjust(-10_000.0, state(5_000.0, hour=hour), 1.0) == (-10_000.0 if inside else 0.0)
    assert risk.adjust(2_000.0, state(5_000.0, hour=hour), 1.0) == 2_000.0  # reducing is fine
    flatten = RiskManager(RiskLimits(trading_hours=hours, flatten_outside_hours=True))
    assert flatten.adjust(None, state(5_000.0, hour=hour), 1.0) == (None if inside else 0.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_position", 0), ("stop_loss", -0.1), ("max_drawdown", 1.5), ("trading_hours", (3, 30))],
)
def test_bad_risk_limits_name_the_field(field, value) -> None:
    with pytest.raises(ConfigError, match=f"`risk.{field}`"):
        RiskLimits(**{field: value})


CONFIG = TrainingNodeConfig(
    data=DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-10"),
    observation=SchemeConfig(name="window", params={"window": 4}),
)


def test_backtest_respects_max_position_and_trading_hours() -> None:
    risk = RiskLimits(max_position=6_000, trading_hours=(8, 16), flatten_outside_hours=True)
    run = run_backtest(RandomAgent(gym.spaces.Discrete(3), seed=1), CONFIG, risk=risk)
    assert len(run.fills) > 10
    assert run.position.abs().max() <= 6_000
    # a decision at a bar outside [8, 16) UTC flattens; by the next decision bar the position is 0
    previous_hour = pd.Series(run.position.index.hour, index=run.position.index).shift(1)
    after_outside = run.position[(previous_hour < 8) | (previous_hour >= 16)]
    assert len(after_outside) > 20 and (after_outside == 0).all()
    assert (run.position[(previous_hour >= 8) & (previous_hour < 16)] != 0).any()


def test_backtest_drawdown_halt_flattens_and_stops_trading() -> None:
    action = SchemeConfig(name="target_position", params={"trade_size": 2_000_000})
    config = msgspec.structs.replace(CONFIG, action=action)
    run = run_backtest(BuyAndHoldAgent(action), config, risk=RiskLimits(max_drawdown=0.002))
    assert len(run.fills) == 2  # one entry, one exit when the drawdown limit is hit
    assert run.position.iloc[-1] == 0
    peak = run.equity.cummax()
    assert ((peak - run.equity) / peak).max() >= 0.002
