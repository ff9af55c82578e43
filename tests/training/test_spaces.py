"""The spaces a training env's schemes build match the env's own, one instrument or a portfolio."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.nodes import TrainingNode
from nautilus_rl_lab.nodes.portfolio import DEFAULT_ACTION, DEFAULT_OBSERVATION
from nautilus_rl_lab.nodes.training import SINGLE_ACTION, SINGLE_OBSERVATION
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training.spaces import env_spaces

from .conftest import correlated_assets, portfolio_env, tiny_config


@pytest.mark.parametrize(
    "action",
    [SchemeConfig(name="simplex_weights"), SchemeConfig(name="discrete_targets")],
)
def test_portfolio_spaces_are_the_ones_the_env_declares(action: SchemeConfig) -> None:
    config = portfolio_env(correlated_assets(40, seed=1, drifts=[0.0] * 3), action=action)
    env = TrainingNode(config)
    try:
        assert env_spaces(config) == (env.observation_space, env.action_space)
    finally:
        env.close()


def test_a_portfolio_keeping_the_single_defaults_gets_the_portfolio_defaults_spaces() -> None:
    assets = correlated_assets(40, seed=1, drifts=[0.0] * 2)
    kept = portfolio_env(assets, observation=SINGLE_OBSERVATION, action=SINGLE_ACTION)
    defaults = portfolio_env(assets, observation=DEFAULT_OBSERVATION, action=DEFAULT_ACTION)
    assert env_spaces(kept) == env_spaces(defaults)
    assert env_spaces(kept)[1].shape == (3,)  # simplex_weights: two assets and cash


def test_single_instrument_spaces_are_the_ones_the_env_declares(tmp_path) -> None:
    config = tiny_config(tmp_path).env
    env = TrainingNode(config)
    try:
        assert env_spaces(config) == (env.observation_space, env.action_space)
    finally:
        env.close()
