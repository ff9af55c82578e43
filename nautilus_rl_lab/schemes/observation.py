"""Observation schemes: a window of normalised OHLCV returns plus position and P&L features.

Values are scaled to a few units and clipped to the declared `Box`, so every observation lies
in its space (Gymnasium's contract) and networks see inputs of similar magnitude.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import Bar
from nautilus_rl_lab.schemes.base import MarketState, ObservationScheme
from nautilus_rl_lab.schemes.indicators import (
    AverageTrueRange,
    BollingerBands,
    ExponentialMovingAverage,
    RelativeStrengthIndex,
)
from nautilus_rl_lab.validation import check_minimum

CLIP = 10.0
RETURN_SCALE = 100.0  # log returns in percent


@dataclass(frozen=True)
class Feature:
    """An indicator fed with bars (`schemes.indicators`: Nautilus 1.221's numbers on either
    line) and a function mapping its value to a small number."""

    indicator: Any
    transform: Callable[[Any, float], float]
    warmup: int


def _rsi(period: int) -> Feature:
    ind = RelativeStrengthIndex(period)
    return Feature(ind, lambda i, _c: (i.value - 0.5) * 2.0, period + 1)


def _ema(period: int) -> Feature:
    ind = ExponentialMovingAverage(period)
    return Feature(ind, lambda i, c: (c / i.value - 1.0) * RETURN_SCALE, period)


def _atr(period: int) -> Feature:
    ind = AverageTrueRange(period)
    return Feature(ind, lambda i, c: i.value / c * RETURN_SCALE, period + 1)


def _bollinger(period: int) -> Feature:
    ind = BollingerBands(period, 2.0)

    def percent_b(i: BollingerBands, c: float) -> float:
        width = i.upper - i.lower
        return 0.0 if width <= 0 else (c - i.lower) / width - 0.5

    return Feature(ind, percent_b, period)


FEATURES: dict[str, Callable[[int], Feature]] = {
    "rsi": _rsi,
    "ema": _ema,
    "atr": _atr,
    "bollinger": _bollinger,
}


def register_feature(name: str, factory: Callable[[int], Feature]) -> None:
    """Make `name:<period>` usable in `WindowObservation(features=...)`."""
    FEATURES[name] = factory


def parse_feature(spec: str) -> Feature:
    """Build a feature from `"name:period"` (e.g. `"rsi:14"`)."""
    name, _, period = spec.partition(":")
    if name not in FEATURES or not period.isdigit() or int(period) < 1:
        raise ConfigError(
            f"`features` entry {spec!r} is invalid: expected 'name:period' with name in "
            f"{sorted(FEATURES)} and a positive integer period, e.g. 'rsi:14'",
        )
    return FEATURES[name](int(period))


def _scaled_log_ratio(x: float, previous: float) -> float:
    """`log(x / previous)` in percent; non-positive inputs give what numpy gives (nan/inf)."""
    try:
        return math.log(x / previous) * RETURN_SCALE
    except (ValueError, ZeroDivisionError):
        with np.errstate(all="ignore"):
            return float(np.log(np.float64(x) / np.float64(previous))) * RETURN_SCALE


def bounded(x: float) -> float:
    """What `np.clip(np.nan_to_num(x), -CLIP, CLIP)` gives, for one Python float: a value that
    fits every observation `Box` of the schemes."""
    if x != x:  # NaN
        return 0.0
    return CLIP if x > CLIP else -CLIP if x < -CLIP else x


def _log1p(x: float) -> float:
    try:
        return math.log1p(x)
    except ValueError:
        with np.errstate(all="ignore"):
            return float(np.log1p(np.float64(x)))


def pnl_percent(unrealized_pnl: float, equity: float) -> float:
    """Unrealised P&L in percent of equity, bounded (zero equity counts as one)."""
    return bounded(unrealized_pnl / (equity or 1.0) * RETURN_SCALE)


def _row(
    bar: Bar, previous_close: float, previous_log_volume: float, log_volume: float
) -> tuple[float, float, float, float, float]:
    """One bar's five window values: OHLC log returns vs. the previous close, volume change."""
    return (
        bounded(_scaled_log_ratio(bar.open.as_double(), previous_close)),
        bounded(_scaled_log_ratio(bar.high.as_double(), previous_close)),
        bounded(_scaled_log_ratio(bar.low.as_double(), previous_close)),
        bounded(_scaled_log_ratio(bar.close.as_double(), previous_close)),
        bounded(math.tanh(log_volume - previous_log_volume)),
    )


@dataclass(frozen=True)
class _BarTable:
    """`WindowObservation.precompute`'s result: each bar's row and (close, log1p(volume))."""

    index: dict[int, int]  # ts_event -> position in `bars`
    bars: Sequence[Bar]
    rows: np.ndarray
    flat_rows: np.ndarray  # `rows` as one vector and room for the values after a window
    close_volume: list[tuple[float, float]]

    def find(self, bar: Bar, expected: int) -> int:
        """The position of `bar` in `bars` (-1: not there), tried at `expected` first.

        By equality (every field of the bar): on NautilusTrader 2 the engine hands each
        handler a new object for the same bar."""
        bars = self.bars
        if 0 <= expected < len(bars) and bars[expected] == bar:
            return expected
        i = self.index.get(bar.ts_event, -1)
        return i if i >= 0 and bars[i] == bar else -1


class WindowObservation(ObservationScheme):
    """Last `window` bars as log returns (open/high/low/close vs previous close, volume change),
    the latest value of each feature, the position as a fraction of the limit and the
    unrealised P&L in percent of equity; flattened to one float32 vector.

    Speed: each bar's five values are computed, cleaned and clipped once, in `update`, into a
    float32 ring buffer, so `observe` only copies the window in order (a few microseconds).
    `precompute(bars)` computes them once for a bar sequence replayed every episode (training):
    while the bars follow that sequence, `update` only counts them and `observe` copies the
    window from the table in one slice.
    """

    def __init__(self, window: int = 32, features: tuple[str, ...] | list[str] = ()) -> None:
        check_minimum("window", window, 1)
        self.window = window
        self.features = tuple(features)
        self._features = [parse_feature(f) for f in self.features]
        # Ring buffer: row k holds bar k+1 vs bar k (its first `window` rows are valid once ready),
        # except the latest `_streak` rows, which are the table's rows up to `_last`.
        self._rows = np.zeros((window, 5), dtype=np.float32)
        self._previous = (0.0, 0.0)  # previous bar's close and log1p(volume)
        self._count = 0
        self._size = window * 5 + len(self._features) + 2
        self._warmup = max([window + 1] + [f.warmup for f in self._features])
        self._space = gym.spaces.Box(-CLIP, CLIP, shape=(self._size,), dtype=np.float32)
        self._table: _BarTable | None = None
        self._last = -1  # index in the table of the latest bar (-1: none or not from the table)
        self._streak = 0  # the latest rows that are the table's, consecutive, not in the ring

    @property
    def space(self) -> gym.spaces.Box:
        return self._space

    @property
    def warmup_bars(self) -> int:
        return self._warmup

    @property
    def bars_seen(self) -> int:
        return self._count

    def reset(self) -> None:
        self._count = 0
        self._rows[:] = 0.0
        self._previous = (0.0, 0.0)
        self._last = -1
        self._streak = 0
        for feature in self._features:
            feature.indicator.reset()

    def precompute(self, bars: Sequence[Bar]) -> None:
        """Compute the row of every bar in `bars` (vs. the bar before it) once; `update` then
        takes a bar's row from the table when it follows its predecessor in `bars` (equal bars).

        A row depends only on its bar and the one before, so the observations are unchanged.
        """
        own = [(bar.close.as_double(), _log1p(bar.volume.as_double())) for bar in bars]
        # one vector: a window of rows and the observation's values after it are one slice
        flat = np.zeros(len(bars) * 5 + self._size - self.window * 5, dtype=np.float32)
        rows = flat[: len(bars) * 5].reshape(len(bars), 5)
        for i in range(1, len(bars)):
            rows[i] = _row(bars[i], *own[i - 1], own[i][1])
        index = {bar.ts_event: i for i, bar in enumerate(bars)}
        self._table = _BarTable(index, bars, rows, flat, own)

    def update(self, bar: Bar) -> None:
        table, count, last = self._table, self._count, self._last
        i = -1 if table is None else table.find(bar, last + 1)
        if i < 0 or table is None:
            own = (bar.close.as_double(), _log1p(bar.volume.as_double()))
        else:
            own = table.close_volume[i]
        if count:
            if i > 0 and i == last + 1:  # the table's next row: counted, copied by `observe`
                self._streak += 1
            else:
                self._spill()
                self._rows[(count - 1) % self.window] = _row(bar, *self._previous, own[1])
        self._previous, self._last, self._count = own, i, count + 1
        for feature in self._features:
            feature.indicator.handle_bar(bar)

    def _spill(self) -> None:
        """Copy the table's rows of the streak (those still in the window) into the ring."""
        table, window = self._table, self.window
        if not self._streak or table is None:
            return
        newest = (self._count - 2) % window  # the ring's slot of the latest row
        for k in range(min(self._streak, window)):
            self._rows[(newest - k) % window] = table.rows[self._last - k]
        self._streak = 0

    @property
    def window_size(self) -> int:
        """Values `fill` writes: the window's rows and the features, without the state tail."""
        return self._size - 2

    def fill(self, out: np.ndarray) -> None:
        """Write the window's rows, oldest first, then each feature's value into `out`
        (`window_size` values): the observation without its position and P&L, for schemes
        that add their own state (`schemes.portfolio_observation`)."""
        out[:] = self._window_and_features()[:-2]

    def observe(self, state: MarketState) -> np.ndarray:
        obs = self._window_and_features()
        obs[-2] = bounded(state.position / (state.position_limit or 1.0))
        obs[-1] = pnl_percent(state.unrealized_pnl, state.equity)
        return obs

    def _window_and_features(self) -> np.ndarray:
        """A new observation vector with the window and the features set (its last two values
        are not)."""
        window = self.window
        table, last = self._table, self._last
        if self._streak >= window and table is not None:  # the whole window is the table's
            first = (last + 1 - window) * 5  # a copy: the window, then what is set below
            obs = table.flat_rows[first : first + self._size].copy()
        else:
            obs = np.empty(self._size, dtype=np.float32)
            self._spill()
            start = (self._count - 1) % window  # the oldest row of the window
            head = (window - start) * 5
            obs[:head] = self._rows[start:].ravel()
            obs[head : window * 5] = self._rows[:start].ravel()
        close = self._previous[0]
        for i, feature in enumerate(self._features, start=window * 5):
            obs[i] = bounded(feature.transform(feature.indicator, close))
        return obs
