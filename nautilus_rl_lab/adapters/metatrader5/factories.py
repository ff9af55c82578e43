"""Factories the `TradingNode` builder calls to create the MT5 data and execution clients.

Register them under the client name used in the node config (``"MT5"``):
``node.add_data_client_factory("MT5", Mt5LiveDataClientFactory)`` and
``node.add_exec_client_factory("MT5", Mt5LiveExecClientFactory)`` (`LiveNode` does it).

The execution factory connects to the terminal while the node is being built: Nautilus
fixes a client's OMS type and base currency (2.0: its account id too) at construction, and
they come from the account (`margin_mode`, `currency`, `login`), never from a hard-coded
default. `create` has each NautilusTrader line's signature (`nt.live_clients`).
"""

from __future__ import annotations

from nautilus_rl_lab.adapters.metatrader5.config import Mt5DataClientConfig, Mt5ExecClientConfig
from nautilus_rl_lab.adapters.metatrader5.connection import acquire_connection, release_connection
from nautilus_rl_lab.adapters.metatrader5.data import Mt5DataClient
from nautilus_rl_lab.adapters.metatrader5.execution import (
    Mt5ExecutionClient,
    account_id_for,
    oms_type_for_account,
)
from nautilus_rl_lab.adapters.metatrader5.providers import Mt5InstrumentProvider
from nautilus_rl_lab.errors import Mt5Error
from nautilus_rl_lab.nt.live_clients import (
    ClientContext,
    DataClientFactoryBase,
    ExecClientFactoryBase,
)
from nautilus_rl_lab.nt.model import Currency


class Mt5LiveDataClientFactory(DataClientFactoryBase):
    """Creates `Mt5DataClient`s."""

    @classmethod
    def build(cls, name: str, config: Mt5DataClientConfig, context: ClientContext) -> Mt5DataClient:
        connection = acquire_connection(config.backend)
        return Mt5DataClient(
            context=context,
            connection=connection,
            instrument_provider=Mt5InstrumentProvider(connection, config.instrument_provider),
            config=config,
            name=name,
        )


class Mt5LiveExecClientFactory(ExecClientFactoryBase):
    """Creates `Mt5ExecutionClient`s (reads the account's margin mode, currency and login first)."""

    @classmethod
    def build(
        cls, name: str, config: Mt5ExecClientConfig, context: ClientContext
    ) -> Mt5ExecutionClient:
        connection = acquire_connection(config.backend)
        try:
            connection.connect_sync()
            account = connection.call_sync("account_info")
            if account is None:
                raise Mt5Error("MT5 `account_info()` returned None: no trading account logged in")
            oms_type = oms_type_for_account(account.margin_mode, config.oms_type)
            currency = Currency.from_str(account.currency)
        except Exception:
            release_connection(connection)
            raise
        return Mt5ExecutionClient(
            context=context,
            connection=connection,
            instrument_provider=Mt5InstrumentProvider(connection, config.instrument_provider),
            config=config,
            oms_type=oms_type,
            account_currency=currency,
            account_id=account_id_for(account.login),
            name=name,
        )
