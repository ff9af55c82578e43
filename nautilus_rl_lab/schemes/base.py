"""Scheme interfaces (TensorTrade's idea): observation, action and reward are small swappable objects.

Schemes never see the environment or the engine. They get a read-only `MarketState`
snapshot built by whichever Nautilus component drives them (the training strategy,
`RLAgent`, `AgentStrategy`), so training, backtesting and live trading run the same code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.nt.model import Bar


class MarketState(NamedTuple):
    """What a scheme may know at a decision point, read from Nautilus' cache and portfolio.

    Money fields are in `currency` (the account's base currency, or the instrument's quote
    currency on a multi-currency account); `equity` is the account's mark-to-market value
    (`nautilus_rl_lab.strategies.valuation`). `position` is the signed net quantity in
    instrument units and `position_limit` the largest absolute position the action scheme takes.
    Immutable; a `NamedTuple` because one is built on every bar (a quarter of a frozen
    dataclass's construction time).
    """

    ts_ns: int
    close: float
    position: float
    balance: float
    equity: float
    unrealized_pnl: float
    commissions: float
    position_limit: float
    currency: str = ""


class PortfolioState(NamedTuple):
    """What a portfolio scheme may know at a decision, in the env's instrument order.

    `closes`: each asset's latest close (an asset without a bar at `ts_ns` keeps its last one,
    a past price: `trading` is False for it and the decision does not trade it). `positions`:
    signed units. `weights`: signed market value over `equity`. Money in `currency`.
    """

    ts_ns: int
    closes: tuple[float, ...]
    positions: tuple[float, ...]
    weights: tuple[float, ...]
    trading: tuple[bool, ...]
    balance: float
    equity: float
    unrealized_pnl: float
    commissions: float
    currency: str = ""

    @property
    def cash_weight(self) -> float:
        """One minus the sum of the weights: the part of equity not held in the assets."""
        return 1.0 - float(sum(self.weights))


class ObservationSpace(ABC):
    """What every observation scheme declares: its space, its warm-up, and a reset."""

    @property
    @abstractmethod
    def space(self) -> gym.spaces.Box:
        """The observation space; every observation lies inside it."""

    @property
    @abstractmethod
    def warmup_bars(self) -> int:
        """Bars (of each instrument) that must be seen before the first observation."""

    @abstractmethod
    def reset(self) -> None:
        """Forget all bars (called at every episode or run start)."""


class ObservationScheme(ObservationSpace):
    """Turns the bars seen so far and the account state into a fixed-shape observation."""

    @abstractmethod
    def update(self, bar: Bar) -> None:
        """Take in one closed bar."""

    def precompute(self, bars: Sequence[Bar]) -> None:
        """Prepare for `bars` being fed again and again (a training node's data); by default nothing.

        Only what each bar and its predecessors determine may be cached: no look-ahead.
        """

    @abstractmethod
    def observe(self, state: MarketState) -> np.ndarray:
        """Return the observation for the latest bar and `state`."""

    @property
    def ready(self) -> bool:
        """Whether enough bars were seen to observe."""
        return self.bars_seen >= self.warmup_bars

    @property
    @abstractmethod
    def bars_seen(self) -> int:
        """Bars taken in since the last reset."""


class ActionScheme(ABC):
    """Declares the action space and maps an action to a signed target position (in units)."""

    @property
    @abstractmethod
    def space(self) -> gym.Space[Any]:
        """The action space."""

    @property
    @abstractmethod
    def position_limit(self) -> float:
        """The largest absolute position (units) this scheme ever targets."""

    @property
    def order_unit(self) -> float | None:
        """Every order this scheme's targets need is a multiple of this many units (a lower
        bound of its smallest order, for the fee check of `nodes.venue`); `None`: any size."""
        return None

    @abstractmethod
    def target_position(self, action: Any, position: float) -> float | None:
        """Return the signed target position for `action` given the current `position`.

        `None` means "leave the position alone". Pure: no engine, no side effects.
        """


class RewardScheme(ABC):
    """Computes the step reward from successive `MarketState`s, or `PortfolioState`s in a
    portfolio env (equity comes from Nautilus)."""

    @abstractmethod
    def reset(self, state: MarketState | PortfolioState) -> None:
        """Start a new episode at `state`."""

    @abstractmethod
    def reward(self, state: MarketState | PortfolioState) -> float:
        """Return the reward for the step that ended at `state`."""
