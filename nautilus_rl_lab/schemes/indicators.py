"""The bar indicators of the observation features and the rule-based agents, as NautilusTrader
1.221 defines them, with the same numbers on 1.221 and 2.0.

NautilusTrader 2's indicators of the same names compute other numbers: its RSI runs on 0-100
with another average, its ATR smooths differently, its Bollinger bands are taken over closes
instead of typical prices. A trained agent must see the features it was trained on whatever
the line, so these reproduce 1.221's (`nautilus_trader/indicators/*.pyx`) float operation by
float operation; tests compare them with 1.221's own, bar by bar, for equality.

Each takes bars (`handle_bar`), says when it is warm (`initialized`) and forgets them (`reset`).
"""

from __future__ import annotations

import math
from collections import deque

from nautilus_rl_lab.nt.model import Bar


class _Indicator:
    """`initialized` once warm, `has_inputs` once fed; `reset` forgets every input."""

    def __init__(self) -> None:
        self.initialized = False
        self.has_inputs = False

    def reset(self) -> None:
        """Forget every input."""
        self.initialized = False
        self.has_inputs = False
        self._reset()

    def _reset(self) -> None:
        raise NotImplementedError


class _MovingAverage(_Indicator):
    """A moving average of `period` inputs (warm after `period` inputs)."""

    def __init__(self, period: int) -> None:
        super().__init__()
        if period <= 0:
            raise ValueError(f"`period` must be a positive integer, was {period}")
        self.period = period
        self.value = 0.0
        self.count = 0

    def update_raw(self, value: float) -> None:
        raise NotImplementedError

    def _increment_count(self) -> None:
        self.count += 1
        if not self.initialized:
            self.has_inputs = True
            if self.count >= self.period:
                self.initialized = True

    def _reset(self) -> None:
        self.count = 0
        self.value = 0.0


class ExponentialMovingAverage(_MovingAverage):
    """EMA of closes, `alpha = 2 / (period + 1)`, seeded with the first close."""

    def __init__(self, period: int) -> None:
        super().__init__(period)
        self.alpha = 2.0 / (period + 1.0)

    def handle_bar(self, bar: Bar) -> None:
        """Update with the bar's close."""
        self.update_raw(bar.close.as_double())

    def update_raw(self, value: float) -> None:
        """Update with one value."""
        if not self.has_inputs:
            self.value = value
        self.value = self.alpha * value + ((1.0 - self.alpha) * self.value)
        self._increment_count()


class SimpleMovingAverage(_MovingAverage):
    """Mean of the last `period` inputs."""

    def __init__(self, period: int) -> None:
        super().__init__(period)
        self._inputs: deque[float] = deque(maxlen=period)

    def update_raw(self, value: float) -> None:
        """Update with one value."""
        self._inputs.append(value)
        self.value = _mean(self._inputs)
        self._increment_count()

    def _reset(self) -> None:
        super()._reset()
        self._inputs.clear()


class RelativeStrengthIndex(_Indicator):
    """RSI of closes on 0..1: EMAs of gains and losses over `period`."""

    def __init__(self, period: int) -> None:
        super().__init__()
        self.period = period
        self._average_gain = ExponentialMovingAverage(period)
        self._average_loss = ExponentialMovingAverage(period)
        self._last_value = 0.0
        self.value = 0.0

    def handle_bar(self, bar: Bar) -> None:
        """Update with the bar's close."""
        self.update_raw(bar.close.as_double())

    def update_raw(self, value: float) -> None:
        """Update with one value."""
        if not self.has_inputs:
            self._last_value = value
            self.has_inputs = True
        gain = value - self._last_value
        self._average_gain.update_raw(gain if gain > 0 else 0.0)
        self._average_loss.update_raw(-gain if gain < 0 else 0.0)
        if not self.initialized and self._average_gain.initialized:
            self.initialized = self._average_loss.initialized
        if self._average_loss.value == 0:
            self.value = 1.0
        else:
            rs = self._average_gain.value / self._average_loss.value
            self.value = 1.0 - (1.0 / (1 + rs))
        self._last_value = value

    def _reset(self) -> None:
        self._average_gain.reset()
        self._average_loss.reset()
        self._last_value = 0.0
        self.value = 0.0


class AverageTrueRange(_Indicator):
    """Simple average of the true range (from the previous close) over `period` bars."""

    def __init__(self, period: int) -> None:
        super().__init__()
        self.period = period
        self._ma = SimpleMovingAverage(period)
        self._previous_close = 0.0
        self.value = 0.0

    def handle_bar(self, bar: Bar) -> None:
        """Update with the bar's high, low and close."""
        self.update_raw(bar.high.as_double(), bar.low.as_double(), bar.close.as_double())

    def update_raw(self, high: float, low: float, close: float) -> None:
        """Update with one bar's prices."""
        if not self.has_inputs:
            self._previous_close = close
        self._ma.update_raw(max(self._previous_close, high) - min(low, self._previous_close))
        self._previous_close = close
        self.value = self._ma.value
        if not self.initialized:
            self.has_inputs = True
            self.initialized = self._ma.initialized

    def _reset(self) -> None:
        self._ma.reset()
        self._previous_close = 0.0
        self.value = 0.0


class BollingerBands(_Indicator):
    """Simple average of typical prices `(high + low + close) / 3` over `period` bars, plus and
    minus `k` population standard deviations."""

    def __init__(self, period: int, k: float) -> None:
        super().__init__()
        self.period = period
        self.k = k
        self._ma = SimpleMovingAverage(period)
        self._prices: deque[float] = deque(maxlen=period)
        self.upper = self.middle = self.lower = 0.0

    def handle_bar(self, bar: Bar) -> None:
        """Update with the bar's high, low and close."""
        self.update_raw(bar.high.as_double(), bar.low.as_double(), bar.close.as_double())

    def update_raw(self, high: float, low: float, close: float) -> None:
        """Update with one bar's prices."""
        typical = (high + low + close) / 3.0
        self._prices.append(typical)
        self._ma.update_raw(typical)
        if not self.initialized:
            self.has_inputs = True
            self.initialized = len(self._prices) >= self.period
        mean = self._ma.value
        std = _std_with_mean(self._prices, mean)
        self.upper = mean + (self.k * std)
        self.middle = mean
        self.lower = mean - (self.k * std)

    def _reset(self) -> None:
        self._ma.reset()
        self._prices.clear()
        self.upper = self.middle = self.lower = 0.0


class DonchianChannel(_Indicator):
    """Highest high and lowest low of the last `period` bars (and their midpoint)."""

    def __init__(self, period: int) -> None:
        super().__init__()
        self.period = period
        self._highs: deque[float] = deque(maxlen=period)
        self._lows: deque[float] = deque(maxlen=period)
        self.upper = self.middle = self.lower = 0.0

    def handle_bar(self, bar: Bar) -> None:
        """Update with the bar's high and low."""
        self.update_raw(bar.high.as_double(), bar.low.as_double())

    def update_raw(self, high: float, low: float) -> None:
        """Update with one bar's high and low."""
        self._highs.append(high)
        self._lows.append(low)
        if not self.initialized:
            self.has_inputs = True
            self.initialized = len(self._highs) >= self.period
        self.upper = max(self._highs)
        self.lower = min(self._lows)
        self.middle = (self.upper + self.lower) / 2

    def _reset(self) -> None:
        self._highs.clear()
        self._lows.clear()
        self.upper = self.middle = self.lower = 0.0


def _mean(values: deque[float]) -> float:
    """1.221's `fast_mean`: the left-to-right sum over the count."""
    total = 0.0
    for value in values:
        total += value
    return total / len(values)


def _std_with_mean(values: deque[float], mean: float) -> float:
    """1.221's `fast_std_with_mean`: the population standard deviation around `mean`."""
    total = 0.0
    for value in values:
        deviation = value - mean
        total += deviation * deviation
    return math.sqrt(total / len(values))
