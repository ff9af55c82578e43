"""`GapFillModel`: a stop that a bar *opens* beyond fills at that open, not at the stop price.

Nautilus 1.221's L1 matching fills a triggered stop-market order at its trigger price whatever
quote triggered it. The venue here sees four quote ticks per bar (open, high, low, close;
`data.wrangling.to_quote_ticks`): inside a bar the price is taken to move continuously from
tick to tick, so a stop crossed by the high or low tick fills at the stop price (Nautilus'
rule), but between one bar's close and the next bar's open the price jumps, so a stop that the
open tick is already beyond fills at that open quote (the gap), as on a real venue. This model
returns a one-level book at the current quote for exactly that case (Nautilus'
`FillModel.get_orderbook_for_fill_simulation` hook) and leaves every other fill to Nautilus.
"""

from __future__ import annotations

from collections.abc import Iterable

from nautilus_rl_lab.nt.common import Clock
from nautilus_rl_lab.nt.execution import FillModel
from nautilus_rl_lab.nt.model import (
    BookOrder,
    BookType,
    Instrument,
    Order,
    OrderBook,
    OrderSide,
    OrderType,
    Price,
    Quantity,
)

STOP_TYPES = (OrderType.STOP_MARKET, OrderType.TRAILING_STOP_MARKET)
UNLIMITED = 1_000_000_000


class GapFillModel(FillModel):
    """Nautilus' default fills, except stops triggered at a bar's open tick fill at that quote."""

    def __init__(self, open_tick_timestamps: Iterable[int], clock: Clock) -> None:
        super().__init__()
        self._open_ts = frozenset(open_tick_timestamps)
        self._clock = clock

    def get_orderbook_for_fill_simulation(
        self, instrument: Instrument, order: Order, best_bid: Price, best_ask: Price
    ) -> OrderBook | None:
        if order.order_type not in STOP_TYPES or self._clock.timestamp_ns() not in self._open_ts:
            return None
        book = OrderBook(instrument_id=instrument.id, book_type=BookType.L2_MBP)
        size = Quantity(UNLIMITED, instrument.size_precision)
        for order_id, (side, price) in enumerate(
            ((OrderSide.BUY, best_bid), (OrderSide.SELL, best_ask)), start=1
        ):
            # Positional: (ts_event, flags, sequence) on 1.221, (flags, sequence, ts_event) on 2.0.
            book.add(BookOrder(side=side, price=price, size=size, order_id=order_id), 0, 0, 0)
        return book
