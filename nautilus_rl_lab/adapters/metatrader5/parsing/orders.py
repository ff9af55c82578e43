"""Nautilus orders → MT5 request dicts, and MT5 results/orders/deals/positions → Nautilus.

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
- ``magic`` is the config's expert id; ``comment`` is the Nautilus client order id.
- Reports: MT5 order state → Nautilus `OrderStatus`; deals → `FillReport` (trade id =
  deal ticket, commission = -(commission + fee) in the account currency); positions →
  `PositionStatusReport`, one per ticket with ``venue_position_id`` = ticket in hedging
  accounts, one net report per symbol in netting accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.reports import FillReport, OrderStatusReport, PositionStatusReport
from nautilus_trader.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    TriggerType,
)
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientOrderId,
    PositionId,
    TradeId,
    VenueOrderId,
)
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Currency, Money, Quantity
from nautilus_trader.model.orders import Order

from nautilus_rl_lab.adapters.metatrader5 import constants as mt5c
from nautilus_rl_lab.adapters.metatrader5.parsing.common import (
    client_order_id_from_comment,
    comment_from_client_order_id,
    lots_to_units,
    server_msc_to_unix_nanos,
    symbol_from_instrument_id,
    to_decimal,
    units_to_lots,
    unix_nanos_to_server_secs,
)
from nautilus_rl_lab.adapters.metatrader5.structures import (
    OrderSendResult,
    SymbolInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
)
from nautilus_rl_lab.errors import NautilusRLLabError


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
_MT5_ORDER_TYPES = {
    mt5c.ORDER_TYPE_BUY: (OrderSide.BUY, OrderType.MARKET),
    mt5c.ORDER_TYPE_SELL: (OrderSide.SELL, OrderType.MARKET),
    mt5c.ORDER_TYPE_BUY_LIMIT: (OrderSide.BUY, OrderType.LIMIT),
    mt5c.ORDER_TYPE_SELL_LIMIT: (OrderSide.SELL, OrderType.LIMIT),
    mt5c.ORDER_TYPE_BUY_STOP: (OrderSide.BUY, OrderType.STOP_MARKET),
    mt5c.ORDER_TYPE_SELL_STOP: (OrderSide.SELL, OrderType.STOP_MARKET),
    mt5c.ORDER_TYPE_BUY_STOP_LIMIT: (OrderSide.BUY, OrderType.STOP_LIMIT),
    mt5c.ORDER_TYPE_SELL_STOP_LIMIT: (OrderSide.SELL, OrderType.STOP_LIMIT),
}
_ORDER_STATES = {
    mt5c.ORDER_STATE_STARTED: OrderStatus.ACCEPTED,
    mt5c.ORDER_STATE_PLACED: OrderStatus.ACCEPTED,
    mt5c.ORDER_STATE_REQUEST_ADD: OrderStatus.ACCEPTED,
    mt5c.ORDER_STATE_REQUEST_MODIFY: OrderStatus.ACCEPTED,
    mt5c.ORDER_STATE_REQUEST_CANCEL: OrderStatus.ACCEPTED,
    mt5c.ORDER_STATE_PARTIAL: OrderStatus.PARTIALLY_FILLED,
    mt5c.ORDER_STATE_FILLED: OrderStatus.FILLED,
    mt5c.ORDER_STATE_CANCELED: OrderStatus.CANCELED,
    mt5c.ORDER_STATE_REJECTED: OrderStatus.REJECTED,
    mt5c.ORDER_STATE_EXPIRED: OrderStatus.EXPIRED,
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
    server_time_offset_secs: int = 0,
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
                f"MT5 has no order type for a {order.side_string()} "
                f"{order.type_string()} order; use MARKET, LIMIT, STOP_MARKET or STOP_LIMIT",
            )
        request["action"] = mt5c.TRADE_ACTION_PENDING
        request["type"] = mt5_type
        if order.order_type == OrderType.LIMIT:
            request["price"] = float(order.price)
        elif order.order_type == OrderType.STOP_MARKET:
            request["price"] = float(order.trigger_price)
        else:
            request["price"] = float(order.trigger_price)
            request["stoplimit"] = float(order.price)
        if order.time_in_force == TimeInForce.GTD and order.expire_time_ns:
            request["expiration"] = unix_nanos_to_server_secs(
                order.expire_time_ns,
                server_time_offset_secs,
            )
    if sl:
        request["sl"] = float(sl)
    if tp:
        request["tp"] = float(tp)
    if position_ticket:
        request["position"] = int(position_ticket)
    return request


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
    _, order_type = _MT5_ORDER_TYPES[mt5_order.type]
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


# -- Reports ----------------------------------------------------------------------------


def mt5_order_side_type(mt5_type: int) -> tuple[OrderSide, OrderType]:
    """Return the Nautilus side and type of an MT5 ``ORDER_TYPE_*``."""
    try:
        return _MT5_ORDER_TYPES[int(mt5_type)]
    except KeyError:
        raise ValueError(f"unsupported MT5 order type {mt5_type}") from None


def order_status_from_state(state: int) -> OrderStatus:
    """Return the Nautilus status of an MT5 ``ORDER_STATE_*``."""
    return _ORDER_STATES.get(int(state), OrderStatus.ACCEPTED)


def _time_in_force(mt5_order: TradeOrder, order_type: OrderType) -> TimeInForce:
    if order_type == OrderType.MARKET:
        if mt5_order.type_filling == mt5c.ORDER_FILLING_FOK:
            return TimeInForce.FOK
        if mt5_order.type_filling == mt5c.ORDER_FILLING_IOC:
            return TimeInForce.IOC
        return TimeInForce.GTC
    if mt5_order.type_time == mt5c.ORDER_TIME_DAY:
        return TimeInForce.DAY
    if mt5_order.type_time in (mt5c.ORDER_TIME_SPECIFIED, mt5c.ORDER_TIME_SPECIFIED_DAY):
        return TimeInForce.GTD
    return TimeInForce.GTC


def client_order_id_for(comment: str, magic: int, own_magic: int | None) -> ClientOrderId | None:
    """Client order id of an MT5 order/deal: from the comment, only for our own `magic`."""
    if own_magic is not None and int(magic) != int(own_magic):
        return None
    return client_order_id_from_comment(comment)


def trade_order_to_report(
    mt5_order: TradeOrder,
    instrument: Instrument,
    account_id: AccountId,
    ts_init: int,
    *,
    own_magic: int | None = None,
    server_time_offset_secs: int = 0,
    avg_px: Decimal | None = None,
    client_order_id: ClientOrderId | None = None,
    venue_position_id: PositionId | None = None,
    delivered_qty: Quantity | None = None,
) -> OrderStatusReport:
    """Convert an open (`orders_get`) or historical (`history_orders_get`) order.

    `delivered_qty`: for an order whose deals the caller delivers as fills itself, the
    quantity Nautilus already has. A report showing more would make Nautilus infer a fill
    (no deal ticket, no price) that the real deal then duplicates, so the report then says
    what Nautilus knows: this quantity, the order still working.
    """
    side, order_type = mt5_order_side_type(mt5_order.type)
    contract = float(instrument.info["trade_contract_size"])
    quantity = instrument.make_qty(lots_to_units(mt5_order.volume_initial, contract))
    remaining = to_decimal(mt5_order.volume_current)
    status = order_status_from_state(mt5_order.state)
    if status == OrderStatus.FILLED:
        filled = quantity
    else:
        filled_lots = max(Decimal(0), to_decimal(mt5_order.volume_initial) - remaining)
        filled = instrument.make_qty(filled_lots * to_decimal(contract))
        if status == OrderStatus.ACCEPTED and filled > 0:
            status = OrderStatus.PARTIALLY_FILLED
    if delivered_qty is not None and filled > delivered_qty:
        filled = delivered_qty
        status = OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.ACCEPTED
        avg_px = None
    price = trigger_price = None
    trigger_type = TriggerType.NO_TRIGGER
    if order_type == OrderType.LIMIT:
        price = instrument.make_price(mt5_order.price_open)
    elif order_type == OrderType.STOP_MARKET:
        trigger_price = instrument.make_price(mt5_order.price_open)
        trigger_type = TriggerType.DEFAULT
    elif order_type == OrderType.STOP_LIMIT:
        trigger_price = instrument.make_price(mt5_order.price_open)
        price = instrument.make_price(mt5_order.price_stoplimit)
        trigger_type = TriggerType.DEFAULT
    tif = _time_in_force(mt5_order, order_type)
    expire_time = None
    if tif == TimeInForce.GTD and mt5_order.time_expiration:
        expire_ns = server_msc_to_unix_nanos(
            mt5_order.time_expiration * 1000, server_time_offset_secs
        )
        expire_time = pd.Timestamp(expire_ns, tz="UTC")
    ts_accepted = server_msc_to_unix_nanos(
        mt5_order.time_setup_msc or mt5_order.time_setup * 1000,
        server_time_offset_secs,
    )
    done_msc = mt5_order.time_done_msc or mt5_order.time_done * 1000
    ts_last = (
        server_msc_to_unix_nanos(done_msc, server_time_offset_secs) if done_msc else ts_accepted
    )
    if avg_px is None and filled > 0 and order_type == OrderType.MARKET and mt5_order.price_current:
        avg_px = to_decimal(mt5_order.price_current)
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        client_order_id=client_order_id
        or client_order_id_for(mt5_order.comment, mt5_order.magic, own_magic),
        venue_order_id=VenueOrderId(str(mt5_order.ticket)),
        venue_position_id=venue_position_id,
        order_side=side,
        order_type=order_type,
        time_in_force=tif,
        order_status=status,
        quantity=quantity,
        filled_qty=filled,
        price=price,
        trigger_price=trigger_price,
        trigger_type=trigger_type,
        expire_time=expire_time,
        avg_px=avg_px if filled > 0 else None,
        report_id=UUID4(),
        ts_accepted=ts_accepted,
        ts_last=max(ts_last, ts_accepted),
        ts_init=ts_init,
    )


def deal_side(deal: TradeDeal) -> OrderSide:
    """Return the side of a BUY/SELL deal."""
    if deal.type == mt5c.DEAL_TYPE_BUY:
        return OrderSide.BUY
    if deal.type == mt5c.DEAL_TYPE_SELL:
        return OrderSide.SELL
    raise ValueError(f"deal {deal.ticket} of type {deal.type} is not a trade")


def is_trade_deal(deal: TradeDeal) -> bool:
    """Return whether a deal is a trade (not a balance/credit/commission operation)."""
    return deal.type in (mt5c.DEAL_TYPE_BUY, mt5c.DEAL_TYPE_SELL) and deal.volume > 0


def deal_commission(deal: TradeDeal, currency: Currency) -> Money:
    """Nautilus commission of a deal (positive cost): -(commission + fee)."""
    return Money(-(float(deal.commission) + float(deal.fee)), currency)


def deal_to_fill_report(
    deal: TradeDeal,
    instrument: Instrument,
    account_id: AccountId,
    commission_currency: Currency,
    ts_init: int,
    *,
    own_magic: int | None = None,
    server_time_offset_secs: int = 0,
    client_order_id: ClientOrderId | None = None,
    venue_position_id: PositionId | None = None,
    liquidity_side: LiquiditySide = LiquiditySide.TAKER,
) -> FillReport:
    """Convert a BUY/SELL deal of `history_deals_get` to a `FillReport`."""
    contract = float(instrument.info["trade_contract_size"])
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(str(deal.order)),
        venue_position_id=venue_position_id,
        client_order_id=client_order_id or client_order_id_for(deal.comment, deal.magic, own_magic),
        trade_id=TradeId(str(deal.ticket)),
        order_side=deal_side(deal),
        last_qty=instrument.make_qty(lots_to_units(deal.volume, contract)),
        last_px=instrument.make_price(deal.price),
        commission=deal_commission(deal, commission_currency),
        liquidity_side=liquidity_side,
        report_id=UUID4(),
        ts_event=server_msc_to_unix_nanos(
            deal.time_msc or deal.time * 1000, server_time_offset_secs
        ),
        ts_init=ts_init,
    )


def position_to_report(
    position: TradePosition,
    instrument: Instrument,
    account_id: AccountId,
    ts_init: int,
    *,
    server_time_offset_secs: int = 0,
) -> PositionStatusReport:
    """Convert one hedging-account position (``venue_position_id`` = MT5 ticket)."""
    contract = float(instrument.info["trade_contract_size"])
    side = PositionSide.LONG if position.type == mt5c.POSITION_TYPE_BUY else PositionSide.SHORT
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_position_id=PositionId(str(position.ticket)),
        position_side=side,
        quantity=instrument.make_qty(lots_to_units(position.volume, contract)),
        avg_px_open=to_decimal(position.price_open),
        report_id=UUID4(),
        ts_last=server_msc_to_unix_nanos(
            position.time_update_msc or position.time_msc or position.time * 1000,
            server_time_offset_secs,
        ),
        ts_init=ts_init,
    )


def net_position_report(
    positions: list[TradePosition],
    instrument: Instrument,
    account_id: AccountId,
    ts_init: int,
) -> PositionStatusReport:
    """One net report for a symbol (netting accounts; flat when `positions` is empty)."""
    contract = float(instrument.info["trade_contract_size"])
    signed_lots = Decimal(0)
    notional = Decimal(0)
    for position in positions:
        lots = to_decimal(position.volume)
        sign = 1 if position.type == mt5c.POSITION_TYPE_BUY else -1
        signed_lots += sign * lots
        notional += lots * to_decimal(position.price_open)
    if signed_lots == 0:
        return PositionStatusReport.create_flat(
            account_id=account_id,
            instrument_id=instrument.id,
            size_precision=instrument.size_precision,
            ts_init=ts_init,
        )
    total_lots = sum((to_decimal(p.volume) for p in positions), Decimal(0))
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        position_side=PositionSide.LONG if signed_lots > 0 else PositionSide.SHORT,
        quantity=instrument.make_qty(abs(signed_lots) * to_decimal(contract)),
        avg_px_open=notional / total_lots if total_lots else None,
        report_id=UUID4(),
        ts_last=ts_init,
        ts_init=ts_init,
    )
