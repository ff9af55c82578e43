"""`build_engine`'s quiet engine: what it skips and what it keeps."""

from __future__ import annotations

import pytest
from nautilus_trader.config import StrategyConfig

from nautilus_rl_lab.evaluation import market_for
from nautilus_rl_lab.nodes import build_engine
from nautilus_rl_lab.nodes.engine import default_venue, venue_fee_model
from nautilus_rl_lab.nodes.venue_models import ImportableFeeModelConfig
from nautilus_rl_lab.nt.engine import QuietBacktestEngine
from nautilus_rl_lab.nt.execution import FixedFeeModel, MakerTakerFeeModel
from nautilus_rl_lab.nt.model import Bar, OrderSide
from nautilus_rl_lab.nt.trading import Strategy

from .conftest import margin_venue, small_config


class _RoundTrips(Strategy):
    """Goes long 10,000 units on every 4th bar and flat two bars later: closed positions."""

    def __init__(self, instrument, bar_type) -> None:
        super().__init__(StrategyConfig(strategy_id="TRIPS-001"))
        self.instrument, self.bar_type, self.bars = instrument, bar_type, 0

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars % 4 in (1, 3):
            side = OrderSide.BUY if self.bars % 4 == 1 else OrderSide.SELL
            quantity = self.instrument.make_qty(10_000)
            self.submit_order(self.order_factory.market(self.instrument.id, side, quantity))


@pytest.mark.parametrize("run_analysis", [True, False])
def test_the_post_run_analysis_runs_exactly_when_asked(run_analysis: bool) -> None:
    """The quiet engine skips Nautilus' post-run report but not the statistics it computes."""
    config = small_config()
    market = market_for(config)
    engine = build_engine(config.venue, market, run_analysis=run_analysis)
    assert isinstance(engine, QuietBacktestEngine)
    engine.add_strategy(_RoundTrips(market.instrument, market.bar_type))
    engine.run()
    assert len(engine.cache.position_snapshots()) > 5  # NETTING: closed round trips
    analyzer = engine.portfolio.analyzer
    assert (len(analyzer.returns()) > 0) is run_analysis
    assert bool(analyzer.currencies) is run_analysis
    engine.dispose()


def test_a_venue_without_a_fee_model_gets_an_explicit_maker_taker_model() -> None:
    """The instrument's fee rates, charged by a fee model the builder names (NT2 needs one)."""
    market = market_for(small_config())
    assert type(venue_fee_model(default_venue(), market.instrument)) is MakerTakerFeeModel
    fixed = ImportableFeeModelConfig(
        fee_model_path="nautilus_trader.backtest.models:FixedFeeModel",
        config_path="nautilus_trader.backtest.config:FixedFeeModelConfig",
        config={"commission": "5.00 USD"},
    )
    assert type(venue_fee_model(margin_venue(fee_model=fixed), market.instrument)) is FixedFeeModel
