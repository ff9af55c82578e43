"""Action schemes: map an agent's action to a signed target position in instrument units.

The mapping is pure; turning "target minus current" into Nautilus market orders is done by
`nautilus_rl_lab.strategies.execution` (`plan_orders`, `submit_plan`), shared by training and
trading: the current position there includes the orders in flight, and a part that only
reduces the position is a reduce-only order of its own.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.base import ActionScheme
from nautilus_rl_lab.validation import check_minimum


def discrete_index(action: Any) -> int:
    """The integer of a discrete action given as int, numpy scalar or one-element array."""
    if type(action) is int:  # the env's checked action: the per-step fast path
        return action
    return int(np.asarray(action).reshape(-1)[0])


def common_unit(*sizes: float) -> float:
    """The largest size every one of `sizes` is a whole multiple of (gcd of decimal sizes)."""
    fractions = [Fraction(str(size)) for size in sizes]
    denominator = math.lcm(*(f.denominator for f in fractions))
    numerator = math.gcd(*(int(f * denominator) for f in fractions))
    return float(Fraction(numerator, denominator))


def _positive(name: str, value: float) -> float:
    return float(check_minimum(name, value, 0, strict=True))


class TargetPosition(ActionScheme):
    """Discrete target position: 0 = short, 1 = flat, 2 = long `trade_size` units.

    With `allow_short=False` the space is {flat, long}.
    """

    def __init__(self, trade_size: float = 10_000, allow_short: bool = True) -> None:
        self.trade_size = _positive("trade_size", trade_size)
        self.allow_short = allow_short
        self._targets = (
            (-self.trade_size, 0.0, self.trade_size) if allow_short else (0.0, self.trade_size)
        )
        self._space = gym.spaces.Discrete(len(self._targets))

    @property
    def space(self) -> gym.spaces.Discrete:
        return self._space

    @property
    def position_limit(self) -> float:
        return self.trade_size

    @property
    def order_unit(self) -> float:
        return self.trade_size

    def target_position(self, action: Any, position: float) -> float | None:
        return self._targets[discrete_index(action)]


class BuySellHold(ActionScheme):
    """Discrete trades: 0 = hold, 1 = buy `trade_size`, 2 = sell `trade_size`,
    never beyond +/- `max_position` (an order that would exceed it is clipped).
    """

    HOLD, BUY, SELL = 0, 1, 2

    def __init__(self, trade_size: float = 10_000, max_position: float = 10_000) -> None:
        self.trade_size = _positive("trade_size", trade_size)
        self.max_position = _positive("max_position", max_position)
        self._space = gym.spaces.Discrete(3)

    @property
    def space(self) -> gym.spaces.Discrete:
        return self._space

    @property
    def position_limit(self) -> float:
        return self.max_position

    @property
    def order_unit(self) -> float:
        """Steps of `trade_size` clipped at `max_position` (3 up to 10: 9 -> 10 is 1)."""
        return common_unit(self.trade_size, self.max_position)

    def target_position(self, action: Any, position: float) -> float | None:
        action = discrete_index(action)
        if action == self.HOLD:
            return None
        step = self.trade_size if action == self.BUY else -self.trade_size
        return float(np.clip(position + step, -self.max_position, self.max_position))


class ContinuousExposure(ActionScheme):
    """Continuous target exposure in [-1, 1] times `max_position`, rounded to `lot_size` units."""

    def __init__(self, max_position: float = 10_000, lot_size: float = 1_000) -> None:
        self.max_position = _positive("max_position", max_position)
        self.lot_size = _positive("lot_size", lot_size)
        if self.lot_size > self.max_position:
            raise ConfigError(
                f"`lot_size` {lot_size} must be <= `max_position` {max_position}: "
                f"no whole lot would fit the limit"
            )
        self._max_lots = math.floor(self.max_position / self.lot_size)
        self._space = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)

    @property
    def space(self) -> gym.spaces.Box:
        return self._space

    @property
    def position_limit(self) -> float:
        return self.max_position

    @property
    def order_unit(self) -> float:
        return self.lot_size

    def target_position(self, action: Any, position: float) -> float | None:
        exposure = float(np.clip(np.asarray(action, dtype=np.float64).reshape(-1)[0], -1.0, 1.0))
        # Rounding to the nearest lot must not step past the limit (max 1.5 lots -> 1 lot).
        lots = min(round(abs(exposure) * self.max_position / self.lot_size), self._max_lots)
        return math.copysign(lots * self.lot_size, exposure) if lots else 0.0
