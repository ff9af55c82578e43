"""OHLCV frames -> Nautilus ``Bar`` and ``QuoteTick`` objects, through Nautilus' own wranglers.

Timestamps: OHLCV frames hold bar **open** times; Nautilus stamps a bar at its
**close**, so :func:`to_bars` gives every bar ``ts_event = ts_init = open + interval``.
:func:`to_quote_ticks` feeds ``QuoteTickDataWrangler.process_bar_data`` frames indexed
at the bar close with ``timestamp_is_close=True``: each bar yields four ticks (open,
high, low, close; with ``seed`` the high/low order is shuffled) at ``close - 3*offset``,
``close - 2*offset``, ``close - offset`` and ``close``, i.e. strictly inside the bar,
the close tick landing exactly on the bar's timestamp. Tick sizes are a quarter of the
bar volume (Nautilus' convention), at least one size increment.

The spread is always explicit (price units); this module never guesses it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd
from nautilus_trader.model.data import Bar, BarSpecification, BarType, QuoteTick
from nautilus_trader.model.enums import AggregationSource, BarAggregation, PriceType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.persistence.wranglers import BarDataWrangler, QuoteTickDataWrangler

from nautilus_rl_lab.data.ohlcv import OHLCV_COLUMNS, PRICE_COLUMNS, describe_row, validate_ohlcv
from nautilus_rl_lab.errors import ConfigError, DataValidationError

# Time aggregations with a fixed length (MONTH/YEAR have none, so no close time).
FIXED_TIME_AGGREGATIONS: tuple[str, ...] = (
    "MILLISECOND",
    "SECOND",
    "MINUTE",
    "HOUR",
    "DAY",
    "WEEK",
)
QUOTE_SIDES: tuple[str, ...] = ("ask", "bid", "mid")


def bar_type_for(
    instrument_id: InstrumentId | str,
    step: int = 1,
    aggregation: str = "HOUR",
    price_type: str = "ASK",
) -> BarType:
    """Return the EXTERNAL time ``BarType`` for ``instrument_id``.

    E.g. ``bar_type_for("EUR/USD.SIM")`` is ``EUR/USD.SIM-1-HOUR-ASK-EXTERNAL``.

    ``aggregation`` is a fixed-length time aggregation (``MILLISECOND`` ... ``WEEK``) and
    ``price_type`` one of ``BID``, ``ASK``, ``MID``, ``LAST`` (case-insensitive).
    Names are checked here because Nautilus' string parsers abort the process on an
    unknown name.
    """
    if isinstance(instrument_id, str):
        try:
            instrument_id = InstrumentId.from_str(instrument_id)
        except ValueError as e:
            raise ConfigError(
                f"`instrument_id` {instrument_id!r} is not 'SYMBOL.VENUE': {e}",
            ) from e
    agg = str(aggregation).upper()
    if agg not in FIXED_TIME_AGGREGATIONS:
        raise ConfigError(
            f"`aggregation` must be one of {', '.join(FIXED_TIME_AGGREGATIONS)}, "
            f"was {aggregation!r}",
        )
    price = str(price_type).upper()
    if price not in ("BID", "ASK", "MID", "LAST"):
        raise ConfigError(f"`price_type` must be one of BID, ASK, MID, LAST, was {price_type!r}")
    if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
        raise ConfigError(f"`step` must be a positive integer, was {step!r}")
    try:
        spec = BarSpecification(step, BarAggregation[agg], PriceType[price])
    except ValueError as e:
        raise ConfigError(f"`step` {step} is invalid for {agg} bars: {e}") from e
    return BarType(instrument_id, spec, AggregationSource.EXTERNAL)


def bar_interval(bar_type: BarType) -> pd.Timedelta:
    """Return the length of one bar of ``bar_type`` (e.g. ``Timedelta('1h')``)."""
    try:
        return pd.Timedelta(bar_type.spec.timedelta)
    except ValueError as e:
        raise ConfigError(
            f"`bar_type` {bar_type} has no fixed interval; expected a time aggregation "
            f"({', '.join(FIXED_TIME_AGGREGATIONS)})",
        ) from e


def _check_spacing(df: pd.DataFrame, interval: pd.Timedelta, source: str) -> None:
    """Bars may have gaps but must not overlap: consecutive opens are >= one interval apart."""
    step = np.diff(df.index.asi8)
    short = np.flatnonzero(step < interval.value)
    if short.size:
        pos = int(short[0]) + 1
        raise DataValidationError(
            f"{source}: {describe_row(df.index, pos)} opens "
            f"{pd.Timedelta(int(step[pos - 1]))} after the previous bar; expected at least "
            f"the bar interval {interval} (is the bar type right?)",
        )


def _at_close(df: pd.DataFrame, interval: pd.Timedelta) -> pd.DataFrame:
    """A copy of the OHLCV columns re-indexed at each bar's close time."""
    out = df.loc[:, list(OHLCV_COLUMNS)].copy()
    out.index = (df.index + interval).rename("timestamp")
    return out


def to_bars(df: pd.DataFrame, bar_type: BarType, instrument: Instrument) -> list[Bar]:
    """Turn an OHLCV frame into Nautilus bars (``ts_event = ts_init = open + interval``).

    Prices are rounded to ``instrument.price_precision`` and volumes to its size
    precision by Nautilus.
    """
    if bar_type.instrument_id != instrument.id:
        raise ConfigError(
            f"`bar_type` is for {bar_type.instrument_id} but `instrument` is {instrument.id}",
        )
    interval = bar_interval(bar_type)
    frame = validate_ohlcv(df)
    _check_spacing(frame, interval, "DataFrame")
    wrangler = BarDataWrangler(bar_type=bar_type, instrument=instrument)
    return wrangler.process(_at_close(frame, interval))


def bars_to_frame(bars: Sequence[Bar]) -> pd.DataFrame:
    """Turn Nautilus bars of one bar type back into an OHLCV frame (the inverse of :func:`to_bars`).

    The index holds bar open times, ``ts_event - interval``.
    """
    if not bars:
        raise DataValidationError("bars: no bars; expected at least one Nautilus `Bar`")
    bar_type = bars[0].bar_type
    other = next((b for b in bars if b.bar_type != bar_type), None)
    if other is not None:
        raise DataValidationError(
            f"bars: mixed bar types {bar_type} and {other.bar_type}; expected one bar type",
        )
    interval = bar_interval(bar_type)
    # Round to the objects' precision: `as_double` of large fixed-point values is inexact.
    columns = {
        name: np.round(
            np.fromiter((getattr(b, name).as_double() for b in bars), np.float64, len(bars)),
            getattr(bars[0], name).precision,
        )
        for name in OHLCV_COLUMNS
    }
    ts_event = np.fromiter((b.ts_event for b in bars), np.int64, len(bars))
    index = pd.DatetimeIndex(pd.to_datetime(ts_event, utc=True) - interval, name="timestamp")
    return validate_ohlcv(pd.DataFrame(columns, index=index), f"bars ({bar_type})")


def _infer_interval(df: pd.DataFrame) -> pd.Timedelta:
    if len(df) < 2:
        raise DataValidationError(
            "DataFrame: cannot infer the bar interval from a single bar; pass `interval`",
        )
    return pd.Timedelta(int(np.diff(df.index.asi8).min()))


def to_quote_ticks(
    df: pd.DataFrame,
    instrument: Instrument,
    *,
    spread: float,
    side: str = "ask",
    offset_interval_ms: int = 100,
    seed: int | None = None,
    interval: pd.Timedelta | str | None = None,
) -> list[QuoteTick]:
    """Turn an OHLCV frame into four quote ticks per bar, the last at the bar's close time.

    Parameters
    ----------
    df
        OHLCV frame (bar open times).
    instrument
        The instrument the ticks are for (precisions, size increment).
    spread
        Bid/ask spread in price units (``0.00002`` = 0.2 pips on EUR/USD); must be >= 0.
    side
        Which side ``df``'s prices are: ``"ask"`` (bid = ask - spread; the bundled
        sample), ``"bid"`` (ask = bid + spread) or ``"mid"`` (bid/ask = mid -/+ spread/2).
    offset_interval_ms
        Milliseconds between the four ticks of a bar; ``3 * offset`` must be shorter
        than the bar interval so every tick falls inside its bar.
    seed
        If given, Nautilus shuffles the high/low tick order per bar with this seed.
    interval
        Bar length; inferred as the smallest spacing of ``df``'s index when ``None``.
    """
    if not isinstance(spread, numbers.Real) or not math.isfinite(spread) or spread < 0:
        raise ConfigError(f"`spread` must be a finite price difference >= 0, was {spread!r}")
    if side not in QUOTE_SIDES:
        raise ConfigError(f"`side` must be one of {', '.join(QUOTE_SIDES)}, was {side!r}")
    if not isinstance(offset_interval_ms, int) or offset_interval_ms <= 0:
        raise ConfigError(
            f"`offset_interval_ms` must be a positive integer, was {offset_interval_ms!r}",
        )
    frame = validate_ohlcv(df)
    bar_len = _infer_interval(frame) if interval is None else pd.Timedelta(interval)
    if 3 * pd.Timedelta(milliseconds=offset_interval_ms) >= bar_len:
        raise ConfigError(
            f"`offset_interval_ms` {offset_interval_ms} puts the open tick outside a "
            f"{bar_len} bar; expected 3 * offset < bar interval",
        )
    _check_spacing(frame, bar_len, "DataFrame")
    at_close = _at_close(frame, bar_len)
    prices = list(PRICE_COLUMNS)
    bid, ask = at_close.copy(), at_close.copy()
    if side == "ask":
        bid[prices] -= spread
    elif side == "bid":
        ask[prices] += spread
    else:
        bid[prices] -= spread / 2
        ask[prices] += spread / 2
    low_bid = bid["low"].to_numpy()
    if (low_bid <= 0).any():
        pos = int(np.flatnonzero(low_bid <= 0)[0])
        raise DataValidationError(
            f"DataFrame: spread {spread} makes the bid low non-positive at "
            f"{describe_row(frame.index, pos)}; expected spread < low price",
        )
    wrangler = QuoteTickDataWrangler(instrument=instrument)
    return wrangler.process_bar_data(
        bid_data=bid,
        ask_data=ask,
        offset_interval_ms=offset_interval_ms,
        timestamp_is_close=True,
        random_seed=seed,
    )
