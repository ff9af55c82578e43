"""`build_engine`'s engine: its fee model, episodes streamed into a reused engine, next-open
fills across gaps, and every log level."""

from __future__ import annotations

import itertools

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import market_for
from nautilus_rl_lab.nodes import build_engine
from nautilus_rl_lab.nodes.engine import default_venue, venue_fee_model
from nautilus_rl_lab.nodes.venue_models import (
    ImportableFeeModelConfig,
    ImportableLatencyModelConfig,
)
from nautilus_rl_lab.nt.engine import create_engine, run_engine, set_stream_data
from nautilus_rl_lab.nt.execution import FixedFeeModel, MakerTakerFeeModel
from nautilus_rl_lab.nt.model import Bar, OrderSide, OrderStatus, QuoteTick
from nautilus_rl_lab.nt.risk import RiskEngineConfig
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.validation import LOG_LEVELS

from .conftest import margin_venue, small_config


def test_a_venue_without_a_fee_model_gets_an_explicit_maker_taker_model() -> None:
    """The instrument's fee rates, charged by a fee model the builder names (2.0 needs one)."""
    market = market_for(small_config())
    assert type(venue_fee_model(default_venue(), market.instrument)) is MakerTakerFeeModel
    fixed = ImportableFeeModelConfig(
        fee_model_path="nautilus_trader.backtest.models:FixedFeeModel",
        config_path="nautilus_trader.backtest.config:FixedFeeModelConfig",
        config={"commission": "5.00 USD"},
    )
    assert type(venue_fee_model(margin_venue(fee_model=fixed), market.instrument)) is FixedFeeModel


class _BarTimes(Strategy):
    """Records the timestamp of every bar it sees."""

    def __init__(self, bar_type) -> None:
        super().__init__(StrategyConfig(strategy_id="TIMES-001"))
        self.bar_type, self.seen = bar_type, []

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.seen.append(bar.ts_event)


def test_the_market_stream_puts_each_close_quote_before_its_bar() -> None:
    market = market_for(small_config())
    stream = market.stream
    assert len(stream) == len(market.quotes) + len(market.bars)
    times = [datum.ts_init for datum in stream]
    assert times == sorted(times)
    positions = [i for i, datum in enumerate(stream) if isinstance(datum, Bar)]
    assert [stream[i] for i in positions] == market.bars
    for i in positions:
        before = stream[i - 1]
        assert isinstance(before, QuoteTick) and before.ts_init == stream[i].ts_init


def test_a_reused_engine_streams_exactly_each_episode_window() -> None:
    """`set_stream_data` + a streaming `run_engine` per episode, `reset()` between: each run
    delivers its own window's bars, no more (no replay of earlier or of the builder's data)."""
    market = market_for(small_config())
    engine = build_engine(margin_venue(), market)
    engine.clear_data()
    strategy = _BarTimes(market.bar_type)
    engine.add_strategy(strategy)
    stream = market.stream
    try:
        for first, last in ((10, 20), (40, 71), (10, 20)):
            start, end = market.bars[first].ts_event, market.bars[last].ts_event
            set_stream_data(engine, [d for d in stream if start <= d.ts_init <= end])
            strategy.seen.clear()
            run_engine(engine, start, end, streaming=True)
            assert strategy.seen == [bar.ts_event for bar in market.bars[first : last + 1]]
            engine.end()
            engine.reset()
    finally:
        engine.dispose()


class _FlipsEveryBar(Strategy):
    """Buys on odd bars and sells on even ones; records each fill's time, side and price."""

    def __init__(self, instrument, bar_type) -> None:
        super().__init__(StrategyConfig(strategy_id="FLIPS-001"))
        self.instrument, self.bar_type, self.bars, self.fills = instrument, bar_type, 0, []

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        side = OrderSide.BUY if self.bars % 2 else OrderSide.SELL
        quantity = self.instrument.make_qty(10_000)
        self.submit_order(self.order_factory.market(self.instrument.id, side, quantity))

    def on_order_filled(self, event) -> None:
        self.fills.append((event.ts_event, event.order_side, float(event.last_px)))


# issue 24 hazard (5): next-open fills, no look-ahead, across weekend gaps
def test_an_order_fills_at_the_next_bars_open_quote_across_weekend_gaps() -> None:
    """No stale fill across a data-less gap: the order decided on Friday's last bar reaches the
    venue with Monday's first open tick and fills at its ask (buys) or bid (sells)."""
    market = market_for(small_config())
    engine = build_engine(margin_venue(), market)
    strategy = _FlipsEveryBar(market.instrument, market.bar_type)
    engine.add_strategy(strategy)
    try:
        engine.run()
    finally:
        engine.dispose()
    hour = 3_600_000_000_000
    gaps = [b - a > hour for a, b in itertools.pairwise(market.bar_timestamps)]
    assert any(gaps)  # the window holds weekends
    assert len(strategy.fills) == len(market.bars) - 1  # every decision but the last bar's
    for (ts, side, price), open_tick in zip(strategy.fills, market.quotes[4::4], strict=True):
        assert ts == open_tick.ts_event
        quote = open_tick.ask_price if side == OrderSide.BUY else open_tick.bid_price
        assert price == float(quote)


def test_an_order_still_in_flight_when_the_data_ends_is_never_filled() -> None:
    """A venue slower than a bar (2.5 h): the orders of the last decisions never meet a quote, so
    they stay unfilled; ending the run must not fill them at the last quote, a price from before
    they arrived (NautilusTrader 2.0.0rc6's `end()` would: `GapFillModel` rejects them there)."""
    latency = ImportableLatencyModelConfig(
        latency_model_path="nautilus_trader.backtest.models:LatencyModel",
        config_path="nautilus_trader.backtest.config:LatencyModelConfig",
        config={"base_latency_nanos": 150 * 60 * 1_000_000_000},
    )
    market = market_for(small_config())
    engine = build_engine(margin_venue(latency_model=latency), market)
    strategy = _FlipsEveryBar(market.instrument, market.bar_type)
    engine.add_strategy(strategy)
    try:
        engine.run()
        statuses = [order.status for order in engine.cache.orders()]
    finally:
        engine.dispose()
    assert len(statuses) == len(market.bars)
    assert statuses.count(OrderStatus.FILLED) == len(strategy.fills) == len(market.bars) - 3
    assert max(ts for ts, _, _ in strategy.fills) <= market.bar_timestamps[-1]


@pytest.mark.parametrize("log_level", LOG_LEVELS)
def test_every_log_level_the_configs_accept_builds_an_engine(log_level: str) -> None:
    """`WARN` included: 1.221 knows it, 2.0's `LogLevel` only `WARNING`."""
    engine = create_engine(
        trader_id="RL-001",
        log_level=log_level,
        bypass_logging=True,
        run_analysis=False,
        risk_engine=RiskEngineConfig(),
    )
    engine.dispose()


def test_an_instrument_naming_none_of_several_venues_is_refused() -> None:
    market = market_for(small_config())  # EUR/USD.SIM
    with pytest.raises(ConfigError, match=r"\['EUR/USD.SIM'\] trade at none of the venues"):
        build_engine([margin_venue(name="XNAS"), margin_venue(name="XNYS")], market)
