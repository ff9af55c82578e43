"""Small configs and a fixed-seed SB3 policy for the agent tests."""

from __future__ import annotations

import numpy as np
import pytest
from stable_baselines3 import PPO

from nautilus_rl_lab.agents import ObservationNormalizer, PolicyAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNode, TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig

SMALL_DATA = DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15")


def small_env_config(**overrides: object) -> TrainingNodeConfig:
    values: dict[str, object] = {
        "data": SMALL_DATA,
        "observation": SchemeConfig(name="window", params={"window": 4, "features": ["ema:10"]}),
        "episode_length": None,
        "random_start": False,
        "seed": 3,
    }
    values.update(overrides)
    return TrainingNodeConfig(**values)


def fixed_policy(config: TrainingNodeConfig, seed: int = 1) -> PolicyAgent:
    """An untrained PPO with fixed weights and non-trivial observation statistics."""
    env = TrainingNode(config)
    try:
        model = PPO("MlpPolicy", env, seed=seed, device="cpu", policy_kwargs={"net_arch": [16]})
        size = env.observation_space.shape[0]
    finally:
        env.close()
    rng = np.random.default_rng(seed)
    normalizer = ObservationNormalizer(
        mean=rng.normal(0, 0.05, size), var=rng.uniform(0.05, 2.0, size), clip=10.0, epsilon=1e-8
    )
    return PolicyAgent(model, normalizer)


@pytest.fixture(scope="module")
def env_config() -> TrainingNodeConfig:
    return small_env_config()
