"""Nautilus orders → MT5 request dicts, and what an `order_send` result means.

Decisions:

- Order types: MARKET → ``TRADE_ACTION_DEAL`` at the current ask (buy) / bid (sell);
  LIMIT → BUY/SELL_LIMIT; STOP_MARKET → BUY/SELL_STOP at the trigger price;
  STOP_LIMIT → BUY/SELL_STOP_LIMIT (``price`` = trigger, ``stoplimit`` = limit). Any
  other type raises `UnsupportedOrderError` (the client rejects it; it is never sent as
  a market deal).
- ``type_filling`` comes from the symbol's `filling_mode` bitmask (never from the
  time in force): market deals take FOK, else IOC, else RETURN; pending orders RETURN,
  which every execution mode accepts for orders resting on the server.
- ``type_time`` follows the time in force: GTC/IOC/FOK → GTC, DAY → DAY, GTD → SPECIFIED
  with the expiry converted to server seconds.
- SL/TP come from the submit command's ``params`` (``{"sl": 1.0950, "tp": 1.1100}``)
  because Nautilus orders have no such fields; in hedging accounts a closing order
  names the position ticket (``position``), taken from the command's position id.
- Reduce-only orders (a strategy's close, `strategies.execution`): MT5 has no such flag, so
  the client reads the symbol's positions first (`reduce_only_ticket`): netting sends the deal
  only if it reduces the position; hedging names the oldest opposite position that covers the
  volume. One that would open or add is rejected with the positions held (never resized).
- ``magic`` is the config's expert id; ``comment`` is the Nautilus client order id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from nautilus_rl_lab.adapters.metatrader5.parsing.common import (
    comment_from_client_order_id,
    mt5_order_side_type,
    symbol_from_instrument_id,
    units_to_lots,
    unix_nanos_to_server_secs,
)
from nautilus_rl_lab.errors import NautilusRLLabError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.structures import (
    OrderSendResult,
    SymbolInfo,
    Tick,
    TradeOrder,
    TradePosition,
)
from nautilus_rl_lab.nt.model import (
    LimitOrder,
    Order,
    OrderSide,
    OrderType,
    StopLimitOrder,
    StopMarketOrder,
    TimeInForce,
    expire_time_ns,
)

VOLUME_TOLERANCE = 1e-9  # lots are floats: a volume equal to a position's is not "more"


class UnsupportedOrderError(NautilusRLLabError, ValueError):
    """Raised when a Nautilus order cannot be expressed as an MT5 trade request."""


_PENDING_TYPES = {
    (OrderType.LIMIT, OrderSide.BUY): mt5c.ORDER_TYPE_BUY_LIMIT,
    (OrderType.LIMIT, OrderSide.SELL): mt5c.ORDER_TYPE_SELL_LIMIT,
    (OrderType.STOP_MARKET, OrderSide.BUY): mt5c.ORDER_TYPE_BUY_STOP,
    (OrderType.STOP_MARKET, OrderSide.SELL): mt5c.ORDER_TYPE_SELL_STOP,
    (OrderType.STOP_LIMIT, OrderSide.BUY): mt5c.ORDER_TYPE_BUY_STOP_LIMIT,
    (OrderType.STOP_LIMIT, OrderSide.SELL): mt5c.ORDER_TYPE_SELL_STOP_LIMIT,
}
_TYPE_TIME_BY_TIF = {
    TimeInForce.GTC: mt5c.ORDER_TIME_GTC,
    TimeInForce.IOC: mt5c.ORDER_TIME_GTC,
    TimeInForce.FOK: mt5c.ORDER_TIME_GTC,
    TimeInForce.DAY: mt5c.ORDER_TIME_DAY,
    TimeInForce.GTD: mt5c.ORDER_TIME_SPECIFIED,
}


# -- Requests ---------------------------------------------------------------------------


def filling_for(order_type: OrderType, symbol: SymbolInfo) -> int:
    """Return the request ``type_filling`` for an order type from the symbol's bitmask."""
    if order_type == OrderType.MARKET:
        return mt5c.order_filling_from_symbol(symbol.filling_mode)
    return mt5c.ORDER_FILLING_RETURN


def order_to_request(
    order: Order,
    symbol: SymbolInfo,
    *,
    magic: int,
    tick: Tick | None = None,
    deviation: int = 10,
    position_ticket: int | None = None,
    sl: float | None = None,
    tp: float | None = None,
    server_time: ServerTime | int = 0,
) -> dict[str, Any]:
    """Build the `order_send` request dict of a Nautilus order.

    `tick` is required for market orders (its ask/bid is the request price).
    """
    volume = units_to_lots(order.quantity.as_decimal(), symbol.trade_contract_size)
    request: dict[str, Any] = {
        "symbol": symbol_from_instrument_id(order.instrument_id),
        "volume": volume,
        "magic": int(magic),
        "comment": comment_from_client_order_id(order.client_order_id),
        "type_filling": filling_for(order.order_type, symbol),
        "type_time": _type_time(order.time_in_force),
    }
    if order.order_type == OrderType.MARKET:
        if tick is None or (not tick.ask and not tick.bid):
            raise UnsupportedOrderError(
                f"no quote for {request['symbol']}: a market order needs the current tick",
            )
        request["action"] = mt5c.TRADE_ACTION_DEAL
        request["type"] = (
            mt5c.ORDER_TYPE_BUY if order.side == OrderSide.BUY else mt5c.ORDER_TYPE_SELL
        )
        request["price"] = float(tick.ask if order.side == OrderSide.BUY else tick.bid)
        request["deviation"] = int(deviation)
    else:
        mt5_type = _PENDING_TYPES.get((order.order_type, order.side))
        if mt5_type is None:
            raise UnsupportedOrderError(
                f"MT5 has no order type for a {order.side.name} "
                f"{order.order_type.name} order; use MARKET, LIMIT, STOP_MARKET or STOP_LIMIT",
            )
        request["action"] = mt5c.TRADE_ACTION_PENDING
        request["type"] = mt5_type
        # the order type says which order class it is (2.0 types orders as a union)
        if order.order_type == OrderType.LIMIT:
            request["price"] = float(cast("LimitOrder", order).price)
        elif order.order_type == OrderType.STOP_MARKET:
            request["price"] = float(cast("StopMarketOrder", order).trigger_price)
        else:
            stop_limit = cast("StopLimitOrder", order)
            request["price"] = float(stop_limit.trigger_price)
            request["stoplimit"] = float(stop_limit.price)
        expires_ns = expire_time_ns(order)
        if order.time_in_force == TimeInForce.GTD and expires_ns:
            request["expiration"] = unix_nanos_to_server_secs(expires_ns, server_time)
    if sl:
        request["sl"] = float(sl)
    if tp:
        request["tp"] = float(tp)
    if position_ticket:
        request["position"] = int(position_ticket)
    return request


def reduce_only_ticket(
    side: OrderSide, volume: float, positions: Sequence[TradePosition], *, hedging: bool
) -> int | None:
    """The position a reduce-only order of `volume` lots closes into, from the symbol's
    `positions` at the terminal; raise `UnsupportedOrderError` when it would open or add.

    MT5 has no reduce-only flag: a netting deal on the position's other side reduces it (no
    ticket needed, `None`), a hedging deal must name the ticket (else it opens a second
    position). Hedging takes the oldest opposite position whose volume covers the order.
    """
    closes = mt5c.POSITION_TYPE_BUY if side == OrderSide.SELL else mt5c.POSITION_TYPE_SELL
    opposite = sorted(
        (p for p in positions if p.type == closes), key=lambda p: (p.time_msc, p.ticket)
    )
    covering = [p for p in opposite if volume <= p.volume + VOLUME_TOLERANCE]
    if covering and (hedging or len(positions) == 1):
        return int(covering[0].ticket) if hedging else None
    held = ", ".join(f"{'BUY' if p.type == 0 else 'SELL'} {p.volume:g}" for p in positions)
    raise UnsupportedOrderError(
        f"reduce-only {side.name} of {volume:g} lots would open or add to a position: the "
        f"terminal holds {held or 'no position'}"
        + (" (no single opposite position covers it)" if hedging and opposite else "")
    )


def _type_time(time_in_force: TimeInForce) -> int:
    type_time = _TYPE_TIME_BY_TIF.get(time_in_force)
    if type_time is None:
        raise UnsupportedOrderError(
            f"MT5 has no lifetime for time in force {time_in_force.name}; use GTC, DAY or GTD",
        )
    return type_time


def cancel_request(ticket: int, *, magic: int) -> dict[str, Any]:
    """Request removing a pending order."""
    return {"action": mt5c.TRADE_ACTION_REMOVE, "order": int(ticket), "magic": int(magic)}


def modify_request(
    mt5_order: TradeOrder,
    *,
    price: float | None = None,
    trigger_price: float | None = None,
    sl: float | None = None,
    tp: float | None = None,
) -> dict[str, Any]:
    """Request modifying a pending order's price(s) and stops (MT5 cannot change volume)."""
    _, order_type = mt5_order_side_type(mt5_order.type)
    new_price = mt5_order.price_open
    new_stoplimit = mt5_order.price_stoplimit
    if order_type == OrderType.LIMIT and price is not None:
        new_price = price
    elif order_type == OrderType.STOP_MARKET and trigger_price is not None:
        new_price = trigger_price
    elif order_type == OrderType.STOP_LIMIT:
        if trigger_price is not None:
            new_price = trigger_price
        if price is not None:
            new_stoplimit = price
    request: dict[str, Any] = {
        "action": mt5c.TRADE_ACTION_MODIFY,
        "order": int(mt5_order.ticket),
        "symbol": mt5_order.symbol,
        "price": float(new_price),
        "sl": float(mt5_order.sl if sl is None else sl),
        "tp": float(mt5_order.tp if tp is None else tp),
        "type_time": int(mt5_order.type_time),
        "expiration": int(mt5_order.time_expiration),
    }
    if order_type == OrderType.STOP_LIMIT:
        request["stoplimit"] = float(new_stoplimit)
    return request


# -- Results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    """What an `order_send` result means for Nautilus.

    ``kind`` is ``"filled"``, ``"partially_filled"``, ``"placed"``, ``"no_changes"``,
    ``"retry_price"`` (requote/price changed/off quotes), ``"unknown"`` (timeout, too many
    requests, no connection: check the terminal before anything else) or ``"rejected"``.
    """

    kind: str
    retcode: int
    reason: str


def retcode_reason(retcode: int, comment: str = "") -> str:
    """Return the rejection reason text: ``"MT5 10019 TRADE_RETCODE_NO_MONEY: <comment>"``."""
    text = (comment or "").strip() or mt5c.retcode_description(retcode)
    return f"MT5 {int(retcode)} {mt5c.retcode_name(retcode)}: {text}"


def classify_send_result(
    result: OrderSendResult | None, last_error: tuple | None = None
) -> SendOutcome:
    """Classify an `order_send` result (None: the call failed, see `last_error`)."""
    if result is None:
        code, description = last_error or (mt5c.RES_E_FAIL, "order_send returned None")
        kind = "unknown" if mt5c.is_connection_error(code) else "rejected"
        return SendOutcome(kind, int(code), f"MT5 last_error {code}: {description}")
    retcode = int(result.retcode)
    reason = retcode_reason(retcode, result.comment)
    if retcode == mt5c.TRADE_RETCODE_DONE:
        kind = "filled"
    elif retcode == mt5c.TRADE_RETCODE_DONE_PARTIAL:
        kind = "partially_filled"
    elif retcode == mt5c.TRADE_RETCODE_PLACED:
        kind = "placed"
    elif retcode == mt5c.TRADE_RETCODE_NO_CHANGES:
        kind = "no_changes"
    else:
        policy = mt5c.retcode_retry_policy(retcode)
        kind = {"fresh_price": "retry_price", "after_check": "unknown"}.get(policy, "rejected")
    return SendOutcome(kind, retcode, reason)
