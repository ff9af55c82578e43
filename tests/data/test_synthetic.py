"""Synthetic markets: seeded, valid OHLCV, and each shows the property it is named after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.data import synthetic, to_bars, to_quote_ticks, validate_ohlcv
from nautilus_rl_lab.errors import ConfigError

GENERATORS: dict[str, Callable[..., pd.DataFrame]] = {
    "gbm": synthetic.gbm,
    "ornstein_uhlenbeck": synthetic.ornstein_uhlenbeck,
    "regime_switching": synthetic.regime_switching,
    "jump_diffusion": synthetic.jump_diffusion,
    "flash_crash": synthetic.flash_crash,
}


def _log_returns(df: pd.DataFrame) -> np.ndarray:
    return np.diff(np.log(df["close"].to_numpy()))


def _lag1_autocorr(x: np.ndarray) -> float:
    return float(np.corrcoef(x[1:], x[:-1])[0, 1])


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_seed_gives_identical_frame_and_other_seed_differs(name: str) -> None:
    generate = GENERATORS[name]
    a, b = generate(500, seed=11), generate(500, seed=11)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a["close"].equals(generate(500, seed=12)["close"])


@pytest.mark.parametrize("name", list(GENERATORS))
def test_frames_follow_the_ohlcv_convention(name: str) -> None:
    df = GENERATORS[name](300, seed=3, start="2022-06-01 09:00", freq="15min", start_price=50.0)
    pd.testing.assert_frame_equal(validate_ohlcv(df), df)
    assert df.index[0] == pd.Timestamp("2022-06-01 09:00", tz="UTC")
    assert (df.index.to_series().diff().dropna() == pd.Timedelta("15min")).all()
    assert df["open"].iloc[0] == 50.0
    # Each bar opens at the previous close, and its range covers both.
    np.testing.assert_array_equal(df["open"].to_numpy()[1:], df["close"].to_numpy()[:-1])
    assert (df["high"] > df["low"]).mean() > 0.95  # real intrabar range
    assert (df["volume"] > 0).all()


def test_gbm_has_the_requested_volatility_and_no_autocorrelation() -> None:
    r = _log_returns(synthetic.gbm(6000, seed=1, volatility=0.002))
    assert r.std() == pytest.approx(0.002, rel=0.05)
    assert abs(_lag1_autocorr(r)) < 0.05


def test_ornstein_uhlenbeck_mean_reverts_at_the_bar_scale() -> None:
    half_life = 2.0
    df = synthetic.ornstein_uhlenbeck(
        6000, seed=5, half_life=half_life, start_price=1.2, mean_price=1.2
    )
    log_close = np.log(df["close"].to_numpy())
    r = np.diff(log_close)
    # AR(1) theory for closes sampled every bar: corr = -(1 - 2**(-1/h)) / 2 = -0.146.
    assert _lag1_autocorr(r) < -0.1
    # Regress the next change on the deviation from the mean: slope = 2**(-1/h) - 1.
    deviation = log_close[:-1] - np.log(1.2)
    slope = np.polyfit(deviation, r, 1)[0]
    estimated_half_life = -np.log(2) / np.log1p(slope)
    assert estimated_half_life == pytest.approx(half_life, rel=0.25)
    # It stays near its mean instead of wandering off like a random walk.
    assert abs(np.log(df["close"]).mean() - np.log(1.2)) < 0.001
    gbm = synthetic.gbm(6000, seed=5)
    assert df["close"].std() < gbm["close"].std() / 3


def test_ornstein_uhlenbeck_starting_away_from_the_mean_is_pulled_back() -> None:
    df = synthetic.ornstein_uhlenbeck(60, seed=2, start_price=1.3, mean_price=1.2, half_life=5)
    assert df["close"].iloc[-10:].mean() == pytest.approx(1.2, abs=0.005)


def test_regime_switching_volatility_follows_the_drawn_regimes() -> None:
    kwargs = {"mean_duration": 100.0, "seed": 9}
    df = synthetic.regime_switching(6000, regimes=((0.0, 0.0005), (0.0, 0.002)), **kwargs)
    labels = synthetic.regime_labels(6000, n_regimes=2, **kwargs)
    assert 0.2 < labels.mean() < 0.8  # both regimes occur
    r = _log_returns(df)
    calm, wild = r[labels[1:] == 0].std(), r[labels[1:] == 1].std()
    assert wild / calm == pytest.approx(4.0, rel=0.2)


def test_jumps_fatten_the_tails() -> None:
    def excess_kurtosis(x: np.ndarray) -> float:
        return float(((x - x.mean()) ** 4).mean() / x.var() ** 2 - 3)

    jumpy = _log_returns(synthetic.jump_diffusion(6000, seed=4, jump_rate=0.02, jump_std=0.01))
    plain = _log_returns(synthetic.gbm(6000, seed=4))
    assert excess_kurtosis(jumpy) > 5
    assert abs(excess_kurtosis(plain)) < 0.5


def test_flash_crash_drops_inside_one_bar_then_recovers() -> None:
    df = synthetic.flash_crash(200, seed=8, crash_bar=100, depth=0.05, recovery_bars=10)
    before = df["close"].iloc[99]
    crash = df.iloc[100]
    assert crash["low"] < before * 0.96  # the drop shows in the crash bar's low
    assert crash["open"] == before
    assert df["close"].iloc[111] > crash["low"] * 1.03  # 80 % of the loss regained
    assert df["low"].iloc[:100].min() > before * 0.97  # no crash before


def test_with_gaps_removes_weekends_and_random_hours() -> None:
    df = synthetic.gbm(24 * 28, seed=1, start="2024-01-01")  # four weeks from a Monday
    gapped = synthetic.with_gaps(df, drop_fraction=0.1, seed=2)
    hour_of_week = gapped.index.dayofweek * 24 + gapped.index.hour
    assert not ((hour_of_week >= 118) & (hour_of_week < 166)).any()
    weekdays = synthetic.with_gaps(df)
    assert len(weekdays) == len(df) - 4 * 48
    assert 0.05 < 1 - len(gapped) / len(weekdays) < 0.15
    pd.testing.assert_frame_equal(synthetic.with_gaps(df, drop_fraction=0.1, seed=2), gapped)


def test_gapped_frames_convert_to_bars_and_ticks(eurusd, eurusd_bar_type) -> None:
    gapped = synthetic.with_gaps(synthetic.gbm(24 * 10, seed=1), drop_fraction=0.2, seed=1)
    bars = to_bars(gapped, eurusd_bar_type, eurusd)
    ticks = to_quote_ticks(gapped, eurusd, spread=0.0001, interval="1h")
    assert len(bars) == len(gapped) and len(ticks) == 4 * len(gapped)
    assert [t.ts_event for t in ticks[3::4]] == [b.ts_event for b in bars]


def test_low_liquidity_has_stale_flat_bars_and_thin_volume() -> None:
    df = synthetic.gbm(2000, seed=3)
    thin = synthetic.low_liquidity(df, volume_scale=0.01, stale_fraction=0.3, seed=4)
    stale = thin["volume"] == 0
    assert 0.25 < stale.mean() < 0.35
    flat = thin.loc[stale]
    assert (flat["open"] == flat["close"]).all() and (flat["high"] == flat["low"]).all()
    # A stale bar repeats the last traded price.
    prev_close = thin["close"].shift(1)
    assert (thin.loc[stale, "close"] == prev_close[stale]).all()
    live = ~stale
    np.testing.assert_allclose(thin.loc[live, "volume"], np.round(df.loc[live, "volume"] * 0.01))


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: synthetic.gbm(0), "n_bars"),
        (lambda: synthetic.gbm(10, freq="soon"), "freq"),
        (lambda: synthetic.gbm(10, start_price=-1.0), "start_price"),
        (lambda: synthetic.gbm(10, volatility=float("nan")), "volatility"),
        (lambda: synthetic.ornstein_uhlenbeck(10, half_life=0), "half_life"),
        (lambda: synthetic.regime_switching(10, regimes=()), "regimes"),
        (lambda: synthetic.regime_switching(10, mean_duration=0.5), "mean_duration"),
        (lambda: synthetic.jump_diffusion(10, jump_rate=-1), "jump_rate"),
        (lambda: synthetic.flash_crash(10, crash_bar=10), "crash_bar"),
        (lambda: synthetic.flash_crash(10, depth=1.0), "depth"),
        (lambda: synthetic.with_gaps(synthetic.gbm(10), drop_fraction=1.0), "drop_fraction"),
    ],
)
def test_bad_parameters_name_the_parameter(call: Callable[[], object], field: str) -> None:
    with pytest.raises(ConfigError, match=f"`{field}`"):
        call()


def test_volatility_spike_raises_volatility_only_inside_its_window() -> None:
    df = synthetic.volatility_spike(400, seed=3, spike_bar=100, spike_bars=50, multiplier=6.0)
    moves = np.log(df["close"] / df["open"]).to_numpy()
    inside = np.zeros(len(df), dtype=bool)
    inside[100:150] = True
    assert moves[inside].std() > 4.0 * moves[~inside].std()


def test_with_outage_removes_one_contiguous_block() -> None:
    df = synthetic.gbm(50, seed=4)
    out = synthetic.with_outage(df, start_bar=20, n_bars=5)
    assert len(out) == 45
    assert out.index.equals(df.index.delete(range(20, 25)))
    assert out.loc[df.index[25], "open"] == df.loc[df.index[24], "close"]  # the market moved on


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: synthetic.volatility_spike(10, spike_bar=10), "spike_bar"),
        (lambda: synthetic.volatility_spike(10, spike_bars=0), "spike_bars"),
        (lambda: synthetic.volatility_spike(10, multiplier=0.0), "multiplier"),
        (lambda: synthetic.with_outage(synthetic.gbm(10), start_bar=0), "start_bar"),
        (lambda: synthetic.with_outage(synthetic.gbm(10), start_bar=5, n_bars=5), "start_bar"),
        (lambda: synthetic.with_outage(synthetic.gbm(10), n_bars=0), "n_bars"),
    ],
)
def test_bad_spike_and_outage_parameters_name_the_parameter(
    call: Callable[[], object], field: str
) -> None:
    with pytest.raises(ConfigError, match=f"`{field}`"):
        call()


def _return_matrix(frames: dict[int, pd.DataFrame]) -> np.ndarray:
    return np.array([_log_returns(frames[i]) for i in sorted(frames)])


def _correlation_tolerance(rho: float, n: int) -> float:
    """Four standard errors of a sample correlation of `n` normal pairs, (1 - rho**2) / sqrt(n)."""
    return 4 * (1 - rho**2) / np.sqrt(n)


CORRELATED: dict[str, Any] = {
    "n_assets": 4,
    "seed": 21,
    "volatility": 0.01,
    "freq": "B",
    "start_price": 50.0,
}


def test_each_correlated_asset_is_that_asset_of_the_same_joint_draw() -> None:
    frames = synthetic.correlated_markets(300, **CORRELATED)
    again = synthetic.correlated_markets(300, **CORRELATED)
    for asset, frame in frames.items():
        pd.testing.assert_frame_equal(frame, again[asset], check_exact=True)
        alone = synthetic.correlated_market(300, asset=asset, **CORRELATED)
        pd.testing.assert_frame_equal(alone, frame, check_exact=True)
    other = synthetic.correlated_markets(300, **{**CORRELATED, "seed": 22})
    assert not other[0]["close"].equals(frames[0]["close"])
    assert not frames[0]["close"].equals(frames[1]["close"])


def test_correlated_assets_have_the_configured_correlation_and_an_edge_asset_outearns() -> None:
    rho, n_bars, edge = 0.6, 3000, 0.002  # edge: 9 standard errors of a 1 % daily mean
    frames = synthetic.correlated_markets(
        n_bars, correlation=rho, drift=[0.0, edge, 0.0, 0.0], **CORRELATED
    )
    returns = _return_matrix(frames)
    pairs = np.corrcoef(returns)[np.triu_indices(4, k=1)]
    assert np.abs(pairs - rho).max() < _correlation_tolerance(rho, n_bars - 1)
    means = returns.mean(axis=1)
    assert means[1] > np.delete(means, 1).max()
    assert returns.std(axis=1) == pytest.approx(np.full(4, 0.01), rel=0.1)


def test_a_crisis_raises_volatility_and_correlation_only_in_crisis_bars() -> None:
    regimes: dict[str, Any] = {
        "crisis_correlation": 0.9,
        "crisis_volatility": 3.0,
        "mean_duration": 250.0,
    }
    n_bars = 6000
    frames = synthetic.correlated_markets(n_bars, correlation=0.2, **regimes, **CORRELATED)
    crisis = synthetic.crisis_labels(n_bars, seed=CORRELATED["seed"], mean_duration=250.0)[1:] == 1
    assert 0.2 < crisis.mean() < 0.8  # both regimes occur
    returns = _return_matrix(frames)
    for rows, rho in ((crisis, 0.9), (~crisis, 0.2)):
        pairs = np.corrcoef(returns[:, rows])[np.triu_indices(4, k=1)]
        assert np.abs(pairs - rho).max() < _correlation_tolerance(rho, int(rows.sum()))
    ratio = returns[:, crisis].std(axis=1) / returns[:, ~crisis].std(axis=1)
    assert ratio == pytest.approx(np.full(4, 3.0), rel=0.1)


def test_correlated_frames_are_valid_ohlcv_on_business_days_or_any_span() -> None:
    frames = synthetic.correlated_markets(30, start="2021-01-01", **CORRELATED)
    for frame in frames.values():
        pd.testing.assert_frame_equal(validate_ohlcv(frame), frame)
        assert (frame.index.dayofweek < 5).all()
        assert frame.index[0] == pd.Timestamp("2021-01-01", tz="UTC")  # a Friday
        assert frame.index[1] == pd.Timestamp("2021-01-04", tz="UTC")
    hourly = synthetic.correlated_market(30, seed=1, freq="15min")
    assert (hourly.index.to_series().diff().dropna() == pd.Timedelta("15min")).all()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"correlation": 1.0}, "correlation"),
        ({"correlation": -0.1}, "correlation"),
        ({"crisis_correlation": 1.0}, "crisis_correlation"),
        ({"crisis_correlation": 0.9, "crisis_volatility": 0.0}, "crisis_volatility"),
        ({"n_assets": 0}, "n_assets"),
        ({"asset": 2}, "asset"),
        ({"asset": -1}, "asset"),
        ({"drift": [0.0, 0.0, 0.1]}, "drift"),
        ({"volatility": [0.01, float("nan")]}, "volatility"),
        ({"start_price": [10.0, -1.0]}, "start_price"),
        ({"seed": None}, "seed"),
        ({"freq": "soon"}, "freq"),
    ],
)
def test_bad_correlated_parameters_name_the_parameter(kwargs: dict, field: str) -> None:
    params: dict[str, Any] = {"n_assets": 2, "seed": 1, **kwargs}
    with pytest.raises(ConfigError, match=f"`{field}`"):
        synthetic.correlated_market(20, **params)


def test_correlated_quotes_are_deep_enough_for_any_test_order(eurusd) -> None:
    """Nautilus fills the part of an order beyond a quote's size one tick worse: the default
    volume leaves every quote over a million units."""
    frame = synthetic.correlated_market(500, seed=2, start_price=1.1)
    ticks = to_quote_ticks(frame, eurusd, spread=0.0001)
    assert min(t.ask_size.as_double() for t in ticks) > 1e6


def test_an_event_changes_correlation_volatility_and_drift_only_over_its_bars() -> None:
    n_bars, start, length, rho = 3000, 1000, 1000, 0.95
    drift = [0.002, -0.002, 0.002, -0.002]  # 6 standard errors of 1000 bars of 3 % noise
    event: dict[str, Any] = {"event_start": start, "event_bars": length, "event_correlation": rho,
             "event_volatility": 3.0, "event_drift": drift}  # fmt: skip
    plain = synthetic.correlated_markets(n_bars, correlation=0.2, **CORRELATED)
    shocked = synthetic.correlated_markets(n_bars, correlation=0.2, **event, **CORRELATED)
    prices = ["open", "high", "low", "close"]  # volumes scale with the whole market's ranges
    for asset in plain:  # the same draw up to the event
        before = plain[asset].iloc[:start][prices]
        pd.testing.assert_frame_equal(before, shocked[asset].iloc[:start][prices])
    returns = _return_matrix(shocked)
    inside = np.zeros(n_bars - 1, dtype=bool)
    inside[start - 1 : start + length - 1] = True  # return i is bar i + 1's
    pairs = np.corrcoef(returns[:, inside])[np.triu_indices(4, k=1)]
    assert np.abs(pairs - rho).max() < _correlation_tolerance(rho, length)
    outside = np.corrcoef(returns[:, ~inside])[np.triu_indices(4, k=1)]
    assert np.abs(outside - 0.2).max() < _correlation_tolerance(0.2, int((~inside).sum()))
    ratio = returns[:, inside].std(axis=1) / returns[:, ~inside].std(axis=1)
    assert ratio == pytest.approx(np.full(4, 3.0), rel=0.1)
    assert np.all(np.sign(returns[:, inside].mean(axis=1)) == np.sign(drift))


@pytest.mark.parametrize(
    "event",
    [
        {"event_start": 90, "event_bars": 20},
        {"event_start": -1, "event_bars": 5},
        {"event_start": 10, "event_bars": 0},
        {"event_start": 10, "event_bars": 5, "event_correlation": 1.0},
        {"event_start": 10, "event_bars": 5, "event_drift": [0.1, 0.2]},
    ],
)
def test_an_event_outside_the_market_or_with_bad_values_is_refused(event: dict) -> None:
    with pytest.raises(ConfigError, match="`event_"):
        synthetic.correlated_market(100, **event, **CORRELATED)
