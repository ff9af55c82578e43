"""Build schemes from config: a short alias or a `package.module:Class` path plus typed params."""

from __future__ import annotations

from typing import Any, TypeVar

from nautilus_trader.config import NautilusConfig

from nautilus_rl_lab.config import resolve_class
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.action import BuySellHold, ContinuousExposure, TargetPosition
from nautilus_rl_lab.schemes.base import ActionScheme, ObservationScheme, RewardScheme
from nautilus_rl_lab.schemes.observation import WindowObservation
from nautilus_rl_lab.schemes.reward import (
    Calmar,
    CostPenalised,
    DifferentialSharpe,
    DifferentialSortino,
    DrawdownPenalised,
    EquityChange,
    LogReturn,
)

T = TypeVar("T")

OBSERVATION_SCHEMES: dict[str, type[ObservationScheme]] = {"window": WindowObservation}
ACTION_SCHEMES: dict[str, type[ActionScheme]] = {
    "target_position": TargetPosition,
    "buy_sell_hold": BuySellHold,
    "continuous": ContinuousExposure,
}
REWARD_SCHEMES: dict[str, type[RewardScheme]] = {
    "equity_change": EquityChange,
    "log_return": LogReturn,
    "differential_sharpe": DifferentialSharpe,
    "differential_sortino": DifferentialSortino,
    "calmar": Calmar,
    "drawdown_penalised": DrawdownPenalised,
    "cost_penalised": CostPenalised,
}


class SchemeConfig(NautilusConfig, frozen=True, forbid_unknown_fields=True):
    """A scheme by `name` (alias such as `window`, or `package.module:Class`) and its `params`."""

    name: str
    params: dict[str, Any] = {}


def _build(field: str, config: SchemeConfig, registry: dict[str, type[T]], base: type[T]) -> T:
    cls = resolve_class(f"{field}.name", config.name, registry, base)
    try:
        return cls(**config.params)
    except TypeError as e:
        raise ConfigError(f"`{field}.params` do not fit {cls.__name__}: {e}") from e


def build_observation(config: SchemeConfig) -> ObservationScheme:
    """Instantiate the observation scheme named by `config`."""
    return _build("observation", config, OBSERVATION_SCHEMES, ObservationScheme)  # type: ignore[type-abstract]


def build_action(config: SchemeConfig) -> ActionScheme:
    """Instantiate the action scheme named by `config`."""
    return _build("action", config, ACTION_SCHEMES, ActionScheme)  # type: ignore[type-abstract]


def build_reward(config: SchemeConfig) -> RewardScheme:
    """Instantiate the reward scheme named by `config`."""
    return _build("reward", config, REWARD_SCHEMES, RewardScheme)  # type: ignore[type-abstract]
