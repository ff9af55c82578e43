"""Tiny studies: PPO with a 16-unit network for 128 steps, evaluated every 64 on one week."""

from __future__ import annotations

from pathlib import Path

from nautilus_rl_lab.training import TrainConfig
from nautilus_rl_lab.tuning import ParamSpec, PrunerConfig, TuneConfig
from tests.training.conftest import tiny_config


def tiny_train(**overrides: object) -> TrainConfig:
    """The training tests' tiny PPO run, shortened to 128 steps with an evaluation every 64."""
    values: dict[str, object] = {
        "total_timesteps": 128,
        "eval_freq": 64,
        "checkpoint_freq": 0,
        "tensorboard": False,
    }
    values.update(overrides)
    return tiny_config(Path("unused"), **values)  # each trial gets its own run_dir


def tiny_tune(run_dir: Path, **overrides: object) -> TuneConfig:
    values: dict[str, object] = {
        "train": tiny_train(),
        "search_space": {
            "learning_rate": ParamSpec(type="float", low=1e-5, high=1e-3, log=True),
            "env.observation.params.window": ParamSpec(type="int", low=2, high=6),
        },
        "objective": "total_return_%",
        "n_trials": 2,
        "run_dir": str(run_dir),
        "pruner": PrunerConfig(kind="none"),
    }
    values.update(overrides)
    return TuneConfig(**values)
