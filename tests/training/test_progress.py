from __future__ import annotations

import pytest

from nautilus_rl_lab.training import train
from nautilus_rl_lab.training.progress import planned_timesteps
from tests.training.conftest import tiny_config


def test_the_progress_bar_ends_at_100_percent_as_plain_text(tmp_path, capsys) -> None:
    config = tiny_config(
        tmp_path / "run",
        total_timesteps=100,  # not a multiple of n_steps: the last rollout passes it
        eval_data=None,
        checkpoint_freq=0,
        tensorboard=False,
        progress_bar=True,
    )
    result = train(config)
    err = capsys.readouterr().err
    final = err.replace("\r", "\n").strip().splitlines()[-1]
    steps = result.num_timesteps
    assert steps > config.total_timesteps
    assert "100%" in final and f"{steps}/{steps}" in final and "step/s" in final


def test_the_bar_shows_the_rounded_up_target_before_the_first_update(tmp_path, capsys) -> None:
    config = tiny_config(
        tmp_path / "run",
        total_timesteps=100,  # PPO stops at the end of a 64-step rollout: 128
        eval_data=None,
        checkpoint_freq=0,
        tensorboard=False,
        progress_bar=True,
    )
    train(config)
    first = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[0]
    assert "0/128" in first and "0%" in first


@pytest.mark.parametrize(
    ("overrides", "start", "target"),
    [
        ({}, 0, 256),  # a multiple of the rollout
        ({"total_timesteps": 100}, 0, 128),  # 64 steps x 1 env, rounded up
        ({"total_timesteps": 100, "n_envs": 3}, 0, 192),  # 64 steps x 3 envs
        ({"total_timesteps": 100}, 70, 134),  # a resume mid-rollout: whole rollouts from 70
        ({"total_timesteps": 100}, 150, 150),  # already past it: learn is not called
        ({"hyperparameters": {}, "total_timesteps": 40_000, "n_envs": 2}, 0, 40_960),  # 2048 x 2
        ({"algorithm": "A2C", "hyperparameters": {}, "total_timesteps": 99}, 0, 100),  # 5 x 1
        ({"algorithm": "DQN", "hyperparameters": {}, "total_timesteps": 99}, 0, 100),  # freq 4
        ({"algorithm": "DQN", "hyperparameters": {"train_freq": [3, "step"]}}, 0, 258),
        ({"algorithm": "DQN", "hyperparameters": {"train_freq": [1, "episode"]}}, 0, 256),
    ],
)
def test_planned_timesteps_round_the_total_up_to_whole_rollouts(
    tmp_path, overrides, start, target
) -> None:
    assert planned_timesteps(tiny_config(tmp_path, **overrides), start) == target
