"""Small inputs for the widget tests: two weeks of the sample and tiny training runs."""

from __future__ import annotations

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig

TWO_WEEKS = DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15")


def small_env(**overrides: object) -> TrainingNodeConfig:
    """A backtest/env config on two weeks of the bundled EUR/USD bars."""
    values: dict[str, object] = {"data": TWO_WEEKS, "episode_length": 32, "seed": 3}
    values.update(overrides)
    return TrainingNodeConfig(**values)
