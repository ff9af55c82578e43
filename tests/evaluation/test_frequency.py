"""Statistics at the data's frequency: monthly, weekly, daily and intraday bars, each calendar."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.agents import BuyAndHoldAgent
from nautilus_rl_lab.data.instruments import InstrumentSpec
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import market_for, run_backtest
from nautilus_rl_lab.evaluation.frequency import return_frequency
from nautilus_rl_lab.evaluation.statistics import performance_figures
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.nt.model import AssetClass, BarType
from nautilus_rl_lab.schemes import SchemeConfig

WINDOW = SchemeConfig(name="window", params={"window": 2})


def ohlcv(index: pd.DatetimeIndex, seed: int = 0) -> pd.DataFrame:
    """A random walk on `index`, +30 % drift and 30 % volatility over the whole range
    (prices rounded to the instrument's 5 decimals)."""
    rng = np.random.default_rng(seed)
    n = len(index)
    close = 1.1 * np.exp(np.cumsum(rng.normal(0.3 / n, 0.3 / math.sqrt(n), n)))
    open_ = np.r_[1.1, close[:-1]]
    return pd.DataFrame(
        {"open": open_, "high": np.maximum(open_, close) * 1.001,
         "low": np.minimum(open_, close) * 0.999, "close": close, "volume": 1e9},
        index=index,
    ).round(5)  # fmt: skip


def buy_and_hold(index: pd.DatetimeIndex, aggregation: str, **overrides: object):
    env = TrainingNodeConfig(
        data=DataSourceConfig(kind="frame"),
        bar_aggregation=aggregation,
        observation=WINDOW,
        **overrides,
    )
    market = market_for(env, ohlcv(index))
    return run_backtest(BuyAndHoldAgent(env.action), env, market=market)


def annualised_sharpe(returns: pd.Series, periods: float) -> float:
    return float(returns.mean() / returns.std(ddof=1) * math.sqrt(periods))


@pytest.mark.parametrize(
    ("freq", "aggregation", "periods", "name"),
    [("MS", "MONTH", 12, "monthly"), ("W-MON", "WEEK", 52, "weekly"), ("B", "DAY", 260, "daily")],
)
def test_buy_and_hold_is_annualised_at_its_bars_frequency(
    freq: str, aggregation: str, periods: int, name: str
) -> None:
    run = buy_and_hold(pd.date_range("2010-01-01", periods=40, freq=freq, tz="UTC"), aggregation)
    frequency = run.return_frequency
    assert (frequency.name, frequency.periods_per_year) == (name, periods)
    returns = run.returns
    assert len(returns) == len(run.equity) > 30  # one return per bar
    stats = run.stats
    assert stats["sharpe"] == pytest.approx(annualised_sharpe(returns, periods), rel=1e-9)
    assert stats["volatility_%"] == pytest.approx(returns.std() * math.sqrt(periods) * 100)
    growth = run.equity.iloc[-1] / run.equity.iloc[0]
    cagr = (growth ** (periods / len(returns)) - 1) * 100
    assert stats["cagr_%"] == pytest.approx(cagr, rel=1e-9)
    assert stats["calmar"] == pytest.approx(cagr / -stats["max_drawdown_%"], rel=1e-9)


def test_one_minute_bars_are_resampled_to_the_trading_day() -> None:
    # bars are stamped at their close: the last bar, opened 23:58 on day 3, closes on day 3
    index = pd.date_range("2017-03-06", periods=3 * 1440 - 1, freq="1min", tz="UTC")
    run = buy_and_hold(index, "MINUTE")
    frequency = run.return_frequency
    assert (frequency.name, frequency.periods_per_year) == ("daily", 260)
    assert "1-MINUTE-ASK bars resampled to the UTC day" in frequency.describe()
    assert len(run.returns) == 3
    assert run.stats["sharpe"] == pytest.approx(annualised_sharpe(run.returns, 260), rel=1e-9)


def test_the_calendar_follows_the_asset_class_or_the_config() -> None:
    day = BarType.from_str("EUR/USD.SIM-1-DAY-ASK-EXTERNAL")
    assert return_frequency(day, AssetClass.FX).periods_per_year == 260
    assert return_frequency(day, AssetClass.EQUITY).periods_per_year == 252
    assert return_frequency(day, AssetClass.CRYPTOCURRENCY).periods_per_year == 365
    assert return_frequency(day, AssetClass.INDEX).periods_per_year == 252
    assert return_frequency(day, AssetClass.FX, trading_days=250).periods_per_year == 250
    two_days = BarType.from_str("EUR/USD.SIM-2-DAY-ASK-EXTERNAL")
    assert return_frequency(two_days, AssetClass.FX).periods_per_year == 130
    index = pd.date_range("2010-01-01", periods=20, freq="B", tz="UTC")
    equity_run = buy_and_hold(index, "DAY", instrument=InstrumentSpec(symbol="AAPL", kind="equity",
                              price_precision=5, min_quantity=1, lot_size=1))  # fmt: skip
    assert equity_run.return_frequency.periods_per_year == 252
    configured = buy_and_hold(index, "DAY", trading_days=365)
    assert configured.return_frequency.periods_per_year == 365
    assert "365 trading days a year (configured)" in configured.return_frequency.describe()
    with pytest.raises(ConfigError, match="trading_days"):
        TrainingNodeConfig(trading_days=0)


def test_data_spaced_wider_than_the_bar_type_set_the_frequency() -> None:
    hour = BarType.from_str("EUR/USD.SIM-1-HOUR-ASK-EXTERNAL")
    monthly = pd.date_range("2010-01-01", periods=12, freq="MS", tz="UTC")
    frequency = return_frequency(hour, AssetClass.FX, monthly)
    assert (frequency.name, frequency.periods_per_year) == ("monthly", 12)
    assert "days apart" in frequency.source
    month = BarType.from_str("EUR/USD.SIM-1-MONTH-ASK-EXTERNAL")
    assert return_frequency(month, AssetClass.FX, monthly).source == "one per 1-MONTH-ASK bar"


def test_a_one_day_window_gives_no_annualised_figure_and_says_why() -> None:
    index = pd.date_range("2017-03-06", periods=24, freq="1h", tz="UTC")
    equity = pd.Series(np.linspace(100_000, 99_000, 24), index=index)  # losing all day
    frequency = return_frequency(None, AssetClass.FX, index)
    returns = equity.resample("1D").last()
    figures, notes = performance_figures(equity, returns / equity.iloc[0] - 1, frequency)
    for key in ("sharpe", "sortino", "cagr_%", "volatility_%", "calmar", "psr"):
        assert math.isnan(figures[key]), key
    assert (
        notes["sharpe"] == notes["sortino"] == notes["cagr_%"] == "needs ≥ 2 daily returns, has 1"
    )
    assert notes["psr"] == "needs ≥ 3 daily returns, has 1"
    assert figures["total_return_%"] == pytest.approx(-1.0)
    assert figures["max_drawdown_%"] == pytest.approx(-1.0)


def test_undefined_ratios_are_nan_with_the_reason_and_a_flat_curve_is_zero() -> None:
    index = pd.date_range("2017-03-06", periods=5, freq="1D", tz="UTC")
    frequency = return_frequency(None, AssetClass.FX, index)
    rising = pd.Series([100.0, 101, 102, 103, 104], index=index)
    figures, notes = performance_figures(rising, rising.pct_change().dropna(), frequency)
    assert math.isnan(figures["sortino"]) and notes["sortino"] == "no losing daily return"
    assert math.isnan(figures["calmar"]) and notes["calmar"] == "no drawdown"
    assert figures["sharpe"] > 0 and "sharpe" not in notes
    flat = pd.Series(100.0, index=index)
    figures, notes = performance_figures(flat, flat.pct_change().dropna(), frequency)
    assert figures["sharpe"] == figures["sortino"] == 0.0 and figures["cagr_%"] == 0.0


def test_the_dsr_trial_variance_is_de_annualised_at_each_trials_frequency() -> None:
    import optuna

    from nautilus_rl_lab.tuning import trial_sharpes

    study = optuna.create_study(direction="maximize")
    for sharpe in (1.2, 2.4, 3.6, math.nan):  # monthly trials; the NaN one had too short a window
        metrics = {"sharpe": sharpe, "periods_per_year": 12.0}
        study.add_trial(optuna.trial.create_trial(value=0.0, user_attrs={"metrics": metrics}))
    n_trials, variance = trial_sharpes(study)
    assert n_trials == 4
    assert variance == pytest.approx(np.var(np.array([1.2, 2.4, 3.6]) / math.sqrt(12), ddof=1))
