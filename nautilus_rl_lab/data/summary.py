"""What a researcher asks of an OHLCV frame first: its summary, its gaps, and coarser candles.

Pure pandas over the frame convention of `data.ohlcv` (UTC bar open times, gaps allowed);
the data explorer widget and notebook 01 call these, so a script gets the same numbers.
"""

from __future__ import annotations

import pandas as pd

from nautilus_rl_lab.errors import ConfigError


def bar_spacing(frame: pd.DataFrame) -> pd.Timedelta:
    """The most common distance between consecutive bar opens (the bar interval)."""
    if len(frame) < 2:
        raise ConfigError(f"`frame` needs at least 2 bars to have a spacing, has {len(frame)}")
    return pd.Timedelta(frame.index.to_series().diff().dropna().mode().iloc[0])


def find_gaps(frame: pd.DataFrame, spacing: pd.Timedelta | None = None) -> pd.DataFrame:
    """Every stretch with missing bars: last bar before, first bar after, duration, bars missing."""
    spacing = spacing or bar_spacing(frame)
    opens = frame.index.to_series()
    step = opens.diff()
    after = step[step > spacing]
    before = opens.shift(1)[after.index]
    return pd.DataFrame(
        {
            "last bar before": before.to_numpy(),
            "first bar after": after.index,
            "duration": after.to_numpy(),
            "bars missing": (after / spacing).round().astype(int).to_numpy() - 1,
        }
    )


def summarize(frame: pd.DataFrame) -> pd.Series:
    """Bars, range, spacing, gaps, price range, mean bar range and total return of `frame`."""
    spacing = bar_spacing(frame)
    gaps = find_gaps(frame, spacing)
    close = frame["close"]
    return pd.Series(
        {
            "bars": len(frame),
            "first bar opens": frame.index[0],
            "last bar opens": frame.index[-1],
            "bar spacing": spacing,
            "gaps": len(gaps),
            "longest gap": gaps["duration"].max() if len(gaps) else pd.Timedelta(0),
            "close min": float(close.min()),
            "close max": float(close.max()),
            "mean bar range": float((frame["high"] - frame["low"]).mean()),
            "total return %": float((close.iloc[-1] / close.iloc[0] - 1.0) * 100.0),
            "volume": float(frame["volume"].sum()),
        },
        dtype=object,
    )


def resample_ohlcv(frame: pd.DataFrame, rule: str | pd.Timedelta) -> pd.DataFrame:
    """Coarser candles (first open, highest high, lowest low, last close, summed volume)."""
    rules = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    return frame.resample(rule, label="left", closed="left").agg(rules).dropna(subset=["close"])
