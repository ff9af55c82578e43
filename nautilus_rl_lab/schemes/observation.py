"""Observation schemes: a window of normalised OHLCV returns plus position and P&L features.

Values are scaled to a few units and clipped to the declared `Box`, so every observation lies
in its space (Gymnasium's contract) and networks see inputs of similar magnitude.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from nautilus_trader.indicators import (
    AverageTrueRange,
    BollingerBands,
    ExponentialMovingAverage,
    RelativeStrengthIndex,
)
from nautilus_trader.model.data import Bar

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.base import MarketState, ObservationScheme

CLIP = 10.0
RETURN_SCALE = 100.0  # log returns in percent


@dataclass(frozen=True)
class Feature:
    """A Nautilus indicator fed with bars and a function mapping its value to a small number."""

    indicator: object
    transform: Callable[[object, float], float]
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


class WindowObservation(ObservationScheme):
    """Last `window` bars as log returns (open/high/low/close vs previous close, volume change),
    the latest value of each feature, the position as a fraction of the limit and the
    unrealised P&L in percent of equity; flattened to one float32 vector.
    """

    def __init__(self, window: int = 32, features: tuple[str, ...] | list[str] = ()) -> None:
        if window < 1:
            raise ConfigError(f"`window` must be >= 1, was {window}")
        self.window = window
        self.features = tuple(features)
        self._features = [parse_feature(f) for f in self.features]
        self._prices = np.zeros((window + 1, 5), dtype=np.float64)  # ring buffer of OHLCV
        self._count = 0
        size = window * 5 + len(self._features) + 2
        self._space = gym.spaces.Box(-CLIP, CLIP, shape=(size,), dtype=np.float32)

    @property
    def space(self) -> gym.spaces.Box:
        return self._space

    @property
    def warmup_bars(self) -> int:
        return max([self.window + 1] + [f.warmup for f in self._features])

    @property
    def bars_seen(self) -> int:
        return self._count

    def reset(self) -> None:
        self._count = 0
        self._prices[:] = 0.0
        for feature in self._features:
            feature.indicator.reset()

    def update(self, bar: Bar) -> None:
        row = self._count % (self.window + 1)
        self._prices[row] = (
            bar.open.as_double(),
            bar.high.as_double(),
            bar.low.as_double(),
            bar.close.as_double(),
            bar.volume.as_double(),
        )
        self._count += 1
        for feature in self._features:
            feature.indicator.handle_bar(bar)

    def observe(self, state: MarketState) -> np.ndarray:
        n = self.window + 1
        start = self._count % n
        ordered = np.concatenate((self._prices[start:], self._prices[:start]))
        prev_close = ordered[:-1, 3:4]
        prices = np.log(ordered[1:, :4] / prev_close) * RETURN_SCALE
        volume = np.log1p(ordered[:, 4])
        d_volume = np.tanh(np.diff(volume))[:, None]
        close = ordered[-1, 3]
        extra = [f.transform(f.indicator, close) for f in self._features]
        limit = state.position_limit or 1.0
        equity = state.equity or 1.0
        extra.append(state.position / limit)
        extra.append(state.unrealized_pnl / equity * RETURN_SCALE)
        obs = np.concatenate((np.hstack((prices, d_volume)).ravel(), extra))
        return np.clip(np.nan_to_num(obs), -CLIP, CLIP).astype(np.float32)
