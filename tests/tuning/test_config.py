"""Study configs: files round-trip, and bad search-space specs name the field."""

from __future__ import annotations

import math
import re

import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.tuning import ParamSpec, PrunerConfig, RuleTuneConfig, TuneConfig

from .conftest import tiny_train, tiny_tune


def test_config_round_trips_through_yaml_and_json(tmp_path) -> None:
    config = tiny_tune(tmp_path / "tune", storage="postgresql://user:${PW}@db/optuna")
    for name in ("tune.yaml", "tune.json"):
        config.to_file(tmp_path / name)
        assert TuneConfig.from_file(tmp_path / name) == config
    assert config.storage_url == "postgresql://user:${PW}@db/optuna"
    rule = RuleTuneConfig(search_space={"fast": ParamSpec(type="int", low=3, high=9)})
    rule.to_file(tmp_path / "rule.yaml")
    assert RuleTuneConfig.from_file(tmp_path / "rule.yaml") == rule


def test_search_space_from_plain_data() -> None:
    config = TuneConfig.from_dict(
        {
            "train": {
                "env": {"data": {"kind": "sample", "end": "2017-10-01"}},
                "eval_data": {"kind": "sample", "start": "2017-10-01"},
            },
            "search_space": {
                "learning_rate": {"type": "float", "low": 1e-5, "high": 1e-3, "log": True},
                "n_steps": {"type": "categorical", "choices": [64, 128]},
                "env.reward.name": {"type": "categorical", "choices": ["log_return"]},
            },
        }
    )
    assert config.search_space["n_steps"] == ParamSpec(type="categorical", choices=[64, 128])
    trial_config = config.train_config(
        {"learning_rate": 1e-4, "n_steps": 128, "env.reward.name": "differential_sharpe"}, "x"
    )
    assert trial_config.hyperparameters == {"learning_rate": 1e-4, "n_steps": 128}
    assert trial_config.env.reward.name == "differential_sharpe" and trial_config.run_dir == "x"


@pytest.mark.parametrize(
    ("space", "message"),
    [
        (
            {"learning_rate": {"type": "float", "low": 1e-3, "high": 1e-5}},
            "`search_space.learning_rate`: `low`",
        ),
        (
            {"learning_rate": {"type": "float", "low": 0.0, "high": 1e-3, "log": True}},
            "`search_space.learning_rate`: a log scale",
        ),
        ({"gamma": {"type": "uniform", "low": 0.9, "high": 0.99}}, "`search_space.gamma.type`"),
        ({"gamma": {"type": "float", "low": 0.9}}, "`search_space.gamma` needs both"),
        ({"n_steps": {"type": "categorical"}}, "`search_space.n_steps.choices`"),
        (
            {"n_steps": {"type": "int", "low": 1.5, "high": 8}},
            "`search_space.n_steps`: `low` and `high` must be whole",
        ),
        (
            {"net_arch": {"type": "categorical", "choices": [[64], [64, 64]]}},
            "`search_space.net_arch.choices`",
        ),
        ({"env.bogus": {"type": "int", "low": 1, "high": 2}}, "`search_space.env.bogus`"),
        (
            {"env.episode_length.x": {"type": "int", "low": 1, "high": 2}},
            "`search_space.env.episode_length.x`",
        ),
        (
            {"env.episode_length": {"type": "int", "low": 0, "high": 2}},
            "`search_space.env.episode_length`",
        ),
        ({"learning_rate": {"type": "float", "low": 1e-5, "high": 1e-3, "bogus": 1}}, "bogus"),
    ],
)
def test_bad_search_space_spec_raises_config_error_naming_the_field(space, message) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        TuneConfig.from_dict({"train": tiny_train().json_primitives(), "search_space": space})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"objective": "profit"}, "`objective`"),
        ({"n_trials": 0}, "`n_trials`"),
        ({"storage": "optuna.db"}, "`storage`"),
        ({"sampler": "grid"}, "`sampler`"),
        ({"train": tiny_train(eval_data=None)}, "`train.eval_data`"),
        ({"train": tiny_train(eval_freq=0), "pruner": PrunerConfig()}, "`train.eval_freq`"),
        ({"timeout": float("inf")}, "`timeout` must be a finite number > 0 seconds"),
        ({"timeout": float("nan")}, "`timeout` must be a finite number > 0 seconds"),
        (
            {"search_space": {"gamma": ParamSpec(type="float", low=0.9, high=0.99, step=math.nan)}},
            "`search_space.gamma.step` must be a finite number > 0, was nan",
        ),
    ],
)
def test_bad_study_settings_name_the_field(tmp_path, overrides, message) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        tiny_tune(tmp_path, **overrides)


def test_bad_rule_config_names_the_field() -> None:
    with pytest.raises(ConfigError, match="`rule`"):
        RuleTuneConfig(rule="macd")
    with pytest.raises(
        ConfigError, match=re.escape("`search_space.period` is not a parameter of rule")
    ):
        RuleTuneConfig(search_space={"period": ParamSpec(type="int", low=5, high=9)})
    with pytest.raises(ConfigError, match=re.escape("`pruner.kind`")):
        PrunerConfig(kind="hyperband")


def test_a_study_can_never_score_trials_on_its_test_range(tmp_path) -> None:
    from nautilus_rl_lab.data.source import DataSourceConfig
    from nautilus_rl_lab.nodes import TrainingNodeConfig

    test = DataSourceConfig(kind="sample", start="2017-03-15", end="2017-03-22")
    # An agent study scores on `train.eval_data`: the same range as the test range is refused.
    with pytest.raises(ConfigError, match=r"`eval_data` .* and `test_data`"):
        tiny_tune(tmp_path, train=tiny_train(test_data=test))
    # ... and so is a search space that would move the validation range onto it.
    later = DataSourceConfig(kind="sample", start="2017-03-22", end="2017-03-29")
    with pytest.raises(ConfigError, match=r"`search_space.eval_data.end`"):
        tiny_tune(
            tmp_path,
            train=tiny_train(test_data=later),
            search_space={
                "eval_data.end": ParamSpec(type="categorical", choices=["2017-03-25"]),
            },
        )
    # A rule study scores on `env.data`, which must not reach into `test_data`.
    env = TrainingNodeConfig(data=DataSourceConfig(kind="sample", start="2017-03-01"))
    with pytest.raises(ConfigError, match=r"`env.data` .* and `test_data`"):
        RuleTuneConfig(env=env, test_data=test)
