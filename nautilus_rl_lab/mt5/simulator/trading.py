"""The simulated trade server: `order_check` / `order_send` and price-triggered execution.

Request checks, in order, with the retcode each failure returns:

1. an armed trade fault (see `faults`) answers first;
2. the symbol (or the position/order the request names) must exist — 10013 INVALID
   (10036 POSITION_CLOSED for an unknown `position`);
3. the symbol must be tradable (10017, close-only 10044, long-only 10042, short-only 10043)
   and its market open (10018), with a quote (10021);
4. the order type must suit the action (10035); the volume must be a multiple of
   `volume_step` in ``[volume_min, volume_max]`` (10014); a close volume may not exceed the
   position (10038);
5. the filling mode must be allowed by the symbol's `filling_mode` bitmask for market
   deals, RETURN is always accepted for pending orders (10030);
6. prices must lie on the tick grid (10015); pending prices on the right side of the market
   and at least `trade_stops_level` points away (else 10015, at least one point);
   instant-execution deals must be within `deviation` points of the market (else 10004);
7. SL/TP must be on the right side and at least `trade_stops_level` points from the price
   they are measured against (10016);
8. the free margin after the deal must stay >= 0 (10019).

Market deals fill at the ask (BUY) or bid (SELL) of the current tick. On every tick, the
engine expires pending orders, triggers them (BUY_LIMIT when ask <= price, SELL_LIMIT when
bid >= price, BUY_STOP when ask >= price, SELL_STOP when bid <= price; stop-limits become
limits at `stoplimit`), fills limits at the order price or better and stops at the market,
then fires position SL/TP (BUY: bid <= sl / bid >= tp; SELL: ask >= sl / ask <= tp) at the
market price with deal reason SL/TP, then stops out the account (margin level below
`margin_so_so`) by closing the most losing position.

Comments longer than 31 characters are truncated, as the trade server does.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nautilus_rl_lab.mt5 import constants as c
from nautilus_rl_lab.mt5.protocol import to_timestamp
from nautilus_rl_lab.mt5.simulator.account import (
    Account,
    Order,
    Position,
    opposite,
)
from nautilus_rl_lab.mt5.simulator.faults import (
    TRADE_FAULT_RETCODES,
    FaultInjector,
)
from nautilus_rl_lab.mt5.simulator.symbols import (
    SymbolSpec,
    normalize_price,
    normalize_volume,
    price_ok,
    volume_ok,
)
from nautilus_rl_lab.mt5.structures import (
    OrderCheckResult,
    OrderSendResult,
    TradeRequest,
)

logger = logging.getLogger(__name__)

MAX_COMMENT_LENGTH = 31

_INT_FIELDS = (
    "action",
    "magic",
    "order",
    "deviation",
    "type",
    "type_filling",
    "type_time",
    "position",
    "position_by",
)
_FLOAT_FIELDS = ("volume", "price", "stoplimit", "sl", "tp")
_STR_FIELDS = ("symbol", "comment")
_BUY_TYPES = frozenset(
    {c.ORDER_TYPE_BUY, c.ORDER_TYPE_BUY_LIMIT, c.ORDER_TYPE_BUY_STOP, c.ORDER_TYPE_BUY_STOP_LIMIT},
)
_PENDING_TYPES = frozenset(range(c.ORDER_TYPE_BUY_LIMIT, c.ORDER_TYPE_SELL_STOP_LIMIT + 1))
_STOP_LIMIT_TYPES = frozenset({c.ORDER_TYPE_BUY_STOP_LIMIT, c.ORDER_TYPE_SELL_STOP_LIMIT})
_ACTIONS = frozenset(
    {
        c.TRADE_ACTION_DEAL,
        c.TRADE_ACTION_PENDING,
        c.TRADE_ACTION_SLTP,
        c.TRADE_ACTION_MODIFY,
        c.TRADE_ACTION_REMOVE,
        c.TRADE_ACTION_CLOSE_BY,
    },
)


class InvalidRequestError(ValueError):
    """The request dict itself is malformed (the module returns None, last_error -2)."""


def parse_request(request: Any) -> TradeRequest:
    """Validate an `order_send`/`order_check` request dict into a `TradeRequest`."""
    if not isinstance(request, Mapping):
        raise InvalidRequestError("request must be a dict")
    unknown = set(request) - set(TradeRequest._fields)
    if unknown:
        raise InvalidRequestError(f"unknown request field(s) {sorted(unknown)}")
    if "action" not in request:
        raise InvalidRequestError('Invalid "action" argument')
    values: dict[str, Any] = {}
    try:
        for name in _INT_FIELDS:
            if name in request:
                values[name] = int(request[name])
        for name in _FLOAT_FIELDS:
            if name in request:
                values[name] = float(request[name])
        for name in _STR_FIELDS:
            if name in request:
                values[name] = str(request[name])
        if "expiration" in request:
            expiration = request["expiration"]
            values["expiration"] = (
                int(to_timestamp(expiration))
                if isinstance(expiration, datetime)
                else int(expiration)
            )
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"Invalid argument: {exc}") from exc
    for name in _FLOAT_FIELDS:
        if not math.isfinite(values.get(name, 0.0)):
            raise InvalidRequestError(f'Invalid "{name}" argument')
    return TradeRequest(**values)


@dataclass
class _Reject(Exception):
    retcode: int
    comment: str = ""


@dataclass
class _Plan:
    """What a valid request will do."""

    request: TradeRequest
    spec: SymbolSpec | None = None
    side: int = 0
    volume: float = 0.0
    price: float = 0.0
    position: Position | None = None
    position_by: Position | None = None
    order: Order | None = None
    added_margin: float = 0.0


class TradeEngine:
    """Validates and executes trade requests against an `Account` (caller holds the lock)."""

    def __init__(
        self,
        account: Account,
        *,
        quote: Callable[[str], tuple[float, float] | None],
        market_open: Callable[[str], bool],
        faults: FaultInjector,
        offset_ms: int = 0,
        pending_fill_lots: float = 0.0,
    ) -> None:
        self.account = account
        self._pending_fill_lots = pending_fill_lots
        self._quote = quote
        self._market_open = market_open
        self._faults = faults
        self._offset_ms = offset_ms
        self._request_id = 0

    # --- public ----------------------------------------------------------------------
    def check(self, request: TradeRequest, now_ms: int) -> OrderCheckResult:
        """`order_check`: validate and report the account after the request."""
        account = self.account
        equity = account.equity()
        margin = account.margin()
        try:
            plan = self._plan(request, now_ms)
        except _Reject as reject:
            retcode = reject.retcode
            comment = reject.comment or c.retcode_description(retcode)
            margin_after = margin
        else:
            retcode, comment = c.ORDER_CHECK_RETCODE_OK, "Done"
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
            plan = self._plan(request, now_ms)
            result = self._execute(plan, now_ms)
        except _Reject as reject:
            return self._result(request, reject.retcode, comment=reject.comment)
        if fault == "timeout":
            logger.info("Injected fault 'timeout': request executed, reply says timeout")
            return self._result(request, c.TRADE_RETCODE_TIMEOUT)
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

    # --- planning (validation) -------------------------------------------------------
    def _plan(self, request: TradeRequest, now_ms: int) -> _Plan:
        action = request.action
        if action not in _ACTIONS:
            raise _Reject(c.TRADE_RETCODE_INVALID, "Unsupported trade action")
        if action == c.TRADE_ACTION_DEAL:
            return self._plan_deal(request)
        if action == c.TRADE_ACTION_PENDING:
            return self._plan_pending(request, now_ms)
        if action == c.TRADE_ACTION_SLTP:
            return self._plan_sltp(request)
        if action == c.TRADE_ACTION_MODIFY:
            return self._plan_modify(request, now_ms)
        if action == c.TRADE_ACTION_REMOVE:
            return self._plan_remove(request)
        return self._plan_close_by(request)

    def _spec(self, symbol: str) -> SymbolSpec:
        spec = self.account.specs.get(symbol)
        if spec is None:
            raise _Reject(c.TRADE_RETCODE_INVALID, f"Unknown symbol {symbol!r}")
        return spec

    def _market(self, spec: SymbolSpec) -> tuple[float, float]:
        if not self._market_open(spec.name):
            raise _Reject(c.TRADE_RETCODE_MARKET_CLOSED)
        quote = self._quote(spec.name)
        if quote is None or not quote[0]:
            raise _Reject(c.TRADE_RETCODE_PRICE_OFF)
        return quote

    def _position(self, ticket: int) -> Position:
        position = self.account.positions.get(ticket)
        if position is None:
            raise _Reject(c.TRADE_RETCODE_POSITION_CLOSED, f"Position {ticket} not found")
        return position

    def _check_trade_mode(self, spec: SymbolSpec, side: int, opening: bool) -> None:
        mode = spec.trade_mode
        if mode == c.SYMBOL_TRADE_MODE_DISABLED:
            raise _Reject(c.TRADE_RETCODE_TRADE_DISABLED)
        if opening and mode == c.SYMBOL_TRADE_MODE_CLOSEONLY:
            raise _Reject(c.TRADE_RETCODE_CLOSE_ONLY)
        if opening and mode == c.SYMBOL_TRADE_MODE_LONGONLY and side == c.ORDER_TYPE_SELL:
            raise _Reject(c.TRADE_RETCODE_LONG_ONLY)
        if opening and mode == c.SYMBOL_TRADE_MODE_SHORTONLY and side == c.ORDER_TYPE_BUY:
            raise _Reject(c.TRADE_RETCODE_SHORT_ONLY)

    @staticmethod
    def _check_filling(spec: SymbolSpec, type_filling: int, *, pending: bool) -> None:
        """FOK/IOC need their `filling_mode` bit; RETURN suits pending orders, and market
        deals only on exchange execution or symbols without FOK/IOC; BOC pending only."""
        mask = spec.filling_mode
        if type_filling == c.ORDER_FILLING_FOK:
            ok = bool(mask & c.SYMBOL_FILLING_FOK)
        elif type_filling == c.ORDER_FILLING_IOC:
            ok = bool(mask & c.SYMBOL_FILLING_IOC)
        elif type_filling == c.ORDER_FILLING_RETURN:
            ok = (
                pending
                or spec.trade_exemode == c.SYMBOL_TRADE_EXECUTION_EXCHANGE
                or not (mask & (c.SYMBOL_FILLING_FOK | c.SYMBOL_FILLING_IOC))
            )
        elif type_filling == c.ORDER_FILLING_BOC:
            ok = pending and bool(mask & c.SYMBOL_FILLING_BOC)
        else:
            ok = False
        if not ok:
            raise _Reject(
                c.TRADE_RETCODE_INVALID_FILL,
                f"Unsupported filling mode {type_filling} (symbol filling_mode {mask})",
            )

    @staticmethod
    def _check_volume(spec: SymbolSpec, volume: float) -> float:
        if not volume_ok(spec, volume):
            raise _Reject(
                c.TRADE_RETCODE_INVALID_VOLUME,
                f"Invalid volume {volume}: use a multiple of {spec.volume_step} "
                f"in [{spec.volume_min}, {spec.volume_max}]",
            )
        return normalize_volume(spec, volume)

    @staticmethod
    def _check_stops(spec: SymbolSpec, side: int, reference: float, sl: float, tp: float) -> None:
        """SL/TP of a BUY (SELL) measured from `reference`: sl below (above), tp above (below)."""
        distance = max(int(spec.stops_level or 0), 0) * spec.point
        for level in (sl, tp):
            if level and not price_ok(spec, level):
                raise _Reject(c.TRADE_RETCODE_INVALID_STOPS, f"Stop {level} is off the tick grid")
        tolerance = spec.point * 1e-3
        sign = 1.0 if side == c.ORDER_TYPE_BUY else -1.0
        if sl and sign * (reference - sl) < max(distance, spec.point) - tolerance:
            raise _Reject(c.TRADE_RETCODE_INVALID_STOPS, f"Invalid SL {sl} for price {reference}")
        if tp and sign * (tp - reference) < max(distance, spec.point) - tolerance:
            raise _Reject(c.TRADE_RETCODE_INVALID_STOPS, f"Invalid TP {tp} for price {reference}")

    def _check_margin(
        self, spec: SymbolSpec, side: int, volume: float, price: float, ticket: int
    ) -> float:
        account = self.account
        added = account.added_margin(spec, side, volume, price, ticket)
        commission = account.commission_per_lot * volume
        free_after = account.equity() - account.margin() - added - commission
        if added > 0 and free_after < 0:
            raise _Reject(
                c.TRADE_RETCODE_NO_MONEY,
                f"No money: margin {added:.2f} needed, free margin {account.equity() - account.margin():.2f}",
            )
        return added

    def _plan_deal(self, request: TradeRequest) -> _Plan:
        position = self._position(request.position) if request.position else None
        symbol = request.symbol or (position.symbol if position else "")
        spec = self._spec(symbol)
        if request.type not in (c.ORDER_TYPE_BUY, c.ORDER_TYPE_SELL):
            raise _Reject(
                c.TRADE_RETCODE_INVALID_ORDER, "A deal must be ORDER_TYPE_BUY or ORDER_TYPE_SELL"
            )
        side = request.type
        if position is not None:
            if position.symbol != spec.name:
                raise _Reject(c.TRADE_RETCODE_INVALID, "Position belongs to another symbol")
            if position.type == side:
                raise _Reject(c.TRADE_RETCODE_INVALID, "A close must be opposite to the position")
        existing = None if self.account.hedging else self.account.netting_position(spec.name)
        opening = position is None and (
            existing is None or existing.type == side or request.volume > existing.volume
        )
        self._check_trade_mode(spec, side, opening)
        bid, ask = self._market(spec)
        volume = self._check_volume(spec, request.volume)
        if position is not None and volume > position.volume + spec.volume_step * 1e-6:
            raise _Reject(c.TRADE_RETCODE_INVALID_CLOSE_VOLUME)
        self._check_filling(spec, request.type_filling, pending=False)
        market_price = ask if side == c.ORDER_TYPE_BUY else bid
        if spec.trade_exemode in (
            c.SYMBOL_TRADE_EXECUTION_INSTANT,
            c.SYMBOL_TRADE_EXECUTION_REQUEST,
        ):
            if not price_ok(spec, request.price):
                raise _Reject(c.TRADE_RETCODE_INVALID_PRICE)
            if (
                abs(request.price - market_price)
                > request.deviation * spec.point + spec.point * 1e-3
            ):
                raise _Reject(c.TRADE_RETCODE_REQUOTE)
        elif request.price and not price_ok(spec, request.price):
            raise _Reject(c.TRADE_RETCODE_INVALID_PRICE)
        if position is None and (request.sl or request.tp):
            self._check_stops(
                spec, side, bid if side == c.ORDER_TYPE_BUY else ask, request.sl, request.tp
            )
        added = self._check_margin(spec, side, volume, market_price, request.position)
        return _Plan(
            request=request,
            spec=spec,
            side=side,
            volume=volume,
            price=market_price,
            position=position,
            added_margin=added,
        )

    def _check_pending_prices(
        self,
        spec: SymbolSpec,
        order_type: int,
        price: float,
        stoplimit: float,
        bid: float,
        ask: float,
    ) -> None:
        if not price_ok(spec, price):
            raise _Reject(c.TRADE_RETCODE_INVALID_PRICE, f"Invalid price {price}")
        distance = max(int(spec.stops_level or 0) * spec.point, spec.point) - spec.point * 1e-3
        if order_type == c.ORDER_TYPE_BUY_LIMIT:
            ok = ask - price >= distance
        elif order_type == c.ORDER_TYPE_SELL_LIMIT:
            ok = price - bid >= distance
        elif order_type in (c.ORDER_TYPE_BUY_STOP, c.ORDER_TYPE_BUY_STOP_LIMIT):
            ok = price - ask >= distance
        else:
            ok = bid - price >= distance
        if ok and order_type in _STOP_LIMIT_TYPES:
            buy = order_type == c.ORDER_TYPE_BUY_STOP_LIMIT
            ok = price_ok(spec, stoplimit) and (stoplimit <= price if buy else stoplimit >= price)
        if not ok:
            raise _Reject(
                c.TRADE_RETCODE_INVALID_PRICE,
                f"Invalid price {price} for order type {order_type} at bid {bid} / ask {ask}",
            )

    def _check_expiration(self, type_time: int, expiration: int, now_ms: int) -> int:
        """Return the expiration in UTC seconds (0: none)."""
        if type_time in (c.ORDER_TIME_GTC, c.ORDER_TIME_DAY):
            return 0
        if type_time not in (c.ORDER_TIME_SPECIFIED, c.ORDER_TIME_SPECIFIED_DAY):
            raise _Reject(c.TRADE_RETCODE_INVALID_EXPIRATION, f"Unknown type_time {type_time}")
        expiration_utc = expiration - self._offset_ms // 1000
        if expiration_utc * 1000 <= now_ms:
            raise _Reject(c.TRADE_RETCODE_INVALID_EXPIRATION)
        return expiration_utc

    def _plan_pending(self, request: TradeRequest, now_ms: int) -> _Plan:
        spec = self._spec(request.symbol)
        if request.type not in _PENDING_TYPES:
            raise _Reject(
                c.TRADE_RETCODE_INVALID_ORDER,
                "A pending order must be a limit, stop or stop-limit type",
            )
        side = c.ORDER_TYPE_BUY if request.type in _BUY_TYPES else c.ORDER_TYPE_SELL
        self._check_trade_mode(spec, side, opening=True)
        bid, ask = self._market(spec)
        volume = self._check_volume(spec, request.volume)
        self._check_filling(spec, request.type_filling, pending=True)
        self._check_pending_prices(spec, request.type, request.price, request.stoplimit, bid, ask)
        entry = request.stoplimit if request.type in _STOP_LIMIT_TYPES else request.price
        self._check_stops(spec, side, entry, request.sl, request.tp)
        self._check_expiration(request.type_time, request.expiration, now_ms)
        return _Plan(request=request, spec=spec, side=side, volume=volume, price=request.price)

    def _netting_or_ticket(self, request: TradeRequest) -> Position:
        if request.position:
            return self._position(request.position)
        if not self.account.hedging and request.symbol:
            position = self.account.netting_position(request.symbol)
            if position is not None:
                return position
            raise _Reject(c.TRADE_RETCODE_POSITION_CLOSED, f"No position on {request.symbol}")
        raise _Reject(c.TRADE_RETCODE_INVALID, "Name the position with `position=<ticket>`")

    def _plan_sltp(self, request: TradeRequest) -> _Plan:
        position = self._netting_or_ticket(request)
        spec = self._spec(position.symbol)
        self._check_trade_mode(spec, position.type, opening=False)
        bid, ask = self._market(spec)
        if (request.sl, request.tp) == (position.sl, position.tp):
            raise _Reject(c.TRADE_RETCODE_NO_CHANGES)
        reference = bid if position.type == c.POSITION_TYPE_BUY else ask
        self._check_stops(spec, position.type, reference, request.sl, request.tp)
        return _Plan(request=request, spec=spec, position=position)

    def _active_order(self, ticket: int) -> Order:
        order = self.account.orders.get(ticket)
        if order is None:
            raise _Reject(c.TRADE_RETCODE_INVALID, f"Order {ticket} not found")
        return order

    def _plan_modify(self, request: TradeRequest, now_ms: int) -> _Plan:
        order = self._active_order(request.order)
        spec = self._spec(order.symbol)
        bid, ask = self._market(spec)
        stoplimit = request.stoplimit if order.type in _STOP_LIMIT_TYPES else 0.0
        new = (request.price, request.sl, request.tp, stoplimit, request.type_time)
        old = (order.price_open, order.sl, order.tp, order.price_stoplimit, order.type_time)
        expiration = self._check_expiration(request.type_time, request.expiration, now_ms)
        if new == old and expiration == order.time_expiration:
            raise _Reject(c.TRADE_RETCODE_NO_CHANGES)
        self._check_pending_prices(spec, order.type, request.price, stoplimit, bid, ask)
        side = c.ORDER_TYPE_BUY if order.type in _BUY_TYPES else c.ORDER_TYPE_SELL
        entry = stoplimit if order.type in _STOP_LIMIT_TYPES else request.price
        self._check_stops(spec, side, entry, request.sl, request.tp)
        return _Plan(request=request, spec=spec, order=order, side=side)

    def _plan_remove(self, request: TradeRequest) -> _Plan:
        order = self._active_order(request.order)
        spec = self._spec(order.symbol)
        self._market(spec)
        return _Plan(request=request, spec=spec, order=order)

    def _plan_close_by(self, request: TradeRequest) -> _Plan:
        if not self.account.hedging:
            raise _Reject(c.TRADE_RETCODE_INVALID, "Close by is available on hedging accounts only")
        position = self._position(request.position)
        position_by = self._position(request.position_by)
        if position.symbol != position_by.symbol or position.type == position_by.type:
            raise _Reject(
                c.TRADE_RETCODE_INVALID,
                "Close by needs two opposite positions on the same symbol",
            )
        spec = self._spec(position.symbol)
        self._market(spec)
        return _Plan(request=request, spec=spec, position=position, position_by=position_by)

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
            comment=comment or c.retcode_description(retcode),
            request_id=self._request_id,
            retcode_external=0,
            request=request,
        )

    @staticmethod
    def _comment(request: TradeRequest) -> str:
        return request.comment[:MAX_COMMENT_LENGTH]

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
            state=c.ORDER_STATE_FILLED,
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

    def _execute(self, plan: _Plan, now_ms: int) -> OrderSendResult:
        request = plan.request
        action = request.action
        spec = plan.spec
        assert spec is not None
        comment = self._comment(request)
        if action == c.TRADE_ACTION_DEAL:
            order = self._history_order(
                spec=spec,
                side=plan.side,
                volume=plan.volume,
                price=plan.price,
                now_ms=now_ms,
                magic=request.magic,
                comment=comment,
                reason=c.ORDER_REASON_EXPERT,
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
                c.TRADE_RETCODE_DONE,
                deal=deal.ticket,
                order=order.ticket,
                volume=plan.volume,
                price=plan.price,
                comment="Request executed",
            )
        if action == c.TRADE_ACTION_PENDING:
            order = Order(
                ticket=self.account.new_order_ticket(),
                symbol=spec.name,
                type=request.type,
                state=c.ORDER_STATE_PLACED,
                volume_initial=plan.volume,
                volume_current=plan.volume,
                price_open=request.price,
                price_stoplimit=request.stoplimit if request.type in _STOP_LIMIT_TYPES else 0.0,
                sl=request.sl,
                tp=request.tp,
                time_setup_msc=now_ms,
                type_time=request.type_time,
                type_filling=request.type_filling,
                time_expiration=self._check_expiration(
                    request.type_time, request.expiration, now_ms
                ),
                magic=request.magic,
                comment=comment,
            )
            self.account.orders[order.ticket] = order
            return self._result(
                request,
                c.TRADE_RETCODE_PLACED,
                order=order.ticket,
                volume=plan.volume,
                price=request.price,
                comment="Request executed",
            )
        if action == c.TRADE_ACTION_SLTP:
            position = plan.position
            assert position is not None
            position.sl, position.tp = request.sl, request.tp
            position.time_update_msc = now_ms
            return self._result(request, c.TRADE_RETCODE_DONE, comment="Request executed")
        if action == c.TRADE_ACTION_MODIFY:
            pending = plan.order
            assert pending is not None
            pending.price_open = request.price
            pending.sl, pending.tp = request.sl, request.tp
            if pending.type in _STOP_LIMIT_TYPES:
                pending.price_stoplimit = request.stoplimit
            pending.type_time = request.type_time
            pending.time_expiration = self._check_expiration(
                request.type_time, request.expiration, now_ms
            )
            return self._result(
                request, c.TRADE_RETCODE_DONE, order=pending.ticket, comment="Request executed"
            )
        if action == c.TRADE_ACTION_REMOVE:
            pending = plan.order
            assert pending is not None
            self._finish_order(pending, c.ORDER_STATE_CANCELED, now_ms)
            return self._result(
                request, c.TRADE_RETCODE_DONE, order=pending.ticket, comment="Request executed"
            )
        position, position_by = plan.position, plan.position_by
        assert position is not None and position_by is not None
        order = self._history_order(
            spec=spec,
            side=c.ORDER_TYPE_CLOSE_BY,
            volume=min(position.volume, position_by.volume),
            price=position_by.price_open,
            now_ms=now_ms,
            magic=request.magic,
            comment=comment,
            reason=c.ORDER_REASON_EXPERT,
            type_filling=c.ORDER_FILLING_FOK,
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
            c.TRADE_RETCODE_DONE,
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
        if order.type_time == c.ORDER_TIME_DAY:
            day_ms = 86_400_000
            setup_day = (order.time_setup_msc + self._offset_ms) // day_ms
            return (now_ms + self._offset_ms) // day_ms > setup_day
        return False

    def _process_pending(self, order: Order, bid: float, ask: float, now_ms: int) -> None:
        if self._expired(order, now_ms):
            self._finish_order(order, c.ORDER_STATE_EXPIRED, now_ms)
            return
        kind = order.type
        price = order.price_open
        if kind in _STOP_LIMIT_TYPES:
            buy = kind == c.ORDER_TYPE_BUY_STOP_LIMIT
            if (ask >= price) if buy else (bid <= price):
                order.type = c.ORDER_TYPE_BUY_LIMIT if buy else c.ORDER_TYPE_SELL_LIMIT
                order.price_open = order.price_stoplimit
            return
        if kind == c.ORDER_TYPE_BUY_LIMIT:
            fill = min(price, ask) if ask <= price else None
        elif kind == c.ORDER_TYPE_SELL_LIMIT:
            fill = max(price, bid) if bid >= price else None
        elif kind == c.ORDER_TYPE_BUY_STOP:
            fill = ask if ask >= price else None
        else:
            fill = bid if bid <= price else None
        if fill is None:
            return
        spec = self.account.specs[order.symbol]
        side = c.ORDER_TYPE_BUY if kind in _BUY_TYPES else c.ORDER_TYPE_SELL
        volume = order.volume_current
        if self._pending_fill_lots and order.type_filling == c.ORDER_FILLING_RETURN:
            volume = normalize_volume(spec, min(volume, self._pending_fill_lots))
        try:
            self._check_margin(spec, side, volume, fill, 0)
        except _Reject:
            logger.info("Pending order %d rejected on trigger: no money", order.ticket)
            self._finish_order(order, c.ORDER_STATE_REJECTED, now_ms)
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
            order.state = c.ORDER_STATE_PARTIAL  # the rest waits for more liquidity
        else:
            self._finish_order(order, c.ORDER_STATE_FILLED, now_ms)

    def _close_position(
        self, position: Position, price: float, now_ms: int, reason: int, comment: str
    ) -> None:
        spec = self.account.specs[position.symbol]
        side = opposite(position.type)
        order_reason = {
            c.DEAL_REASON_SL: c.ORDER_REASON_SL,
            c.DEAL_REASON_TP: c.ORDER_REASON_TP,
            c.DEAL_REASON_SO: c.ORDER_REASON_SO,
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
            type_filling=c.ORDER_FILLING_FOK,
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
        buy = position.type == c.POSITION_TYPE_BUY
        price = bid if buy else ask
        if position.sl and ((price <= position.sl) if buy else (price >= position.sl)):
            self._close_position(position, price, now_ms, c.DEAL_REASON_SL, f"[sl {position.sl}]")
        elif position.tp and ((price >= position.tp) if buy else (price <= position.tp)):
            self._close_position(position, price, now_ms, c.DEAL_REASON_TP, f"[tp {position.tp}]")

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
                c.DEAL_REASON_SO,
                f"[so {level:.2f}%]",
            )
