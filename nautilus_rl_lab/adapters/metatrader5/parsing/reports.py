"""MT5 orders, deals and positions → Nautilus reports (`OrderStatusReport`, `FillReport`, ...).

Decisions: MT5 order state → Nautilus `OrderStatus`; deals → `FillReport` (trade id =
deal ticket, commission = -(commission + fee) in the account currency); positions →
`PositionStatusReport`, one per ticket with ``venue_position_id`` = ticket in hedging
accounts, one net report per symbol in netting accounts.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from nautilus_rl_lab.adapters.metatrader5.parsing.common import (
    client_order_id_from_comment,
    lots_to_units,
    mt5_order_side_type,
    server_msc_to_unix_nanos,
    to_decimal,
)
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.structures import (
    TradeDeal,
    TradeOrder,
    TradePosition,
)
from nautilus_rl_lab.nt.core import UUID4
from nautilus_rl_lab.nt.model import (
    AccountId,
    ClientOrderId,
    Currency,
    CurrencyPair,
    FillReport,
    Instrument,
    LiquiditySide,
    Money,
    OrderSide,
    OrderStatus,
    OrderStatusReport,
    OrderType,
    PositionId,
    PositionSide,
    PositionStatusReport,
    Quantity,
    TimeInForce,
    TradeId,
    TriggerType,
    VenueOrderId,
)

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

# -- Reports ----------------------------------------------------------------------------


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
    server_time: ServerTime | int = 0,
    avg_px: Decimal | None = None,
    client_order_id: ClientOrderId | None = None,
    venue_order_id: VenueOrderId | None = None,
    venue_position_id: PositionId | None = None,
    delivered_qty: Quantity | None = None,
) -> OrderStatusReport:
    """Convert an open (`orders_get`) or historical (`history_orders_get`) order.

    `client_order_id` / `venue_order_id` replace the ones read from the order (its comment and
    ticket).

    `delivered_qty`: for an order whose deals the caller delivers as fills itself, the
    quantity Nautilus already has. A report showing more would make Nautilus infer a fill
    (no deal ticket, no price) that the real deal then duplicates, so the report then says
    what Nautilus knows: this quantity, the order still working.
    """
    # the `type: ignore[operator]`s: 2.0's stub gives `Quantity` no comparisons (it has them)
    side, order_type = mt5_order_side_type(mt5_order.type)
    contract = float(instrument.info["trade_contract_size"])
    quantity = instrument.make_qty(float(lots_to_units(mt5_order.volume_initial, contract)))
    remaining = to_decimal(mt5_order.volume_current)
    status = order_status_from_state(mt5_order.state)
    if status == OrderStatus.FILLED:
        filled = quantity
    else:
        filled_lots = max(Decimal(0), to_decimal(mt5_order.volume_initial) - remaining)
        filled = instrument.make_qty(float(filled_lots * to_decimal(contract)))
        if status == OrderStatus.ACCEPTED and filled > 0:  # type: ignore[operator]
            status = OrderStatus.PARTIALLY_FILLED
    if delivered_qty is not None and filled > delivered_qty:  # type: ignore[operator]
        filled = delivered_qty
        status = OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.ACCEPTED  # type: ignore[operator]
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
        expire_ns = server_msc_to_unix_nanos(mt5_order.time_expiration * 1000, server_time)
        expire_time = pd.Timestamp(expire_ns, tz="UTC")
    ts_accepted = server_msc_to_unix_nanos(
        mt5_order.time_setup_msc or mt5_order.time_setup * 1000,
        server_time,
    )
    done_msc = mt5_order.time_done_msc or mt5_order.time_done * 1000
    ts_last = server_msc_to_unix_nanos(done_msc, server_time) if done_msc else ts_accepted
    if avg_px is None and filled > 0 and order_type == OrderType.MARKET and mt5_order.price_current:  # type: ignore[operator]
        avg_px = to_decimal(mt5_order.price_current)
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        client_order_id=client_order_id
        or client_order_id_for(mt5_order.comment, mt5_order.magic, own_magic),
        venue_order_id=venue_order_id or VenueOrderId(str(mt5_order.ticket)),
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
        avg_px=avg_px if filled > 0 else None,  # type: ignore[operator]
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


def deal_commission(deal: TradeDeal, instrument: Instrument, account_currency: Currency) -> Money:
    """Nautilus commission of a deal (positive cost): -(commission + fee), in the account currency.

    NautilusTrader 2.0 takes a currency pair's commission in its base currency off the position
    (a crypto-spot wallet's fee). MT5 takes commissions off the balance, never the holding, so
    one in the pair's base currency (USD on USDJPY, a USD account) is given in the quote currency
    at the deal's price, rounded to that currency's precision (half a yen: 0.0033 USD at 150).
    """
    amount = -(to_decimal(deal.commission) + to_decimal(deal.fee))
    if not (isinstance(instrument, CurrencyPair) and instrument.base_currency == account_currency):
        return Money(float(amount), account_currency)
    quote = instrument.quote_currency
    if amount and deal.price <= 0:
        raise ValueError(
            f"MT5 deal {deal.ticket}: `price` {deal.price} is not positive, so its commission "
            f"{amount} {account_currency} cannot be given in {quote}"
        )
    converted = (amount * to_decimal(deal.price)).quantize(Decimal(1).scaleb(-quote.precision))
    return Money(float(converted), quote)


def deal_to_fill_report(
    deal: TradeDeal,
    instrument: Instrument,
    account_id: AccountId,
    commission_currency: Currency,
    ts_init: int,
    *,
    own_magic: int | None = None,
    server_time: ServerTime | int = 0,
    client_order_id: ClientOrderId | None = None,
    venue_order_id: VenueOrderId | None = None,
    venue_position_id: PositionId | None = None,
    liquidity_side: LiquiditySide = LiquiditySide.TAKER,
) -> FillReport:
    """Convert a BUY/SELL deal of `history_deals_get` to a `FillReport` (`client_order_id` /
    `venue_order_id` replace the ones read from the deal)."""
    contract = float(instrument.info["trade_contract_size"])
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=venue_order_id or VenueOrderId(str(deal.order)),
        venue_position_id=venue_position_id,
        client_order_id=client_order_id or client_order_id_for(deal.comment, deal.magic, own_magic),
        trade_id=TradeId(str(deal.ticket)),
        order_side=deal_side(deal),
        last_qty=instrument.make_qty(float(lots_to_units(deal.volume, contract))),
        last_px=instrument.make_price(deal.price),
        commission=deal_commission(deal, instrument, commission_currency),
        liquidity_side=liquidity_side,
        report_id=UUID4(),
        ts_event=server_msc_to_unix_nanos(deal.time_msc or deal.time * 1000, server_time),
        ts_init=ts_init,
    )


def position_to_report(
    position: TradePosition,
    instrument: Instrument,
    account_id: AccountId,
    ts_init: int,
    *,
    server_time: ServerTime | int = 0,
) -> PositionStatusReport:
    """Convert one hedging-account position (``venue_position_id`` = MT5 ticket)."""
    contract = float(instrument.info["trade_contract_size"])
    side = PositionSide.LONG if position.type == mt5c.POSITION_TYPE_BUY else PositionSide.SHORT
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_position_id=PositionId(str(position.ticket)),
        position_side=side,
        quantity=instrument.make_qty(float(lots_to_units(position.volume, contract))),
        avg_px_open=to_decimal(position.price_open),
        report_id=UUID4(),
        ts_last=server_msc_to_unix_nanos(
            position.time_update_msc or position.time_msc or position.time * 1000,
            server_time,
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
        return PositionStatusReport(  # 1.221's `create_flat`, which 2.0 lacks
            account_id=account_id,
            instrument_id=instrument.id,
            position_side=PositionSide.FLAT,
            quantity=Quantity.zero(instrument.size_precision),
            report_id=UUID4(),
            ts_last=ts_init,
            ts_init=ts_init,
        )
    total_lots = sum((to_decimal(p.volume) for p in positions), Decimal(0))
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        position_side=PositionSide.LONG if signed_lots > 0 else PositionSide.SHORT,
        quantity=instrument.make_qty(float(abs(signed_lots) * to_decimal(contract))),
        avg_px_open=notional / total_lots if total_lots else None,
        report_id=UUID4(),
        ts_last=ts_init,
        ts_init=ts_init,
    )
