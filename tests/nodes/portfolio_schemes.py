"""Transparent portfolio schemes for the env tests: the action is the weights, the observation
each asset's last close and weight (so a test can see exactly what the agent saw)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.nt.model import Bar
from nautilus_rl_lab.schemes.portfolio import (
    PortfolioActionScheme,
    PortfolioObservationScheme,
    PortfolioState,
)


class DirectWeights(PortfolioActionScheme):
    """The action is the target weights themselves (each in [-1, 1])."""

    @property
    def space(self) -> gym.spaces.Box:
        return gym.spaces.Box(-1.0, 1.0, shape=(self.n_assets,), dtype=np.float32)

    @property
    def max_gross(self) -> float:
        return float(self.n_assets)

    def target_weights(self, action: Any, weights: np.ndarray) -> np.ndarray | None:
        return np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)


class LongWeights(DirectWeights):
    """The action is the target weights, each in [0, 1] (a cash account's)."""

    @property
    def space(self) -> gym.spaces.Box:
        return gym.spaces.Box(0.0, 1.0, shape=(self.n_assets,), dtype=np.float32)

    def target_weights(self, action: Any, weights: np.ndarray) -> np.ndarray | None:
        return np.clip(np.asarray(action, dtype=np.float64), 0.0, 1.0)


class LastBars(PortfolioObservationScheme):
    """Each asset's last close, weight and trading flag; ready after `warmup` bars of each."""

    def __init__(self, n_assets: int, warmup: int = 1) -> None:
        super().__init__(n_assets)
        self.warmup = warmup
        self.reset()

    @property
    def space(self) -> gym.spaces.Box:
        return gym.spaces.Box(-1e6, 1e6, shape=(3 * self.n_assets,), dtype=np.float32)

    @property
    def warmup_bars(self) -> int:
        return self.warmup

    def reset(self) -> None:
        self.closes = [np.nan] * self.n_assets
        self.seen = [0] * self.n_assets
        self.bar_times: list[list[int]] = [[] for _ in range(self.n_assets)]

    def update(self, asset: int, bar: Bar) -> None:
        self.closes[asset] = bar.close.as_double()
        self.seen[asset] += 1
        self.bar_times[asset].append(bar.ts_event)

    @property
    def ready(self) -> bool:
        return min(self.seen) >= self.warmup

    def observe(self, state: PortfolioState) -> np.ndarray:
        values = [*self.closes, *state.weights, *map(float, state.trading)]
        return np.array(values, dtype=np.float32)
