"""Small, fast TrainingNode configurations for the node tests."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.schemes import SchemeConfig

# Two weeks of the bundled sample keep each engine small.
SMALL_DATA = DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-15")


def margin_venue(**overrides: object) -> VenueConfig:
    """The default venue (MARGIN, 100,000 USD, 30:1) spelled out, with `overrides`."""
    values: dict[str, object] = {
        "name": "SIM",
        "oms_type": "NETTING",
        "account_type": "MARGIN",
        "starting_balances": ["100000 USD"],
        "base_currency": "USD",
        "default_leverage": 30.0,
    }
    values.update(overrides)
    return VenueConfig(**values)


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
