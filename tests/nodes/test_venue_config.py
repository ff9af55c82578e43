"""`VenueConfig`: the project's own venue struct encodes and decodes as Nautilus' did."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNodeConfig, VenueConfig
from nautilus_rl_lab.nodes.engine import default_latency_config
from nautilus_rl_lab.nt.backtest import BacktestVenueConfig
from tests.nodes.conftest import small_config

# Every kind of field: enums as strings, a mapping, nested importable configs, a non-default bool.
VENUE: dict[str, Any] = {
    "name": "SIM",
    "oms_type": "HEDGING",
    "account_type": "MARGIN",
    "starting_balances": ["100000 USD"],
    "base_currency": "USD",
    "default_leverage": 20.0,
    "leverages": {"EUR/USD.SIM": 10.0},
    "latency_model": default_latency_config(),
    "use_random_ids": True,
}


def test_json_is_byte_identical_to_nautilus_backtest_venue_config() -> None:
    """Stored bundles hash the training config's JSON: the struct must not change a byte."""
    ours = msgspec.json.encode(VenueConfig(**VENUE))
    assert ours == BacktestVenueConfig(**VENUE).json()
    default = TrainingNodeConfig().json()
    nautilus_venue = BacktestVenueConfig(**msgspec.structs.asdict(TrainingNodeConfig().venue))
    assert b'"venue":' + nautilus_venue.json() in default


def test_a_parsed_training_config_holds_the_same_venue() -> None:
    config = small_config(venue=VenueConfig(**VENUE))
    parsed = TrainingNodeConfig.parse(config.json())
    assert isinstance(parsed.venue, VenueConfig)
    assert parsed.venue == config.venue
    assert parsed.json() == config.json()


def test_an_unknown_venue_field_is_refused_naming_it() -> None:
    text = small_config().json().replace(b'"name":"SIM"', b'"name":"SIM","nme":"X"', 1)
    with pytest.raises(msgspec.ValidationError, match="nme"):
        TrainingNodeConfig.parse(text)


def test_a_nautilus_backtest_venue_config_is_refused_with_the_type_to_use() -> None:
    with pytest.raises(ConfigError, match=r"nautilus_rl_lab\.nodes\.VenueConfig"):
        small_config(venue=BacktestVenueConfig(**VENUE))


def test_a_yaml_file_loads_the_same_venue_and_json(tmp_path) -> None:
    config = small_config(venue=VenueConfig(**VENUE))
    loaded = TrainingNodeConfig.from_file(config.to_file(tmp_path / "env.yaml"))
    assert loaded.venue == config.venue
    assert loaded.json() == config.json()


def test_an_unknown_venue_field_in_a_yaml_file_is_refused_naming_it(tmp_path) -> None:
    path = tmp_path / "env.yaml"
    path.write_text(
        "venue:\n  name: SIM\n  oms_type: NETTING\n  account_type: MARGIN\n"
        "  starting_balances: ['1000 USD']\n  leverige: 30\n"
    )
    with pytest.raises(ConfigError, match="leverige"):
        TrainingNodeConfig.from_file(path)
