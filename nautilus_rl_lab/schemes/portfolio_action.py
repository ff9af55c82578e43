"""Portfolio action schemes: map an agent's action to one signed target weight per asset.

A weight is a position's market value over equity (`schemes.portfolio`). The schemes are pure:
turning weights into Nautilus orders (and rounding them to lots) is the portfolio strategy's
job. Every scheme takes a rebalance `band`: an asset whose target lies within `band` of its
current weight keeps its current weight exactly, so it is not traded, unless keeping the
in-band assets would leave the scheme's limits (a portfolio drifted past `max_gross`): then
every asset takes its target.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Any

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.portfolio import PortfolioActionScheme
from nautilus_rl_lab.validation import check_instance, check_number, check_positive

#: The weight one asset (or cash) reaches under `SimplexWeights`' default temperature when its
#: logit is 1 and every other one -1.
SIMPLEX_REACH = 0.99


def _field(name: str) -> str:
    return f"action.params.{name}"


def _positive(name: str, value: Any) -> float:
    check_number(_field(name), value)
    return float(check_positive(_field(name), value))


def apply_band(target: np.ndarray, weights: np.ndarray, band: float) -> np.ndarray:
    """`target` with every asset within `band` (absolute weight) of its current `weights` set to
    its current weight exactly (not traded)."""
    if target.shape != weights.shape:
        raise ValueError(f"current weights have shape {weights.shape}, expected {target.shape}")
    return np.where(np.abs(target - weights) <= band, weights, target)


def cap_gross(weights: np.ndarray, max_gross: float) -> np.ndarray:
    """`weights` scaled down so the sum of their absolute values, as numpy sums it, is at most
    `max_gross` (the scale steps below the exact ratio when rounding would overshoot)."""
    gross = float(np.abs(weights).sum())
    if gross <= max_gross:
        return weights
    scale = max_gross / gross
    while float(np.abs(capped := weights * scale).sum()) > max_gross:
        scale = math.nextafter(scale, 0.0)
    return capped


def box_action(action: Any, space: gym.spaces.Box) -> np.ndarray:
    """A Box action as a flat float64 array clipped to `space` (the env checked it is finite)."""
    values = np.asarray(action, dtype=np.float64).reshape(-1)
    if values.size != space.shape[-1]:
        raise ValueError(
            f"action {action!r} has {values.size} values, {space} expects {space.shape[-1]}"
        )
    return np.clip(values, space.low, space.high)


class _BandedWeights(PortfolioActionScheme):
    """A weights scheme with a rebalance `band` (the module docstring); subclasses map actions."""

    def __init__(self, n_assets: int, band: float) -> None:
        super().__init__(n_assets)
        self.band = float(check_number(_field("band"), band))

    def target_weights(self, action: Any, weights: np.ndarray) -> np.ndarray:
        target = self._targets(action)
        if not self.band:
            return target
        banded = apply_band(target, np.asarray(weights, dtype=np.float64), self.band)
        return banded if self._within_limits(banded) else target

    @abstractmethod
    def _targets(self, action: Any) -> np.ndarray:
        """The weights `action` stands for, before the band."""

    def _within_limits(self, weights: np.ndarray) -> bool:
        """Whether this scheme could target `weights` (gross within `max_gross`)."""
        return float(np.abs(weights).sum()) <= self.max_gross


class SimplexWeights(_BandedWeights):
    """Long-only weights with cash: a softmax over `n_assets + 1` logits in [-1, 1] (the last
    one is cash), so weights are >= 0 and sum to at most 1 (cash holds the rest).

    The logits are divided by `temperature`; its default, 2 / ln(99 n), lets any one asset
    (or cash) reach `SIMPLEX_REACH` (99%) of equity from logits in [-1, 1] and every asset go
    down to 1/(100 n). A higher temperature spreads weights more evenly.
    """

    def __init__(self, n_assets: int, temperature: float | None = None, band: float = 0.0) -> None:
        super().__init__(n_assets, band)
        if temperature is None:
            temperature = 2.0 / math.log(SIMPLEX_REACH / (1.0 - SIMPLEX_REACH) * n_assets)
        self.temperature = _positive("temperature", temperature)
        self._space = gym.spaces.Box(-1.0, 1.0, shape=(n_assets + 1,), dtype=np.float32)

    @property
    def space(self) -> gym.spaces.Box:
        return self._space

    @property
    def max_gross(self) -> float:
        return 1.0

    def _targets(self, action: Any) -> np.ndarray:
        logits = box_action(action, self._space) / self.temperature
        shares = np.exp(logits - logits.max())
        return cap_gross(shares[:-1] / shares.sum(), 1.0)

    def _within_limits(self, weights: np.ndarray) -> bool:
        return bool((weights >= 0).all()) and super()._within_limits(weights)


class LongShortWeights(_BandedWeights):
    """Signed weights from actions in [-1, 1], one per asset: w = a * max_gross / max(1, sum|a|).

    Actions with sum|a| <= 1 map linearly (flat and small positions are reachable); larger
    ones are scaled down together so sum|w| <= `max_gross`. With `max_net`, a net weight beyond
    +/- `max_net` has its excess taken off every asset equally (0: market neutral, the weights
    minus their mean), then the gross is capped again (which only shrinks the net).
    """

    def __init__(
        self,
        n_assets: int,
        max_gross: float = 1.0,
        max_net: float | None = None,
        band: float = 0.0,
    ) -> None:
        super().__init__(n_assets, band)
        self._max_gross = _positive("max_gross", max_gross)
        if max_net is not None:
            check_number(_field("max_net"), max_net)
            if max_net >= self._max_gross:
                raise ConfigError(
                    f"`{_field('max_net')}` must be < `max_gross` {max_gross} (a net weight never "
                    f"exceeds the gross), was {max_net}; use None for no net limit"
                )
        self.max_net = None if max_net is None else float(max_net)
        self._space = gym.spaces.Box(-1.0, 1.0, shape=(n_assets,), dtype=np.float32)

    @property
    def space(self) -> gym.spaces.Box:
        return self._space

    @property
    def max_gross(self) -> float:
        return self._max_gross

    def _targets(self, action: Any) -> np.ndarray:
        weights = cap_gross(box_action(action, self._space) * self._max_gross, self._max_gross)
        if self.max_net is not None:
            net = float(weights.sum())
            excess = net - math.copysign(min(abs(net), self.max_net), net)
            weights = cap_gross(weights - excess / self.n_assets, self._max_gross)
        return weights

    def _within_limits(self, weights: np.ndarray) -> bool:
        net_ok = self.max_net is None or abs(float(weights.sum())) <= self.max_net
        return net_ok and super()._within_limits(weights)


class DiscreteTargets(_BandedWeights):
    """One choice per asset: 0 = short, 1 = flat, 2 = long `per_asset` of equity (default
    1 / n_assets); with `allow_short=False` 0 = flat, 1 = long.

    `max_gross` (default 1.0, unlevered) is the leverage the config allows: `per_asset` times
    the number of assets above it is refused, so leverage is always asked for explicitly.
    """

    def __init__(
        self,
        n_assets: int,
        per_asset: float | None = None,
        allow_short: bool = True,
        max_gross: float = 1.0,
        band: float = 0.0,
    ) -> None:
        super().__init__(n_assets, band)
        self.per_asset = _positive("per_asset", 1.0 / n_assets if per_asset is None else per_asset)
        self.allow_short = check_instance(_field("allow_short"), allow_short, bool, "true/false")
        allowed = _positive("max_gross", max_gross)
        levels = (-self.per_asset, 0.0, self.per_asset) if allow_short else (0.0, self.per_asset)
        self._levels = np.array(levels)
        self._max_gross = float(np.full(n_assets, self.per_asset).sum())
        if self._max_gross > allowed * (1.0 + 1e-12):  # 1/n * n may round up by an ulp
            raise ConfigError(
                f"`{_field('per_asset')}` {self.per_asset} times {n_assets} assets is a gross "
                f"weight of {self._max_gross:g}, above `{_field('max_gross')}` {max_gross}: "
                f"lower per_asset or raise max_gross to allow that leverage"
            )
        self._space = gym.spaces.MultiDiscrete([len(levels)] * n_assets)

    @property
    def space(self) -> gym.spaces.MultiDiscrete:
        return self._space

    @property
    def max_gross(self) -> float:
        """`per_asset` times the number of assets (every asset long or short)."""
        return self._max_gross

    def _targets(self, action: Any) -> np.ndarray:
        choice = np.asarray(action).reshape(-1)
        valid = choice.size == self.n_assets and np.issubdtype(choice.dtype, np.integer)
        if not valid or choice.min() < 0 or choice.max() >= len(self._levels):
            raise ValueError(f"action {action!r} is not in {self._space}")
        return self._levels[choice]
