"""The observation and action spaces a training env's schemes build, without building the env.

A portfolio's schemes are built for its number of instruments (`schemes.portfolio_registry`),
one instrument's from the single-instrument registry; `TrainConfig` checks its algorithm
against the action space and a bundle written without a model records both spaces.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.schemes.config import SchemeConfig
from nautilus_rl_lab.schemes.portfolio_registry import (
    build_portfolio_action,
    build_portfolio_observation,
)
from nautilus_rl_lab.schemes.registry import build_action, build_observation


def scheme_spaces(
    observation: SchemeConfig, action: SchemeConfig, n_assets: int | None = None
) -> tuple[gym.Space[Any], gym.Space[Any]]:
    """The (observation, action) spaces of these schemes: for one instrument (`n_assets`
    `None`) or for a portfolio of `n_assets` instruments."""
    if n_assets is None:
        return build_observation(observation).space, build_action(action).space
    return (
        build_portfolio_observation(observation, n_assets).space,
        build_portfolio_action(action, n_assets).space,
    )


def env_spaces(env: TrainingNodeConfig) -> tuple[gym.Space[Any], gym.Space[Any]]:
    """The (observation, action) spaces a `TrainingNode` built from `env` declares."""
    observation, action = env.schemes
    return scheme_spaces(observation, action, len(env.assets) or None)
