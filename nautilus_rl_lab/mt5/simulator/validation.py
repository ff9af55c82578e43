"""Trade request validation: what a request will do (`Plan`), or the retcode refusing it.

Request checks, in order, with the retcode each failure returns (an armed trade fault,
see `faults`, answers before any of them):

1. the symbol (or the position/order the request names) must exist — 10013 INVALID
   (10036 POSITION_CLOSED for an unknown `position`);
2. the symbol must be tradable (10017, close-only 10044, long-only 10042, short-only 10043)
   and its market open (10018), with a quote (10021);
3. the order type must suit the action (10035); the volume must be a multiple of
   `volume_step` in ``[volume_min, volume_max]`` (10014); a close volume may not exceed the
   position (10038);
4. the filling mode must be allowed by the symbol's `filling_mode` bitmask for market
   deals, RETURN is always accepted for pending orders (10030);
5. prices must lie on the tick grid (10015); pending prices on the right side of the market
   and at least `trade_stops_level` points away (else 10015, at least one point);
   instant-execution deals must be within `deviation` points of the market (else 10004);
6. SL/TP must be on the right side and at least `trade_stops_level` points from the price
   they are measured against (10016);
7. the free margin after the deal must stay >= 0 (10019).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.simulator.account import Account, Order, Position
from nautilus_rl_lab.mt5.simulator.symbols import (
    SymbolSpec,
    normalize_volume,
    price_ok,
    volume_ok,
)
from nautilus_rl_lab.mt5.structures import TradeRequest

logger = logging.getLogger(__name__)

BUY_TYPES = frozenset(
    {
        mt5c.ORDER_TYPE_BUY,
        mt5c.ORDER_TYPE_BUY_LIMIT,
        mt5c.ORDER_TYPE_BUY_STOP,
        mt5c.ORDER_TYPE_BUY_STOP_LIMIT,
    },
)
PENDING_TYPES = frozenset(range(mt5c.ORDER_TYPE_BUY_LIMIT, mt5c.ORDER_TYPE_SELL_STOP_LIMIT + 1))
STOP_LIMIT_TYPES = frozenset({mt5c.ORDER_TYPE_BUY_STOP_LIMIT, mt5c.ORDER_TYPE_SELL_STOP_LIMIT})
_ACTIONS = frozenset(
    {
        mt5c.TRADE_ACTION_DEAL,
        mt5c.TRADE_ACTION_PENDING,
        mt5c.TRADE_ACTION_SLTP,
        mt5c.TRADE_ACTION_MODIFY,
        mt5c.TRADE_ACTION_REMOVE,
        mt5c.TRADE_ACTION_CLOSE_BY,
    },
)


@dataclass
class Reject(Exception):
    """Raised when the trade server refuses a request with `retcode`."""

    retcode: int
    comment: str = ""


@dataclass
class Plan:
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


class RequestValidator:
    """Checks trade requests against an `Account` and the market (caller holds the lock)."""

    def __init__(
        self,
        account: Account,
        *,
        quote: Callable[[str], tuple[float, float] | None],
        market_open: Callable[[str], bool],
        server_time: ServerTime | None = None,
    ) -> None:
        self.account = account
        self._quote = quote
        self._market_open = market_open
        self._time = server_time or ServerTime()

    def plan(self, request: TradeRequest, now_ms: int) -> Plan:
        """Return what `request` will do, or raise `Reject` with the retcode refusing it."""
        action = request.action
        if action not in _ACTIONS:
            raise Reject(mt5c.TRADE_RETCODE_INVALID, "Unsupported trade action")
        if action == mt5c.TRADE_ACTION_DEAL:
            return self._plan_deal(request)
        if action == mt5c.TRADE_ACTION_PENDING:
            return self._plan_pending(request, now_ms)
        if action == mt5c.TRADE_ACTION_SLTP:
            return self._plan_sltp(request)
        if action == mt5c.TRADE_ACTION_MODIFY:
            return self._plan_modify(request, now_ms)
        if action == mt5c.TRADE_ACTION_REMOVE:
            return self._plan_remove(request)
        return self._plan_close_by(request)

    def _spec(self, symbol: str) -> SymbolSpec:
        spec = self.account.specs.get(symbol)
        if spec is None:
            raise Reject(mt5c.TRADE_RETCODE_INVALID, f"Unknown symbol {symbol!r}")
        return spec

    def _market(self, spec: SymbolSpec) -> tuple[float, float]:
        if not self._market_open(spec.name):
            raise Reject(mt5c.TRADE_RETCODE_MARKET_CLOSED)
        quote = self._quote(spec.name)
        if quote is None or not quote[0]:
            raise Reject(mt5c.TRADE_RETCODE_PRICE_OFF)
        return quote

    def _position(self, ticket: int) -> Position:
        position = self.account.positions.get(ticket)
        if position is None:
            raise Reject(mt5c.TRADE_RETCODE_POSITION_CLOSED, f"Position {ticket} not found")
        return position

    def _check_trade_mode(self, spec: SymbolSpec, side: int, opening: bool) -> None:
        mode = spec.trade_mode
        if mode == mt5c.SYMBOL_TRADE_MODE_DISABLED:
            raise Reject(mt5c.TRADE_RETCODE_TRADE_DISABLED)
        if opening and mode == mt5c.SYMBOL_TRADE_MODE_CLOSEONLY:
            raise Reject(mt5c.TRADE_RETCODE_CLOSE_ONLY)
        if opening and mode == mt5c.SYMBOL_TRADE_MODE_LONGONLY and side == mt5c.ORDER_TYPE_SELL:
            raise Reject(mt5c.TRADE_RETCODE_LONG_ONLY)
        if opening and mode == mt5c.SYMBOL_TRADE_MODE_SHORTONLY and side == mt5c.ORDER_TYPE_BUY:
            raise Reject(mt5c.TRADE_RETCODE_SHORT_ONLY)

    @staticmethod
    def _check_filling(spec: SymbolSpec, type_filling: int, *, pending: bool) -> None:
        """FOK/IOC need their `filling_mode` bit; RETURN suits pending orders, and market
        deals only on exchange execution or symbols without FOK/IOC; BOC pending only."""
        mask = spec.filling_mode
        if type_filling == mt5c.ORDER_FILLING_FOK:
            ok = bool(mask & mt5c.SYMBOL_FILLING_FOK)
        elif type_filling == mt5c.ORDER_FILLING_IOC:
            ok = bool(mask & mt5c.SYMBOL_FILLING_IOC)
        elif type_filling == mt5c.ORDER_FILLING_RETURN:
            ok = (
                pending
                or spec.trade_exemode == mt5c.SYMBOL_TRADE_EXECUTION_EXCHANGE
                or not (mask & (mt5c.SYMBOL_FILLING_FOK | mt5c.SYMBOL_FILLING_IOC))
            )
        elif type_filling == mt5c.ORDER_FILLING_BOC:
            ok = pending and bool(mask & mt5c.SYMBOL_FILLING_BOC)
        else:
            ok = False
        if not ok:
            raise Reject(
                mt5c.TRADE_RETCODE_INVALID_FILL,
                f"Unsupported filling mode {type_filling} (symbol filling_mode {mask})",
            )

    @staticmethod
    def _check_volume(spec: SymbolSpec, volume: float) -> float:
        if not volume_ok(spec, volume):
            raise Reject(
                mt5c.TRADE_RETCODE_INVALID_VOLUME,
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
                raise Reject(mt5c.TRADE_RETCODE_INVALID_STOPS, f"Stop {level} is off the tick grid")
        tolerance = spec.point * 1e-3
        sign = 1.0 if side == mt5c.ORDER_TYPE_BUY else -1.0
        if sl and sign * (reference - sl) < max(distance, spec.point) - tolerance:
            raise Reject(mt5c.TRADE_RETCODE_INVALID_STOPS, f"Invalid SL {sl} for price {reference}")
        if tp and sign * (tp - reference) < max(distance, spec.point) - tolerance:
            raise Reject(mt5c.TRADE_RETCODE_INVALID_STOPS, f"Invalid TP {tp} for price {reference}")

    def check_margin(
        self, spec: SymbolSpec, side: int, volume: float, price: float, ticket: int
    ) -> float:
        account = self.account
        added = account.added_margin(spec, side, volume, price, ticket)
        commission = account.commission_per_lot * volume
        free_after = account.equity() - account.margin() - added - commission
        if added > 0 and free_after < 0:
            raise Reject(
                mt5c.TRADE_RETCODE_NO_MONEY,
                f"No money: margin {added:.2f} needed, free margin {account.equity() - account.margin():.2f}",
            )
        return added

    def _plan_deal(self, request: TradeRequest) -> Plan:
        position = self._position(request.position) if request.position else None
        symbol = request.symbol or (position.symbol if position else "")
        spec = self._spec(symbol)
        if request.type not in (mt5c.ORDER_TYPE_BUY, mt5c.ORDER_TYPE_SELL):
            raise Reject(
                mt5c.TRADE_RETCODE_INVALID_ORDER, "A deal must be ORDER_TYPE_BUY or ORDER_TYPE_SELL"
            )
        side = request.type
        if position is not None:
            if position.symbol != spec.name:
                raise Reject(mt5c.TRADE_RETCODE_INVALID, "Position belongs to another symbol")
            if position.type == side:
                raise Reject(mt5c.TRADE_RETCODE_INVALID, "A close must be opposite to the position")
        existing = None if self.account.hedging else self.account.netting_position(spec.name)
        opening = position is None and (
            existing is None or existing.type == side or request.volume > existing.volume
        )
        self._check_trade_mode(spec, side, opening)
        bid, ask = self._market(spec)
        volume = self._check_volume(spec, request.volume)
        if position is not None and volume > position.volume + spec.volume_step * 1e-6:
            raise Reject(mt5c.TRADE_RETCODE_INVALID_CLOSE_VOLUME)
        self._check_filling(spec, request.type_filling, pending=False)
        market_price = ask if side == mt5c.ORDER_TYPE_BUY else bid
        if spec.trade_exemode in (
            mt5c.SYMBOL_TRADE_EXECUTION_INSTANT,
            mt5c.SYMBOL_TRADE_EXECUTION_REQUEST,
        ):
            if not price_ok(spec, request.price):
                raise Reject(mt5c.TRADE_RETCODE_INVALID_PRICE)
            if (
                abs(request.price - market_price)
                > request.deviation * spec.point + spec.point * 1e-3
            ):
                raise Reject(mt5c.TRADE_RETCODE_REQUOTE)
        elif request.price and not price_ok(spec, request.price):
            raise Reject(mt5c.TRADE_RETCODE_INVALID_PRICE)
        if position is None and (request.sl or request.tp):
            self._check_stops(
                spec, side, bid if side == mt5c.ORDER_TYPE_BUY else ask, request.sl, request.tp
            )
        added = self.check_margin(spec, side, volume, market_price, request.position)
        return Plan(
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
            raise Reject(mt5c.TRADE_RETCODE_INVALID_PRICE, f"Invalid price {price}")
        distance = max(int(spec.stops_level or 0) * spec.point, spec.point) - spec.point * 1e-3
        if order_type == mt5c.ORDER_TYPE_BUY_LIMIT:
            ok = ask - price >= distance
        elif order_type == mt5c.ORDER_TYPE_SELL_LIMIT:
            ok = price - bid >= distance
        elif order_type in (mt5c.ORDER_TYPE_BUY_STOP, mt5c.ORDER_TYPE_BUY_STOP_LIMIT):
            ok = price - ask >= distance
        else:
            ok = bid - price >= distance
        if ok and order_type in STOP_LIMIT_TYPES:
            buy = order_type == mt5c.ORDER_TYPE_BUY_STOP_LIMIT
            ok = price_ok(spec, stoplimit) and (stoplimit <= price if buy else stoplimit >= price)
        if not ok:
            raise Reject(
                mt5c.TRADE_RETCODE_INVALID_PRICE,
                f"Invalid price {price} for order type {order_type} at bid {bid} / ask {ask}",
            )

    def check_expiration(self, type_time: int, expiration: int, now_ms: int) -> int:
        """Return the expiration in UTC seconds (0: none)."""
        if type_time in (mt5c.ORDER_TIME_GTC, mt5c.ORDER_TIME_DAY):
            return 0
        if type_time not in (mt5c.ORDER_TIME_SPECIFIED, mt5c.ORDER_TIME_SPECIFIED_DAY):
            raise Reject(mt5c.TRADE_RETCODE_INVALID_EXPIRATION, f"Unknown type_time {type_time}")
        expiration_utc = self._time.utc_s(expiration)
        if expiration_utc * 1000 <= now_ms:
            raise Reject(mt5c.TRADE_RETCODE_INVALID_EXPIRATION)
        return expiration_utc

    def _plan_pending(self, request: TradeRequest, now_ms: int) -> Plan:
        spec = self._spec(request.symbol)
        if request.type not in PENDING_TYPES:
            raise Reject(
                mt5c.TRADE_RETCODE_INVALID_ORDER,
                "A pending order must be a limit, stop or stop-limit type",
            )
        side = mt5c.ORDER_TYPE_BUY if request.type in BUY_TYPES else mt5c.ORDER_TYPE_SELL
        self._check_trade_mode(spec, side, opening=True)
        bid, ask = self._market(spec)
        volume = self._check_volume(spec, request.volume)
        self._check_filling(spec, request.type_filling, pending=True)
        self._check_pending_prices(spec, request.type, request.price, request.stoplimit, bid, ask)
        entry = request.stoplimit if request.type in STOP_LIMIT_TYPES else request.price
        self._check_stops(spec, side, entry, request.sl, request.tp)
        self.check_expiration(request.type_time, request.expiration, now_ms)
        return Plan(request=request, spec=spec, side=side, volume=volume, price=request.price)

    def _netting_or_ticket(self, request: TradeRequest) -> Position:
        if request.position:
            return self._position(request.position)
        if not self.account.hedging and request.symbol:
            position = self.account.netting_position(request.symbol)
            if position is not None:
                return position
            raise Reject(mt5c.TRADE_RETCODE_POSITION_CLOSED, f"No position on {request.symbol}")
        raise Reject(mt5c.TRADE_RETCODE_INVALID, "Name the position with `position=<ticket>`")

    def _plan_sltp(self, request: TradeRequest) -> Plan:
        position = self._netting_or_ticket(request)
        spec = self._spec(position.symbol)
        self._check_trade_mode(spec, position.type, opening=False)
        bid, ask = self._market(spec)
        if (request.sl, request.tp) == (position.sl, position.tp):
            raise Reject(mt5c.TRADE_RETCODE_NO_CHANGES)
        reference = bid if position.type == mt5c.POSITION_TYPE_BUY else ask
        self._check_stops(spec, position.type, reference, request.sl, request.tp)
        return Plan(request=request, spec=spec, position=position)

    def _active_order(self, ticket: int) -> Order:
        order = self.account.orders.get(ticket)
        if order is None:
            raise Reject(mt5c.TRADE_RETCODE_INVALID, f"Order {ticket} not found")
        return order

    def _plan_modify(self, request: TradeRequest, now_ms: int) -> Plan:
        order = self._active_order(request.order)
        spec = self._spec(order.symbol)
        bid, ask = self._market(spec)
        stoplimit = request.stoplimit if order.type in STOP_LIMIT_TYPES else 0.0
        new = (request.price, request.sl, request.tp, stoplimit, request.type_time)
        old = (order.price_open, order.sl, order.tp, order.price_stoplimit, order.type_time)
        expiration = self.check_expiration(request.type_time, request.expiration, now_ms)
        if new == old and expiration == order.time_expiration:
            raise Reject(mt5c.TRADE_RETCODE_NO_CHANGES)
        self._check_pending_prices(spec, order.type, request.price, stoplimit, bid, ask)
        side = mt5c.ORDER_TYPE_BUY if order.type in BUY_TYPES else mt5c.ORDER_TYPE_SELL
        entry = stoplimit if order.type in STOP_LIMIT_TYPES else request.price
        self._check_stops(spec, side, entry, request.sl, request.tp)
        return Plan(request=request, spec=spec, order=order, side=side)

    def _plan_remove(self, request: TradeRequest) -> Plan:
        order = self._active_order(request.order)
        spec = self._spec(order.symbol)
        self._market(spec)
        return Plan(request=request, spec=spec, order=order)

    def _plan_close_by(self, request: TradeRequest) -> Plan:
        if not self.account.hedging:
            raise Reject(
                mt5c.TRADE_RETCODE_INVALID, "Close by is available on hedging accounts only"
            )
        position = self._position(request.position)
        position_by = self._position(request.position_by)
        if position.symbol != position_by.symbol or position.type == position_by.type:
            raise Reject(
                mt5c.TRADE_RETCODE_INVALID,
                "Close by needs two opposite positions on the same symbol",
            )
        spec = self._spec(position.symbol)
        self._market(spec)
        return Plan(request=request, spec=spec, position=position, position_by=position_by)
