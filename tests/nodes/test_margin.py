"""The margin gate (`nodes.margin`): an order beyond the venue's leverage is denied (never resized) in training and
in backtests, and the denial shows in `info`, in Nautilus' orders and in the evaluation stats.

The sizes are derived from the bars' ask price: `over` needs 20 % more margin than the equity
at the configured leverage, `under` 20 % less, so neither sits on the boundary.
"""

from __future__ import annotations

import math

import pytest

from nautilus_rl_lab.agents.simple import BuyAndHoldAgent
from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.evaluation.backtest import market_for, run_backtest
from nautilus_rl_lab.nodes import MarginCheck, build_engine
from nautilus_rl_lab.nodes.training import TrainingNode
from nautilus_rl_lab.nodes.venue_models import MarginModelConfig
from nautilus_rl_lab.nt.model import Bar, OrderSide, OrderStatus
from nautilus_rl_lab.nt.pretrade import submit_checked
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.strategies import RiskLimits
from tests.nodes.conftest import margin_venue, small_config

BALANCE = 100_000.0
LONG = 2
NO_CAP = InstrumentSpec(max_quantity=None)


def _sizes(leverage: float) -> tuple[float, float]:
    """Units needing 1.2x / 0.8x the balance as margin at `leverage`, at the data's top price."""
    frame = market_for(small_config()).frame
    top = float(frame["high"].max()) + small_config().data.quote_spreads()[0]
    low = float(frame["low"].min())
    over = math.ceil(1.2 * BALANCE * leverage / low / 1000) * 1000
    under = math.floor(0.8 * BALANCE * leverage / top / 1000) * 1000
    return over, under


def _first_step(trade_size: float, **overrides: object) -> tuple[TrainingNode, dict]:
    action = SchemeConfig(name="target_position", params={"trade_size": trade_size})
    env = TrainingNode(small_config(action=action, instrument=NO_CAP, **overrides))
    env.reset(options={"start": 10})
    return env, env.step(LONG)[-1]


def _denials(env: TrainingNode) -> list[str]:
    # the strategy's own cache: the engine's is borrowed while an episode is paused (2.0)
    return [
        order.last_event.reason
        for order in env.strategy.cache.orders()
        if order.status == OrderStatus.DENIED
    ]


# issue 24 hazard (4): an order beyond the margin is refused, never resized
def test_order_beyond_the_default_30_to_1_leverage_is_denied_not_resized() -> None:
    over, under = _sizes(30.0)
    env, info = _first_step(over)
    try:
        assert info["orders_denied"] == 1 and info["trades"] == 0 and info["position"] == 0
        assert info["equity"] == BALANCE
        (reason,) = _denials(env)
        assert "MARGIN_EXCEEDS_EQUITY" in reason and f"{over}" in reason
        assert [order.status for order in env.strategy.cache.orders()] == [OrderStatus.DENIED]
    finally:
        env.close()
    env, info = _first_step(under)
    try:
        assert info["orders_denied"] == 0 and info["position"] == under
    finally:
        env.close()


def test_denials_are_counted_per_episode_and_the_gate_survives_reset() -> None:
    over, _ = _sizes(30.0)
    action = SchemeConfig(name="target_position", params={"trade_size": over})
    env = TrainingNode(small_config(action=action, instrument=NO_CAP))
    try:
        for _ in range(2):
            env.reset(options={"start": 10})
            infos = [env.step(LONG)[-1] for _ in range(3)]
            assert [i["orders_denied"] for i in infos] == [1, 2, 3]
            assert all(i["position"] == 0 for i in infos)
    finally:
        env.close()


def test_per_instrument_leverage_overrides_the_default() -> None:
    _, under_30 = _sizes(30.0)
    over_10, _ = _sizes(10.0)
    assert over_10 < under_30
    venue = margin_venue(leverages={"EUR/USD.SIM": 10.0})
    env, info = _first_step(over_10, venue=venue)
    env.close()
    assert info["orders_denied"] == 1 and info["position"] == 0


def test_standard_margin_model_takes_its_leverage_from_margin_init() -> None:
    over, under = _sizes(20.0)
    venue = margin_venue(
        default_leverage=1.0, margin_model=MarginModelConfig(model_type="standard")
    )
    instrument = InstrumentSpec(max_quantity=None, margin_init=0.05, margin_maint=0.05)
    for size, denied in ((over, 1), (under, 0)):
        action = SchemeConfig(name="target_position", params={"trade_size": size})
        env = TrainingNode(small_config(action=action, instrument=instrument, venue=venue))
        try:
            env.reset(options={"start": 10})
            info = env.step(LONG)[-1]
            assert info["orders_denied"] == denied
            assert info["position"] == (0 if denied else size)
        finally:
            env.close()


@pytest.mark.parametrize("leveraged", [True, False])
def test_backtest_reports_the_denial_in_its_stats(leveraged: bool) -> None:
    over, under = _sizes(30.0)
    size = over if leveraged else under
    action = SchemeConfig(name="target_position", params={"trade_size": size})
    config = small_config(action=action, instrument=NO_CAP)
    run = run_backtest(BuyAndHoldAgent(config.action), config)
    if leveraged:  # asked again on every bar, denied every time
        assert run.stats["orders_denied"] >= 1 and run.stats["fills"] == 0
        assert run.equity.eq(BALANCE).all()
    else:
        assert run.stats["orders_denied"] == 0 and run.stats["orders"] == run.stats["fills"] == 1


def test_a_flip_closes_reduce_only_and_the_gate_checks_the_open_against_the_orders_in_flight() -> (
    None
):
    """Long 40 % of `over`, then short all of it: the close passes, the short needs 1.2x the
    equity and is denied (the gate counts the close still in flight, not the stale long)."""
    over, _ = _sizes(30.0)
    action = SchemeConfig(name="continuous", params={"max_position": over})
    env = TrainingNode(small_config(action=action, instrument=NO_CAP))
    try:
        env.reset(options={"start": 10})
        long = env.step([0.4])[-1]
        assert long["orders_denied"] == 0 and 0 < long["position"] < 0.5 * over
        flipped = env.step([-1.0])[-1]
        assert flipped["orders_denied"] == 1 and flipped["position"] == 0
        (reason,) = _denials(env)
        assert "MARGIN_EXCEEDS_EQUITY" in reason and f"-{over}" in reason
    finally:
        env.close()


class _AsksMarginCheck(Strategy):
    """On its second bar asks a `MarginCheck` of its own cache and portfolio about two orders."""

    def __init__(self, instrument, bar_type, sizes: tuple[float, float]) -> None:
        super().__init__(StrategyConfig(strategy_id="ASKS-001"))
        self.instrument, self.bar_type, self.sizes = instrument, bar_type, sizes
        self.bars, self.answers = 0, []

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars == 2:
            check = MarginCheck(self.cache, self.portfolio)
            for size in self.sizes:
                quantity = self.instrument.make_qty(size)
                order = self.order_factory.market(self.instrument.id, OrderSide.BUY, quantity)
                self.answers.append(check.denial(order))


def test_a_strategy_can_check_margin_through_its_own_cache_and_portfolio() -> None:
    """The check needs no engine internals: what a strategy asks on NautilusTrader 2, where the
    gate cannot sit in front of the risk engine."""
    over, under = _sizes(30.0)
    market = market_for(small_config(instrument=NO_CAP))
    engine = build_engine(margin_venue(), market)
    strategy = _AsksMarginCheck(market.instrument, market.bar_type, (over, under))
    engine.add_strategy(strategy)
    try:
        engine.run()
    finally:
        engine.dispose()
    denial, allowed = strategy.answers
    assert denial is not None and denial.startswith("MARGIN_EXCEEDS_EQUITY")
    assert "at leverage 30" in denial and allowed is None


class _SubmitsOnce(Strategy):
    """On its second bar submits a market BUY of `size` straight to Nautilus (`submit_order`)."""

    def __init__(self, instrument, bar_type, size: float) -> None:
        super().__init__(StrategyConfig(strategy_id="ONCE-001"))
        self.instrument, self.bar_type, self.size, self.bars = instrument, bar_type, size, 0

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars == 2:
            quantity = self.instrument.make_qty(self.size)
            self.submit_order(
                self.order_factory.market(self.instrument.id, OrderSide.BUY, quantity)
            )


def test_an_order_submitted_straight_to_nautilus_beyond_the_margin_is_refused() -> None:
    """Hazard: a margin account never trades past its margin without a clear refusal, whatever
    the strategy. 1.221: the gate in front of the risk engine denies it; NautilusTrader 2 (where
    the gate sees only `submit_checked`): Nautilus' own initial margin check denies it."""
    over, _ = _sizes(30.0)
    market = market_for(small_config(instrument=NO_CAP))
    engine = build_engine(margin_venue(), market)
    strategy = _SubmitsOnce(market.instrument, market.bar_type, over)
    engine.add_strategy(strategy)
    try:
        engine.run()
        (order,) = engine.cache.orders()
        reason = order.last_event.reason
        positions = engine.cache.positions()
    finally:
        engine.dispose()
    assert order.status == OrderStatus.DENIED and positions == []
    assert reason.startswith(("MARGIN_EXCEEDS_EQUITY", "INITIAL_MARGIN_EXCEEDS_FREE_BALANCE"))


class _SubmitsStraightThenChecked(Strategy):
    """On its second bar submits a BUY straight to Nautilus (`submit_order`, never offered to
    the gate), then a BUY through `submit_checked`, in the same handler."""

    def __init__(self, instrument, bar_type, sizes: tuple[float, float]) -> None:
        super().__init__(StrategyConfig(strategy_id="BOTH-001"))
        self.instrument, self.bar_type, self.sizes, self.bars = instrument, bar_type, sizes, 0

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars == 2:
            straight, checked = (
                self.order_factory.market(
                    self.instrument.id, OrderSide.BUY, self.instrument.make_qty(size)
                )
                for size in self.sizes
            )
            self.submit_order(straight)
            submit_checked(self, checked)


def test_the_gate_counts_an_order_submitted_straight_to_nautilus_and_not_processed_yet() -> None:
    """The straight BUY is still INITIALIZED when the gate checks the second (2.0 processes the
    submit after the handler): the gate finds it among the instrument's orders although it was
    never offered, so both together (`over`) are denied, not the second alone (60 %)."""
    over, _ = _sizes(30.0)
    first = round(0.4 * over / 1000) * 1000
    market = market_for(small_config(instrument=NO_CAP))
    engine = build_engine(margin_venue(), market)
    strategy = _SubmitsStraightThenChecked(
        market.instrument, market.bar_type, (first, over - first)
    )
    engine.add_strategy(strategy)
    try:
        engine.run()
        straight, checked = sorted(engine.cache.orders(), key=lambda order: order.ts_init)
        reason = checked.last_event.reason
        statuses = straight.status, checked.status
    finally:
        engine.dispose()
    assert statuses == (OrderStatus.FILLED, OrderStatus.DENIED)
    assert reason.startswith("MARGIN_EXCEEDS_EQUITY") and f" {over}" in reason


def test_a_protected_entry_beyond_the_margin_is_refused() -> None:
    """A venue stop-loss makes the entry an order list; NautilusTrader 2 denies the whole list."""
    over, _ = _sizes(30.0)
    action = SchemeConfig(name="target_position", params={"trade_size": over})
    config = small_config(action=action, instrument=NO_CAP, risk=RiskLimits(stop_loss=0.01))
    env = TrainingNode(config)
    try:
        env.reset(options={"start": 10})
        info = env.step(LONG)[-1]
        assert info["orders_denied"] >= 1 and info["position"] == 0
        assert info["equity"] == BALANCE
        assert any("MARGIN" in reason for reason in _denials(env))
    finally:
        env.close()
