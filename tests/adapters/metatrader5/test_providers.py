"""`Mt5InstrumentProvider`: instruments from the terminal's symbol specs, unknown ones refused."""

from __future__ import annotations

import asyncio

import pytest

from nautilus_rl_lab.adapters.metatrader5.config import Mt5InstrumentProviderConfig
from nautilus_rl_lab.adapters.metatrader5.connection import Mt5Connection
from nautilus_rl_lab.adapters.metatrader5.providers import Mt5InstrumentProvider
from nautilus_rl_lab.errors import UnknownInstrumentError
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from nautilus_rl_lab.nt.model import InstrumentId


@pytest.fixture
def connection() -> Mt5Connection:
    sim = Mt5TerminalSimulator(
        config=Mt5SimulatorConfig(symbols=("EURUSD", "XAUUSD"), synthetic_bars=100, warmup_bars=5)
    )
    connection = Mt5Connection(Mt5BackendConfig(), client=sim)
    connection.connect_sync()
    yield connection
    connection.shutdown()


def test_all_symbols_load_with_their_specs(connection: Mt5Connection) -> None:
    provider = Mt5InstrumentProvider(connection, Mt5InstrumentProviderConfig(symbols=()))
    asyncio.run(provider.load_all_async())
    ids = sorted(str(i.id) for i in provider.list_all())
    assert ids == ["EURUSD.MT5", "XAUUSD.MT5"]
    gold = provider.find(InstrumentId.from_str("XAUUSD.MT5"))
    info = connection.call_sync("symbol_info", "XAUUSD")
    assert gold.price_precision == info.digits
    assert float(gold.info["trade_contract_size"]) == info.trade_contract_size
    assert provider.symbol_info(gold.id) == info


def test_unknown_symbols_and_other_venues_are_refused(connection: Mt5Connection) -> None:
    provider = Mt5InstrumentProvider(connection, Mt5InstrumentProviderConfig(symbols=("GBPUSD",)))
    with pytest.raises(UnknownInstrumentError, match="GBPUSD"):
        asyncio.run(provider.load_all_async())
    with pytest.raises(UnknownInstrumentError, match="venue must be MT5"):
        asyncio.run(provider.load_async(InstrumentId.from_str("EURUSD.SIM")))
    with pytest.raises(UnknownInstrumentError, match="is not loaded"):
        provider.symbol_info(InstrumentId.from_str("EURUSD.MT5"))
