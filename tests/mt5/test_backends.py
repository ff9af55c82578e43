"""Backend selection by config, and the helpers around `Mt5Client`."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.errors import ConfigError, MissingExtraError, Mt5Error
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.backends import (
    available_backends,
    create_client,
    initialize_from_config,
    register_backend,
)
from nautilus_rl_lab.mt5.protocol import Mt5Client, require_success
from nautilus_rl_lab.mt5.rpyc import RpycMt5Client, serve
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator


def test_default_backend_is_the_in_process_simulator() -> None:
    client = create_client()
    assert isinstance(client, Mt5TerminalSimulator) and isinstance(client, Mt5Client)
    assert set(available_backends()) >= {"simulator", "rpyc", "native"}


def test_simulator_backend_uses_the_nested_config() -> None:
    config = Mt5BackendConfig(
        simulator=Mt5SimulatorConfig(balance=500.0, margin_mode="hedging", login=7)
    )
    client = create_client(config)
    assert initialize_from_config(client, Mt5BackendConfig(login=7)) is True
    info = client.account_info()
    assert (info.balance, info.margin_mode, info.login) == (
        500.0,
        mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING,
        7,
    )
    assert initialize_from_config(client, Mt5BackendConfig(login=8)) is False
    assert client.last_error()[0] == mt5c.RES_E_AUTH_FAILED


def test_rpyc_backend_talks_to_a_served_terminal() -> None:
    with serve(Mt5TerminalSimulator(), port=0) as handle:
        client = create_client(Mt5BackendConfig(backend="rpyc", port=handle.port, timeout_s=5.0))
        assert isinstance(client, RpycMt5Client)
        assert initialize_from_config(client, Mt5BackendConfig()) is True
        assert client.account_info().balance == 10_000.0
        client.close()


def test_native_backend_without_the_package_names_the_extra() -> None:
    with pytest.raises(MissingExtraError, match=r"MetaTrader5.*nautilus_rl_lab\[mt5\]"):
        create_client(Mt5BackendConfig(backend="native"))


def test_custom_backends_can_be_registered() -> None:
    def hedging_simulator(config: Mt5BackendConfig) -> Mt5Client:
        return Mt5TerminalSimulator(config=Mt5SimulatorConfig(margin_mode="hedging"))

    register_backend("simulator-hedging", hedging_simulator)
    client = create_client(Mt5BackendConfig(backend="simulator-hedging"))
    assert (
        client.initialize()
        and client.account_info().margin_mode == mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"backend": "mt4"}, "backend"),
        ({"port": 0}, "port"),
        ({"timeout_s": 0}, "timeout_s"),
        ({"reconnect_backoff_s": 10.0, "reconnect_backoff_max_s": 1.0}, "reconnect_backoff_s"),
    ],
)
def test_backend_config_errors_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=f"`{field}`"):
        Mt5BackendConfig(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"margin_mode": "fifo"}, "margin_mode"),
        ({"symbols": ()}, "symbols"),
        ({"leverage": 0}, "leverage"),
        ({"spread_points": -1}, "spread_points"),
        ({"balance": -5.0}, "balance"),
    ],
)
def test_simulator_config_errors_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=f"`{field}`"):
        Mt5SimulatorConfig(**kwargs)


def test_configs_round_trip_json_and_reject_unknown_fields() -> None:
    config = Mt5BackendConfig(
        backend="rpyc", port=1234, simulator=Mt5SimulatorConfig(faults={"requote": 2})
    )
    assert Mt5BackendConfig.parse(config.json()) == config
    assert hash(Mt5BackendConfig.parse(config.json())) == hash(config)
    with pytest.raises(Exception, match="unknown"):
        Mt5BackendConfig.parse('{"backend": "simulator", "prot": 1}')


def test_require_success_raises_mt5_error_with_last_error() -> None:
    client = Mt5TerminalSimulator()
    with pytest.raises(Mt5Error) as info:
        require_success(client, client.account_info(), "account_info")
    assert info.value.code == mt5c.RES_E_INTERNAL_FAIL_CONNECT
    client.initialize()
    assert require_success(client, client.account_info(), "account_info").balance == 10_000.0


def test_the_password_never_shows_in_the_config_repr() -> None:
    config = Mt5BackendConfig(backend="rpyc", login=1234, password="hunter2-secret", server="Demo")
    text = repr(config)
    assert "hunter2-secret" not in text and "password='***'" in text
    assert "login=1234" in text and "server='Demo'" in text and "port=" in text
    assert "password=None" in repr(Mt5BackendConfig())
    assert config.password == "hunter2-secret"  # still passed to `initialize()`
