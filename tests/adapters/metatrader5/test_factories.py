"""Factories: the execution client's OMS type and currency come from the terminal's account."""

from __future__ import annotations

import pytest

from nautilus_rl_lab.adapters.metatrader5.config import Mt5ExecClientConfig
from nautilus_rl_lab.adapters.metatrader5.connection import acquire_connection, release_connection
from nautilus_rl_lab.adapters.metatrader5.factories import Mt5LiveExecClientFactory
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from nautilus_rl_lab.nt.live_clients import standalone_context
from nautilus_rl_lab.nt.model import OmsType


def _create(config: Mt5ExecClientConfig):
    with standalone_context() as context:
        return Mt5LiveExecClientFactory.build("MT5", config, context)


@pytest.mark.parametrize(
    ("margin_mode", "oms_type"), [("netting", OmsType.NETTING), ("hedging", OmsType.HEDGING)]
)
def test_the_exec_client_follows_the_accounts_margin_mode_and_currency(
    margin_mode: str, oms_type: OmsType
) -> None:
    sim_config = Mt5SimulatorConfig(
        margin_mode=margin_mode, currency="EUR", synthetic_bars=100, warmup_bars=5
    )
    client = _create(Mt5ExecClientConfig(backend=Mt5BackendConfig(simulator=sim_config)))
    try:
        assert client.oms_type == oms_type
        assert client.base_currency.code == "EUR"
    finally:
        release_connection(client.connection)


def test_a_contradicting_oms_type_is_refused_and_the_connection_released() -> None:
    sim_config = Mt5SimulatorConfig(margin_mode="hedging", synthetic_bars=100, warmup_bars=5)
    backend = Mt5BackendConfig(simulator=sim_config)
    with pytest.raises(ConfigError, match="`oms_type`"):
        _create(Mt5ExecClientConfig(backend=backend, oms_type="NETTING"))
    other = Mt5TerminalSimulator(config=sim_config)
    connection = acquire_connection(backend, client=other)  # only possible once released
    release_connection(connection)
