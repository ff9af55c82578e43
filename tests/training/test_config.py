"""TrainConfig on a portfolio env: the algorithm fits its action space; ranges it cannot have are refused."""

from __future__ import annotations

import msgspec
import pytest

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.training import SINGLE_ACTION
from nautilus_rl_lab.schemes import SchemeConfig

from .conftest import tiny_portfolio_config

RANGE = DataSourceConfig(kind="sample", start="2017-03-15", end="2017-03-22")


@pytest.mark.parametrize(
    ("action", "algorithm", "refusal"),
    [
        ("simplex_weights", "SAC", None),
        ("simplex_weights", "DQN", "DQN does not support the continuous action space"),
        ("discrete_targets", "PPO", None),
        ("discrete_targets", "SAC", "SAC does not support the multi-discrete action space"),
        ("discrete_targets", "DQN", "DQN does not support the multi-discrete action space"),
    ],
)
def test_the_algorithm_must_fit_the_portfolio_action_space(
    tmp_path, action: str, algorithm: str, refusal: str | None
) -> None:
    env = tiny_portfolio_config(tmp_path).env
    env = msgspec.structs.replace(env, action=SchemeConfig(name=action))
    if refusal is None:
        assert (
            tiny_portfolio_config(tmp_path, env=env, algorithm=algorithm).env.action == env.action
        )
        return
    with pytest.raises(ConfigError, match=f"`algorithm` {refusal} of `env.action` '{action}'"):
        tiny_portfolio_config(tmp_path, env=env, algorithm=algorithm)


def test_a_portfolio_keeping_the_single_default_action_is_checked_as_its_simplex(tmp_path) -> None:
    env = msgspec.structs.replace(tiny_portfolio_config(tmp_path).env, action=SINGLE_ACTION)
    with pytest.raises(
        ConfigError, match=r"DQN does not support the continuous.*'simplex_weights'"
    ):
        tiny_portfolio_config(tmp_path, env=env, algorithm="DQN")


@pytest.mark.parametrize("field", ["eval_data", "test_data"])
def test_a_portfolio_refuses_one_instruments_evaluation_ranges(tmp_path, field: str) -> None:
    with pytest.raises(ConfigError, match=f"`{field}` is set but `env.instruments`"):
        tiny_portfolio_config(tmp_path, **{field: RANGE})


@pytest.mark.parametrize("role", ["train", "validation", "test"])
def test_a_portfolio_has_no_range_env_for_reports(tmp_path, role: str) -> None:
    config = tiny_portfolio_config(tmp_path)
    with pytest.raises(ConfigError, match=f"a report on the {role} range but `env.instruments`"):
        config.range_env(role)
    assert config.eval_env is None and config.test_env is None
