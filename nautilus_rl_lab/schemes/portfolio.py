"""Portfolio scheme interfaces: what an agent over several instruments sees, does and earns.

A portfolio env (`TrainingNodeConfig.instruments`) decides once per aligned timestamp, when
every instrument with a bar at that time has delivered it (`strategies.portfolio_clock`). Its
schemes get a `PortfolioState` (per-asset tuples in the env's instrument order, money in the
account currency) instead of a `MarketState`. Reward schemes are shared with single-instrument
envs: they read only `equity`, `commissions` and the exposure (`schemes.reward`).

Weights: an asset's weight is its position's signed market value (Nautilus' notional at the
close, converted to the account currency through the cache's rates) over the account's
mark-to-market equity; the cash fraction is one minus their sum (negative when leveraged).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.nt.model import Bar
from nautilus_rl_lab.schemes.base import ObservationSpace, PortfolioState


class PortfolioScheme:
    """A scheme built for `n_assets` instruments (the env's, in its order)."""

    def __init__(self, n_assets: int) -> None:
        if isinstance(n_assets, bool) or not isinstance(n_assets, int) or n_assets < 1:
            raise ValueError(f"`n_assets` must be an integer >= 1, was {n_assets!r}")
        self.n_assets = n_assets


class PortfolioActionScheme(PortfolioScheme, ABC):
    """Declares the action space and maps an action to target weights (one per asset).

    Built with the env's `n_assets` plus the config's params. Pure: no engine, no side effects.
    """

    @property
    @abstractmethod
    def space(self) -> gym.Space[Any]:
        """The action space."""

    @property
    @abstractmethod
    def max_gross(self) -> float:
        """The largest sum of absolute weights this scheme ever targets (1.0: fully invested)."""

    @abstractmethod
    def target_weights(self, action: Any, weights: np.ndarray) -> np.ndarray | None:
        """The signed target weight of every asset for `action`, given the current `weights`
        (`None`: leave every position alone). An asset whose target equals its current weight
        exactly is not traded (a rebalance band returns the current weight)."""


class PortfolioObservationScheme(PortfolioScheme, ObservationSpace):
    """Turns each asset's bars and the portfolio state into a fixed-shape observation.

    Built with the env's `n_assets` plus the config's params.
    """

    @abstractmethod
    def update(self, asset: int, bar: Bar) -> None:
        """Take in one closed bar of asset `asset` (its index in the env's order)."""

    def precompute(self, bars: Sequence[Sequence[Bar]]) -> None:
        """Prepare for each asset's `bars[asset]` being replayed again and again (a training
        node's data); by default nothing. Only what each bar and its predecessors determine
        may be cached: no look-ahead."""

    @property
    @abstractmethod
    def ready(self) -> bool:
        """Whether every asset has delivered its warm-up bars."""

    @abstractmethod
    def observe(self, state: PortfolioState) -> np.ndarray:
        """The observation for the latest bars and `state`."""


__all__ = [
    "PortfolioActionScheme",
    "PortfolioObservationScheme",
    "PortfolioScheme",
    "PortfolioState",
]
