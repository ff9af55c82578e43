"""`VenueConfig`: the project's own venue struct encodes and decodes as Nautilus' did."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes import TrainingNodeConfig, VenueConfig
from nautilus_rl_lab.nodes.engine import default_latency_config
from nautilus_rl_lab.nodes.venue_models import ImportableFeeModelConfig, MarginModelConfig
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


# What Nautilus 1.221's `BacktestVenueConfig(**VENUE).json()` wrote (pinned: 2.0 has no such JSON).
NAUTILUS_1221_JSON = (
    b'{"name":"SIM","oms_type":"HEDGING","account_type":"MARGIN","starting_balances":'
    b'["100000 USD"],"base_currency":"USD","default_leverage":20.0,"leverages":'
    b'{"EUR/USD.SIM":10.0},"margin_model":null,"modules":null,"fill_model":null,'
    b'"latency_model":{"latency_model_path":"nautilus_trader.backtest.models:LatencyModel",'
    b'"config_path":"nautilus_trader.backtest.config:LatencyModelConfig","config":'
    b'{"base_latency_nanos":1000000}},"fee_model":null,"book_type":"L1_MBP","routing":false,'
    b'"reject_stop_orders":true,"support_gtd_orders":true,"support_contingent_orders":true,'
    b'"use_position_ids":true,"use_random_ids":true,"use_reduce_only":true,'
    b'"bar_execution":true,"bar_adaptive_high_low_ordering":false,"trade_execution":false,'
    b'"allow_cash_borrowing":false,"frozen_account":false}'
)
# Nautilus 1.221's `MarginModelConfig(model_type="standard")` and fee model config, as JSON.
NAUTILUS_1221_MODELS = (
    (MarginModelConfig(model_type="standard"), b'{"model_type":"standard","config":{}}'),
    (
        ImportableFeeModelConfig(fee_model_path="a:B", config_path="c:D", config={"x": "1 USD"}),
        b'{"fee_model_path":"a:B","config_path":"c:D","config":{"x":"1 USD"}}',
    ),
)


def test_json_is_byte_identical_to_nautilus_backtest_venue_config() -> None:
    """Stored bundles hash the training config's JSON: the struct must not change a byte."""
    assert msgspec.json.encode(VenueConfig(**VENUE)) == NAUTILUS_1221_JSON
    assert msgspec.json.decode(NAUTILUS_1221_JSON, type=VenueConfig) == VenueConfig(**VENUE)


@pytest.mark.parametrize(("model", "nautilus_json"), NAUTILUS_1221_MODELS)
def test_model_configs_write_and_read_nautilus_1221_json(model: Any, nautilus_json: bytes) -> None:
    assert model.json() == nautilus_json
    assert msgspec.json.decode(nautilus_json, type=type(model)) == model


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
