"""`GapFillModel`: a stop fills at its price inside a bar, and at the open when a bar opens beyond it.

The venue here sees four quote ticks per bar (open, high, low, close;
`data.wrangling.to_quote_ticks`): inside a bar the price is taken to move continuously from
tick to tick, so a stop crossed by the high or low tick fills at the stop price, but between one
bar's close and the next bar's open the price jumps, so a stop that the open tick is already
beyond fills at that open quote (the gap), as on a real venue. NautilusTrader 2.0.0rc6 fills a
stop triggered by a quote tick at that quote (its matching engine fills at the trigger price only
inside bars it splits into ticks itself, `fill_at_market` otherwise): a stop crossed by a bar's
low tick would fill at the low, a price the market only passed through after the stop. So for a
stop-market (or trailing stop-market) order this model returns a one-level book (Nautilus'
`FillModel.get_orderbook_for_fill_simulation` hook): at the open quote for a gap, at the stop's
(current, so trailed) trigger price for a stop triggered inside a bar (Nautilus 1.221's fill);
it leaves every other fill to Nautilus.

No fill without a quote: every fill happens at a quote tick of the order's own instrument (the
venue fills as ticks arrive; in an engine trading several instruments an order reaching the venue
at another instrument's tick would fill at its own instrument's last, stale quote). NautilusTrader 2.0.0rc6's `end()` (so a plain `run()`) also processes the orders still
in flight when the data ends, at their arrival time, against the last quote (a price from
before they arrived); at such a time, no tick of the data, this model offers an empty book, so
the order is rejected instead of filled at a stale price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import cast

import numpy as np

from nautilus_rl_lab.nt.common import Clock
from nautilus_rl_lab.nt.execution import FillModel
from nautilus_rl_lab.nt.model import (
    BookOrder,
    BookType,
    Instrument,
    InstrumentId,
    Order,
    OrderBook,
    OrderSide,
    OrderType,
    Price,
    Quantity,
    StopMarketOrder,
)

STOP_TYPES = (OrderType.STOP_MARKET, OrderType.TRAILING_STOP_MARKET)
UNLIMITED = 1_000_000_000


class GapFillModel(FillModel):
    """Nautilus' default fills, except stops triggered at a bar's open tick fill at that quote and
    nothing fills at a time without a quote tick."""

    def __init__(
        self,
        open_tick_timestamps: Mapping[InstrumentId, Iterable[int]],
        clock: Clock,
        tick_timestamps: Mapping[InstrumentId, Iterable[int]],
    ) -> None:
        super().__init__()
        self._open_ts = {i: frozenset(ts) for i, ts in open_tick_timestamps.items()}
        self._tick_ts = {
            i: np.unique(np.fromiter(ts, dtype=np.int64)) for i, ts in tick_timestamps.items()
        }
        self._clock = clock

    # 2.0's stub types the hook's arguments as Any and the prices as optional; the engine
    # always passes the instrument, the order and both prices
    def get_orderbook_for_fill_simulation(  # type: ignore[override]
        self, instrument: Instrument, order: Order, best_bid: Price, best_ask: Price
    ) -> OrderBook | None:
        now = self._clock.timestamp_ns()
        if not self._has_tick(instrument.id, now):
            return OrderBook(instrument_id=instrument.id, book_type=BookType.L2_MBP)
        if order.order_type not in STOP_TYPES:
            return None
        if now in self._open_ts[instrument.id]:  # a gap: the open quote
            return _one_level_book(instrument, best_bid, best_ask)
        # crossed inside the bar: the stop's price (a trailing stop's is set once it triggers)
        trigger = cast("StopMarketOrder", order).trigger_price
        return _one_level_book(instrument, trigger, trigger)

    def _has_tick(self, instrument_id: InstrumentId, ts: int) -> bool:
        """Whether the data holds a quote tick of `instrument_id` at `ts`."""
        ticks = self._tick_ts.get(instrument_id)
        if ticks is None:
            return False
        i = int(np.searchsorted(ticks, ts))
        return i < len(ticks) and int(ticks[i]) == ts


def _one_level_book(instrument: Instrument, bid: Price, ask: Price) -> OrderBook:
    """A book with unlimited size at `bid` and `ask`: any order fills there in full."""
    book = OrderBook(instrument_id=instrument.id, book_type=BookType.L2_MBP)
    size = Quantity(UNLIMITED, instrument.size_precision)
    for order_id, (side, price) in enumerate(((OrderSide.BUY, bid), (OrderSide.SELL, ask)), 1):
        # Positional: (flags, sequence, ts_event).
        book.add(BookOrder(side=side, price=price, size=size, order_id=order_id), 0, 0, 0)
    return book
