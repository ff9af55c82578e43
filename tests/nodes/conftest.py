"""Small, fast TrainingNode configurations for the node tests."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig

# Two weeks of the bundled sample keep each engine small.
SMALL_DATA = DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15")


def small_config(**overrides: object) -> TrainingNodeConfig:
    """A TrainingNodeConfig on a slice of the sample with a short window and episodes."""
    values: dict[str, object] = {
        "data": SMALL_DATA,
        "observation": SchemeConfig(name="window", params={"window": 8}),
        "episode_length": 32,
        "seed": 7,
    }
    values.update(overrides)
    return TrainingNodeConfig(**values)


@pytest.fixture
def config() -> TrainingNodeConfig:
    return small_config()
