"""Any OHLCV frame the generators can make loads and round-trips through bars, quote ticks and the catalog."""

from __future__ import annotations

import tempfile

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings

from nautilus_rl_lab.data import (
    bars_to_frame,
    read_bars,
    to_bars,
    to_quote_ticks,
    validate_ohlcv,
    write_catalog,
)
from tests.properties.strategies import BAR_TYPE, INSTRUMENT, SETTINGS, ohlcv_frames

SPREAD = 0.0001


@SETTINGS
@given(frame=ohlcv_frames())
def test_generated_frames_are_valid_ohlcv(frame: pd.DataFrame) -> None:
    validate_ohlcv(frame)
    assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all()
    assert (frame[["open", "close"]].max(axis=1) <= frame["high"]).all()
    assert (frame["volume"] >= 0).all() and frame.index.is_monotonic_increasing


@SETTINGS
@given(frame=ohlcv_frames())
def test_bars_round_trip_to_the_same_frame(frame: pd.DataFrame) -> None:
    bars = to_bars(frame, BAR_TYPE, INSTRUMENT)
    back = bars_to_frame(bars)
    assert len(bars) == len(frame)
    np.testing.assert_allclose(
        back[["open", "high", "low", "close"]], frame[["open", "high", "low", "close"]], atol=1e-9
    )
    assert (back.index == frame.index).all()


@SETTINGS
@given(frame=ohlcv_frames())
def test_quote_ticks_are_four_per_bar_inside_it_with_bid_below_ask(frame: pd.DataFrame) -> None:
    ticks = to_quote_ticks(frame, INSTRUMENT, spread=SPREAD, interval="1h")
    assert len(ticks) == 4 * len(frame)
    ts = np.array([t.ts_event for t in ticks], dtype=np.int64)
    assert (np.diff(ts) >= 0).all()
    opens = frame.index.asi8
    closes = opens + pd.Timedelta("1h").value
    per_bar = ts.reshape(-1, 4)
    assert (per_bar > opens[:, None]).all() and (per_bar <= closes[:, None]).all()
    spreads = np.array([t.ask_price.as_double() - t.bid_price.as_double() for t in ticks])
    np.testing.assert_allclose(spreads, SPREAD, atol=1e-9)
    np.testing.assert_allclose(
        [t.ask_price.as_double() for t in ticks[3::4]], frame["close"], atol=1e-9
    )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=ohlcv_frames(max_bars=40))
def test_bars_round_trip_through_the_catalog(frame: pd.DataFrame) -> None:
    bars = to_bars(frame, BAR_TYPE, INSTRUMENT)
    with tempfile.TemporaryDirectory() as path:
        write_catalog(path, INSTRUMENT, bars)
        assert read_bars(path, BAR_TYPE) == bars
