"""Build schemes from config: a short alias or a `package.module:Class` path plus typed params.

Portfolio schemes have their registries in `schemes.portfolio_registry`.

The reward registry (`REWARD_SCHEMES`, `build_reward`) lives in `schemes.reward`, since
`cost_penalised` builds the reward it wraps; it is re-exported here with the other kinds.
"""

from __future__ import annotations

from nautilus_rl_lab.schemes.action import BuySellHold, ContinuousExposure, TargetPosition
from nautilus_rl_lab.schemes.base import ActionScheme, ObservationScheme
from nautilus_rl_lab.schemes.config import SchemeConfig, build_scheme
from nautilus_rl_lab.schemes.observation import WindowObservation
from nautilus_rl_lab.schemes.reward import REWARD_SCHEMES, build_reward

OBSERVATION_SCHEMES: dict[str, type[ObservationScheme]] = {"window": WindowObservation}
ACTION_SCHEMES: dict[str, type[ActionScheme]] = {
    "target_position": TargetPosition,
    "buy_sell_hold": BuySellHold,
    "continuous": ContinuousExposure,
}


def build_observation(config: SchemeConfig) -> ObservationScheme:
    """Instantiate the observation scheme named by `config`."""
    return build_scheme("observation", config, OBSERVATION_SCHEMES, ObservationScheme)  # type: ignore[type-abstract]


def build_action(config: SchemeConfig) -> ActionScheme:
    """Instantiate the action scheme named by `config`."""
    return build_scheme("action", config, ACTION_SCHEMES, ActionScheme)  # type: ignore[type-abstract]


__all__ = [
    "ACTION_SCHEMES",
    "OBSERVATION_SCHEMES",
    "REWARD_SCHEMES",
    "SchemeConfig",
    "build_action",
    "build_observation",
    "build_reward",
]
