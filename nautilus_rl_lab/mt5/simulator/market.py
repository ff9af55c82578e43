"""Market data of the simulated terminal: OHLCV bars replayed as quote ticks.

Input: per symbol, a pandas frame with columns ``open, high, low, close`` (``volume``
optional) and a UTC `DatetimeIndex` of bar OPEN times (gaps, e.g. weekends, allowed).
Prices are bids; the ask is the bid plus the symbol's spread.

Each bar becomes four ticks inside the bar, at ``open + k * bar/4`` (k = 0..3): open, then
low and high (low first on an up bar, high first on a down bar), then close. A bar is
*completed* once the clock reaches its end (``open + bar``), i.e. when the next bar's open
tick arrives — so a decision made on completed bars is filled at the next bar's open, never
at a price the caller saw before deciding. The market is open while the clock lies inside
some bar (``open <= now < open + bar``); in gaps (weekends, missing data) it is closed.

Everything here works in UTC milliseconds; the terminal applies the server time offset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.symbols import SymbolSpec
from nautilus_rl_lab.mt5.structures import RATES_DTYPE, TICKS_DTYPE
from nautilus_rl_lab.validation import check_positive

TICKS_PER_BAR = 4
_DAY_S = 86_400
_WEEK_ANCHOR_S = 3 * _DAY_S  # 1970-01-01 was a Thursday; MT5 weeks start on Sunday
_TICK_FLAGS = mt5c.TICK_FLAG_BID | mt5c.TICK_FLAG_ASK


def synthetic_ohlcv(
    n_bars: int,
    *,
    bar_seconds: int = 3_600,
    start: str | pd.Timestamp = "2024-01-01",
    base_price: float = 1.10,
    volatility: float = 0.0015,
    seed: int = 42,
    skip_weekends: bool = True,
) -> pd.DataFrame:
    """Return a seeded random walk (`data.synthetic.gbm`) of `n_bars` bars (open times, UTC).

    `volatility` is per replayed tick (a bar has `TICKS_PER_BAR`), prices are unrounded
    (the feed rounds them to the symbol's digits). With `skip_weekends`, bars opening
    between Friday 22:00 and Sunday 22:00 UTC are left out (`data.synthetic.with_gaps`), as
    in FX data, so the replay has weekend gaps (market closed).
    """
    from nautilus_rl_lab.data.synthetic import gbm, with_gaps  # pandas-only, loaded on use

    check_positive("n_bars", n_bars)
    check_positive("bar_seconds", bar_seconds)
    # Enough candidate bars to keep `n_bars` after removing the weekends.
    candidates = int(n_bars * 1.6) + 200 if skip_weekends else n_bars
    frame = gbm(
        candidates,
        start=start,
        freq=f"{int(bar_seconds)}s",
        seed=seed,
        start_price=base_price,
        volatility=volatility * math.sqrt(TICKS_PER_BAR),
        decimals=None,
        volume=200.0,
    )
    if skip_weekends:
        frame = with_gaps(frame, weekends=True)
    return frame.iloc[:n_bars].copy()


def _bar_seconds(index: pd.DatetimeIndex, symbol: str) -> int:
    if len(index) < 2:
        raise ConfigError(f"`data` for {symbol} needs at least 2 bars to infer the bar length")
    diffs = np.diff(index.as_unit("ns").asi8) // 1_000_000_000
    values, counts = np.unique(diffs, return_counts=True)
    return int(values[np.argmax(counts)])


@dataclass
class SymbolFeed:
    """One symbol's bars and the ticks made from them (UTC)."""

    spec: SymbolSpec
    bar_seconds: int
    bar_times_s: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    tick_msc: np.ndarray = field(init=False)
    tick_bid: np.ndarray = field(init=False)
    tick_ask: np.ndarray = field(init=False)
    _rates_cache: dict[int, tuple[np.ndarray, np.ndarray]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        bar_ms = self.bar_seconds * 1000
        offsets = np.arange(TICKS_PER_BAR, dtype=np.int64) * (bar_ms // TICKS_PER_BAR)
        self.tick_msc = (self.bar_times_s[:, None] * 1000 + offsets[None, :]).ravel()
        up = self.close >= self.open
        second = np.where(up, self.low, self.high)
        third = np.where(up, self.high, self.low)
        bids = np.stack([self.open, second, third, self.close], axis=1).ravel()
        self.tick_bid = np.round(bids, self.spec.digits)
        spread = int(self.spec.spread_points or 0) * self.spec.point
        self.tick_ask = np.round(self.tick_bid + spread, self.spec.digits)

    @classmethod
    def from_frame(cls, spec: SymbolSpec, frame: pd.DataFrame) -> SymbolFeed:
        """Validate `frame` (see the module docstring) and build the feed."""
        missing = [col for col in ("open", "high", "low", "close") if col not in frame.columns]
        if missing:
            raise ConfigError(
                f"`data` for {spec.name} lacks column(s) {missing}; expected open, high, "
                "low, close (and optionally volume) indexed by bar open time",
            )
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise ConfigError(f"`data` for {spec.name} must have a DatetimeIndex of bar open times")
        index = frame.index
        index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
        if not index.is_monotonic_increasing or index.has_duplicates:
            raise ConfigError(f"`data` for {spec.name}: bar open times must strictly increase")
        values = frame[["open", "high", "low", "close"]].to_numpy(dtype=float)
        if not np.isfinite(values).all() or (values <= 0).any():
            raise ConfigError(f"`data` for {spec.name}: prices must be finite and positive")
        volume = (
            frame["volume"].to_numpy(dtype=float)
            if "volume" in frame.columns
            else np.full(len(frame), float(TICKS_PER_BAR))
        )
        return cls(
            spec=spec,
            bar_seconds=_bar_seconds(index, spec.name),
            bar_times_s=(index.as_unit("ns").asi8 // 1_000_000_000).astype(np.int64),
            open=values[:, 0],
            high=values[:, 1],
            low=values[:, 2],
            close=values[:, 3],
            volume=np.nan_to_num(volume, nan=0.0),
        )

    # --- queries (UTC ms) ------------------------------------------------------------
    def tick_count(self, now_ms: int) -> int:
        """Number of ticks at or before `now_ms`."""
        return int(np.searchsorted(self.tick_msc, now_ms, side="right"))

    def is_open(self, now_ms: int) -> bool:
        """Whether `now_ms` lies inside a bar of the data."""
        now_s = now_ms / 1000
        idx = int(np.searchsorted(self.bar_times_s, now_s, side="right")) - 1
        return idx >= 0 and now_s < self.bar_times_s[idx] + self.bar_seconds

    def end_ms(self) -> int:
        """End of the last bar."""
        return int(self.bar_times_s[-1] + self.bar_seconds) * 1000

    def ticks(self, start: int, stop: int) -> np.ndarray:
        """Ticks with indices ``[start, stop)`` as a `TICKS_DTYPE` array (UTC)."""
        out = np.zeros(max(0, stop - start), dtype=TICKS_DTYPE)
        msc = self.tick_msc[start:stop]
        out["time"] = msc // 1000
        out["time_msc"] = msc
        out["bid"] = self.tick_bid[start:stop]
        out["ask"] = self.tick_ask[start:stop]
        out["flags"] = _TICK_FLAGS
        return out

    def rates(self, timeframe: int) -> tuple[np.ndarray, np.ndarray] | None:
        """All bars of MT5 `timeframe` (UTC rates array, bar end times in ms), or None.

        The data's bar length must divide the timeframe (minute data serve every timeframe,
        MN1 included); higher timeframes are aggregated from the data, aligned to UTC
        midnight (weeks to Sunday, months to the 1st). None when it is finer than the data
        or no multiple of it; `ValueError` for a number that is no MT5 timeframe.
        """
        if timeframe in self._rates_cache:
            return self._rates_cache[timeframe]
        periods = self._periods(timeframe)
        if periods is None:
            return None
        first, starts, ends = periods
        last = np.append(first[1:], len(self.bar_times_s)) - 1
        out = np.zeros(len(starts), dtype=RATES_DTYPE)
        out["time"] = starts
        digits = self.spec.digits
        out["open"] = np.round(self.open[first], digits)
        out["high"] = np.round(np.maximum.reduceat(self.high, first), digits)
        out["low"] = np.round(np.minimum.reduceat(self.low, first), digits)
        out["close"] = np.round(self.close[last], digits)
        out["tick_volume"] = np.round(np.add.reduceat(self.volume, first)).astype(np.uint64)
        out["spread"] = int(self.spec.spread_points or 0)
        out["real_volume"] = 0
        self._rates_cache[timeframe] = (out, ends.astype(np.int64) * 1000)
        return self._rates_cache[timeframe]

    def _periods(self, timeframe: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Index of each period's first data bar, period starts and ends (UTC seconds)."""
        times = self.bar_times_s
        if timeframe == mt5c.TIMEFRAME_MN1:
            if _DAY_S % self.bar_seconds:
                return None
            months = times.astype("datetime64[s]").astype("datetime64[M]")
            uniq, first = np.unique(months, return_index=True)
            return first, _seconds(uniq), _seconds(uniq + 1)
        timeframe_s = mt5c.timeframe_seconds(timeframe)
        if timeframe_s < self.bar_seconds or timeframe_s % self.bar_seconds:
            return None
        if timeframe_s == self.bar_seconds:  # the data's own bars, whatever their alignment
            return np.arange(len(times)), times, times + timeframe_s
        anchor = _WEEK_ANCHOR_S if timeframe_s == 7 * _DAY_S else 0
        uniq, first = np.unique((times - anchor) // timeframe_s, return_index=True)
        starts = uniq * timeframe_s + anchor
        return first, starts, starts + timeframe_s

    def forming_bar(self, timeframe: int, now_ms: int) -> np.ndarray | None:
        """The bar of `timeframe` in progress at `now_ms` (one row), or None between bars.

        Built from the ticks replayed so far, never from later ones: open is the period's
        first tick, high/low the extremes so far, close the latest tick; tick_volume is the
        volume of the period's completed data bars plus the ticks of the current one.
        """
        rates = self.rates(timeframe)
        if rates is None:
            return None
        bars, ends = rates
        index = int(np.searchsorted(ends, now_ms, side="right"))
        if index == len(bars) or int(bars["time"][index]) * 1000 > now_ms:
            return None
        start_ms = int(bars["time"][index]) * 1000
        lo = int(np.searchsorted(self.tick_msc, start_ms, side="left"))
        hi = self.tick_count(now_ms)
        if hi <= lo:
            return None
        bids = self.tick_bid[lo:hi]
        bar_ends_ms = (self.bar_times_s + self.bar_seconds) * 1000
        first_bar = int(np.searchsorted(self.bar_times_s, start_ms // 1000, side="left"))
        done_bars = int(np.searchsorted(bar_ends_ms, now_ms, side="right"))
        row = bars[index : index + 1].copy()
        row["open"], row["close"] = bids[0], bids[-1]
        row["high"], row["low"] = bids.max(), bids.min()
        partial_ticks = (hi - lo) - TICKS_PER_BAR * (done_bars - first_bar)
        row["tick_volume"] = round(self.volume[first_bar:done_bars].sum()) + partial_ticks
        return row


def _seconds(months: np.ndarray) -> np.ndarray:
    """UTC seconds of the first instant of each ``datetime64[M]``."""
    return months.astype("datetime64[s]").astype(np.int64)


class MarketData:
    """All symbols' feeds and the merged timeline of tick times (UTC ms)."""

    def __init__(self, feeds: dict[str, SymbolFeed]) -> None:
        if not feeds:
            raise ConfigError("the simulator needs data for at least one symbol")
        self.feeds = feeds
        self.timeline = np.unique(np.concatenate([feed.tick_msc for feed in feeds.values()]))

    def next_tick_ms(self, now_ms: int) -> int | None:
        """Time of the first tick strictly after `now_ms`, or None when the data ended."""
        idx = int(np.searchsorted(self.timeline, now_ms, side="right"))
        return int(self.timeline[idx]) if idx < len(self.timeline) else None

    def nth_tick_ms(self, now_ms: int, n: int) -> int | None:
        """Time of the `n`-th tick after `now_ms` (the last one if fewer remain)."""
        idx = int(np.searchsorted(self.timeline, now_ms, side="right"))
        if idx >= len(self.timeline):
            return None
        return int(self.timeline[min(idx + n - 1, len(self.timeline) - 1)])

    def end_ms(self) -> int:
        """End of the last bar of any symbol."""
        return max(feed.end_ms() for feed in self.feeds.values())
