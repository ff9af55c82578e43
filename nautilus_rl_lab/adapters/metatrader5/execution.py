"""`Mt5ExecutionClient`: Nautilus orders through a MetaTrader 5 terminal.

Decisions (see also `parsing.requests` and `parsing.reports`):

- Netting vs hedging comes from the account's `margin_mode` (read when the client is
  built, checked again on connect); in hedging accounts fills carry the MT5 position
  ticket as ``venue_position_id`` and closing orders name it (``position``).
- Split like Nautilus' Interactive Brokers client, one job per module, each layer using
  only the ones below it: `execution_core` (terminal calls, the reported account, order
  events) ← `execution_protection` (stop-loss/take-profit legs) ← `execution_orders`
  (submit, cancel, modify and the `order_send` outcomes) ← `execution_reconciliation`
  (polling and reconciliation reports) ← this client (connect and disconnect). Each
  module's docstring states its decisions.
"""

from __future__ import annotations

import asyncio

from nautilus_rl_lab.adapters.metatrader5.core import MT5
from nautilus_rl_lab.adapters.metatrader5.execution_reconciliation import Mt5Reconciliation
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.nt.model import AccountId, OmsType

_HEDGING_MODES = frozenset({mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING})


def oms_type_for_account(margin_mode: int, configured: str | None = None) -> OmsType:
    """Return the OMS type of an MT5 account; raise if `configured` contradicts it."""
    actual = OmsType.HEDGING if int(margin_mode) in _HEDGING_MODES else OmsType.NETTING
    if configured is not None and configured != actual.name:
        raise ConfigError(
            f"`oms_type` is {configured!r} but the MT5 account's margin_mode {margin_mode} is "
            f"{actual.name}; set `oms_type=None` to follow the account",
        )
    return actual


def account_id_for(login: int) -> AccountId:
    """The Nautilus account id of the MT5 account `login` (``MT5-<login>``)."""
    return AccountId(f"{MT5}-{login}")


class Mt5ExecutionClient(Mt5Reconciliation):
    """Live execution on a MetaTrader 5 terminal (native, RPyC bridge or simulator).

    Build it with `Mt5LiveExecClientFactory` (which reads the account's margin mode and
    currency first); `oms_type` and `account_currency` must match the account.
    """

    async def _connect(self) -> None:
        await self._connect_terminal()
        for instrument in self.provider.list_all():
            self.publish_instrument(instrument)
        account = await self._call("account_info")
        if account is None:
            raise ConnectionError(
                "MT5 `account_info()` returned None; is a trading account logged in?"
            )
        oms_type_for_account(account.margin_mode, self.oms_type.name)
        self._set_account_id(account_id_for(account.login))
        self._publish_account(account, force=True)
        await self._await_account_registered()
        self._deal_cursor_secs = await self._server_now_secs()
        self._poll_task = self.create_task(self._poll_loop(), log_msg="mt5_exec_poll")

    async def _disconnect(self) -> None:
        if self._poll_task is not None:
            self._poll_task.cancel()
            await asyncio.gather(self._poll_task, return_exceptions=True)
            self._poll_task = None
        self._release_connection()
