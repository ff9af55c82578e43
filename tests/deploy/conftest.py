"""A tiny trained agent bundle (PPO, a few hundred steps on hourly bid bars), built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training import TrainConfig, train

WINDOW = 4


def bundle_train_config(run_dir: Path, data: DataSourceConfig | None = None) -> TrainConfig:
    """A 256-step PPO run on hourly BID bars (the MT5 simulator's bar kind)."""
    return TrainConfig(
        algorithm="PPO",
        hyperparameters={
            "n_steps": 64,
            "batch_size": 64,
            "n_epochs": 1,
            "policy_kwargs": {"net_arch": [8]},
        },
        total_timesteps=128,
        env=TrainingNodeConfig(
            data=data or DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15"),
            observation=SchemeConfig(name="window", params={"window": WINDOW}),
            action=SchemeConfig(name="target_position", params={"trade_size": 10_000}),
            price_type="BID",
            episode_length=64,
            seed=0,
        ),
        eval_freq=0,
        checkpoint_freq=0,
        run_dir=str(run_dir),
        tensorboard=False,
    )


def train_bundle(run_dir: Path) -> Path:
    """Train the tiny config into `run_dir` and return its `final/` bundle."""
    return train(bundle_train_config(run_dir)).final_agent


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_bundle(tmp_path_factory.mktemp("bundle-run"))
