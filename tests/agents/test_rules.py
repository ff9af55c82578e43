"""Each rule-based Agent trades, trade for trade, like its logic written as a plain Nautilus Strategy.

The twins below are ordinary Nautilus strategies: indicators updated with each bar before the
signal (`schemes.indicators`, Nautilus 1.221's on either line), a signal, and one market
order to the signed target (two on a flip: a reduce-only close, then an open). The agents reach the market through RLAgent -> AgentStrategy ->
ActionScheme (`run_backtest`). Same bundled bars, same venue: the fills must be identical.
"""

from __future__ import annotations

import pandas as pd
import pytest

from nautilus_rl_lab.agents import (
    BollingerMeanReversionAgent,
    DonchianBreakoutAgent,
    EMACrossAgent,
)
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation import market_for, run_backtest
from nautilus_rl_lab.nodes import TrainingNodeConfig, build_engine
from nautilus_rl_lab.nt.model import Bar
from nautilus_rl_lab.nt.trading import Strategy, StrategyConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.schemes.indicators import (
    BollingerBands,
    DonchianChannel,
    ExponentialMovingAverage,
)
from nautilus_rl_lab.tuning import ParamSpec, RuleTuneConfig, tune_rule
from tests.conftest import trade_to_target

CONFIG = TrainingNodeConfig(
    data=DataSourceConfig(kind="sample", start="2017-03-01", end="2017-05-01"),
    observation=SchemeConfig(name="window", params={"window": 2}),
)
TRADE_SIZE = 10_000.0  # the default target_position scheme's size
COLUMNS = ["order_side", "last_qty", "last_px", "commission", "ts_event"]


class _Twin(Strategy):
    """A plain Nautilus strategy: `signal(bar)` in {-1, 0, 1} times the size, market orders
    (a flip: a reduce-only close, then an open)."""

    def __init__(self, market) -> None:
        super().__init__(StrategyConfig(strategy_id="TWIN-001"))
        self.instrument, self.bar_type = market.instrument, market.bar_type
        self.twin_indicators: list = []

    def on_start(self) -> None:
        self.subscribe_bars(self.bar_type)

    def on_bar(self, bar: Bar) -> None:
        for indicator in self.twin_indicators:
            indicator.handle_bar(bar)
        trade_to_target(self, self.instrument, self.signal(bar) * TRADE_SIZE)

    def signal(self, bar: Bar) -> float:
        raise NotImplementedError


class _EMACrossTwin(_Twin):
    def __init__(self, market, fast: int, slow: int) -> None:
        super().__init__(market)
        self.fast, self.slow = ExponentialMovingAverage(fast), ExponentialMovingAverage(slow)
        self.twin_indicators = [self.fast, self.slow]

    def signal(self, bar: Bar) -> float:
        if not (self.fast.initialized and self.slow.initialized):
            return 0.0
        return 1.0 if self.fast.value >= self.slow.value else -1.0


class _BollingerTwin(_Twin):
    def __init__(self, market, period: int, k: float) -> None:
        super().__init__(market)
        self.bands, self.position_signal = BollingerBands(period, k), 0.0
        self.twin_indicators = [self.bands]

    def signal(self, bar: Bar) -> float:
        if self.bands.initialized:
            close = bar.close.as_double()
            if close > self.bands.upper:
                self.position_signal = -1.0
            elif close < self.bands.lower:
                self.position_signal = 1.0
            elif self.position_signal * (close - self.bands.middle) >= 0:  # back at the middle band
                self.position_signal = 0.0
        return self.position_signal


class _DonchianTwin(_Twin):
    def __init__(self, market, period: int) -> None:
        super().__init__(market)
        self.channel, self.position_signal = DonchianChannel(period), 0.0
        self.previous: tuple[float, float] | None = None  # the channel before this bar
        self.twin_indicators = [self.channel]

    def signal(self, bar: Bar) -> float:
        close = bar.close.as_double()
        if self.previous is not None:
            upper, lower = self.previous
            self.position_signal = (
                1.0 if close > upper else -1.0 if close < lower else self.position_signal
            )
        if self.channel.initialized:
            self.previous = (self.channel.upper, self.channel.lower)
        return self.position_signal


@pytest.fixture(scope="module")
def market():
    return market_for(CONFIG)


@pytest.mark.parametrize(
    ("agent", "twin"),
    [
        (EMACrossAgent(10, 20), lambda m: _EMACrossTwin(m, 10, 20)),
        (BollingerMeanReversionAgent(20, 2.0), lambda m: _BollingerTwin(m, 20, 2.0)),
        (DonchianBreakoutAgent(20), lambda m: _DonchianTwin(m, 20)),
    ],
    ids=["ema_cross", "bollinger", "donchian"],
)
def test_rule_agent_trades_like_its_plain_nautilus_strategy_twin(market, agent, twin) -> None:
    run = run_backtest(agent, CONFIG, market=market)
    engine = build_engine(CONFIG.venue, market)
    engine.add_strategy(twin(market))
    engine.run()
    plain = engine.trader.generate_fills_report()
    engine.dispose()
    assert len(run.fills) > 10  # the rule trades: the comparison has teeth
    pd.testing.assert_frame_equal(
        run.fills[COLUMNS].reset_index(drop=True), plain[COLUMNS].reset_index(drop=True)
    )


def test_donchian_breakout_is_tunable_in_tune_rule(tmp_path) -> None:
    config = RuleTuneConfig(
        rule="donchian",
        search_space={"period": ParamSpec(type="int", low=5, high=40)},
        env=CONFIG,
        objective="total_return_%",
        n_trials=3,
        run_dir=str(tmp_path / "tune"),
        study_name="donchian",
    )
    study = tune_rule(config)
    best = study.best_trial
    direct = run_backtest(DonchianBreakoutAgent(**best.params), CONFIG)
    assert direct.stats["total_return_%"] == best.value
    assert len({t.params["period"] for t in study.trials}) > 1
