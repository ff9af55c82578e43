"""Tiny training configs: a few hundred steps of PPO with a tiny network on two weeks of bars."""

from __future__ import annotations

from pathlib import Path

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training import TrainConfig


def tiny_config(run_dir: Path, **overrides: object) -> TrainConfig:
    values: dict[str, object] = {
        "algorithm": "PPO",
        "hyperparameters": {
            "n_steps": 64,
            "batch_size": 64,
            "n_epochs": 2,
            "policy_kwargs": {"net_arch": [16]},
        },
        "total_timesteps": 256,
        "n_envs": 1,
        "env": TrainingNodeConfig(
            data=DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15"),
            observation=SchemeConfig(name="window", params={"window": 4}),
            episode_length=64,
            seed=0,
        ),
        "eval_data": DataSourceConfig(kind="sample", start="2017-03-15", end="2017-03-22"),
        "eval_freq": 128,
        "checkpoint_freq": 128,
        "run_dir": str(run_dir),
        "tensorboard": True,
    }
    values.update(overrides)
    return TrainConfig(**values)
