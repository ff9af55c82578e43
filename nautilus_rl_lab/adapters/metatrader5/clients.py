"""`Mt5ClientMixin`: what the MT5 data and execution clients share on top of `connection`.

The connection (re-acquired after a disconnect), the provider, connecting, releasing and
the configured reconnect schedule.
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.adapters.metatrader5.config import Mt5DataClientConfig, Mt5ExecClientConfig
from nautilus_rl_lab.adapters.metatrader5.connection import (
    Mt5Connection,
    acquire_connection,
    release_connection,
)
from nautilus_rl_lab.adapters.metatrader5.providers import Mt5InstrumentProvider


class Mt5ClientMixin:
    """Terminal-connection plumbing shared by `Mt5DataClient` and `Mt5ExecutionClient`.

    The client sets `_connection` (from `acquire_connection`), `_mt5_config` (its config:
    `backend` and the `reconnect_*` schedule); Nautilus sets `_instrument_provider` and
    `_log`.
    """

    _connection: Mt5Connection | None
    _mt5_config: Mt5DataClientConfig | Mt5ExecClientConfig
    _instrument_provider: Any
    _log: Any

    @property
    def connection(self) -> Mt5Connection:
        """The terminal connection (re-acquired when connecting after a disconnect)."""
        if self._connection is None:
            self._connection = acquire_connection(self._mt5_config.backend)
        return self._connection

    @property
    def provider(self) -> Mt5InstrumentProvider:
        """The instrument provider (MT5 symbol specs)."""
        return self._instrument_provider

    async def _connect_terminal(self) -> None:
        """Initialise the terminal if needed and (re)load the provider's instruments."""
        await self.connection.connect()
        self.provider.connection = self.connection
        await self.provider.initialize(reload=True)

    def _release_connection(self) -> None:
        """Drop this client's use of the shared connection (see `release_connection`)."""
        if self._connection is not None:
            release_connection(self._connection)
            self._connection = None

    async def _reconnect(self) -> bool:
        """Re-initialise the terminal on the configured schedule; return whether it is back."""
        return await self.connection.reconnect(
            self._mt5_config.reconnect_backoff_s,
            self._mt5_config.reconnect_backoff_max_s,
            self._mt5_config.reconnect_max_attempts,
            log=self._log,
        )
