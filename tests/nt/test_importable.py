"""Importable component configs: 1.221's JSON, stable across processes, handed to
Nautilus as its own object."""

from __future__ import annotations

import pickle

import msgspec

from nautilus_rl_lab.nt.backtest import BacktestEngineConfig
from nautilus_rl_lab.nt.importable import (
    ImportableActorConfig,
    ImportableStrategyConfig,
    resolve_config_path,
    to_nautilus,
)
from tests.conftest import run_python

CONFIG = {"instrument_id": "EURUSD.MT5", "topic": "t", "risk": {"b": 1, "a": 2}, "n": [1, 2]}
STRATEGY = ImportableStrategyConfig(
    strategy_path="nautilus_rl_lab.strategies:AgentStrategy",
    config_path="nautilus_rl_lab.strategies:AgentStrategyConfig",
    config=CONFIG,
)


def test_the_json_has_1_221s_fields_in_order_and_the_configs_keys_as_given() -> None:
    assert msgspec.json.encode(STRATEGY) == (
        b'{"strategy_path":"nautilus_rl_lab.strategies:AgentStrategy",'
        b'"config_path":"nautilus_rl_lab.strategies:AgentStrategyConfig",'
        b'"config":{"instrument_id":"EURUSD.MT5","topic":"t","risk":{"b":1,"a":2},"n":[1,2]}}'
    )
    actor = ImportableActorConfig(actor_path="a:B", config_path="a:C", config={"z": 1, "y": 2})
    assert msgspec.json.encode(actor) == (
        b'{"actor_path":"a:B","config_path":"a:C","config":{"z":1,"y":2}}'
    )


def test_the_json_is_the_same_in_every_process() -> None:
    """2.0's own object keeps `config` in a Rust map whose key order changes per process."""
    code = (
        "import msgspec; from tests.nt.test_importable import STRATEGY; "
        "print(msgspec.json.encode(STRATEGY).decode())"
    )
    runs = {run_python(code).stdout for _ in range(3)}
    assert runs == {msgspec.json.encode(STRATEGY).decode() + "\n"}


def test_configs_compare_by_value_and_pickle() -> None:
    again = msgspec.json.decode(msgspec.json.encode(STRATEGY), type=ImportableStrategyConfig)
    assert again == STRATEGY
    assert pickle.loads(pickle.dumps(STRATEGY)) == STRATEGY


def test_nautilus_gets_its_own_object_with_the_same_fields() -> None:
    nautilus = to_nautilus(STRATEGY)
    assert (nautilus.strategy_path, nautilus.config_path) == (
        STRATEGY.strategy_path,
        STRATEGY.config_path,
    )
    assert nautilus.config == CONFIG


def test_the_config_path_resolves_to_the_config_class() -> None:
    path = "nautilus_rl_lab.nt.backtest:BacktestEngineConfig"
    assert resolve_config_path(path) is BacktestEngineConfig
