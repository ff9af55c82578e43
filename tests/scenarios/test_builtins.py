"""Each built-in scenario shows the property its description claims (at the fast and default length)."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.agents.rules import EMACrossAgent
from nautilus_rl_lab.data.synthetic import regime_labels
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.backtest import market_for, run_backtest
from nautilus_rl_lab.scenarios import (
    ScenarioConfig,
    builtin_portfolio_scenarios,
    builtin_scenarios,
)
from nautilus_rl_lab.scenarios.builtins import (
    CRASH_VOLATILITY,
    DEFAULT_BARS,
    FAST_BARS,
    FLASH_DEPTH,
    FLASH_RECOVERY,
    FLASH_RECOVERY_BARS,
    OUTAGE_BARS,
    QUARTERS,
    SPIKE_MULTIPLIER,
    VOLATILITY,
    WIDE_SPREAD,
)

LENGTHS = (FAST_BARS, DEFAULT_BARS)


def _log_returns(frame: pd.DataFrame) -> np.ndarray:
    return np.diff(np.log(frame["close"].to_numpy()))


def _trend_sigmas(scenario: ScenarioConfig, n: int) -> float:
    frame = scenario.frame()
    return float(
        np.log(frame["close"].iloc[-1] / frame["open"].iloc[0]) / (VOLATILITY * np.sqrt(n))
    )


def check_trend_up(scenario: ScenarioConfig, n: int) -> None:
    assert _trend_sigmas(scenario, n) > 2.0


def check_trend_down(scenario: ScenarioConfig, n: int) -> None:
    assert _trend_sigmas(scenario, n) < -2.0


def check_mean_reversion(scenario: ScenarioConfig, n: int) -> None:
    returns = _log_returns(scenario.frame())
    assert np.corrcoef(returns[:-1], returns[1:])[0, 1] < -0.08


def check_regime_switch(scenario: ScenarioConfig, n: int) -> None:
    params = scenario.params
    labels = regime_labels(
        n, n_regimes=2, mean_duration=params["mean_duration"], seed=scenario.seed
    )
    frame = scenario.frame()
    bar_moves = np.log(frame["close"] / frame["open"]).to_numpy()
    assert set(labels) == {0, 1} and np.any(np.diff(labels) != 0)
    assert bar_moves[labels == 1].std() > 3.0 * bar_moves[labels == 0].std()


def check_volatility_spike(scenario: ScenarioConfig, n: int) -> None:
    frame = scenario.frame()
    bar_moves = np.log(frame["close"] / frame["open"]).to_numpy()
    spike = np.zeros(n, dtype=bool)
    spike[n // 2 : n // 2 + n // 10] = True
    assert bar_moves[spike].std() > 0.6 * SPIKE_MULTIPLIER * bar_moves[~spike].std()


def check_flash_crash(scenario: ScenarioConfig, n: int) -> None:
    frame = scenario.frame()
    crash = n // 2
    bar = frame.iloc[crash]
    assert bar["low"] <= bar["open"] * (1.0 - 0.9 * FLASH_DEPTH)  # falls within one bar
    before = frame["close"].iloc[crash - 1]
    assert frame["low"].iloc[: crash - 1].min() > before * (
        1.0 - FLASH_DEPTH / 2
    )  # no earlier crash
    later = frame["close"].iloc[crash + FLASH_RECOVERY_BARS]
    regained = (later - bar["low"]) / (bar["open"] - bar["low"])
    assert regained > 0.75 * FLASH_RECOVERY


def check_weekend_gap(scenario: ScenarioConfig, n: int) -> None:
    frame = scenario.frame()
    hour_of_week = frame.index.dayofweek * 24 + frame.index.hour
    assert not np.any((hour_of_week >= 4 * 24 + 22) & (hour_of_week < 6 * 24 + 22))
    step = frame.index.to_series().diff()
    gaps = step >= pd.Timedelta("48h")
    assert gaps.sum() >= 2
    jump = (frame["open"] / frame["close"].shift() - 1.0).abs()
    assert (jump[~gaps].iloc[1:] == 0).all()  # within the week every bar opens at the last close
    assert (jump[gaps] > 0).all()
    assert jump[gaps].mean() > (frame["close"] / frame["open"] - 1.0).abs().median()


def check_wide_spread(scenario: ScenarioConfig, n: int) -> None:
    frame = scenario.frame()
    assert (frame["high"] == frame["low"]).mean() > 0.2  # stale, illiquid bars
    assert scenario.spread == WIDE_SPREAD and scenario.commission and scenario.prob_slippage > 0


def check_data_outage(scenario: ScenarioConfig, n: int) -> None:
    frame = scenario.frame()
    assert len(frame) == n - OUTAGE_BARS
    step = frame.index.to_series().diff().dropna()
    assert (step > pd.Timedelta("1h")).sum() == 1
    assert step.max() == pd.Timedelta(hours=OUTAGE_BARS + 1)
    assert 0.3 * n < int(np.argmax(step.to_numpy())) < 0.7 * n  # mid-session


def _check_quarter(quarter: int) -> Callable[[ScenarioConfig, int], None]:
    def check(scenario: ScenarioConfig, n: int) -> None:
        start, end = (pd.Timestamp(t, tz="UTC") for t in QUARTERS[quarter - 1])
        frame = scenario.frame()
        assert len(frame) == n or frame.index[-1] >= end - pd.Timedelta("4D")
        assert frame.index[0] < start + pd.Timedelta("4D")
        assert start <= frame.index[0] and frame.index[-1] < end

    return check


CHECKS: dict[str, Callable[[ScenarioConfig, int], None]] = {
    "trend_up": check_trend_up,
    "trend_down": check_trend_down,
    "mean_reversion": check_mean_reversion,
    "regime_switch": check_regime_switch,
    "volatility_spike": check_volatility_spike,
    "flash_crash": check_flash_crash,
    "weekend_gap": check_weekend_gap,
    "wide_spread": check_wide_spread,
    "data_outage": check_data_outage,
    **{f"eurusd_2017_q{q}": _check_quarter(q) for q in range(1, 5)},
}


def test_every_builtin_scenario_has_a_property_check() -> None:
    assert set(builtin_scenarios(FAST_BARS)) == set(CHECKS)


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_builtin_scenario_shows_its_property(name: str, n: int) -> None:
    CHECKS[name](builtin_scenarios(n)[name], n)


def test_scenarios_are_reproducible_and_seeds_matter() -> None:
    scenario = builtin_scenarios(FAST_BARS)["flash_crash"]
    pd.testing.assert_frame_equal(scenario.frame(), scenario.frame())
    other = msgspec.structs.replace(scenario, seed=scenario.seed + 1)
    assert not scenario.frame().equals(other.frame())


def test_too_short_builtins_are_refused() -> None:
    with pytest.raises(ConfigError, match="`n_bars`"):
        builtin_scenarios(10)


def _order_costs(fills: pd.DataFrame) -> pd.DataFrame:
    """Per order: side, VWAP and commission, in submission order."""
    fills = fills.assign(
        notional=fills["last_px"].astype(float) * fills["last_qty"].astype(float),
        qty=fills["last_qty"].astype(float),
        fee=fills["commission"].map(lambda c: float(str(c).split()[0])),
    )
    orders = fills.groupby("venue_order_id", sort=False).agg(
        side=("order_side", "first"),
        notional=("notional", "sum"),
        qty=("qty", "sum"),
        fee=("fee", "sum"),
        ts=("ts_event", "first"),
    )
    orders["vwap"] = orders["notional"] / orders["qty"]
    return orders.sort_values("ts").reset_index(drop=True)


def test_wide_spread_fills_cost_more_than_the_base_venue_for_the_same_orders() -> None:
    wide = builtin_scenarios(FAST_BARS)["wide_spread"]
    base = msgspec.structs.replace(wide, spread=None, prob_slippage=0.0, commission=None)
    costs = {}
    for label, scenario in (("wide", wide), ("base", base)):
        config = scenario.node_config()
        run = run_backtest(EMACrossAgent(), config, market=market_for(config, scenario.frame()))
        costs[label] = _order_costs(run.fills)
    wide_orders, base_orders = costs["wide"], costs["base"]
    assert len(wide_orders) == len(base_orders) >= 4
    assert (wide_orders["side"] == base_orders["side"]).all()
    assert (wide_orders["qty"] == base_orders["qty"]).all()
    buys = wide_orders["side"].astype(str).str.contains("BUY")
    assert (wide_orders.loc[buys, "vwap"] >= base_orders.loc[buys, "vwap"]).all()
    assert (wide_orders.loc[~buys, "vwap"] <= base_orders.loc[~buys, "vwap"] - 0.0008).all()
    assert (wide_orders["fee"] == 10.0).all() and (wide_orders["fee"] > base_orders["fee"]).all()
    slipped = wide_orders.loc[buys, "vwap"] > base_orders.loc[buys, "vwap"]
    assert slipped.any()  # the fill model's slippage moved some buys by a tick


# Portfolio scenarios: each property measured on the generated markets.

N_ASSETS = 3


def _closes(scenario: ScenarioConfig) -> pd.DataFrame:
    """Every asset's closes by bar time (NaN where an asset has no bar)."""
    return pd.concat({i: frame["close"] for i, frame in enumerate(scenario.frames())}, axis=1)


def _pairwise(returns: pd.DataFrame) -> np.ndarray:
    """The correlations of every pair of columns."""
    return returns.corr().to_numpy()[np.triu_indices(returns.shape[1], 1)]


def _event(scenario: ScenarioConfig) -> slice:
    """The log returns into the bars of the scenario's event, as row positions."""
    start, length = scenario.params["event_start"], scenario.params["event_bars"]
    return slice(start, start + length)


@pytest.mark.parametrize("n", LENGTHS)
def test_portfolio_crash_jumps_correlations_to_one_raises_volatility_and_drops_every_asset(
    n: int,
) -> None:
    scenario = builtin_portfolio_scenarios(N_ASSETS, n)["portfolio_crash"]
    closes = _closes(scenario)
    returns = np.log(closes).diff()
    crash, before = returns.iloc[_event(scenario)], returns.iloc[1 : _event(scenario).start]
    assert (_pairwise(crash) >= 0.9).all()
    assert (_pairwise(before) < 0.75).all()  # calm: CALM_CORRELATION, far from one
    assert (crash.std() > 0.6 * CRASH_VOLATILITY * before.std()).all()
    start, stop = _event(scenario).start, _event(scenario).stop
    assert (closes.iloc[stop - 1] < closes.iloc[start - 1]).all()  # every asset fell


@pytest.mark.parametrize("n", LENGTHS)
def test_portfolio_dispersion_decorrelates_the_assets_and_spreads_them_up_and_down(
    n: int,
) -> None:
    scenario = builtin_portfolio_scenarios(N_ASSETS, n)["portfolio_dispersion"]
    closes = _closes(scenario)
    returns = np.log(closes).diff()
    event = _event(scenario)
    spread, before = returns.iloc[event], returns.iloc[1 : event.start]
    assert (np.abs(_pairwise(spread)) < 0.25).all()
    assert (_pairwise(before) > 0.3).all()
    moves = np.log(closes.iloc[event.stop - 1] / closes.iloc[event.start - 1])
    noise = VOLATILITY * np.sqrt(event.stop - event.start)
    assert (moves[0::2] > noise).all() and (moves[1::2] < -noise).all()  # even up, odd down


@pytest.mark.parametrize("n", LENGTHS)
def test_portfolio_halt_removes_one_assets_bars_for_a_stretch_and_only_those(n: int) -> None:
    scenario = builtin_portfolio_scenarios(N_ASSETS, n)["portfolio_halt"]
    frames = scenario.frames()
    (halt,) = scenario.transforms
    start, length = halt.params["start_bar"], halt.params["n_bars"]
    assert halt.asset == N_ASSETS - 1 and length >= n // 10
    halted, other = frames[N_ASSETS - 1], frames[0]
    assert all(len(frame) == n for frame in frames[:-1]) and len(halted) == n - length
    missing = other.index[start : start + length]
    assert not halted.index.isin(missing).any()
    assert halted.index.equals(other.index.drop(missing))


def test_portfolio_scenarios_are_reproducible_and_need_two_assets() -> None:
    scenario = builtin_portfolio_scenarios(2, FAST_BARS)["portfolio_crash"]
    for frame, again in zip(scenario.frames(), scenario.frames(), strict=True):
        pd.testing.assert_frame_equal(frame, again)
    with pytest.raises(ConfigError, match="`n_assets`"):
        builtin_portfolio_scenarios(1)
