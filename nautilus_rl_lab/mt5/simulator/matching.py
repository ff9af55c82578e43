"""The simulated trade server's matching: `order_check` / `order_send` and tick-driven execution.

`TradeEngine` validates a request (`validation`), then executes it on the `Account`.
Market deals fill at the ask (BUY) or bid (SELL) of the current tick. On every tick, the
engine expires pending orders, triggers them (BUY_LIMIT when ask <= price, SELL_LIMIT when
bid >= price, BUY_STOP when ask >= price, SELL_STOP when bid <= price; stop-limits become
limits at `stoplimit`), fills limits at the order price or better and stops at the market
(in parts when `pending_fill_lots` limits the liquidity), then fires position SL/TP (BUY:
bid <= sl / bid >= tp; SELL: ask >= sl / ask <= tp) at the market price with deal reason
SL/TP, then stops out the account (margin level below `margin_so_so`) by closing the most
losing position.

Comments longer than `constants.MAX_COMMENT_LENGTH` never get here: the request parser
refuses them, as the module does (`trade_request`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.simulator.account import Account, Order, Position, opposite
from nautilus_rl_lab.mt5.simulator.faults import TRADE_FAULT_RETCODES, FaultInjector
from nautilus_rl_lab.mt5.simulator.symbols import (
    SymbolSpec,
    normalize_price,
    normalize_volume,
)
from nautilus_rl_lab.mt5.simulator.validation import (
    BUY_TYPES,
    STOP_LIMIT_TYPES,
    Plan,
    Reject,
    RequestValidator,
)
from nautilus_rl_lab.mt5.structures import OrderCheckResult, OrderSendResult, TradeRequest

logger = logging.getLogger(__name__)


class TradeEngine:
    """Validates and executes trade requests against an `Account` (caller holds the lock)."""

    def __init__(
        self,
        account: Account,
        *,
        quote: Callable[[str], tuple[float, float] | None],
        market_open: Callable[[str], bool],
        faults: FaultInjector,
        server_time: ServerTime | None = None,
        pending_fill_lots: float = 0.0,
    ) -> None:
        self.account = account
        self._validator = RequestValidator(
            account, quote=quote, market_open=market_open, server_time=server_time
        )
        self._pending_fill_lots = pending_fill_lots
        self._quote = quote
        self._faults = faults
        self._time = server_time or ServerTime()
        self._request_id = 0

    # --- public ----------------------------------------------------------------------
    def check(self, request: TradeRequest, now_ms: int) -> OrderCheckResult:
        """`order_check`: validate and report the account after the request."""
        account = self.account
        equity = account.equity()
        margin = account.margin()
        try:
            plan = self._validator.plan(request, now_ms)
        except Reject as reject:
            retcode = reject.retcode
            comment = reject.comment or mt5c.retcode_description(retcode)
            margin_after = margin
        else:
            retcode, comment = mt5c.ORDER_CHECK_RETCODE_OK, "Done"
            margin_after = round(margin + plan.added_margin, 2)
        return OrderCheckResult(
            retcode=retcode,
            balance=account.balance,
            equity=equity,
            profit=account.floating_profit(),
            margin=margin_after,
            margin_free=round(equity - margin_after, 2),
            margin_level=account.margin_level(equity, margin_after),
            comment=comment,
            request=request,
        )

    def send(self, request: TradeRequest, now_ms: int) -> OrderSendResult:
        """`order_send`: validate, execute, and answer like the trade server."""
        self._request_id += 1
        fault = self._faults.take_trade_fault()
        if fault is not None and fault != "timeout":
            logger.info("Injected fault %r answers order_send", fault)
            return self._result(request, TRADE_FAULT_RETCODES[fault])
        try:
            plan = self._validator.plan(request, now_ms)
            result = self._execute(plan, now_ms)
        except Reject as reject:
            return self._result(request, reject.retcode, comment=reject.comment)
        if fault == "timeout":
            logger.info("Injected fault 'timeout': request executed, reply says timeout")
            return self._result(request, mt5c.TRADE_RETCODE_TIMEOUT)
        return result

    def on_tick(self, symbol: str, now_ms: int) -> None:
        """Expire/trigger pending orders, fire SL/TP, then stop out if needed."""
        quote = self._quote(symbol)
        if quote is None:
            return
        bid, ask = quote
        for order in [o for o in self.account.orders.values() if o.symbol == symbol]:
            self._process_pending(order, bid, ask, now_ms)
        for position in [p for p in self.account.positions.values() if p.symbol == symbol]:
            self._process_stops(position, bid, ask, now_ms)
        self._stop_out(now_ms)

    # --- execution -------------------------------------------------------------------
    def _result(
        self,
        request: TradeRequest,
        retcode: int,
        *,
        deal: int = 0,
        order: int = 0,
        volume: float = 0.0,
        price: float = 0.0,
        comment: str = "",
    ) -> OrderSendResult:
        quote = self._quote(request.symbol) if request.symbol in self.account.specs else None
        bid, ask = quote if quote else (0.0, 0.0)
        return OrderSendResult(
            retcode=retcode,
            deal=deal,
            order=order,
            volume=volume,
            price=price,
            bid=bid,
            ask=ask,
            comment=comment or mt5c.retcode_description(retcode),
            request_id=self._request_id,
            retcode_external=0,
            request=request,
        )

    def _history_order(
        self,
        *,
        spec: SymbolSpec,
        side: int,
        volume: float,
        price: float,
        now_ms: int,
        magic: int,
        comment: str,
        reason: int,
        type_filling: int,
        order_type: int | None = None,
        ticket: int | None = None,
    ) -> Order:
        order = Order(
            ticket=ticket if ticket is not None else self.account.new_order_ticket(),
            symbol=spec.name,
            type=side if order_type is None else order_type,
            state=mt5c.ORDER_STATE_FILLED,
            volume_initial=volume,
            volume_current=0.0,
            price_open=price,
            price_current=price,
            time_setup_msc=now_ms,
            time_done_msc=now_ms,
            type_filling=type_filling,
            magic=magic,
            reason=reason,
            comment=comment,
        )
        self.account.history_orders.append(order)
        return order

    def _execute(self, plan: Plan, now_ms: int) -> OrderSendResult:
        request = plan.request
        action = request.action
        spec = plan.spec
        assert spec is not None
        comment = request.comment
        if action == mt5c.TRADE_ACTION_DEAL:
            order = self._history_order(
                spec=spec,
                side=plan.side,
                volume=plan.volume,
                price=plan.price,
                now_ms=now_ms,
                magic=request.magic,
                comment=comment,
                reason=mt5c.ORDER_REASON_EXPERT,
                type_filling=request.type_filling,
            )
            deal = self.account.execute(
                spec=spec,
                side=plan.side,
                volume=plan.volume,
                price=plan.price,
                order=order.ticket,
                time_msc=now_ms,
                magic=request.magic,
                comment=comment,
                position_ticket=request.position,
                sl=request.sl,
                tp=request.tp,
            )
            order.position_id = deal.position_id
            return self._result(
                request,
                mt5c.TRADE_RETCODE_DONE,
                deal=deal.ticket,
                order=order.ticket,
                volume=plan.volume,
                price=plan.price,
                comment="Request executed",
            )
        if action == mt5c.TRADE_ACTION_PENDING:
            order = Order(
                ticket=self.account.new_order_ticket(),
                symbol=spec.name,
                type=request.type,
                state=mt5c.ORDER_STATE_PLACED,
                volume_initial=plan.volume,
                volume_current=plan.volume,
                price_open=request.price,
                price_stoplimit=request.stoplimit if request.type in STOP_LIMIT_TYPES else 0.0,
                sl=request.sl,
                tp=request.tp,
                time_setup_msc=now_ms,
                type_time=request.type_time,
                type_filling=request.type_filling,
                time_expiration=self._validator.check_expiration(
                    request.type_time, request.expiration, now_ms
                ),
                magic=request.magic,
                comment=comment,
            )
            self.account.orders[order.ticket] = order
            return self._result(
                request,
                mt5c.TRADE_RETCODE_PLACED,
                order=order.ticket,
                volume=plan.volume,
                price=request.price,
                comment="Request executed",
            )
        if action == mt5c.TRADE_ACTION_SLTP:
            position = plan.position
            assert position is not None
            position.sl, position.tp = request.sl, request.tp
            position.time_update_msc = now_ms
            return self._result(request, mt5c.TRADE_RETCODE_DONE, comment="Request executed")
        if action == mt5c.TRADE_ACTION_MODIFY:
            pending = plan.order
            assert pending is not None
            pending.price_open = request.price
            pending.sl, pending.tp = request.sl, request.tp
            if pending.type in STOP_LIMIT_TYPES:
                pending.price_stoplimit = request.stoplimit
            pending.type_time = request.type_time
            pending.time_expiration = self._validator.check_expiration(
                request.type_time, request.expiration, now_ms
            )
            return self._result(
                request, mt5c.TRADE_RETCODE_DONE, order=pending.ticket, comment="Request executed"
            )
        if action == mt5c.TRADE_ACTION_REMOVE:
            pending = plan.order
            assert pending is not None
            self._finish_order(pending, mt5c.ORDER_STATE_CANCELED, now_ms)
            return self._result(
                request, mt5c.TRADE_RETCODE_DONE, order=pending.ticket, comment="Request executed"
            )
        position, position_by = plan.position, plan.position_by
        assert position is not None and position_by is not None
        order = self._history_order(
            spec=spec,
            side=mt5c.ORDER_TYPE_CLOSE_BY,
            volume=min(position.volume, position_by.volume),
            price=position_by.price_open,
            now_ms=now_ms,
            magic=request.magic,
            comment=comment,
            reason=mt5c.ORDER_REASON_EXPERT,
            type_filling=mt5c.ORDER_FILLING_FOK,
        )
        order.position_id, order.position_by_id = position.ticket, position_by.ticket
        first, _ = self.account.close_by(
            position=position,
            position_by=position_by,
            order=order.ticket,
            time_msc=now_ms,
            magic=request.magic,
            comment=comment,
        )
        return self._result(
            request,
            mt5c.TRADE_RETCODE_DONE,
            deal=first.ticket,
            order=order.ticket,
            volume=first.volume,
            price=first.price,
            comment="Request executed",
        )

    def _finish_order(self, order: Order, state: int, now_ms: int) -> None:
        order.state = state
        order.time_done_msc = now_ms
        self.account.orders.pop(order.ticket, None)
        self.account.history_orders.append(order)

    # --- tick processing -------------------------------------------------------------
    def _expired(self, order: Order, now_ms: int) -> bool:
        if order.time_expiration:
            return now_ms >= order.time_expiration * 1000
        if order.type_time == mt5c.ORDER_TIME_DAY:
            day_ms = 86_400_000
            setup_day = self._time.server_ms(order.time_setup_msc) // day_ms
            return self._time.server_ms(now_ms) // day_ms > setup_day
        return False

    def _process_pending(self, order: Order, bid: float, ask: float, now_ms: int) -> None:
        if self._expired(order, now_ms):
            self._finish_order(order, mt5c.ORDER_STATE_EXPIRED, now_ms)
            return
        kind = order.type
        price = order.price_open
        if kind in STOP_LIMIT_TYPES:
            buy = kind == mt5c.ORDER_TYPE_BUY_STOP_LIMIT
            if (ask >= price) if buy else (bid <= price):
                order.type = mt5c.ORDER_TYPE_BUY_LIMIT if buy else mt5c.ORDER_TYPE_SELL_LIMIT
                order.price_open = order.price_stoplimit
            return
        if kind == mt5c.ORDER_TYPE_BUY_LIMIT:
            fill = min(price, ask) if ask <= price else None
        elif kind == mt5c.ORDER_TYPE_SELL_LIMIT:
            fill = max(price, bid) if bid >= price else None
        elif kind == mt5c.ORDER_TYPE_BUY_STOP:
            fill = ask if ask >= price else None
        else:
            fill = bid if bid <= price else None
        if fill is None:
            return
        spec = self.account.specs[order.symbol]
        side = mt5c.ORDER_TYPE_BUY if kind in BUY_TYPES else mt5c.ORDER_TYPE_SELL
        volume = order.volume_current
        if self._pending_fill_lots and order.type_filling == mt5c.ORDER_FILLING_RETURN:
            volume = normalize_volume(spec, min(volume, self._pending_fill_lots))
        try:
            self._validator.check_margin(spec, side, volume, fill, 0)
        except Reject:
            logger.info("Pending order %d rejected on trigger: no money", order.ticket)
            self._finish_order(order, mt5c.ORDER_STATE_REJECTED, now_ms)
            return
        deal = self.account.execute(
            spec=spec,
            side=side,
            volume=volume,
            price=normalize_price(spec, fill),
            order=order.ticket,
            time_msc=now_ms,
            magic=order.magic,
            comment=order.comment,
            add_to=order.position_id if self.account.hedging else 0,
            sl=order.sl,
            tp=order.tp,
        )
        order.position_id = deal.position_id
        order.price_current = deal.price
        order.volume_current = normalize_volume(spec, order.volume_current - volume)
        if order.volume_current > 0:
            order.state = mt5c.ORDER_STATE_PARTIAL  # the rest waits for more liquidity
        else:
            self._finish_order(order, mt5c.ORDER_STATE_FILLED, now_ms)

    def _close_position(
        self, position: Position, price: float, now_ms: int, reason: int, comment: str
    ) -> None:
        spec = self.account.specs[position.symbol]
        side = opposite(position.type)
        order_reason = {
            mt5c.DEAL_REASON_SL: mt5c.ORDER_REASON_SL,
            mt5c.DEAL_REASON_TP: mt5c.ORDER_REASON_TP,
            mt5c.DEAL_REASON_SO: mt5c.ORDER_REASON_SO,
        }[reason]
        order = self._history_order(
            spec=spec,
            side=side,
            volume=position.volume,
            price=price,
            now_ms=now_ms,
            magic=position.magic,
            comment=comment,
            reason=order_reason,
            type_filling=mt5c.ORDER_FILLING_FOK,
        )
        order.position_id = position.identifier
        self.account.execute(
            spec=spec,
            side=side,
            volume=position.volume,
            price=price,
            order=order.ticket,
            time_msc=now_ms,
            magic=position.magic,
            comment=comment,
            reason=reason,
            position_ticket=position.ticket,
        )

    def _process_stops(self, position: Position, bid: float, ask: float, now_ms: int) -> None:
        buy = position.type == mt5c.POSITION_TYPE_BUY
        price = bid if buy else ask
        if position.sl and ((price <= position.sl) if buy else (price >= position.sl)):
            self._close_position(
                position, price, now_ms, mt5c.DEAL_REASON_SL, f"[sl {position.sl}]"
            )
        elif position.tp and ((price >= position.tp) if buy else (price <= position.tp)):
            self._close_position(
                position, price, now_ms, mt5c.DEAL_REASON_TP, f"[tp {position.tp}]"
            )

    def _stop_out(self, now_ms: int) -> None:
        account = self.account
        while account.positions:
            margin = account.margin()
            level = account.margin_level(account.equity(), margin)
            if margin <= 0 or level >= account.margin_so_so:
                return
            worst = min(account.positions.values(), key=account.position_profit)
            logger.warning(
                "Stop out at margin level %.2f%%: closing position %d", level, worst.ticket
            )
            self._close_position(
                worst,
                account.mark_price(worst),
                now_ms,
                mt5c.DEAL_REASON_SO,
                f"[so {level:.2f}%]",
            )
