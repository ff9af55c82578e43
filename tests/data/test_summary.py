from __future__ import annotations

import pandas as pd
import pytest

from nautilus_rl_lab.data import synthetic
from nautilus_rl_lab.data.summary import bar_spacing, find_gaps, resample_ohlcv, summarize
from nautilus_rl_lab.errors import ConfigError


@pytest.fixture
def gappy() -> pd.DataFrame:
    frame = synthetic.gbm(100, seed=3)
    return frame.drop(frame.index[[10, 11, 12, 50]])  # a 3-bar hole and a 1-bar hole


def test_gaps_name_the_bars_around_each_hole(gappy) -> None:
    full = synthetic.gbm(100, seed=3)
    gaps = find_gaps(gappy)
    assert list(gaps["bars missing"]) == [3, 1]
    assert list(gaps["last bar before"]) == [full.index[9], full.index[49]]
    assert list(gaps["first bar after"]) == [full.index[13], full.index[51]]
    assert list(gaps["duration"]) == [4 * bar_spacing(full), 2 * bar_spacing(full)]


def test_summary_counts_bars_gaps_and_the_return(gappy) -> None:
    summary = summarize(gappy)
    assert summary["bars"] == 96 and summary["gaps"] == 2
    assert summary["longest gap"] == 4 * bar_spacing(gappy)
    expected = (gappy["close"].iloc[-1] / gappy["close"].iloc[0] - 1) * 100
    assert summary["total return %"] == pytest.approx(expected)
    assert summary["close max"] == gappy["close"].max()


def test_resampled_candles_keep_first_open_extremes_last_close_and_volume(gappy) -> None:
    daily = resample_ohlcv(gappy, "1D")
    day = gappy[gappy.index.floor("1D") == daily.index[1]]
    row = daily.iloc[1]
    assert row["open"] == day["open"].iloc[0] and row["close"] == day["close"].iloc[-1]
    assert row["high"] == day["high"].max() and row["low"] == day["low"].min()
    assert row["volume"] == pytest.approx(day["volume"].sum())
    assert daily["volume"].sum() == pytest.approx(gappy["volume"].sum())


def test_one_bar_has_no_spacing() -> None:
    with pytest.raises(ConfigError, match="`frame`"):
        bar_spacing(synthetic.gbm(1, seed=0))
