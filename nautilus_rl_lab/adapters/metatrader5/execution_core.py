"""`Mt5ExecutionCore`: the state and helpers every part of `Mt5ExecutionClient` builds on.

Decisions:

- The Nautilus account is *reported*: every `AccountState` is built from
  `account_info()` (balance → total, margin → locked, the rest free; equity, free margin
  and margin level in ``info``), sent on connect, after every fill and whenever the
  polled balance or margin changes. Nautilus never recomputes it.
- A fill is one MT5 deal, emitted once (`_known_deals`): price, volume and commission of
  the deal from `history_deals_get`, retried while the history lags behind the reply.
- Reads retry once after a lost link (`_call`); `order_send` never does (`_order_send`
  gives an ``"unknown"`` outcome the caller resolves at the terminal).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, cast

import pandas as pd

from nautilus_rl_lab.adapters.metatrader5.clients import Mt5ClientMixin
from nautilus_rl_lab.adapters.metatrader5.config import Mt5ExecClientConfig
from nautilus_rl_lab.adapters.metatrader5.connection import Mt5Connection, Mt5ConnectionLost
from nautilus_rl_lab.adapters.metatrader5.core import MT5, MT5_VENUE
from nautilus_rl_lab.adapters.metatrader5.parsing import (
    SendOutcome,
    classify_send_result,
    deal_commission,
    is_trade_deal,
    lots_to_units,
    server_msc_to_unix_nanos,
    symbol_from_instrument_id,
)
from nautilus_rl_lab.adapters.metatrader5.providers import Mt5InstrumentProvider
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.structures import AccountInfo, OrderSendResult, TradeDeal
from nautilus_rl_lab.nt.live import QueryAccount
from nautilus_rl_lab.nt.live_clients import ClientContext, ExecutionClientBase
from nautilus_rl_lab.nt.model import (
    AccountBalance,
    AccountId,
    AccountType,
    ClientOrderId,
    Currency,
    Instrument,
    InstrumentId,
    LiquiditySide,
    MarginBalance,
    Money,
    OmsType,
    Order,
    OrderStatus,
    OrderType,
    PositionId,
    Price,
    TradeId,
    VenueOrderId,
)

#: Deals are looked up this many times (doubling pauses from 10 ms) after a DONE reply.
DEAL_LOOKUP_ATTEMPTS = 6
DAY_SECS = 86_400


class Mt5ExecutionCore(Mt5ClientMixin, ExecutionClientBase):
    """Terminal calls, the reported account and the order events the other layers emit.

    The layers above it (`execution_protection`, `execution_orders`,
    `execution_reconciliation`) each add one job; `Mt5ExecutionClient` is the top one.
    """

    _mt5_config: Mt5ExecClientConfig

    def __init__(
        self,
        context: ClientContext,
        connection: Mt5Connection,
        instrument_provider: Mt5InstrumentProvider,
        config: Mt5ExecClientConfig,
        oms_type: OmsType,
        account_currency: Currency,
        account_id: AccountId,
        name: str | None = None,
    ) -> None:
        super().__init__(
            context=context,
            name=name or MT5,
            venue=MT5_VENUE,
            config=config,
            instrument_provider=instrument_provider,
            oms_type=oms_type,
            account_type=AccountType.MARGIN,
            base_currency=account_currency,
            account_id=account_id,
        )
        self._connection: Mt5Connection | None = connection
        self._mt5_config = config
        self._time = ServerTime(config.server_offset_s, config.server_timezone)
        self._magic = config.magic
        self._hedging = oms_type == OmsType.HEDGING
        self._currency = account_currency
        self._known_deals: set[int] = set()
        #: Orders sent in this session: their deals reach Nautilus through this client only.
        self._own_orders: set[ClientOrderId] = set()
        self._resolving: set[ClientOrderId] = set()
        self._inflight = 0
        #: Serialises every change of position sl/tp (attach, cancel, modify of legs).
        self._stops_lock = asyncio.Lock()
        self._send_lock = asyncio.Lock()  # new orders reach the terminal in submission order
        self._last_account_key: tuple | None = None
        self._deal_cursor_secs: int | None = None
        self._poll_task: asyncio.Task | None = None

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the terminal; after a lost link reconnect and retry the (read) call once."""
        try:
            return await self.connection.call(name, *args, **kwargs)
        except Mt5ConnectionLost as e:
            self._log.warning(f"MT5 link lost during `{name}` ({e}); reconnecting")
            if not await self._reconnect():
                raise
            return await self.connection.call(name, *args, **kwargs)

    async def _server_now_secs(self) -> int:
        """Best estimate of the trade server's clock (latest tick of a loaded symbol)."""
        now = self._time.server_s(int(self._clock.timestamp()))
        for instrument in self.provider.list_all()[:1]:
            tick = await self._call("symbol_info_tick", symbol_from_instrument_id(instrument.id))
            if tick is not None and tick.time:
                return int(tick.time)
        return now

    async def _history_window(
        self, start: pd.Timestamp | None, end: pd.Timestamp | None
    ) -> tuple[int, int]:
        date_from = (
            self._time.server_s(int(pd.Timestamp(start).timestamp())) if start is not None else 0
        )
        if end is not None:
            date_to = self._time.server_s(int(pd.Timestamp(end).timestamp()))
        else:
            wall = self._time.server_s(int(self._clock.timestamp()))
            date_to = max(wall, await self._server_now_secs()) + DAY_SECS
        return date_from, date_to

    # -- account -------------------------------------------------------------------------

    def _publish_account(self, account: AccountInfo, force: bool = False) -> None:
        key = (account.balance, account.margin, account.credit)
        if not force and key == self._last_account_key:
            return
        self._last_account_key = key
        precision = self._currency.precision
        total = round(Decimal(repr(float(account.balance))), precision)
        locked = round(Decimal(repr(max(float(account.margin), 0.0))), precision)
        locked = min(locked, max(total, Decimal(0)))
        self.generate_account_state(
            balances=[
                AccountBalance(
                    Money(float(total), self._currency),
                    Money(float(locked), self._currency),
                    Money(float(total - locked), self._currency),
                ),
            ],
            margins=[
                MarginBalance(
                    Money(max(float(account.margin), 0.0), self._currency),
                    Money(
                        max(float(account.margin_maintenance or account.margin), 0.0),
                        self._currency,
                    ),
                ),
            ],
            reported=True,
            ts_event=self._clock.timestamp_ns(),
            info={
                "equity": account.equity,
                "margin_free": account.margin_free,
                "margin_level": account.margin_level,
                "profit": account.profit,
                "leverage": account.leverage,
                "margin_mode": account.margin_mode,
                "server": account.server,
            },
        )

    async def _update_account_state(self, force: bool = False) -> None:
        account = await self._call("account_info")
        if account is not None:
            self._publish_account(account, force=force)

    async def _query_account(self, command: QueryAccount) -> None:
        await self._update_account_state(force=True)

    # -- helpers -------------------------------------------------------------------------

    def _instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        # 2.0's `InstrumentProvider.find` is typed to return `object`
        return self._cache.instrument(instrument_id) or cast(
            "Instrument | None", self.provider.find(instrument_id)
        )

    def _order_instrument(self, order: Order) -> Instrument:
        """The instrument of an order the node holds (Nautilus had it to build the order)."""
        return cast("Instrument", self._instrument(order.instrument_id))

    def _reject(self, order: Order, reason: str) -> None:
        self._log.warning(f"{order.client_order_id!r} rejected: {reason}")
        self.emit_order_rejected(order, reason)

    def _accept(self, order: Order, ticket: int) -> None:
        if order.status in (OrderStatus.INITIALIZED, OrderStatus.SUBMITTED):
            self.emit_order_accepted(order, VenueOrderId(str(ticket)))

    def _emit_fill(
        self,
        order: Order,
        instrument: Instrument,
        deal: TradeDeal,
        venue_order_id: VenueOrderId | None = None,
    ) -> None:
        """Fill `order` by `deal` (once); a leg keeps its own `venue_order_id`."""
        trade_id = TradeId(str(deal.ticket))
        if deal.ticket in self._known_deals or not is_trade_deal(deal):
            return
        self._known_deals.add(deal.ticket)
        if trade_id in order.trade_ids:  # e.g. reconciled from a fill report after a restart
            return
        contract = float(instrument.info["trade_contract_size"])
        last_qty = instrument.make_qty(float(lots_to_units(deal.volume, contract)))
        # 2.0's stub gives `Quantity` no comparisons (it has them)
        if last_qty > order.leaves_qty:  # type: ignore[operator]
            self._log.error(
                f"Deal {deal.ticket} ({last_qty}) exceeds leaves qty of {order.client_order_id!r}",
            )
            return
        self.emit_order_filled(
            order,
            venue_order_id=venue_order_id or VenueOrderId(str(deal.order)),
            venue_position_id=PositionId(str(deal.position_id)) if self._hedging else None,
            trade_id=trade_id,
            last_qty=last_qty,
            last_px=instrument.make_price(deal.price),
            quote_currency=instrument.quote_currency,
            commission=deal_commission(deal, instrument, self._currency),
            liquidity_side=LiquiditySide.TAKER
            if order.order_type in (OrderType.MARKET, OrderType.STOP_MARKET)
            else LiquiditySide.MAKER,
            ts_event=server_msc_to_unix_nanos(deal.time_msc or deal.time * 1000, self._time),
            info={"mt5_deal": deal.ticket, "mt5_position": deal.position_id},
        )

    async def _order_send(self, request: dict) -> tuple[OrderSendResult | None, SendOutcome]:
        """Send a request once; a lost link gives an ``"unknown"`` outcome (no retry here)."""
        try:
            result, error = await self.connection.call_ex("order_send", request)
        except Mt5ConnectionLost as e:
            return None, SendOutcome("unknown", e.code or mt5c.RES_E_INTERNAL_FAIL, str(e))
        return result, classify_send_result(result, error)

    async def _deals_for_order(self, ticket: int, expected_deal: int = 0) -> list[TradeDeal]:
        """Deals of an MT5 order, retried while the history lags behind the reply."""
        pause = 0.01
        deals: list[TradeDeal] = []
        for _ in range(DEAL_LOOKUP_ATTEMPTS):
            found = await self._call("history_deals_get", ticket=int(ticket))
            deals = sorted(
                (d for d in found or () if d.order == int(ticket) and is_trade_deal(d)),
                key=lambda d: (d.time_msc, d.ticket),
            )
            if deals and (not expected_deal or any(d.ticket == expected_deal for d in deals)):
                return deals
            await asyncio.sleep(pause)
            pause *= 2
        return deals

    def _submitted(self, order: Order) -> None:
        self.emit_order_submitted(order)

    def _updated(
        self,
        order: Order,
        venue_order_id: VenueOrderId,
        price: Price | None,
        trigger_price: Price | None,
    ) -> None:
        self.emit_order_updated(order, venue_order_id, order.quantity, price, trigger_price)

    def _canceled(self, order: Order) -> None:
        self.emit_order_canceled(order, order.venue_order_id)
