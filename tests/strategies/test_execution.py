"""Orders to a target: a close only reduces (never denied for free balance), a flip is a close
plus an open, and the order counts what is already in flight.

The exit tests trade a synthetic daily equity on a CASH account: 150 shares bought at 50 with
10,000 USD leave 2,500 USD free; the price doubles, so the 15,000 USD holding is worth more
than the free cash, which is exactly when Nautilus' `RiskEngine` denied the closing SELL
(CUM_NOTIONAL_EXCEEDS_FREE_BALANCE) before it was sent as reduce-only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.agents.base import Agent
from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation.backtest import market_for, run_backtest
from nautilus_rl_lab.nodes.training import TrainingNode, TrainingNodeConfig
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nodes.venue_models import ImportableLatencyModelConfig
from nautilus_rl_lab.nt.model import TradingState
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies.execution import OrderPlan, gate_plan, plan_orders
from tests.nodes.conftest import margin_venue, small_config

START, SHARES, SPREAD = 10_000.0, 150, 0.02
FLAT, LONG = 0, 1  # target_position, long only
# Warm-up, the entry decision at 50 (filled at the next open, 50), the doubling, the exit.
CLOSES = np.array([50.0, 50.0, 50.0, 60.0, 75.0, 90.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0])
ACTIONS = [LONG, LONG, LONG, LONG, LONG, FLAT, FLAT, FLAT]


@pytest.mark.parametrize(
    ("target", "position", "in_flight", "plan"),
    [
        (None, 100.0, 0.0, OrderPlan()),  # hold
        (100.0, 100.0, 0.0, OrderPlan()),  # held already
        (100.0, 0.0, 0.0, OrderPlan(0.0, 100.0)),  # open
        (150.0, 100.0, 0.0, OrderPlan(0.0, 50.0)),  # add
        (40.0, 100.0, 0.0, OrderPlan(-60.0, 0.0)),  # reduce: reduce-only
        (0.0, 100.0, 0.0, OrderPlan(-100.0, 0.0)),  # close: reduce-only
        (-100.0, 100.0, 0.0, OrderPlan(-100.0, -100.0)),  # flip: close, then open
        (-30.0, 100.0, 0.0, OrderPlan(-100.0, -30.0)),
        (100.0, -250.0, 0.0, OrderPlan(250.0, 100.0)),
        (100.0, 0.0, 100.0, OrderPlan()),  # on its way: nothing more
        (100.0, 0.0, 60.0, OrderPlan(0.0, 40.0)),  # a partly sent order: only the rest
        (0.0, 0.0, 100.0, OrderPlan(-100.0, 0.0)),  # undo what is in flight
        (-100.0, 100.0, -100.0, OrderPlan(0.0, -100.0)),  # the close is in flight
        (100.4, 0.0, 0.0, OrderPlan(0.0, 100.0)),  # rounded to the size increment
        (100.4, 100.0, 0.0, OrderPlan()),  # less than an increment
    ],
)
def test_plan_counts_the_orders_in_flight_and_closes_reduce_only(
    target: float | None, position: float, in_flight: float, plan: OrderPlan
) -> None:
    assert plan_orders(target, position, in_flight, 1.0) == plan


def test_a_burst_of_decisions_from_a_stale_position_never_exceeds_the_target() -> None:
    """Each decision of a backlog sees the same stale position (nothing filled yet): with the
    orders in flight counted, the position once they fill is the target, never a multiple."""
    position, in_flight = -10_000.0, 0.0
    for target in [10_000.0] * 25 + [-10_000.0] * 25 + [0.0, 10_000.0]:
        plan = plan_orders(target, position, in_flight, 1_000.0)
        assert abs(plan.close) <= abs(position + in_flight)  # reduce-only: never past flat
        in_flight += plan.close + plan.open
        assert position + in_flight == target


@pytest.mark.parametrize(
    ("state", "plan", "sent"),
    [
        (TradingState.ACTIVE, OrderPlan(-100.0, -100.0), OrderPlan(-100.0, -100.0)),
        (TradingState.REDUCING, OrderPlan(-100.0, -100.0), OrderPlan(-100.0, 0.0)),  # flip
        (TradingState.REDUCING, OrderPlan(0.0, 50.0), OrderPlan()),  # add
        (TradingState.HALTED, OrderPlan(-100.0, 0.0), OrderPlan()),
    ],
)
def test_the_trading_state_gates_the_plan_as_nautilus_risk_engine_does(
    state: TradingState, plan: OrderPlan, sent: OrderPlan
) -> None:
    assert gate_plan(plan, state) == sent


def daily_equity_frame(closes: np.ndarray) -> pd.DataFrame:
    """Daily bars of one share, each opening at the previous close."""
    index = pd.date_range("2024-01-01", periods=len(closes), freq="1D", tz="UTC", name="timestamp")
    opens = np.r_[closes[0], closes[:-1]]
    highs, lows = np.maximum(opens, closes), np.minimum(opens, closes)
    data = {"open": opens, "high": highs, "low": lows, "close": closes, "volume": 1e6}
    return pd.DataFrame(data, index=index)


def cash_equity_config() -> TrainingNodeConfig:
    """An `ACME` equity on a 10,000 USD CASH account, long-only `SHARES`, daily bars."""
    return TrainingNodeConfig(
        venue=VenueConfig(
            name="SIM",
            oms_type="NETTING",
            account_type="CASH",
            starting_balances=[f"{START:.0f} USD"],
            base_currency="USD",
        ),
        instrument=InstrumentSpec(
            symbol="ACME", kind="equity", price_precision=2, lot_size=1, min_quantity=1
        ),
        data=DataSourceConfig(kind="frame", spread=SPREAD),
        bar_aggregation="DAY",
        observation=SchemeConfig(name="window", params={"window": 2}),
        action=SchemeConfig(
            name="target_position", params={"trade_size": SHARES, "allow_short": False}
        ),
        episode_length=None,
        random_start=False,
    )


def _round_trip_equity(commissions: float) -> float:
    """Bought at 50, sold at 100: the gain less one spread and Nautilus' commissions."""
    return START + SHARES * (100.0 - 50.0) - SHARES * SPREAD - commissions


def test_a_cash_account_closes_a_long_worth_more_than_its_free_cash_in_training() -> None:
    env = TrainingNode(cash_equity_config(), frame=daily_equity_frame(CLOSES))
    try:
        env.reset()
        infos = [env.step(action)[-1] for action in ACTIONS]
    finally:
        env.close()
    held = infos[ACTIONS.index(FLAT) - 1]
    assert held["position"] == SHARES and held["balance"] < SHARES * 100.0  # worth > free cash
    last = infos[-1]
    assert last["orders_denied"] == 0 and last["orders_rejected"] == 0
    assert last["position"] == 0 and last["trades"] == 2
    assert last["equity"] == pytest.approx(last["balance"])
    assert last["equity"] == pytest.approx(_round_trip_equity(last["commissions"]))


def test_a_halted_path_sends_nothing_and_a_reducing_one_only_closes() -> None:
    """The kill switch's states in our decision path (`set_trading_state`, on both lines)."""
    env = TrainingNode(cash_equity_config(), frame=daily_equity_frame(CLOSES))
    script = [
        (TradingState.HALTED, LONG, 0),
        (TradingState.ACTIVE, LONG, SHARES),
        (TradingState.REDUCING, FLAT, 0),
        (TradingState.REDUCING, LONG, 0),
    ]
    try:
        env.reset()
        for state, action, position in script:
            env.strategy.set_trading_state(state)
            info = env.step(action)[-1]
            assert info["position"] == position, state
        assert info["orders_denied"] == 0  # refused by the path, not sent and denied
    finally:
        env.close()


class _Scripted(Agent):
    """Plays `ACTIONS` in order, then holds the last one."""

    def __init__(self) -> None:
        self.step = 0

    def act(self, observation: np.ndarray) -> Any:
        action = ACTIONS[min(self.step, len(ACTIONS) - 1)]
        self.step += 1
        return action

    def save(self, path: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def load(cls, path: Any) -> _Scripted:
        raise NotImplementedError


def test_a_cash_account_closes_a_long_worth_more_than_its_free_cash_in_a_backtest() -> None:
    config = cash_equity_config()
    market = market_for(config, daily_equity_frame(CLOSES))
    run = run_backtest(_Scripted(), config, market=market)
    assert run.stats["orders_denied"] == 0 and run.stats["orders_rejected"] == 0
    assert run.position.iloc[-1] == 0 and len(run.fills) == 2
    commissions = sum(float(str(c).split()[0]) for c in run.fills["commission"])
    assert run.final_balance == pytest.approx(_round_trip_equity(commissions))
    assert run.equity.iloc[-1] == pytest.approx(run.final_balance)


def test_a_venue_slower_than_a_bar_never_takes_the_position_past_the_target() -> None:
    """Orders take 2.5 hourly bars to reach the venue, so each decision sees the last ones still
    in flight: counted, the long is bought once; uncounted, every bar would buy it again."""
    latency = ImportableLatencyModelConfig(
        latency_model_path="nautilus_trader.backtest.models:LatencyModel",
        config_path="nautilus_trader.backtest.config:LatencyModelConfig",
        config={"base_latency_nanos": 150 * 60 * 1_000_000_000},
    )
    config = small_config(venue=margin_venue(latency_model=latency), episode_length=None)
    env = TrainingNode(config)
    try:
        env.reset(options={"start": 10})
        positions = [env.step(2)[-1]["position"] for _ in range(8)]  # long 10,000 every bar
    finally:
        env.close()
    assert max(positions) == 10_000  # uncounted: 30,000, then back and forth
    assert positions[0] == 0 and positions[-1] == 10_000  # it took a while to fill
