"""Rule-based baselines adapted from Nautilus' example strategies, as `Agent`s.

`EMACrossAgent` follows `nautilus_trader/examples/strategies/ema_cross.py` (long while the fast
EMA is at or above the slow EMA, short below it); `BollingerMeanReversionAgent` is the classic
band fade (short above the upper band, long below the lower band, flat once the price is back
at the middle band); `DonchianBreakoutAgent` is the turtle-style breakout (long when the close
breaks above the highest high of the previous `period` bars, short below the lowest low, and
in the market on the last breakout's side until the opposite one). All keep Nautilus 1.221's
indicators (`ExponentialMovingAverage`, `BollingerBands`, `DonchianChannel` from
`schemes.indicators`: the same numbers on NautilusTrader 2, whose own differ), updated from the
bars `RLAgent` hands to `observe_bar`, and turn their signal into an action of the *same*
ActionScheme a trained policy uses (`SignalActions`), so baselines and policies share one
order path, risk rules included. They stay flat until their indicators are warm.
`BASELINES` names them for the evaluations and studies that compare policies against them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from nautilus_rl_lab.agents.base import Agent, read_spec, write_spec
from nautilus_rl_lab.agents.simple import DEFAULT_ACTION, SignalActions
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import Bar
from nautilus_rl_lab.schemes.indicators import (
    BollingerBands,
    DonchianChannel,
    ExponentialMovingAverage,
)
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.validation import check_minimum


class EMACrossAgent(Agent):
    """Long when EMA(`fast`) >= EMA(`slow`), short otherwise (flat with a long-only scheme)."""

    def __init__(
        self, fast: int = 10, slow: int = 20, action: SchemeConfig = DEFAULT_ACTION
    ) -> None:
        if not 0 < fast < slow:
            raise ConfigError(f"`fast` must be > 0 and < `slow`, was fast={fast}, slow={slow}")
        self.fast, self.slow, self.action = fast, slow, action
        self._signals = SignalActions(action)
        self.fast_ema = ExponentialMovingAverage(fast)
        self.slow_ema = ExponentialMovingAverage(slow)

    @property
    def warmup_bars(self) -> int:
        return self.slow

    def reset(self) -> None:
        self.fast_ema.reset()
        self.slow_ema.reset()

    def observe_bar(self, bar: Bar) -> None:
        self.fast_ema.handle_bar(bar)
        self.slow_ema.handle_bar(bar)

    def act(self, observation: np.ndarray) -> Any:
        if not (self.fast_ema.initialized and self.slow_ema.initialized):
            return self._signals(0.0)
        return self._signals(1.0 if self.fast_ema.value >= self.slow_ema.value else -1.0)

    def save(self, path: str | os.PathLike[str]) -> Path:
        return write_spec(
            path, self, fast=self.fast, slow=self.slow, action=self.action.json().decode()
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> EMACrossAgent:
        spec = read_spec(path)
        return cls(spec["fast"], spec["slow"], SchemeConfig.parse(spec["action"]))


class BollingerMeanReversionAgent(Agent):
    """Fade moves outside Bollinger bands (`period`, `k` standard deviations); exit at the middle."""

    def __init__(
        self, period: int = 20, k: float = 2.0, action: SchemeConfig = DEFAULT_ACTION
    ) -> None:
        check_minimum("period", period, 2)
        check_minimum("k", k, 0, strict=True)
        self.period, self.k, self.action = period, k, action
        self._signals = SignalActions(action)
        self.bands = BollingerBands(period, k)
        self._signal = 0.0
        self._close = 0.0

    @property
    def warmup_bars(self) -> int:
        return self.period

    def reset(self) -> None:
        self.bands.reset()
        self._signal = 0.0

    def observe_bar(self, bar: Bar) -> None:
        self.bands.handle_bar(bar)
        self._close = bar.close.as_double()

    def act(self, observation: np.ndarray) -> Any:
        if self.bands.initialized:
            close, bands = self._close, self.bands
            if close > bands.upper:
                self._signal = -1.0
            elif close < bands.lower:
                self._signal = 1.0
            elif (self._signal > 0 and close >= bands.middle) or (
                self._signal < 0 and close <= bands.middle
            ):
                self._signal = 0.0
        return self._signals(self._signal)

    def save(self, path: str | os.PathLike[str]) -> Path:
        return write_spec(
            path, self, period=self.period, k=self.k, action=self.action.json().decode()
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BollingerMeanReversionAgent:
        spec = read_spec(path)
        return cls(spec["period"], spec["k"], SchemeConfig.parse(spec["action"]))


class DonchianBreakoutAgent(Agent):
    """Long on a close above the previous `period` bars' high, short below their low; hold between."""

    def __init__(self, period: int = 20, action: SchemeConfig = DEFAULT_ACTION) -> None:
        check_minimum("period", period, 2)
        self.period, self.action = period, action
        self._signals = SignalActions(action)
        self.channel = DonchianChannel(period)
        self._signal = 0.0

    @property
    def warmup_bars(self) -> int:
        return self.period + 1  # the channel of `period` bars, then a bar to break it

    def reset(self) -> None:
        self.channel.reset()
        self._signal = 0.0

    def observe_bar(self, bar: Bar) -> None:
        if self.channel.initialized:  # the channel of the bars *before* this one
            close = bar.close.as_double()
            if close > self.channel.upper:
                self._signal = 1.0
            elif close < self.channel.lower:
                self._signal = -1.0
        self.channel.handle_bar(bar)

    def act(self, observation: np.ndarray) -> Any:
        return self._signals(self._signal)

    def save(self, path: str | os.PathLike[str]) -> Path:
        return write_spec(path, self, period=self.period, action=self.action.json().decode())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DonchianBreakoutAgent:
        spec = read_spec(path)
        return cls(spec["period"], SchemeConfig.parse(spec["action"]))


BASELINES: dict[
    str, type[EMACrossAgent] | type[BollingerMeanReversionAgent] | type[DonchianBreakoutAgent]
] = {
    "ema_cross": EMACrossAgent,
    "bollinger": BollingerMeanReversionAgent,
    "donchian": DonchianBreakoutAgent,
}
