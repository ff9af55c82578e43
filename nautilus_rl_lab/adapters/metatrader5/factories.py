"""Factories the `TradingNode` builder calls to create the MT5 data and execution clients.

Register them under the client name used in the node config (``"MT5"``):
``node.add_data_client_factory("MT5", Mt5LiveDataClientFactory)`` and
``node.add_exec_client_factory("MT5", Mt5LiveExecClientFactory)`` (`LiveNode` does it).

The execution factory connects to the terminal while the node is being built: Nautilus
fixes a client's OMS type and base currency at construction, and both come from the
account (`margin_mode`, `currency`), never from a hard-coded default.
"""

from __future__ import annotations

import asyncio

from nautilus_trader.common.component import LiveClock
from nautilus_trader.live.factories import LiveDataClientFactory, LiveExecClientFactory

from nautilus_rl_lab.adapters.metatrader5.config import Mt5DataClientConfig, Mt5ExecClientConfig
from nautilus_rl_lab.adapters.metatrader5.connection import acquire_connection, release_connection
from nautilus_rl_lab.adapters.metatrader5.data import Mt5DataClient
from nautilus_rl_lab.adapters.metatrader5.execution import Mt5ExecutionClient, oms_type_for_account
from nautilus_rl_lab.adapters.metatrader5.providers import Mt5InstrumentProvider
from nautilus_rl_lab.errors import Mt5Error
from nautilus_rl_lab.nt.common import Cache, MessageBus
from nautilus_rl_lab.nt.model import Currency


class Mt5LiveDataClientFactory(LiveDataClientFactory):
    """Creates `Mt5DataClient`s."""

    @staticmethod
    def create(  # type: ignore[override]
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: Mt5DataClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> Mt5DataClient:
        connection = acquire_connection(config.backend)
        return Mt5DataClient(
            loop=loop,
            connection=connection,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=Mt5InstrumentProvider(connection, config.instrument_provider),
            config=config,
            name=name,
        )


class Mt5LiveExecClientFactory(LiveExecClientFactory):
    """Creates `Mt5ExecutionClient`s (reads the account's margin mode and currency first)."""

    @staticmethod
    def create(  # type: ignore[override]
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: Mt5ExecClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
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
            loop=loop,
            connection=connection,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=Mt5InstrumentProvider(connection, config.instrument_provider),
            config=config,
            oms_type=oms_type,
            account_currency=currency,
            name=name,
        )
