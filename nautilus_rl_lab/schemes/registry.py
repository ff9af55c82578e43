"""Build schemes from config: a short alias or a `package.module:Class` path plus typed params.

Portfolio schemes (`PORTFOLIO_ACTION_SCHEMES`, `PORTFOLIO_OBSERVATION_SCHEMES`) are built the
same way with the env's `n_assets` given to them.

The reward registry (`REWARD_SCHEMES`, `build_reward`) lives in `schemes.reward`, since
`cost_penalised` builds the reward it wraps; it is re-exported here with the other kinds.
"""

from __future__ import annotations

from nautilus_rl_lab.schemes.action import BuySellHold, ContinuousExposure, TargetPosition
from nautilus_rl_lab.schemes.base import ActionScheme, ObservationScheme
from nautilus_rl_lab.schemes.config import SchemeConfig, build_scheme
from nautilus_rl_lab.schemes.observation import WindowObservation
from nautilus_rl_lab.schemes.portfolio import PortfolioActionScheme, PortfolioObservationScheme
from nautilus_rl_lab.schemes.portfolio_action import (
    DiscreteTargets,
    LongShortWeights,
    SimplexWeights,
)
from nautilus_rl_lab.schemes.portfolio_observation import StackedWindow
from nautilus_rl_lab.schemes.reward import REWARD_SCHEMES, build_reward

OBSERVATION_SCHEMES: dict[str, type[ObservationScheme]] = {"window": WindowObservation}
ACTION_SCHEMES: dict[str, type[ActionScheme]] = {
    "target_position": TargetPosition,
    "buy_sell_hold": BuySellHold,
    "continuous": ContinuousExposure,
}
PORTFOLIO_OBSERVATION_SCHEMES: dict[str, type[PortfolioObservationScheme]] = {
    "stacked_window": StackedWindow
}
PORTFOLIO_ACTION_SCHEMES: dict[str, type[PortfolioActionScheme]] = {
    "simplex_weights": SimplexWeights,
    "long_short_weights": LongShortWeights,
    "discrete_targets": DiscreteTargets,
}


def build_observation(config: SchemeConfig) -> ObservationScheme:
    """Instantiate the observation scheme named by `config`."""
    return build_scheme("observation", config, OBSERVATION_SCHEMES, ObservationScheme)  # type: ignore[type-abstract]


def build_action(config: SchemeConfig) -> ActionScheme:
    """Instantiate the action scheme named by `config`."""
    return build_scheme("action", config, ACTION_SCHEMES, ActionScheme)  # type: ignore[type-abstract]


def build_portfolio_observation(config: SchemeConfig, n_assets: int) -> PortfolioObservationScheme:
    """Instantiate the portfolio observation scheme named by `config` for `n_assets` assets."""
    return build_scheme(
        "observation",
        config,
        PORTFOLIO_OBSERVATION_SCHEMES,
        PortfolioObservationScheme,  # type: ignore[type-abstract]
        n_assets=n_assets,
    )


def build_portfolio_action(config: SchemeConfig, n_assets: int) -> PortfolioActionScheme:
    """Instantiate the portfolio action scheme named by `config` for `n_assets` assets."""
    return build_scheme(
        "action",
        config,
        PORTFOLIO_ACTION_SCHEMES,
        PortfolioActionScheme,  # type: ignore[type-abstract]
        n_assets=n_assets,
    )


__all__ = [
    "ACTION_SCHEMES",
    "OBSERVATION_SCHEMES",
    "PORTFOLIO_ACTION_SCHEMES",
    "PORTFOLIO_OBSERVATION_SCHEMES",
    "REWARD_SCHEMES",
    "SchemeConfig",
    "build_action",
    "build_observation",
    "build_portfolio_action",
    "build_portfolio_observation",
    "build_reward",
]
