"""MT5 ticks and rates → Nautilus `QuoteTick` and `Bar`; `BarType` ⇄ MT5 timeframe.

Decisions:

- A tick whose bid *and* ask are zero (the terminal's placeholder right after
  `symbol_select`) gives no quote (`None`). FX/CFD ticks carry ``last = 0``: they are
  quotes, never trades.
- Quote sizes: MT5 quotes have no depth. The size is `volume_real` when the broker sends
  it, else one lot (in units), so downstream code never sees a zero-size quote.
- Rates rows are stamped with the bar OPEN time by MT5; Nautilus stamps bars at their
  CLOSE, so ``ts_event = open + timeframe``. Only externally aggregated ``BID`` (and
  ``LAST`` for exchange symbols) bars of a fixed-length MT5 timeframe are supported,
  e.g. ``EURUSD.MT5-1-HOUR-BID-EXTERNAL``. Bar volume is `real_volume` when non-zero,
  else `tick_volume`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nautilus_rl_lab.adapters.metatrader5.parsing.common import (
    NANOS_IN_SECOND,
    server_msc_to_unix_nanos,
    server_secs_to_unix_nanos,
)
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.server_time import ServerTime
from nautilus_rl_lab.mt5.structures import Tick
from nautilus_rl_lab.nt.model import (
    AggregationSource,
    Bar,
    BarAggregation,
    BarSpecification,
    BarType,
    Instrument,
    PriceType,
    QuoteTick,
)

_AGGREGATION_SECONDS = {
    BarAggregation.MINUTE: 60,
    BarAggregation.HOUR: 3_600,
    BarAggregation.DAY: 86_400,
    BarAggregation.WEEK: 604_800,
}
_TIMEFRAME_BY_SECONDS = {secs: tf for tf, secs in mt5c.TIMEFRAME_SECONDS.items()}
_SUPPORTED_PRICE_TYPES = (PriceType.BID, PriceType.LAST)


def bar_type_to_timeframe(bar_type: BarType) -> int:
    """Return the MT5 `TIMEFRAME_*` of a bar type, or raise `ValueError` saying what works."""
    spec = bar_type.spec
    if bar_type.aggregation_source != AggregationSource.EXTERNAL:
        raise ValueError(
            f"MT5 bars are aggregated by the terminal: use an EXTERNAL bar type, was {bar_type}",
        )
    if spec.price_type not in _SUPPORTED_PRICE_TYPES:
        raise ValueError(
            f"MT5 rates are BID bars (LAST for exchange symbols); {bar_type} asks for "
            f"{spec.price_type.name}",
        )
    unit = _AGGREGATION_SECONDS.get(spec.aggregation)
    timeframe = _TIMEFRAME_BY_SECONDS.get(spec.step * unit) if unit else None
    if timeframe is None:
        raise ValueError(
            f"{bar_type} has no MT5 timeframe; use M1..M30, H1..H12, D1 or W1 "
            "(e.g. `EURUSD.MT5-1-HOUR-BID-EXTERNAL`)",
        )
    return timeframe


def timeframe_to_bar_spec(
    timeframe: int, price_type: PriceType = PriceType.BID
) -> BarSpecification:
    """Return the Nautilus bar specification of an MT5 timeframe."""
    seconds = mt5c.timeframe_seconds(timeframe)
    for aggregation in (BarAggregation.WEEK, BarAggregation.DAY, BarAggregation.HOUR):
        unit = _AGGREGATION_SECONDS[aggregation]
        if seconds % unit == 0:
            return BarSpecification(seconds // unit, aggregation, price_type)
    return BarSpecification(seconds // 60, BarAggregation.MINUTE, price_type)


def is_empty_tick(tick: Tick | None) -> bool:
    """Return whether a tick is missing or the all-zero placeholder."""
    return tick is None or (not tick.bid and not tick.ask)


def tick_to_quote_tick(
    tick: Tick,
    instrument: Instrument,
    ts_init: int,
    server_time: ServerTime | int = 0,
) -> QuoteTick | None:
    """Convert `symbol_info_tick()` to a `QuoteTick` (None for an empty/one-sided tick).

    ``ts_init=0`` stamps the quote's `ts_init` with its event time (historical requests).
    """
    if is_empty_tick(tick) or tick.bid <= 0 or tick.ask <= 0:
        return None
    time_msc = tick.time_msc or int(tick.time) * 1000
    size = _quote_size(instrument, float(tick.volume_real))
    ts_event = server_msc_to_unix_nanos(time_msc, server_time)
    return QuoteTick(
        instrument_id=instrument.id,
        bid_price=instrument.make_price(tick.bid),
        ask_price=instrument.make_price(tick.ask),
        bid_size=size,
        ask_size=size,
        ts_event=ts_event,
        ts_init=ts_init or ts_event,
    )


def ticks_to_quote_ticks(
    ticks: Any,
    instrument: Instrument,
    ts_init: int,
    server_time: ServerTime | int = 0,
) -> list[QuoteTick]:
    """Convert a `copy_ticks_*` array to quotes, skipping empty and one-sided rows."""
    if ticks is None or len(ticks) == 0:
        return []
    names = ticks.dtype.names
    quotes: list[QuoteTick] = []
    for row in ticks:
        tick = Tick(**{name: row[name].item() for name in names if name in Tick._fields})
        quote = tick_to_quote_tick(tick, instrument, ts_init, server_time)
        if quote is not None:
            quotes.append(quote)
    return quotes


def _quote_size(instrument: Instrument, volume_lots: float):
    contract = float(instrument.info.get("trade_contract_size") or 1.0) if instrument.info else 1.0
    lots = volume_lots if volume_lots > 0 else 1.0
    return instrument.make_qty(lots * contract)


def rates_to_bars(
    rates: np.ndarray | None,
    bar_type: BarType,
    instrument: Instrument,
    ts_init: int,
    server_time: ServerTime | int = 0,
    timeframe_secs: int | None = None,
) -> list[Bar]:
    """Convert a `copy_rates_*` array (rows stamped at OPEN) to bars stamped at CLOSE.

    ``ts_init=0`` stamps each bar's `ts_init` with its close (historical requests).
    """
    if rates is None or len(rates) == 0:
        return []
    if timeframe_secs is None:
        timeframe_secs = mt5c.timeframe_seconds(bar_type_to_timeframe(bar_type))
    bars: list[Bar] = []
    for row in rates:
        real_volume = float(row["real_volume"])
        volume = real_volume if real_volume > 0 else float(row["tick_volume"])
        ts_event = server_secs_to_unix_nanos(int(row["time"]), server_time)
        ts_event += timeframe_secs * NANOS_IN_SECOND
        bars.append(
            Bar(
                bar_type=bar_type,
                open=instrument.make_price(float(row["open"])),
                high=instrument.make_price(float(row["high"])),
                low=instrument.make_price(float(row["low"])),
                close=instrument.make_price(float(row["close"])),
                volume=instrument.make_qty(volume),
                ts_event=ts_event,
                ts_init=ts_init or ts_event,
            ),
        )
    return bars
