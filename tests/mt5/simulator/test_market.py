"""Bars replayed as ticks: synthetic data, feeds, completed bars, market hours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.market import (
    MarketData,
    SymbolFeed,
    synthetic_ohlcv,
)
from nautilus_rl_lab.mt5.simulator.symbols import DEFAULT_SYMBOL_SPECS

EURUSD = DEFAULT_SYMBOL_SPECS["EURUSD"].with_defaults(spread_points=10, stops_level=0)


def test_synthetic_bars_are_seeded_consistent_and_skip_weekends() -> None:
    frame = synthetic_ohlcv(500, seed=3)
    assert frame.equals(synthetic_ohlcv(500, seed=3)) and not frame.equals(
        synthetic_ohlcv(500, seed=4)
    )
    assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()
    assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all()
    week_hour = frame.index.dayofweek * 24 + frame.index.hour
    assert not ((week_hour >= 4 * 24 + 22) & (week_hour < 6 * 24 + 22)).any()
    assert str(frame.index.tz) == "UTC" and len(frame) == 500


def test_feed_makes_four_ticks_per_bar_with_the_spread() -> None:
    frame = synthetic_ohlcv(10)
    feed = SymbolFeed.from_frame(EURUSD, frame)
    assert feed.bar_seconds == 3600 and len(feed.tick_msc) == 40
    np.testing.assert_allclose(feed.tick_ask - feed.tick_bid, 10 * EURUSD.point, atol=1e-9)
    np.testing.assert_allclose(feed.tick_bid[3::4], frame["close"].round(5))


def test_market_is_open_inside_bars_only() -> None:
    frame = synthetic_ohlcv(200)
    feed = SymbolFeed.from_frame(EURUSD, frame)
    friday_last = frame.index[frame.index.dayofweek == 4][-1]
    assert feed.is_open(int(friday_last.timestamp() * 1000) + 30 * 60_000)
    saturday = friday_last + pd.Timedelta(hours=12)
    assert not feed.is_open(int(saturday.timestamp() * 1000))


def test_rates_aggregate_to_multiples_of_the_bar_length_only() -> None:
    feed = SymbolFeed.from_frame(EURUSD, synthetic_ohlcv(100))
    bars, ends = feed.rates(mt5c.TIMEFRAME_H4)
    assert np.all(bars["time"] % (4 * 3600) == 0) and np.all(
        ends == (bars["time"] + 4 * 3600) * 1000
    )
    assert feed.rates(mt5c.TIMEFRAME_M1) is None and feed.rates(mt5c.TIMEFRAME_M30) is None
    forty = SymbolFeed.from_frame(EURUSD, synthetic_ohlcv(100, bar_seconds=2400))
    assert forty.rates(mt5c.TIMEFRAME_H1) is None  # no multiple of 40-minute bars


def test_timeline_merges_symbols() -> None:
    a = SymbolFeed.from_frame(EURUSD, synthetic_ohlcv(5))
    b = SymbolFeed.from_frame(DEFAULT_SYMBOL_SPECS["USDJPY"], synthetic_ohlcv(5, base_price=150.0))
    market = MarketData({"EURUSD": a, "USDJPY": b})
    assert len(market.timeline) == 20  # same times
    assert market.next_tick_ms(int(market.timeline[-1])) is None
    assert market.nth_tick_ms(int(market.timeline[0]), 3) == int(market.timeline[3])


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"open": [1.0, 1.0]}, index=pd.date_range("2024", periods=2, freq="h")),
            "lacks column",
        ),
        (synthetic_ohlcv(5).reset_index(drop=True), "DatetimeIndex"),
        (synthetic_ohlcv(5).iloc[::-1], "strictly increase"),
        (synthetic_ohlcv(5).assign(low=-1.0), "positive"),
    ],
)
def test_bad_frames_are_refused_with_a_clear_message(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SymbolFeed.from_frame(EURUSD, frame)


def test_the_bar_in_progress_holds_only_the_ticks_replayed_so_far() -> None:
    frame = synthetic_ohlcv(100, seed=5)  # hourly from Monday 00:00
    feed = SymbolFeed.from_frame(EURUSD, frame)
    now_ms = int(frame.index[5].timestamp() * 1000) + 30 * 60_000  # 05:30, the 3rd tick
    (bar,) = feed.forming_bar(mt5c.TIMEFRAME_H4, now_ms)
    seen = feed.tick_bid[16:23]  # 04:00 .. 05:30: bar 4 whole, 3 ticks of bar 5
    assert bar["time"] == int(frame.index[4].timestamp())
    assert (bar["open"], bar["close"]) == (seen[0], seen[-1])
    assert (bar["high"], bar["low"]) == (seen.max(), seen.min())
    assert bar["tick_volume"] == round(frame["volume"].iloc[4]) + 3
    completed, _ = feed.rates(mt5c.TIMEFRAME_H4)
    assert completed[1]["close"] == round(frame["close"].iloc[7], 5) != bar["close"]
    friday_last = frame.index[frame.index.dayofweek == 4][-1]
    saturday_ms = int((friday_last + pd.Timedelta(hours=12)).timestamp() * 1000)
    assert feed.forming_bar(mt5c.TIMEFRAME_H1, saturday_ms) is None  # market closed
