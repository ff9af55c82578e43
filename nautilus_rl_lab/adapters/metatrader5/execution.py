"""`Mt5ExecutionClient`: Nautilus orders through a MetaTrader 5 terminal.

Decisions (see also `parsing.requests` and `parsing.reports`):

- Netting vs hedging comes from the account's `margin_mode` (read when the client is
  built, checked again on connect); in hedging accounts fills carry the MT5 position
  ticket as ``venue_position_id`` and closing orders name it (``position``).
- The Nautilus account is *reported*: every `AccountState` is built from
  `account_info()` (balance → total, margin → locked, the rest free; equity, free margin
  and margin level in ``info``), sent on connect, after every fill and whenever the
  polled balance or margin changes. Nautilus never recomputes it.
- `order_send` outcomes: DONE → accepted + one `OrderFilled` per deal (price, volume and
  commission of the deal from `history_deals_get`, retried while the history lags);
  PLACED → accepted (the poll then reports fills, cancels and expiries); requote / price
  changed / off quotes → resent with a fresh price at most ``max_price_retries`` times;
  timeout / no connection / too many requests / a lost link → the order is searched in
  the terminal (open orders, then history, by our magic and the client order id in the
  comment) after reconnecting, ``unknown_outcome_checks`` times with backoff; only when
  it is provably absent is it resent (once) — never blindly. Other retcodes →
  `OrderRejected` whose reason is ``"MT5 <retcode> <NAME>: <terminal comment>"``.
- New orders go to the terminal one at a time, in the order Nautilus submitted them (a lock
  over sending and resolving each): a flip's reduce-only close (`parsing.requests.
  reduce_only_ticket` reads the position first) always precedes its open, and a requote burst
  is one order's, not shared between orders sent in the same loop turn.
- Order lists: without contingencies every order goes out on its own. An OTO list of a
  MARKET parent with a STOP_MARKET stop-loss and/or LIMIT take-profit child
  (`strategies.protection.submit_protected`) maps to the position's ``sl``/``tp``
  (`parsing.protection`): the parent is sent as a deal; once it filled, one
  ``TRADE_ACTION_SLTP`` (``position=<ticket>``) sets the children's prices on the position
  it left (netting: the symbol's position, which a scale-in's new list re-protects, the old
  legs canceled as replaced; hedging: the ticket the parent opened). The children stay
  Nautilus orders, ACCEPTED with a synthetic venue order id ``SL-<ticket>-<parent id>``;
  cancel sets that leg to 0, modify moves it. A child whose quantity is not the position's
  volume (partial parent fill, a hedging scale-in: one Nautilus order fills one position),
  stops the server refuses (10016: too close or already crossed) and trailing stops (MT5
  has no server-side trailing over its API) are rejected with the reason. Any other
  contingent list is rejected. Between the parent's fill and the SLTP reply the position is
  unprotected (one round trip).
- MT5 pushes no events, so a poll (every ``poll_interval_secs``) finds fills, cancels and
  expiries of pending orders; a position closed by the server with DEAL_REASON_SL/TP of a
  leg is that leg's `OrderFilled` at the deal (the OUO sibling, and the legs of a position
  closed any other way, are canceled); deals of other positions closed by the server (stop
  out, manual, sl/tp set outside Nautilus) are sent to the execution engine as an
  `ExecutionMassStatus` of a FILLED external order plus its fill reports, i.e. through
  Nautilus' own reconciliation (claim the instrument with `external_order_claims` to
  attribute them to a strategy in netting accounts; in hedging accounts the position ticket
  routes them).
- Reconciliation reports come from `orders_get` / `history_orders_get` (orders),
  `history_deals_get` (fills) and `positions_get` (positions) — never inferred from
  positions alone. Open legs are reported as open orders while their position carries
  their price; the server's SL/TP order and deal of a leg are reported under the leg's
  client and venue order ids (so a restart with a persisted cache does not turn them into
  external orders). Without a persisted cache a restarted node does not know the legs: the
  position keeps its sl/tp at the terminal, and a close by them comes back as an external
  order.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

import pandas as pd
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.messages import (
    BatchCancelOrders,
    CancelAllOrders,
    CancelOrder,
    GenerateFillReports,
    GenerateOrderStatusReport,
    GenerateOrderStatusReports,
    GeneratePositionStatusReports,
    ModifyOrder,
    QueryAccount,
    SubmitOrder,
    SubmitOrderList,
)
from nautilus_trader.execution.reports import (
    ExecutionMassStatus,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)
from nautilus_trader.live.execution_client import LiveExecutionClient
from nautilus_trader.model.enums import (
    AccountType,
    ContingencyType,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
    TriggerType,
)
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientId,
    ClientOrderId,
    InstrumentId,
    PositionId,
    TradeId,
    VenueOrderId,
)
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import AccountBalance, Currency, MarginBalance, Money, Price
from nautilus_trader.model.orders import Order

from nautilus_rl_lab.adapters.metatrader5.clients import Mt5ClientMixin
from nautilus_rl_lab.adapters.metatrader5.config import Mt5ExecClientConfig
from nautilus_rl_lab.adapters.metatrader5.connection import Mt5Connection, Mt5ConnectionLost
from nautilus_rl_lab.adapters.metatrader5.core import MT5, MT5_VENUE
from nautilus_rl_lab.adapters.metatrader5.parsing import (
    DEAL_REASON_RULES,
    ORDER_REASON_RULES,
    SL,
    TP,
    Leg,
    SendOutcome,
    UnsupportedOrderError,
    cancel_request,
    classify_send_result,
    comment_matches,
    deal_commission,
    deal_to_fill_report,
    instrument_id_from_symbol,
    is_trade_deal,
    leg_price,
    leg_venue_order_id,
    lots_to_units,
    modify_request,
    net_position_report,
    order_to_request,
    parse_leg,
    position_to_report,
    protected_list,
    reduce_only_ticket,
    server_msc_to_unix_nanos,
    sltp_request,
    symbol_from_instrument_id,
    trade_order_to_report,
    units_to_lots,
)
from nautilus_rl_lab.adapters.metatrader5.providers import Mt5InstrumentProvider
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.structures import (
    AccountInfo,
    OrderSendResult,
    TradeDeal,
    TradeOrder,
    TradePosition,
)

_HEDGING_MODES = frozenset({mt5c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING})
#: Deals are looked up this many times (doubling pauses from 10 ms) after a DONE reply.
_DEAL_LOOKUP_ATTEMPTS = 6
_DAY = 86_400


def oms_type_for_account(margin_mode: int, configured: str | None = None) -> OmsType:
    """Return the OMS type of an MT5 account; raise if `configured` contradicts it."""
    actual = OmsType.HEDGING if int(margin_mode) in _HEDGING_MODES else OmsType.NETTING
    if configured is not None and configured != actual.name:
        raise ConfigError(
            f"`oms_type` is {configured!r} but the MT5 account's margin_mode {margin_mode} is "
            f"{actual.name}; set `oms_type=None` to follow the account",
        )
    return actual


def _single(command: SubmitOrderList, order: Order) -> SubmitOrder:
    """The `SubmitOrder` of one order of a list."""
    return SubmitOrder(
        trader_id=command.trader_id,
        strategy_id=command.strategy_id,
        order=order,
        command_id=UUID4(),
        ts_init=command.ts_init,
        position_id=command.position_id,
        client_id=command.client_id,
        params=command.params,
    )


def _leg_for_deal(deal: TradeDeal, legs: list[tuple[Order, Leg]]) -> Order | None:
    """The open leg a terminal SL/TP close fills, if any."""
    rule = DEAL_REASON_RULES.get(deal.reason)
    for order, leg in legs:
        if leg.rule == rule and deal.position_id == leg.ticket:
            return order
    return None


class Mt5ExecutionClient(Mt5ClientMixin, LiveExecutionClient):
    """Live execution on a MetaTrader 5 terminal (native, RPyC bridge or simulator).

    Build it with `Mt5LiveExecClientFactory` (which reads the account's margin mode and
    currency first); `oms_type` and `account_currency` must match the account.
    """

    _mt5_config: Mt5ExecClientConfig

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        connection: Mt5Connection,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
        instrument_provider: Mt5InstrumentProvider,
        config: Mt5ExecClientConfig,
        oms_type: OmsType,
        account_currency: Currency,
        name: str | None = None,
    ) -> None:
        super().__init__(
            loop=loop,
            client_id=ClientId(name or MT5),
            venue=MT5_VENUE,
            oms_type=oms_type,
            account_type=AccountType.MARGIN,
            base_currency=account_currency,
            instrument_provider=instrument_provider,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            config=config,
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

    # -- connection ----------------------------------------------------------------------

    async def _connect(self) -> None:
        await self._connect_terminal()
        for instrument in self.provider.list_all():
            if self._cache.instrument(instrument.id) is None:
                self._cache.add_instrument(instrument)
        account = await self._call("account_info")
        if account is None:
            raise ConnectionError(
                "MT5 `account_info()` returned None; is a trading account logged in?"
            )
        oms_type_for_account(account.margin_mode, self.oms_type.name)
        self._set_account_id(AccountId(f"{MT5}-{account.login}"))
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
            date_to = max(wall, await self._server_now_secs()) + _DAY
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
                    Money(total, self._currency),
                    Money(locked, self._currency),
                    Money(total - locked, self._currency),
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
        return self._cache.instrument(instrument_id) or self.provider.find(instrument_id)

    def _reject(self, order: Order, reason: str) -> None:
        self._log.warning(f"{order.client_order_id!r} rejected: {reason}")
        self.generate_order_rejected(
            order.strategy_id,
            order.instrument_id,
            order.client_order_id,
            reason,
            self._clock.timestamp_ns(),
        )

    def _accept(self, order: Order, ticket: int) -> None:
        if order.status in (OrderStatus.INITIALIZED, OrderStatus.SUBMITTED):
            self.generate_order_accepted(
                order.strategy_id,
                order.instrument_id,
                order.client_order_id,
                VenueOrderId(str(ticket)),
                self._clock.timestamp_ns(),
            )

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
        last_qty = instrument.make_qty(lots_to_units(deal.volume, contract))
        if last_qty > order.leaves_qty:
            self._log.error(
                f"Deal {deal.ticket} ({last_qty}) exceeds leaves qty of {order.client_order_id!r}",
            )
            return
        self.generate_order_filled(
            strategy_id=order.strategy_id,
            instrument_id=order.instrument_id,
            client_order_id=order.client_order_id,
            venue_order_id=venue_order_id or VenueOrderId(str(deal.order)),
            venue_position_id=PositionId(str(deal.position_id)) if self._hedging else None,
            trade_id=trade_id,
            order_side=order.side,
            order_type=order.order_type,
            last_qty=last_qty,
            last_px=instrument.make_price(deal.price),
            quote_currency=instrument.quote_currency,
            commission=deal_commission(deal, self._currency),
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
        for _ in range(_DEAL_LOOKUP_ATTEMPTS):
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

    # -- submit --------------------------------------------------------------------------

    async def _submit_order_list(self, command: SubmitOrderList) -> None:
        orders = command.order_list.orders
        if all(o.contingency_type == ContingencyType.NO_CONTINGENCY for o in orders):
            for order in orders:
                await self._submit_order(_single(command, order))
            return
        try:
            parent, legs = protected_list(command.order_list)
        except UnsupportedOrderError as e:
            for order in orders:
                self._submitted(order)
                self._reject(order, str(e))
            return
        children = [child for _, child in legs]
        for child in children:
            self._submitted(child)
            self._own_orders.add(child.client_order_id)
            self._resolving.add(child.client_order_id)
        self._inflight += 1
        try:
            await self._submit_order(_single(command, parent))
            async with self._stops_lock:
                await self._attach_legs(parent, legs)
        finally:
            self._inflight -= 1
            for child in children:
                self._resolving.discard(child.client_order_id)

    def _submitted(self, order: Order) -> None:
        self.generate_order_submitted(
            order.strategy_id,
            order.instrument_id,
            order.client_order_id,
            self._clock.timestamp_ns(),
        )

    async def _submit_order(self, command: SubmitOrder) -> None:
        order = command.order
        if order.is_closed:
            self._log.warning(f"Cannot submit already closed order {order}")
            return
        self._submitted(order)
        instrument = self._instrument(order.instrument_id)
        try:
            symbol = self.provider.symbol_info(order.instrument_id)
        except KeyError as e:
            self._reject(order, str(e))
            return
        if instrument is None:
            self._reject(order, f"{order.instrument_id} is not loaded")
            return
        self._inflight += 1
        self._own_orders.add(order.client_order_id)
        self._resolving.add(order.client_order_id)
        try:
            async with self._send_lock:
                await self._send_new_order(command, order, instrument, symbol)
        finally:
            self._resolving.discard(order.client_order_id)
            self._inflight -= 1

    async def _send_new_order(self, command: SubmitOrder, order: Order, instrument, symbol) -> None:
        params = command.params or {}
        position_ticket = None
        if (
            self._hedging
            and command.position_id is not None
            and command.position_id.value.isdigit()
        ):
            position_ticket = int(command.position_id.value)
        elif order.is_reduce_only:
            positions = await self._call("positions_get", symbol=symbol.name) or ()
            volume = units_to_lots(order.quantity.as_decimal(), symbol.trade_contract_size)
            try:
                position_ticket = reduce_only_ticket(
                    order.side, volume, positions, hedging=self._hedging
                )
            except UnsupportedOrderError as e:
                self._reject(order, str(e))
                return
        price_retries = 0
        resent = False
        while True:
            tick = None
            if order.order_type == OrderType.MARKET:
                tick = await self._call("symbol_info_tick", symbol.name)
            try:
                request = order_to_request(
                    order,
                    symbol,
                    magic=self._magic,
                    tick=tick,
                    deviation=self._mt5_config.deviation_points,
                    position_ticket=position_ticket,
                    sl=params.get("sl"),
                    tp=params.get("tp"),
                    server_time=self._time,
                )
            except UnsupportedOrderError as e:
                self._reject(order, str(e))
                return
            result, outcome = await self._order_send(request)
            self._log.debug(f"order_send {request} -> {outcome}")

            if outcome.kind in ("filled", "partially_filled"):
                assert result is not None  # a retcode came back
                await self._on_done(order, instrument, result)
                if outcome.kind == "partially_filled" and order.is_open:
                    # IOC/FOK remainder is gone at the terminal.
                    self.generate_order_canceled(
                        order.strategy_id,
                        order.instrument_id,
                        order.client_order_id,
                        VenueOrderId(str(result.order)),
                        self._clock.timestamp_ns(),
                    )
                return
            if outcome.kind == "placed":
                assert result is not None
                self._accept(order, result.order)
                return
            if outcome.kind == "retry_price" and price_retries < self._mt5_config.max_price_retries:
                price_retries += 1
                self._log.info(
                    f"{outcome.reason}; resending {order.client_order_id!r} at a fresh price"
                )
                continue
            if outcome.kind == "unknown":
                if await self._resolve_unknown(order, instrument, outcome):
                    return
                if not resent and self.connection.is_initialized:
                    resent = True
                    self._log.warning(
                        f"{order.client_order_id!r} not found at the terminal after "
                        f"{outcome.reason}; resending once",
                    )
                    continue
                self._reject(order, f"{outcome.reason} (not found at the terminal after checking)")
                return
            self._reject(order, outcome.reason)
            return

    async def _on_done(self, order: Order, instrument: Instrument, result: OrderSendResult) -> None:
        self._accept(order, result.order)
        deals = await self._deals_for_order(result.order, expected_deal=result.deal)
        if deals:
            for deal in deals:
                self._emit_fill(order, instrument, deal)
        else:
            self._log.warning(
                f"No deal found for MT5 order {result.order}; filling from the reply (no commission)",
            )
            self._emit_fill(
                order,
                instrument,
                TradeDeal(
                    ticket=result.deal or result.order,
                    order=result.order,
                    time_msc=self._time.server_ms(int(self._clock.timestamp_ms())),
                    type=mt5c.DEAL_TYPE_BUY if order.side == OrderSide.BUY else mt5c.DEAL_TYPE_SELL,
                    volume=result.volume,
                    price=result.price,
                    position_id=result.request.position or result.order,
                ),
            )
        await self._update_account_state()

    async def _find_at_terminal(self, order: Order) -> tuple[str, TradeOrder | None]:
        """Search an order by magic + comment: ``("open"|"history"|"absent", order)``."""
        symbol = symbol_from_instrument_id(order.instrument_id)
        for mt5_order in await self.connection.call("orders_get", symbol=symbol) or ():
            if mt5_order.magic == self._magic and comment_matches(
                mt5_order.comment, order.client_order_id
            ):
                return "open", mt5_order
        now = await self._server_now_secs()
        history = await self.connection.call("history_orders_get", now - 7 * _DAY, now + _DAY)
        for mt5_order in history or ():
            if (
                mt5_order.symbol == symbol
                and mt5_order.magic == self._magic
                and comment_matches(mt5_order.comment, order.client_order_id)
            ):
                return "history", mt5_order
        return "absent", None

    async def _resolve_unknown(
        self, order: Order, instrument: Instrument, outcome: SendOutcome
    ) -> bool:
        """After an unknown outcome: reconnect, search the order, apply what happened."""
        pause = self._mt5_config.reconnect_backoff_s
        for attempt in range(1, self._mt5_config.unknown_outcome_checks + 1):
            try:
                if not self.connection.is_initialized and not await self._reconnect():
                    continue
                await asyncio.sleep(pause)  # let the history catch up
                where, mt5_order = await self._find_at_terminal(order)
            except Mt5ConnectionLost as e:
                self._log.warning(f"Check {attempt} of {order.client_order_id!r} failed: {e}")
                continue
            finally:
                pause = min(pause * 2, self._mt5_config.reconnect_backoff_max_s)
            if mt5_order is None:
                continue
            self._log.info(
                f"{order.client_order_id!r} found at the terminal ({where}, MT5 order "
                f"{mt5_order.ticket}) after {outcome.reason}",
            )
            await self._apply_terminal_order(order, instrument, mt5_order)
            return True
        return False

    async def _apply_terminal_order(
        self, order: Order, instrument: Instrument, mt5_order: TradeOrder
    ) -> None:
        """Bring a Nautilus order in line with the terminal's view of it."""
        state = mt5_order.state
        if state == mt5c.ORDER_STATE_REJECTED:
            self._reject(order, f"MT5 order {mt5_order.ticket} rejected by the server")
            return
        self._accept(order, mt5_order.ticket)
        for deal in await self._deals_for_order(mt5_order.ticket):
            self._emit_fill(order, instrument, deal)
        if state in (mt5c.ORDER_STATE_CANCELED, mt5c.ORDER_STATE_EXPIRED) and not order.is_closed:
            generate = (
                self.generate_order_expired
                if state == mt5c.ORDER_STATE_EXPIRED
                else self.generate_order_canceled
            )
            generate(
                order.strategy_id,
                order.instrument_id,
                order.client_order_id,
                VenueOrderId(str(mt5_order.ticket)),
                self._clock.timestamp_ns(),
            )
        await self._update_account_state()

    # -- cancel / modify -----------------------------------------------------------------

    def _command_target(
        self,
        command: CancelOrder | ModifyOrder,
        generate_rejected: Callable[..., None],
    ) -> tuple[Order, VenueOrderId, Callable[[str], None]] | None:
        """The open order a cancel/modify `command` targets, with its venue order id and a
        ``reject(reason)`` that emits `generate_rejected` for it.

        None when there is nothing to do: the order is unknown or closed, or it has no MT5
        ticket yet (then it is rejected here).
        """
        order = self._cache.order(command.client_order_id)
        if order is None or order.is_closed:
            return None
        venue_order_id = command.venue_order_id or order.venue_order_id

        def reject(reason: str) -> None:
            generate_rejected(
                order.strategy_id,
                order.instrument_id,
                order.client_order_id,
                venue_order_id,
                reason,
                self._clock.timestamp_ns(),
            )

        if venue_order_id is None:
            reject("order has no MT5 ticket yet")
            return None
        return order, venue_order_id, reject

    async def _cancel_order(self, command: CancelOrder) -> None:
        target = self._command_target(command, self.generate_order_cancel_rejected)
        if target is None:
            return
        order, venue_order_id, reject = target
        leg = parse_leg(venue_order_id)
        if leg is not None:
            await self._leg_command(order, self._cancel_leg(order, leg, reject))
            return
        ticket = int(venue_order_id.value)
        _, outcome = await self._order_send(cancel_request(ticket, magic=self._magic))
        if outcome.kind in ("filled", "placed", "no_changes"):
            self.generate_order_canceled(
                order.strategy_id,
                order.instrument_id,
                order.client_order_id,
                venue_order_id,
                self._clock.timestamp_ns(),
            )
            return
        # Not canceled: find out what the order is now (it may have filled meanwhile).
        if outcome.kind == "unknown" and not self.connection.is_initialized:
            await self._reconnect()
        history = await self._call("history_orders_get", ticket=ticket)
        if history:
            instrument = self._instrument(order.instrument_id)
            await self._apply_terminal_order(order, instrument, history[0])
            if order.is_closed or history[0].state == mt5c.ORDER_STATE_CANCELED:
                return
        reject(outcome.reason)

    async def _cancel_all_orders(self, command: CancelAllOrders) -> None:
        for order in self._cache.orders_open(venue=MT5_VENUE, instrument_id=command.instrument_id):
            if command.order_side not in (OrderSide.NO_ORDER_SIDE, order.side):
                continue
            await self._cancel_order(
                CancelOrder(
                    trader_id=command.trader_id,
                    strategy_id=order.strategy_id,
                    instrument_id=order.instrument_id,
                    client_order_id=order.client_order_id,
                    venue_order_id=order.venue_order_id,
                    command_id=UUID4(),
                    ts_init=command.ts_init,
                ),
            )

    async def _batch_cancel_orders(self, command: BatchCancelOrders) -> None:
        for cancel in command.cancels:
            await self._cancel_order(cancel)

    def _updated(
        self,
        order: Order,
        venue_order_id: VenueOrderId,
        price: Price | None,
        trigger_price: Price | None,
    ) -> None:
        self.generate_order_updated(
            order.strategy_id,
            order.instrument_id,
            order.client_order_id,
            venue_order_id,
            order.quantity,
            price,
            trigger_price,
            self._clock.timestamp_ns(),
        )

    async def _modify_order(self, command: ModifyOrder) -> None:
        target = self._command_target(command, self.generate_order_modify_rejected)
        if target is None:
            return
        order, venue_order_id, reject = target
        if command.quantity is not None and command.quantity != order.quantity:
            reject("MT5 cannot change the volume of a pending order or a position sl/tp")
            return
        leg = parse_leg(venue_order_id)
        if leg is not None:
            work = self._modify_leg(command, order, venue_order_id, leg, reject)
            await self._leg_command(order, work)
            return
        found = await self._call("orders_get", ticket=int(venue_order_id.value))
        if not found:
            reject(f"MT5 order {venue_order_id} is not open")
            return
        params = command.params or {}
        request = modify_request(
            found[0],
            price=float(command.price) if command.price is not None else None,
            trigger_price=float(command.trigger_price)
            if command.trigger_price is not None
            else None,
            sl=params.get("sl"),
            tp=params.get("tp"),
        )
        _, outcome = await self._order_send(request)
        if outcome.kind in ("filled", "placed", "no_changes"):
            self._updated(
                order,
                venue_order_id,
                command.price if command.price is not None else getattr(order, "price", None),
                command.trigger_price
                if command.trigger_price is not None
                else getattr(order, "trigger_price", None),
            )
        else:
            reject(outcome.reason)

    # -- protection: OTO children as the position's sl/tp -----------------------------------

    def _open_legs(self) -> list[tuple[Order, Leg]]:
        """The open Nautilus orders that are position sl/tp legs, with their `Leg`."""
        legs = []
        for order in self._cache.orders_open(venue=MT5_VENUE):
            leg = parse_leg(order.venue_order_id)
            if leg is not None:
                legs.append((order, leg))
        return legs

    async def _protected_position(self, parent: Order, side: OrderSide) -> TradePosition | str:
        """The position the children of `parent` (closing with `side`) protect, or why none.

        Netting: the symbol's position. Hedging: the ticket the parent opened (its comment is
        the parent's client order id); a Nautilus order fills one position, so a list whose
        children cover more than that ticket (a scale-in) cannot be protected.
        """
        symbol = symbol_from_instrument_id(parent.instrument_id)
        positions = await self._call("positions_get", symbol=symbol)
        if positions is None:
            return f"cannot read the MT5 positions of {symbol}"
        if self._hedging:
            positions = [
                p
                for p in positions
                if p.magic == self._magic and comment_matches(p.comment, parent.client_order_id)
            ]
        protected_type = (
            mt5c.POSITION_TYPE_BUY if side == OrderSide.SELL else mt5c.POSITION_TYPE_SELL
        )
        if len(positions) != 1 or positions[0].type != protected_type:
            opened = "opened by" if self._hedging else "after"
            return f"no MT5 position of {symbol} {opened} {parent.client_order_id} to protect"
        return positions[0]

    async def _attach_legs(self, parent: Order, legs: list[tuple[str, Order]]) -> None:
        """Set the children's prices as sl/tp of the position the parent left.

        The position's volume must equal every child's quantity (the server closes a whole
        position). Else, or when the server refuses the stops (e.g. 10016 INVALID_STOPS: too
        close or already crossed), the children are rejected with the reason.
        """
        children = [child for _, child in legs]

        def reject(reason: str) -> None:
            for child in children:
                self._reject(child, f"stop-loss/take-profit not set: {reason}")

        position = await self._protected_position(parent, children[0].side)
        instrument = self._instrument(parent.instrument_id)
        if isinstance(position, str) or instrument is None:
            reject(position if isinstance(position, str) else f"{parent.instrument_id} unknown")
            return
        units = lots_to_units(position.volume, float(instrument.info["trade_contract_size"]))
        for child in children:
            if child.quantity.as_decimal() != units:
                reject(
                    f"{child.client_order_id} covers {child.quantity} but MT5 position "
                    f"{position.ticket} holds {units} (an MT5 sl/tp closes the whole position"
                    + (
                        "; in a hedging account each entry is its own position)"
                        if self._hedging
                        else ")"
                    )
                )
                return
        prices = {rule: leg_price(rule, child) for rule, child in legs}
        problem = await self._set_stops(
            position.ticket, position.symbol, prices.get(SL, 0.0), prices.get(TP, 0.0)
        )
        if problem is not None:
            reject(problem)
            return
        for order, leg in self._open_legs():  # the stops they had are replaced
            if leg.ticket == position.ticket and order.client_order_id not in self._resolving:
                self._canceled(order)
        for rule, child in legs:
            venue_order_id = leg_venue_order_id(rule, position.ticket, parent.client_order_id.value)
            self.generate_order_accepted(
                child.strategy_id,
                child.instrument_id,
                child.client_order_id,
                venue_order_id,
                self._clock.timestamp_ns(),
            )

    def _canceled(self, order: Order) -> None:
        self.generate_order_canceled(
            order.strategy_id,
            order.instrument_id,
            order.client_order_id,
            order.venue_order_id,
            self._clock.timestamp_ns(),
        )

    async def _set_stops(self, ticket: int, symbol: str, sl: float, tp: float) -> str | None:
        """Set a position's sl/tp; `None` when the terminal holds them, else the reason."""
        request = sltp_request(ticket, symbol, sl, tp, magic=self._magic)
        _, outcome = await self._order_send(request)
        if outcome.kind in ("filled", "no_changes"):
            return None
        # Refused or unknown (timeout, lost link): what the terminal holds decides.
        found = await self._call("positions_get", ticket=ticket)
        if found and math.isclose(found[0].sl, sl) and math.isclose(found[0].tp, tp):
            return None
        return outcome.reason if found else f"MT5 position {ticket} is closed"

    async def _leg_command(self, order: Order, work: Coroutine[Any, Any, None]) -> None:
        """Run a cancel/modify of a leg, one stops change at a time, the poll standing aside."""
        self._inflight += 1
        self._resolving.add(order.client_order_id)
        try:
            async with self._stops_lock:
                await work
        finally:
            self._resolving.discard(order.client_order_id)
            self._inflight -= 1

    async def _cancel_leg(self, order: Order, leg: Leg, reject: Callable[[str], None]) -> None:
        """Clear the leg's price (0) on its position; a leg that closed it is left to fill."""
        found = await self._call("positions_get", ticket=leg.ticket)
        if not found:
            closing = await self._call("history_deals_get", position=leg.ticket) or ()
            if any(DEAL_REASON_RULES.get(d.reason) == leg.rule for d in closing):
                return  # it fired first: the protection poll reports its fill
        else:
            position = found[0]
            held = position.sl if leg.rule == SL else position.tp
            if math.isclose(held, leg_price(leg.rule, order)):  # else replaced: not ours
                sl, tp = (0.0, position.tp) if leg.rule == SL else (position.sl, 0.0)
                problem = await self._set_stops(leg.ticket, position.symbol, sl, tp)
                if problem is not None:
                    reject(problem)
                    return
        self._canceled(order)

    async def _modify_leg(
        self,
        command: ModifyOrder,
        order: Order,
        venue_order_id: VenueOrderId,
        leg: Leg,
        reject: Callable[[str], None],
    ) -> None:
        """Move the leg's price on its position (a stop by trigger price, a limit by price)."""
        new = command.trigger_price if leg.rule == SL else command.price
        if new is None:
            field = "trigger_price" if leg.rule == SL else "price"
            reject(f"an MT5 {leg.rule} leg moves by its {field}; nothing to change")
            return
        found = await self._call("positions_get", ticket=leg.ticket)
        if not found:
            reject(f"MT5 position {leg.ticket} is closed")
            return
        position = found[0]
        sl, tp = (float(new), position.tp) if leg.rule == SL else (position.sl, float(new))
        problem = await self._set_stops(leg.ticket, position.symbol, sl, tp)
        if problem is not None:
            reject(problem)
            return
        if leg.rule == SL:
            self._updated(order, venue_order_id, None, new)
        else:
            self._updated(order, venue_order_id, new, None)

    async def _poll_protection(self) -> None:
        """Resolve the legs whose positions the terminal closed: a close by the leg's own
        reason (DEAL_REASON_SL/TP) fills it at the deal, any other close cancels it."""
        legs = [
            (o, leg) for o, leg in self._open_legs() if o.client_order_id not in self._resolving
        ]
        if not legs:
            return
        positions = await self.connection.call("positions_get")  # before the deals
        if positions is None:
            return
        open_tickets = {p.ticket for p in positions}
        for order, leg in legs:
            if leg.ticket in open_tickets:
                continue
            deals = await self.connection.call("history_deals_get", position=leg.ticket) or ()
            closing = [d for d in deals if is_trade_deal(d) and d.entry != mt5c.DEAL_ENTRY_IN]
            if not closing:
                continue  # the history lags: decide next poll
            hits = [d for d in closing if DEAL_REASON_RULES.get(d.reason) == leg.rule]
            instrument = self._instrument(order.instrument_id)
            for deal in sorted(hits, key=lambda d: (d.time_msc, d.ticket)):
                self._emit_fill(order, instrument, deal, venue_order_id=order.venue_order_id)
            if not hits:
                self._log.info(
                    f"{order.client_order_id!r} canceled: MT5 closed position {leg.ticket} "
                    f"otherwise (deal reasons {sorted({d.reason for d in closing})})"
                )
                self._canceled(order)

    def _leg_report(self, order: Order, ts_init: int) -> OrderStatusReport:
        """A leg as the open order it is while its position carries its price."""
        return OrderStatusReport(
            account_id=self.account_id,
            instrument_id=order.instrument_id,
            venue_order_id=order.venue_order_id,
            order_side=order.side,
            order_type=order.order_type,
            time_in_force=order.time_in_force,
            order_status=OrderStatus.PARTIALLY_FILLED
            if order.filled_qty.as_double() > 0
            else OrderStatus.ACCEPTED,
            quantity=order.quantity,
            filled_qty=order.filled_qty,
            report_id=UUID4(),
            ts_accepted=order.ts_accepted,
            ts_last=order.ts_last,
            ts_init=ts_init,
            client_order_id=order.client_order_id,
            order_list_id=order.order_list_id,
            linked_order_ids=order.linked_order_ids,
            parent_order_id=order.parent_order_id,
            contingency_type=order.contingency_type,
            price=order.price if order.has_price else None,
            trigger_price=order.trigger_price if order.has_trigger_price else None,
            trigger_type=order.trigger_type if order.has_trigger_price else TriggerType.NO_TRIGGER,
            reduce_only=order.is_reduce_only,
        )

    async def _live_leg_reports(
        self, instrument_id: InstrumentId | None, ts_init: int
    ) -> list[OrderStatusReport]:
        """Reports of the open legs whose positions still carry their price."""
        legs = [
            (o, leg)
            for o, leg in self._open_legs()
            if instrument_id is None or o.instrument_id == instrument_id
        ]
        if not legs:
            return []
        positions = {p.ticket: p for p in await self._call("positions_get") or ()}
        reports = []
        for order, leg in legs:
            position = positions.get(leg.ticket)
            if position is None:
                continue
            held = position.sl if leg.rule == SL else position.tp
            if math.isclose(held, leg_price(leg.rule, order)):
                reports.append(self._leg_report(order, ts_init))
        return reports

    def _leg_owner(self, rule: str | None, ticket: int, trade_id: TradeId | None) -> Order | None:
        """The leg order a terminal SL/TP close of position `ticket` filled (or will fill)."""
        if rule is None:
            return None
        candidates = []
        for order in self._cache.orders(venue=MT5_VENUE):
            leg = parse_leg(order.venue_order_id)
            if leg is None or leg.rule != rule or leg.ticket != ticket:
                continue
            if trade_id is not None and trade_id in order.trade_ids:
                return order
            if order.is_open:
                candidates.append(order)
        return candidates[0] if candidates else None

    # -- polling -------------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        interval = self._mt5_config.poll_interval_secs
        while True:
            await asyncio.sleep(interval)
            try:
                await self._poll_pending_orders()
                if self._inflight == 0:
                    await self._poll_protection()
                    await self._poll_external_deals()
                await self._update_account_state()
            except Mt5ConnectionLost as e:
                self._log.warning(f"MT5 link lost while polling ({e}); reconnecting")
                await self._reconnect()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self._log.exception("Error polling the MT5 terminal", e)

    async def _poll_pending_orders(self) -> None:
        watched = [
            order
            for order in self._cache.orders_open(venue=MT5_VENUE)
            if order.venue_order_id is not None
            and order.client_order_id not in self._resolving
            and order.order_type != OrderType.MARKET
            and parse_leg(order.venue_order_id) is None
        ]
        if not watched:
            return
        open_orders = await self.connection.call("orders_get")
        if open_orders is None:
            return  # the call failed: decide nothing this round
        open_by_ticket = {o.ticket: o for o in open_orders}
        for order in watched:
            ticket = int(order.venue_order_id.value)
            instrument = self._instrument(order.instrument_id)
            mt5_order = open_by_ticket.get(ticket)
            if mt5_order is not None:
                if mt5_order.volume_current < mt5_order.volume_initial:
                    for deal in await self._deals_for_order(ticket):
                        self._emit_fill(order, instrument, deal)
                continue
            history = await self.connection.call("history_orders_get", ticket=ticket)
            if history:
                await self._apply_terminal_order(order, instrument, history[0])

    async def _poll_external_deals(self) -> None:
        """Report deals of orders Nautilus did not send (SL/TP, stop out, manual closes)."""
        if self._deal_cursor_secs is None:
            return
        date_to = max(await self._server_now_secs(), self._deal_cursor_secs) + _DAY
        deals = await self.connection.call("history_deals_get", self._deal_cursor_secs - 1, date_to)
        if not deals:
            return
        legs = self._open_legs()
        by_order: dict[int, list[TradeDeal]] = defaultdict(list)
        for deal in deals:
            if deal.ticket in self._known_deals or not is_trade_deal(deal):
                continue
            if _leg_for_deal(deal, legs) is not None:
                continue  # a leg's fill: `_poll_protection` reports it
            venue_order_id = VenueOrderId(str(deal.order))
            if self._cache.client_order_id(venue_order_id) is not None:
                continue  # ours: handled by the submit path or the pending-order poll
            instrument_id = instrument_id_from_symbol(deal.symbol)
            if self._instrument(instrument_id) is None:
                continue
            by_order[deal.order].append(deal)
        cursor = max(self._deal_cursor_secs, max(int(d.time) for d in deals))
        for ticket, order_deals in by_order.items():
            if not await self._report_external_order(ticket, order_deals):
                # The order lags its deals: look at these deals again next poll.
                cursor = min(cursor, min(int(d.time) for d in order_deals))
        self._deal_cursor_secs = cursor

    async def _report_external_order(self, ticket: int, deals: list[TradeDeal]) -> bool:
        history = await self.connection.call("history_orders_get", ticket=ticket)
        if not history:
            return False
        mt5_order = history[0]
        instrument = self._instrument(instrument_id_from_symbol(mt5_order.symbol))
        ts_init = self._clock.timestamp_ns()
        mass_status = ExecutionMassStatus(
            client_id=self.id,
            account_id=self.account_id,
            venue=MT5_VENUE,
            report_id=UUID4(),
            ts_init=ts_init,
        )
        fills = [self._fill_report(deal, instrument, ts_init) for deal in deals]
        report = self._order_report(mt5_order, instrument, ts_init, deals)
        report.client_order_id = None  # external: the engine assigns one
        mass_status.add_order_reports([report])
        mass_status.add_fill_reports(fills)
        for deal in deals:
            self._known_deals.add(deal.ticket)
        self._log.info(
            f"Reporting MT5 order {ticket} not sent by Nautilus (reason {mt5_order.reason})"
        )
        self._send_mass_status_report(mass_status)
        await self._update_account_state()
        return True

    # -- reconciliation reports ------------------------------------------------------------

    def _fill_report(self, deal: TradeDeal, instrument: Instrument, ts_init: int) -> FillReport:
        report = deal_to_fill_report(
            deal,
            instrument,
            self.account_id,
            self._currency,
            ts_init,
            own_magic=self._magic,
            server_time=self._time,
            venue_position_id=PositionId(str(deal.position_id)) if self._hedging else None,
        )
        rule = DEAL_REASON_RULES.get(deal.reason)
        owner = self._leg_owner(rule, deal.position_id, report.trade_id)
        if owner is not None:  # a close by a leg's stop is that leg's fill
            report.client_order_id = owner.client_order_id
            report.venue_order_id = owner.venue_order_id
        return report

    def _order_report(
        self,
        mt5_order: TradeOrder,
        instrument: Instrument,
        ts_init: int,
        deals: list[TradeDeal] | None = None,
    ) -> OrderStatusReport:
        avg_px: Decimal | None = None
        if deals:
            volume = sum((Decimal(repr(d.volume)) for d in deals), Decimal(0))
            notional = sum(
                (Decimal(repr(d.volume)) * Decimal(repr(d.price)) for d in deals), Decimal(0)
            )
            if volume > 0:
                avg_px = notional / volume
        client_order_id = None
        delivered_qty = None
        if mt5_order.magic == self._magic:
            client_order_id = self._cache.client_order_id(VenueOrderId(str(mt5_order.ticket)))
        order = self._cache.order(client_order_id) if client_order_id is not None else None
        if order is not None and order.is_open and client_order_id in self._own_orders:
            # Its deals reach Nautilus as real fills through this client (submit path or
            # poll); a report ahead of them would make Nautilus infer a duplicate fill.
            delivered_qty = order.filled_qty
        report = trade_order_to_report(
            mt5_order,
            instrument,
            self.account_id,
            ts_init,
            own_magic=self._magic,
            server_time=self._time,
            avg_px=avg_px,
            client_order_id=client_order_id,
            delivered_qty=delivered_qty,
        )
        rule = ORDER_REASON_RULES.get(mt5_order.reason)
        trade_id = TradeId(str(deals[0].ticket)) if deals else None
        owner = self._leg_owner(rule, mt5_order.position_id, trade_id)
        if owner is not None:  # the server's SL/TP order is that leg, not an external order
            report.client_order_id = owner.client_order_id
            report.venue_order_id = owner.venue_order_id
        return report

    def _reportable(self, symbol: str, instrument_id: InstrumentId | None) -> Instrument | None:
        candidate = instrument_id_from_symbol(symbol)
        if instrument_id is not None and candidate != instrument_id:
            return None
        return self._instrument(candidate)

    async def generate_order_status_report(
        self,
        command: GenerateOrderStatusReport,
    ) -> OrderStatusReport | None:
        if command.client_order_id is not None and command.client_order_id in self._resolving:
            return None  # the submit path is resolving it and will emit its events
        cached = self._cache.order(command.client_order_id) if command.client_order_id else None
        if parse_leg(command.venue_order_id or (cached and cached.venue_order_id)) is not None:
            reports = await self._live_leg_reports(
                command.instrument_id, self._clock.timestamp_ns()
            )
            return next((r for r in reports if r.client_order_id == command.client_order_id), None)
        ticket: int | None = None
        if command.venue_order_id is not None and command.venue_order_id.value.isdigit():
            ticket = int(command.venue_order_id.value)
        mt5_order = None
        if ticket is not None:
            found = await self._call("orders_get", ticket=ticket) or await self._call(
                "history_orders_get",
                ticket=ticket,
            )
            mt5_order = found[0] if found else None
        elif command.client_order_id is not None:
            order = self._cache.order(command.client_order_id)
            if order is not None:
                _, mt5_order = await self._find_at_terminal(order)
        if mt5_order is None:
            return None
        instrument = self._instrument(instrument_id_from_symbol(mt5_order.symbol))
        if instrument is None:
            return None
        deals = (
            await self._deals_for_order(mt5_order.ticket)
            if mt5_order.state
            in (
                mt5c.ORDER_STATE_FILLED,
                mt5c.ORDER_STATE_PARTIAL,
            )
            else []
        )
        return self._order_report(mt5_order, instrument, self._clock.timestamp_ns(), deals)

    async def generate_order_status_reports(
        self,
        command: GenerateOrderStatusReports,
    ) -> list[OrderStatusReport]:
        ts_init = self._clock.timestamp_ns()
        reports: list[OrderStatusReport] = []
        for mt5_order in await self._call("orders_get") or ():
            instrument = self._reportable(mt5_order.symbol, command.instrument_id)
            if instrument is not None:
                reports.append(self._order_report(mt5_order, instrument, ts_init))
        reports += await self._live_leg_reports(command.instrument_id, ts_init)
        if command.open_only:
            return reports
        date_from, date_to = await self._history_window(command.start, command.end)
        history = await self._call("history_orders_get", date_from, date_to) or ()
        deals_by_order: dict[int, list[TradeDeal]] = defaultdict(list)
        for deal in await self._call("history_deals_get", date_from, date_to) or ():
            if is_trade_deal(deal):
                deals_by_order[deal.order].append(deal)
        for mt5_order in history:
            instrument = self._reportable(mt5_order.symbol, command.instrument_id)
            if instrument is None:
                continue
            deals = deals_by_order.get(mt5_order.ticket, [])
            reports.append(self._order_report(mt5_order, instrument, ts_init, deals))
        return reports

    async def generate_fill_reports(self, command: GenerateFillReports) -> list[FillReport]:
        ts_init = self._clock.timestamp_ns()
        if command.venue_order_id is not None and command.venue_order_id.value.isdigit():
            deals = await self._call("history_deals_get", ticket=int(command.venue_order_id.value))
        else:
            date_from, date_to = await self._history_window(command.start, command.end)
            deals = await self._call("history_deals_get", date_from, date_to)
        reports: list[FillReport] = []
        for deal in deals or ():
            if not is_trade_deal(deal):
                continue
            instrument = self._reportable(deal.symbol, command.instrument_id)
            if instrument is not None:
                reports.append(self._fill_report(deal, instrument, ts_init))
        return reports

    async def generate_position_status_reports(
        self,
        command: GeneratePositionStatusReports,
    ) -> list[PositionStatusReport]:
        ts_init = self._clock.timestamp_ns()
        positions = await self._call("positions_get")
        if positions is None:
            raise ConnectionError("MT5 `positions_get()` failed; cannot report positions")
        if self._hedging:
            reports = []
            for position in positions:
                instrument = self._reportable(position.symbol, command.instrument_id)
                if instrument is not None:
                    reports.append(
                        position_to_report(
                            position,
                            instrument,
                            self.account_id,
                            ts_init,
                            server_time=self._time,
                        ),
                    )
            return reports
        by_symbol: dict[str, list] = defaultdict(list)
        for position in positions:
            by_symbol[position.symbol].append(position)
        if command.instrument_id is not None:
            by_symbol.setdefault(symbol_from_instrument_id(command.instrument_id), [])
        reports = []
        for symbol, symbol_positions in by_symbol.items():
            instrument = self._reportable(symbol, command.instrument_id)
            if instrument is not None:
                reports.append(
                    net_position_report(symbol_positions, instrument, self.account_id, ts_init)
                )
        return reports
