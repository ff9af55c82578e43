"""Loss limits: max daily loss, cooldown after losing streaks, max trades per day, RiskEngine."""

from __future__ import annotations

import gymnasium as gym
import msgspec
import pandas as pd
import pytest

from nautilus_rl_lab.agents import BuyAndHoldAgent, RandomAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import market_for, run_backtest
from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.schemes import MarketState, SchemeConfig
from nautilus_rl_lab.strategies import RiskLimits, RiskManager

from .conftest import protected_config

HOUR = 3_600_000_000_000
DAY = 24 * HOUR


def state(position: float = 0.0, equity: float = 100_000.0, ts: int = 12 * HOUR) -> MarketState:
    return MarketState(ts, 1.0, position, equity, equity, 0.0, 0.0, 10_000.0)


def test_max_daily_loss_flattens_and_stays_flat_for_the_rest_of_the_utc_day() -> None:
    risk = RiskManager(RiskLimits(max_daily_loss=0.01))
    assert risk.adjust(10_000.0, state(0.0, 100_000.0, 1 * HOUR), None) == 10_000.0
    assert risk.adjust(10_000.0, state(10_000.0, 99_100.0, 2 * HOUR), 1.0) == 10_000.0  # -0.9%
    assert risk.adjust(10_000.0, state(10_000.0, 98_900.0, 3 * HOUR), 1.0) == 0.0  # -1.1%
    assert risk.last_reason == "max_daily_loss"
    assert risk.adjust(10_000.0, state(0.0, 99_500.0, 23 * HOUR), None) is None
    assert risk.last_reason == "daily_halt"
    assert risk.adjust(10_000.0, state(0.0, 98_900.0, DAY + HOUR), None) == 10_000.0  # new day
    assert risk.last_reason is None


def test_cooldown_after_consecutive_losing_round_trips() -> None:
    risk = RiskManager(RiskLimits(max_consecutive_losses=2, cooldown_bars=3))
    risk.record_round_trip(-5.0)
    risk.record_round_trip(+1.0)  # a win resets the streak
    risk.record_round_trip(-5.0)
    assert risk.adjust(10_000.0, state(), None) == 10_000.0
    risk.record_round_trip(-5.0)  # second loss in a row: three flat decisions
    assert [risk.adjust(10_000.0, state(), None) for _ in range(3)] == [None] * 3
    assert [e.rule for e in risk.events] == ["loss_cooldown"] * 3
    assert risk.adjust(10_000.0, state(), None) == 10_000.0


def test_max_trades_per_day_holds_the_target_once_reached() -> None:
    risk = RiskManager(RiskLimits(max_trades_per_day=2))
    for _ in range(2):
        assert risk.adjust(-10_000.0, state(10_000.0), 1.0) == -10_000.0
        risk.record_order()
    assert risk.adjust(-10_000.0, state(10_000.0), 1.0) is None
    assert risk.last_reason == "max_trades_per_day"
    assert risk.adjust(10_000.0, state(10_000.0), 1.0) == 10_000.0  # no trade needed: no event
    assert risk.adjust(-10_000.0, state(10_000.0, ts=DAY + HOUR), 1.0) == -10_000.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_daily_loss", 1.0),
        ("max_consecutive_losses", 0),
        ("max_trades_per_day", 0),
        ("cooldown_bars", 0),
        ("max_notional_per_order", 0),
        ("protection", "bar"),
    ],
)
def test_bad_loss_limits_name_the_field(field, value) -> None:
    with pytest.raises(ConfigError, match=f"`risk.{field}`"):
        RiskLimits(**{field: value})


def test_trailing_stop_needs_a_venue_stop_loss() -> None:
    with pytest.raises(ConfigError, match=r"`risk\.trailing_stop`"):
        RiskLimits(trailing_stop=True)


SAMPLE = TrainingNodeConfig(
    data=DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-10"),
    observation=SchemeConfig(name="window", params={"window": 4}),
)


def _fills_per_day(fills: pd.DataFrame) -> pd.Series:
    return fills.groupby(pd.to_datetime(fills["ts_event"], utc=True).dt.date).size()


def test_backtest_trips_the_daily_loss_limit_and_reenters_the_next_day() -> None:
    # long 100k from 1.1, then the price slides 0.1% an hour: -1% of equity after ~7 hours
    closes = [1.1] * 4 + [1.1 * (1 - 0.001 * i) for i in range(1, 20)] + [1.08] * 12
    index = pd.date_range("2024-01-02 08:00", periods=len(closes), freq="1h", tz="UTC")
    frame = pd.DataFrame({"open": closes, "high": closes, "low": closes, "close": closes}, index)
    frame["volume"] = 1e9
    action = SchemeConfig(name="target_position", params={"trade_size": 100_000})
    config = msgspec.structs.replace(
        protected_config(RiskLimits(max_daily_loss=0.01)), action=action
    )
    run = run_backtest(BuyAndHoldAgent(action), config, market=market_for(config, frame))
    fills = run.fills
    assert list(fills["order_side"]) == ["BUY", "SELL", "BUY"]
    days = pd.to_datetime(fills["ts_event"], utc=True).dt.day.tolist()
    assert days == [2, 2, 3]  # flattened on day one, back in after midnight UTC
    assert run.stats["risk:max_daily_loss"] == 1 and run.stats["risk:daily_halt"] > 0
    trip = run.risk_events.index[run.risk_events["rule"] == "max_daily_loss"][0]
    equity_at_trip = run.equity[trip]
    assert equity_at_trip <= 0.99 * run.equity.iloc[0]  # the day started with the first equity


def test_backtest_trades_at_most_max_trades_per_day() -> None:
    agent = RandomAgent(gym.spaces.Discrete(3), seed=1)
    free = run_backtest(agent, SAMPLE)
    limited = run_backtest(agent, SAMPLE, risk=RiskLimits(max_trades_per_day=3))
    assert _fills_per_day(free.fills).max() > 3  # without the rule it trades more
    assert _fills_per_day(limited.fills).max() <= 3
    assert limited.stats["risk:max_trades_per_day"] > 0


def test_backtest_cools_down_after_consecutive_losses() -> None:
    agent = RandomAgent(gym.spaces.Discrete(3), seed=2)
    risk = RiskLimits(max_consecutive_losses=2, cooldown_bars=5)
    free = run_backtest(agent, SAMPLE)
    cooled = run_backtest(agent, SAMPLE, risk=risk)
    events = cooled.risk_events
    assert cooled.stats["risk:loss_cooldown"] > 0
    assert len(cooled.fills) < len(free.fills)
    # during a cooldown the position never grows: each cooldown decision holds or flattens
    assert events.loc[events["rule"] == "loss_cooldown", "adjusted"].fillna(0.0).eq(0.0).all()


def _denials(config: TrainingNodeConfig, action: int, agent) -> tuple[dict, object]:
    env = TrainingNode(config)
    try:
        env.reset()
        infos = [env.step(action if i % 2 else 1)[-1] for i in range(60)]  # flat/target turns
    finally:
        env.close()
    return infos[-1], run_backtest(agent, config)


def test_nautilus_max_order_submit_rate_denials_are_visible_in_training_and_backtests() -> None:
    risk = RiskLimits(max_order_submit_rate="1/06:00:00")
    config = msgspec.structs.replace(SAMPLE, risk=risk, episode_length=60, random_start=False)
    info, run = _denials(config, 2, RandomAgent(gym.spaces.Discrete(3), seed=1))
    assert info["orders_denied"] > 0 and 0 < info["trades"] <= 60 / 6 + 1
    assert run.stats["orders_denied"] > 0
    assert 0 < len(run.fills) <= len(run.position) / 6 + 1  # one order per 6 hours got through


def test_nautilus_max_notional_per_order_denials_are_visible_in_training_and_backtests() -> None:
    # a multi-currency cash account (Nautilus 1.221 checks notional only on cash accounts);
    # 10k EUR cost ~10.5k USD, over the 5k limit
    config = msgspec.structs.replace(
        SAMPLE,
        venue=VenueConfig(
            name="SIM",
            oms_type="NETTING",
            account_type="CASH",
            starting_balances=["100000 USD", "100000 EUR"],
        ),
        action=SchemeConfig(name="target_position", params={"allow_short": False}),
        risk=RiskLimits(max_notional_per_order=5_000),
        episode_length=60,
        random_start=False,
    )
    info, run = _denials(config, 1, BuyAndHoldAgent(config.action))
    assert info["orders_denied"] == 60 and info["trades"] == 0  # long (1) asked, denied, 60 times
    assert run.fills.empty  # buy-and-hold asks at every decision bar and is denied every time
    assert run.stats["orders_denied"] == len(run.position) > 100


def test_max_notional_per_order_on_a_margin_account_is_refused_not_ignored() -> None:
    with pytest.raises(ConfigError, match=r"`risk\.max_notional_per_order`.*MARGIN"):
        msgspec.structs.replace(SAMPLE, risk=RiskLimits(max_notional_per_order=5_000))
