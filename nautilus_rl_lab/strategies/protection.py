"""Venue-side stop-loss/take-profit: the order to a target as an OTO with OUO protective children.

`submit_protected` sends the market order that moves the net position to `target` as the
parent of a Nautilus contingent order list (OTO): its children, a stop-market (or trailing
stop-market) stop-loss and a limit take-profit linked one-updates-other (OUO), are released
by the venue when the parent fills and cover the whole new position (`reduce_only`). The venue
then fills them inside the bar where a quote tick crosses them: at the stop/limit price, or at
the gap tick when a bar opens beyond it (the backtest venue sees four quote ticks per bar:
open, high, low, close). Nautilus' `order_factory.bracket` sizes the children like the entry,
which is wrong on a reversal or a scale-in, hence the list is built here.

Decisions: the exit prices are set from the decision close (the price the agent saw; the
market order fills at the next open, so the distance to the actual fill differs by the gap);
the trailing stop trails at the stop-loss distance in basis points of the market. Before any
new order to a target, the open protective orders are cancelled (the new order carries its
own). An entry that only reduces the position is reduce-only; on a flip the close goes out on
its own, reduce-only, before the protected entry of the new side (`strategies.execution`). On MT5 the MT5 execution client maps the children to the position's `sl`/`tp`
(`adapters.metatrader5.parsing.protection`): the terminal closes the position and the close
comes back as the child's fill; MT5 has no server-side trailing stop, so `trailing_stop` is
refused there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_rl_lab.nt.core import UUID4
from nautilus_rl_lab.nt.model import (
    ClientOrderId,
    ContingencyType,
    Instrument,
    LimitOrder,
    MarketOrder,
    Order,
    OrderListId,
    OrderSide,
    Quantity,
    StopMarketOrder,
    TimeInForce,
    TrailingOffsetType,
    TrailingStopMarketOrder,
    TriggerType,
)
from nautilus_rl_lab.nt.trading import Strategy
from nautilus_rl_lab.strategies.risk import RiskLimits

STOP_LOSS_TAG = "STOP_LOSS"
TAKE_PROFIT_TAG = "TAKE_PROFIT"
PROTECTIVE_TAGS = (STOP_LOSS_TAG, TAKE_PROFIT_TAG)
BASIS_POINTS = Decimal(10_000)


def protective_rule(order: Order) -> str | None:
    """`stop_loss`/`take_profit` for a protective order, `None` for any other order."""
    tags = order.tags or []
    for tag in PROTECTIVE_TAGS:
        if tag in tags:
            return tag.lower()
    return None


def cancel_protection(strategy: Strategy, instrument: Instrument) -> None:
    """Cancel the strategy's open protective orders on `instrument`."""
    orders = strategy.cache.orders_open(instrument_id=instrument.id, strategy_id=strategy.id)
    protective = [order for order in orders if protective_rule(order) is not None]
    for order in protective:
        strategy.cancel_order(order.client_order_id)


def submit_protected(
    strategy: Strategy,
    instrument: Instrument,
    side: OrderSide,
    quantity: Quantity,
    target: float,
    close: float,
    limits: RiskLimits,
    *,
    reduce_only: bool = False,
) -> MarketOrder:
    """Submit the market order (`side`, `quantity`) with OUO stop-loss/take-profit for `target`;
    return it. `reduce_only`: the entry only reduces the position (see `strategies.execution`)."""
    factory = strategy.order_factory
    common: dict[str, Any] = {
        "trader_id": strategy.trader_id,
        "strategy_id": strategy.id,
        "instrument_id": instrument.id,
        "ts_init": strategy.clock.timestamp_ns(),
        # 1.221's defaults, which NautilusTrader 2's order constructors require
        "time_in_force": TimeInForce.GTC,
        "quote_quantity": False,
    }
    entry_id = factory.generate_client_order_id()
    list_id = OrderListId(f"OL-{entry_id.value}")
    sl_id = factory.generate_client_order_id() if limits.stop_loss is not None else None
    tp_id = factory.generate_client_order_id() if limits.take_profit is not None else None
    child_ids = [i for i in (sl_id, tp_id) if i is not None]
    direction = 1.0 if target > 0 else -1.0

    def child(own: ClientOrderId, tag: str) -> dict[str, Any]:
        siblings = [i for i in child_ids if i != own]
        return {
            **common,
            "init_id": UUID4(),
            "client_order_id": own,
            "order_side": OrderSide.SELL if target > 0 else OrderSide.BUY,
            "quantity": instrument.make_qty(abs(target)),
            "contingency_type": ContingencyType.OUO if siblings else ContingencyType.NO_CONTINGENCY,
            "order_list_id": list_id,
            "linked_order_ids": siblings or None,
            "parent_order_id": entry_id,
            "reduce_only": True,
            "tags": [tag],
        }

    children: list[Order] = []
    if sl_id is not None and limits.stop_loss is not None:
        trigger = instrument.make_price(close * (1.0 - direction * limits.stop_loss))
        if limits.trailing_stop:
            children.append(
                TrailingStopMarketOrder(
                    trigger_price=trigger,
                    trigger_type=TriggerType.BID_ASK,  # the venue trails on quotes (no trades)
                    trailing_offset=Decimal(str(limits.stop_loss)) * BASIS_POINTS,
                    trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
                    **child(sl_id, STOP_LOSS_TAG),
                )
            )
        else:
            children.append(
                StopMarketOrder(
                    trigger_price=trigger,
                    trigger_type=TriggerType.DEFAULT,
                    **child(sl_id, STOP_LOSS_TAG),
                )
            )
    if tp_id is not None and limits.take_profit is not None:
        price = instrument.make_price(close * (1.0 + direction * limits.take_profit))
        children.append(LimitOrder(price=price, post_only=False, **child(tp_id, TAKE_PROFIT_TAG)))
    entry = MarketOrder(
        order_side=side,
        quantity=quantity,
        client_order_id=entry_id,
        contingency_type=ContingencyType.OTO,
        order_list_id=list_id,
        linked_order_ids=child_ids,
        reduce_only=reduce_only,
        tags=["ENTRY"],
        init_id=UUID4(),
        **common,
    )
    strategy.submit_order_list([entry, *children])
    return entry
