"""Build schemes from config: a short alias or a `package.module:Class` path plus typed params."""

from __future__ import annotations

import importlib
from typing import Any, TypeVar

from nautilus_trader.config import NautilusConfig

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.action import BuySellHold, ContinuousExposure, TargetPosition
from nautilus_rl_lab.schemes.base import ActionScheme, ObservationScheme, RewardScheme
from nautilus_rl_lab.schemes.observation import WindowObservation
from nautilus_rl_lab.schemes.reward import (
    DifferentialSharpe,
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
    "drawdown_penalised": DrawdownPenalised,
}


class SchemeConfig(NautilusConfig, frozen=True):
    """A scheme by `name` (alias such as `window`, or `package.module:Class`) and its `params`."""

    name: str
    params: dict[str, Any] = {}


def _resolve(field: str, name: str, registry: dict[str, type[T]], base: type[T]) -> type[T]:
    if name in registry:
        return registry[name]
    module_name, _, class_name = name.partition(":")
    if not class_name:
        raise ConfigError(
            f"`{field}.name` {name!r} is unknown: use one of {sorted(registry)} "
            f"or a 'package.module:Class' path",
        )
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"`{field}.name` {name!r} cannot be imported: {e}") from e
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(f"`{field}.name` {name!r} is not a subclass of {base.__name__}")
    return cls


def _build(field: str, config: SchemeConfig, registry: dict[str, type[T]], base: type[T]) -> T:
    cls = _resolve(field, config.name, registry, base)
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
