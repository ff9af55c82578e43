"""`Mt5OrderSubmission`: new orders, cancels and modifies through `order_send`.

Decisions:

- `order_send` outcomes, one named handler each (`_outcome_handler`): DONE → accepted +
  one `OrderFilled` per deal; PLACED → accepted (the poll then reports fills, cancels and
  expiries); requote / price changed / off quotes → resent with a fresh price at most
  ``max_price_retries`` times; timeout / no connection / too many requests / a lost link →
  the order is searched in the terminal (open orders, then history, by our magic and the
  client order id in the comment) after reconnecting, ``unknown_outcome_checks`` times with
  backoff; only when it is provably absent is it resent (once) — never blindly. Other
  retcodes → `OrderRejected` whose reason is ``"MT5 <retcode> <NAME>: <terminal comment>"``.
- New orders go to the terminal one at a time, in the order Nautilus submitted them (a lock
  over sending and resolving each): a flip's reduce-only close (`parsing.requests.
  reduce_only_ticket` reads the position first) always precedes its open, and a requote burst
  is one order's, not shared between orders sent in the same loop turn.
- Order lists: without contingencies every order goes out on its own; a protected OTO list
  is `Mt5ProtectiveLegs`' (its parent is sent here first); any other contingent list is
  rejected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nautilus_rl_lab.adapters.metatrader5.connection import Mt5ConnectionLost
from nautilus_rl_lab.adapters.metatrader5.core import MT5_VENUE
from nautilus_rl_lab.adapters.metatrader5.execution_core import DAY_SECS
from nautilus_rl_lab.adapters.metatrader5.execution_protection import Mt5ProtectiveLegs
from nautilus_rl_lab.adapters.metatrader5.parsing import (
    SendOutcome,
    UnsupportedOrderError,
    cancel_request,
    comment_matches,
    modify_request,
    order_to_request,
    parse_leg,
    protected_list,
    reduce_only_ticket,
    symbol_from_instrument_id,
    units_to_lots,
)
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.structures import OrderSendResult, SymbolInfo, TradeDeal, TradeOrder
from nautilus_rl_lab.nt.live import (
    BatchCancelOrders,
    CancelAllOrders,
    CancelOrder,
    ModifyOrder,
    SubmitOrder,
    SubmitOrderList,
)
from nautilus_rl_lab.nt.model import (
    ClientOrderId,
    ContingencyType,
    Instrument,
    Order,
    OrderSide,
    OrderType,
    PositionId,
    VenueOrderId,
)


@dataclass
class _Sending:
    """One new order on its way to the terminal, with what its resends have used up."""

    order: Order
    instrument: Instrument
    symbol: SymbolInfo
    params: dict[str, Any] = field(default_factory=dict)
    position_ticket: int | None = None
    price_retries: int = 0
    resent: bool = False


#: Settles one `order_send` outcome of a `_Sending`; returns whether to send it again.
_OutcomeHandler = Callable[[_Sending, OrderSendResult | None, SendOutcome], Awaitable[bool]]


class Mt5OrderSubmission(Mt5ProtectiveLegs):
    """Submit, cancel and modify orders; settle each `order_send` outcome."""

    async def _submit_order_list(self, command: SubmitOrderList) -> None:
        orders = self.orders_of_list(command)
        params, position_id = command.params or {}, command.position_id
        if all(o.contingency_type == ContingencyType.NO_CONTINGENCY for o in orders):
            for order in orders:
                await self._submit(order, params, position_id)
            return
        try:
            parent, legs = protected_list(orders)
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
            await self._submit(parent, params, position_id)
            async with self._stops_lock:
                await self._attach_legs(parent, legs)
        finally:
            self._inflight -= 1
            for child in children:
                self._resolving.discard(child.client_order_id)

    async def _submit_order(self, command: SubmitOrder) -> None:
        await self._submit(command.order, command.params or {}, command.position_id)

    async def _submit(self, order: Order, params: dict, position_id: PositionId | None) -> None:
        """Send one new order (its command's `params` and `position_id`) to the terminal."""
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
                await self._send_new_order(order, instrument, symbol, params, position_id)
        finally:
            self._resolving.discard(order.client_order_id)
            self._inflight -= 1

    async def _send_new_order(
        self,
        order: Order,
        instrument: Instrument,
        symbol: SymbolInfo,
        params: dict,
        position_id: PositionId | None,
    ) -> None:
        """Send a new order until one outcome handler settles it (see `_outcome_handler`)."""
        sending = _Sending(order, instrument, symbol, params)
        if not await self._find_position_ticket(position_id, sending):
            return
        resend = True
        while resend:
            request = await self._new_order_request(sending)
            if request is None:
                return
            result, outcome = await self._order_send(request)
            self._log.debug(f"order_send {request} -> {outcome}")
            resend = await self._outcome_handler(outcome.kind)(sending, result, outcome)

    async def _find_position_ticket(
        self, position_id: PositionId | None, sending: _Sending
    ) -> bool:
        """Set the position a closing order names; False when the order was rejected."""
        order = sending.order
        if self._hedging and position_id is not None and position_id.value.isdigit():
            sending.position_ticket = int(position_id.value)
        elif order.is_reduce_only:
            symbol = sending.symbol
            positions = await self._call("positions_get", symbol=symbol.name) or ()
            volume = units_to_lots(order.quantity.as_decimal(), symbol.trade_contract_size)
            try:
                sending.position_ticket = reduce_only_ticket(
                    order.side, volume, positions, hedging=self._hedging
                )
            except UnsupportedOrderError as e:
                self._reject(order, str(e))
                return False
        return True

    async def _new_order_request(self, sending: _Sending) -> dict[str, Any] | None:
        """The `order_send` request at a fresh price; None when the order was rejected."""
        order = sending.order
        tick = None
        if order.order_type == OrderType.MARKET:
            tick = await self._call("symbol_info_tick", sending.symbol.name)
        try:
            return order_to_request(
                order,
                sending.symbol,
                magic=self._magic,
                tick=tick,
                deviation=self._mt5_config.deviation_points,
                position_ticket=sending.position_ticket,
                sl=sending.params.get("sl"),
                tp=sending.params.get("tp"),
                server_time=self._time,
            )
        except UnsupportedOrderError as e:
            self._reject(order, str(e))
            return None

    def _outcome_handler(self, kind: str) -> _OutcomeHandler:
        """The handler of one `order_send` outcome kind; it returns whether to resend."""
        handlers: dict[str, _OutcomeHandler] = {
            "filled": self._on_filled,
            "partially_filled": self._on_filled,
            "placed": self._on_placed,
            "retry_price": self._on_price_changed,
            "unknown": self._on_unknown,
        }
        return handlers.get(kind, self._on_refused)

    async def _on_filled(
        self, sending: _Sending, result: OrderSendResult | None, outcome: SendOutcome
    ) -> bool:
        """DONE (or DONE_PARTIAL): accepted and filled by its deals; an IOC/FOK rest is gone."""
        order = sending.order
        assert result is not None  # a retcode came back
        await self._on_done(order, sending.instrument, result)
        if outcome.kind == "partially_filled" and order.is_open:
            self.emit_order_canceled(order, VenueOrderId(str(result.order)))
        return False

    async def _on_placed(
        self, sending: _Sending, result: OrderSendResult | None, outcome: SendOutcome
    ) -> bool:
        """PLACED: accepted; the poll reports its fills, cancel or expiry."""
        assert result is not None
        self._accept(sending.order, result.order)
        return False

    async def _on_price_changed(
        self, sending: _Sending, result: OrderSendResult | None, outcome: SendOutcome
    ) -> bool:
        """Requote / price changed / off quotes: resend at a fresh price, a bounded number of times."""
        if sending.price_retries >= self._mt5_config.max_price_retries:
            return await self._on_refused(sending, result, outcome)
        sending.price_retries += 1
        self._log.info(
            f"{outcome.reason}; resending {sending.order.client_order_id!r} at a fresh price"
        )
        return True

    async def _on_unknown(
        self, sending: _Sending, result: OrderSendResult | None, outcome: SendOutcome
    ) -> bool:
        """Timeout / lost link: search the terminal; resend once only if provably absent."""
        order = sending.order
        if await self._resolve_unknown(order, sending.instrument, outcome):
            return False
        if not sending.resent and self.connection.is_initialized:
            sending.resent = True
            self._log.warning(
                f"{order.client_order_id!r} not found at the terminal after "
                f"{outcome.reason}; resending once",
            )
            return True
        self._reject(order, f"{outcome.reason} (not found at the terminal after checking)")
        return False

    async def _on_refused(
        self, sending: _Sending, result: OrderSendResult | None, outcome: SendOutcome
    ) -> bool:
        """Any other retcode: `OrderRejected` with the terminal's reason."""
        self._reject(sending.order, outcome.reason)
        return False

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
        history = await self.connection.call(
            "history_orders_get", now - 7 * DAY_SECS, now + DAY_SECS
        )
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
            emit = (
                self.emit_order_expired
                if state == mt5c.ORDER_STATE_EXPIRED
                else self.emit_order_canceled
            )
            emit(order, VenueOrderId(str(mt5_order.ticket)))
        await self._update_account_state()

    # -- cancel / modify -----------------------------------------------------------------

    def _command_target(
        self,
        client_order_id: ClientOrderId,
        venue_order_id: VenueOrderId | None,
        emit_rejected: Callable[[Order, VenueOrderId | None, str], None],
    ) -> tuple[Order, VenueOrderId, Callable[[str], None]] | None:
        """The open order a cancel/modify targets, with its venue order id and a
        ``reject(reason)`` that emits `emit_rejected` for it.

        None when there is nothing to do: the order is unknown or closed, or it has no MT5
        ticket yet (then it is rejected here).
        """
        order = self._cache.order(client_order_id)
        if order is None or order.is_closed:
            return None
        venue_order_id = venue_order_id or order.venue_order_id

        def reject(reason: str) -> None:
            emit_rejected(order, venue_order_id, reason)

        if venue_order_id is None:
            reject("order has no MT5 ticket yet")
            return None
        return order, venue_order_id, reject

    async def _cancel_order(self, command: CancelOrder) -> None:
        await self._cancel(command.client_order_id, command.venue_order_id)

    async def _cancel(
        self, client_order_id: ClientOrderId, venue_order_id: VenueOrderId | None
    ) -> None:
        """Cancel an open order (a pending MT5 order, or a leg's sl/tp on its position)."""
        target = self._command_target(
            client_order_id, venue_order_id, self.emit_order_cancel_rejected
        )
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
            self.emit_order_canceled(order, venue_order_id)
            return
        # Not canceled: find out what the order is now (it may have filled meanwhile).
        if outcome.kind == "unknown" and not self.connection.is_initialized:
            await self._reconnect()
        history = await self._call("history_orders_get", ticket=ticket)
        if history:
            instrument = self._order_instrument(order)
            await self._apply_terminal_order(order, instrument, history[0])
            if order.is_closed or history[0].state == mt5c.ORDER_STATE_CANCELED:
                return
        reject(outcome.reason)

    async def _cancel_all_orders(self, command: CancelAllOrders) -> None:
        for order in self._cache.orders_open(venue=MT5_VENUE, instrument_id=command.instrument_id):
            if command.order_side not in (None, OrderSide.NO_ORDER_SIDE, order.side):
                continue
            await self._cancel(order.client_order_id, order.venue_order_id)

    async def _batch_cancel_orders(self, command: BatchCancelOrders) -> None:
        for cancel in command.cancels:
            await self._cancel_order(cancel)

    async def _modify_order(self, command: ModifyOrder) -> None:
        target = self._command_target(
            command.client_order_id, command.venue_order_id, self.emit_order_modify_rejected
        )
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
