"""OHLCV frames -> Nautilus ``Bar`` and ``QuoteTick`` objects.

Timestamps: OHLCV frames hold bar **open** times; Nautilus stamps a bar at its
**close**, so :func:`to_bars` gives every bar ``ts_event = ts_init = open + interval``
(a calendar month for ``MONTH`` bars). The bar type must match the data: bars may have
gaps but must not overlap, and at least two consecutive bars must touch (one opens where
the previous one closes), so daily data declared as hourly bars, or hourly data as
minute bars, is refused instead of being re-stamped.

:func:`to_quote_ticks` spreads four ticks through each bar ``[open, close]``: the open
tick at ``open + open_delay_ns`` (1 ms by default, the engine's default latency), the
high and low ticks at one and two thirds of the bar (with ``seed`` their order is
shuffled per bar) and the close tick exactly at the bar's close timestamp. So an order
decided on bar t (at its close) reaches the venue with the 1 ms latency exactly when bar
t+1's open tick arrives and fills at that open, stamped at bar t+1's open + latency, and
trade reports show real times. Gaps are respected: a bar's open is its close minus the
bar interval, not the previous bar's close. Tick sizes are a quarter of the bar volume
(Nautilus' convention), at least one size increment.

Prices must be representable at the instrument's ``price_precision``: Nautilus would
otherwise round them silently (5-digit EUR/USD at precision 2 keeps 18 distinct closes
of 4,615), so such data are refused. Volumes must fit the instrument's ``size_precision``
(Nautilus' bars carry it): a volume that rounding would change by more than float32 noise
(:data:`VOLUME_RTOL` of its value, e.g. 0.5 BTC at precision 0) is refused, while exports'
float32 noise (143539993.3 for 143540000 in the bundled sample) is rounded away. The spread
is always explicit (price units, or basis points of each bar's open rounded to whole ticks:
:func:`relative_spread`); this module never guesses it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TypeAlias, cast

import numpy as np
import pandas as pd

from nautilus_rl_lab.data.ohlcv import (
    FILE_ROWS_ATTR,
    OHLCV_COLUMNS,
    PRICE_COLUMNS,
    file_rows,
    frame_source,
    row_describer,
    to_ns,
    validate_ohlcv,
)
from nautilus_rl_lab.errors import ConfigError, DataValidationError
from nautilus_rl_lab.nt.arrays import bars_from_arrays, quote_ticks_from_arrays
from nautilus_rl_lab.nt.model import (
    FIXED_PRECISION,
    AggregationSource,
    Bar,
    BarAggregation,
    BarSpecification,
    BarType,
    Instrument,
    InstrumentId,
    PriceType,
    QuoteTick,
)
from nautilus_rl_lab.nt.names import enum_member, enum_names
from nautilus_rl_lab.validation import check_choice

# Time aggregations with a fixed length, then calendar months (Nautilus uses a DateOffset).
FIXED_TIME_AGGREGATIONS: tuple[str, ...] = (
    "MILLISECOND",
    "SECOND",
    "MINUTE",
    "HOUR",
    "DAY",
    "WEEK",
)
TIME_AGGREGATIONS: tuple[str, ...] = (*FIXED_TIME_AGGREGATIONS, "MONTH")
#: Relative change below which rounding a volume to the size precision is float32 noise.
VOLUME_RTOL = 1e-6
PRICE_TYPES: tuple[str, ...] = ("BID", "ASK", "MID", "LAST")
QUOTE_SIDES: tuple[str, ...] = ("ask", "bid", "mid")
OPEN_TICK_DELAY_NS = 1_000_000  # 1 ms after the bar's open: the engine's default latency
BAR_TYPE_FORMAT = "SYMBOL.VENUE-STEP-AGGREGATION-PRICE_TYPE-SOURCE"
# The names of step, aggregation and price type in node configs (`TrainingNodeConfig`).
NODE_BAR_FIELDS: tuple[str, str, str] = ("bar_step", "bar_aggregation", "price_type")

# A bar's length: fixed, or calendar months.
BarInterval: TypeAlias = pd.Timedelta | pd.DateOffset


def bar_specification(
    step: int,
    aggregation: str,
    price_type: str,
    *,
    fields: tuple[str, str, str] = ("step", "aggregation", "price_type"),
) -> BarSpecification:
    """Return the time ``BarSpecification`` for the three names, checked before Nautilus sees them.

    Nautilus' string parsers (``bar_aggregation_from_str``) abort the process on an
    unknown name, so every name is checked here; ``fields`` names the three values in
    messages (``TrainingNodeConfig`` passes ``bar_step, bar_aggregation, price_type``).
    """
    step_field, aggregation_field, price_field = fields
    agg = str(aggregation).upper()
    check_choice(aggregation_field, agg, TIME_AGGREGATIONS)
    price = str(price_type).upper()
    check_choice(price_field, price, PRICE_TYPES)
    if not isinstance(step, int) or isinstance(step, bool) or step <= 0:
        raise ConfigError(f"`{step_field}` must be a positive integer, was {step!r}")
    try:
        return BarSpecification(
            step, enum_member(BarAggregation, agg), enum_member(PriceType, price)
        )
    except ValueError as e:
        raise ConfigError(f"`{step_field}` {step} is invalid for {agg} bars: {e}") from e


def _instrument_id(instrument_id: InstrumentId | str, field: str) -> InstrumentId:
    if isinstance(instrument_id, InstrumentId):
        return instrument_id
    try:
        return InstrumentId.from_str(instrument_id)
    except ValueError as e:
        raise ConfigError(f"`{field}` {instrument_id!r} is not 'SYMBOL.VENUE': {e}") from e


def bar_type_for(
    instrument_id: InstrumentId | str,
    step: int = 1,
    aggregation: str = "HOUR",
    price_type: str = "ASK",
) -> BarType:
    """Return the EXTERNAL time ``BarType`` for ``instrument_id``.

    E.g. ``bar_type_for("EUR/USD.SIM")`` is ``EUR/USD.SIM-1-HOUR-ASK-EXTERNAL``.

    ``aggregation`` is a time aggregation (``MILLISECOND`` ... ``WEEK``, ``MONTH``) and
    ``price_type`` one of ``BID``, ``ASK``, ``MID``, ``LAST`` (case-insensitive), checked
    by :func:`bar_specification`.
    """
    spec = bar_specification(step, aggregation, price_type)
    return BarType(_instrument_id(instrument_id, "instrument_id"), spec, AggregationSource.EXTERNAL)


def parse_bar_type(value: str, field: str = "bar_type") -> BarType:
    """Parse a bar-type string such as ``EUR/USD.SIM-1-HOUR-ASK-EXTERNAL``, checked first.

    Only time bar types are accepted; every part is validated before Nautilus' parser
    sees it (its enum parsers abort the process on unknown names).
    """
    parts = str(value).rsplit("-", 4)
    if not isinstance(value, str) or "@" in value or len(parts) != 5 or not parts[1].isdigit():
        raise ConfigError(
            f"`{field}` {value!r} is not a bar type {BAR_TYPE_FORMAT} "
            "(e.g. 'EUR/USD.SIM-1-HOUR-ASK-EXTERNAL')",
        )
    instrument, step, aggregation, price_type, source = parts
    if source not in enum_names(AggregationSource):
        raise ConfigError(
            f"`{field}` {value!r} has source {source!r}; expected EXTERNAL or INTERNAL",
        )
    try:
        spec = bar_specification(int(step), aggregation, price_type)
    except ConfigError as e:
        raise ConfigError(f"`{field}` {value!r}: {e}") from e
    return BarType(_instrument_id(instrument, field), spec, enum_member(AggregationSource, source))


def bar_interval(bar_type: BarType) -> BarInterval:
    """Return the length of one bar of ``bar_type`` (``Timedelta('1h')``; months as a ``DateOffset``)."""
    spec = bar_type.spec
    if spec.aggregation == BarAggregation.MONTH:
        return pd.DateOffset(months=spec.step)
    try:
        return pd.Timedelta(spec.timedelta)
    except ValueError as e:
        raise ConfigError(
            f"`bar_type` {bar_type} has no fixed interval; expected a time aggregation "
            f"({', '.join(TIME_AGGREGATIONS)})",
        ) from e


def _suggest_spec(spacing: pd.Timedelta) -> str:
    """The bar specification whose length is ``spacing`` (``'1-DAY'``), for messages."""
    if pd.Timedelta(days=28) <= spacing <= pd.Timedelta(days=31):
        return "1-MONTH"
    for unit, length in (
        ("WEEK", pd.Timedelta(weeks=1)),
        ("DAY", pd.Timedelta(days=1)),
        ("HOUR", pd.Timedelta(hours=1)),
        ("MINUTE", pd.Timedelta(minutes=1)),
        ("SECOND", pd.Timedelta(seconds=1)),
        ("MILLISECOND", pd.Timedelta(milliseconds=1)),
    ):
        if spacing >= length and spacing % length == pd.Timedelta(0):
            return f"{spacing // length}-{unit}"
    return f"{spacing}"


def check_bar_spacing(
    df: pd.DataFrame, interval: BarInterval, source: str, declared: str | None = None
) -> None:
    """Refuse bars that overlap (shorter than ``interval``) or never touch (longer than it).

    Gaps are normal, but if no bar opens where the previous one closes the data are
    coarser than the bar type says (daily bars declared ``HOUR``) and would be re-stamped.
    """
    if len(df) < 2:
        return
    opens = to_ns(df.index)
    closes = to_ns(df.index + interval)
    spacing = np.diff(opens)
    gap = opens[1:] - closes[:-1]
    what = declared or f"bars of {interval}"
    describe = row_describer(df)
    overlap = np.flatnonzero(gap < 0)
    if overlap.size:
        pos = int(overlap[0]) + 1
        raise DataValidationError(
            f"{source}: {describe(pos)} opens {pd.Timedelta(int(spacing[pos - 1]))} "
            f"after the previous bar, before that bar closes; the data are finer than "
            f"{what} (expected bars at least the bar interval {interval} apart; is the bar "
            "type right?)",
        )
    if (gap > 0).all():
        pos = int(np.argmin(spacing)) + 1
        shortest = pd.Timedelta(int(spacing[pos - 1]))
        raise DataValidationError(
            f"{source}: the data's bars are at least {shortest} apart (e.g. at "
            f"{describe(pos)}) but the bar type says {what}: no bar opens where "
            f"the previous one closes; declare the bar type the data have (e.g. "
            f"{_suggest_spec(shortest)}) or resample the data",
        )


def _month_opens(
    closes: pd.DatetimeIndex, months: int, source: str, df: pd.DataFrame
) -> np.ndarray:
    """Open times of ``months``-month bars stamped at their close: a month's first instant
    (``2020-02-01 00:00`` closes January) or a date on the month's last day (``2020-01-31``,
    month-end labels) both close the month that ends there."""
    midnight = closes.normalize()
    month_start = (closes.day == 1) & (closes == midnight)
    next_day = midnight + pd.Timedelta(days=1)
    month_end = next_day.day == 1
    bad = np.flatnonzero(~(month_start | month_end))
    if bad.size:
        pos = int(bad[0])
        raise DataValidationError(
            f"{source}: {row_describer(df)(pos)} is not the close of a calendar month "
            f"({bad.size} rows affected); expected a month's first instant (2020-02-01 00:00 "
            "closes January) or a date on a month's last day (2020-01-31, a month-end label)",
        )
    ends = closes.where(month_start, next_day)  # the instant each bar closes
    return to_ns(ends - pd.DateOffset(months=months))


def close_to_open_times(df: pd.DataFrame, interval: BarInterval) -> pd.DataFrame:
    """``df`` (validated, stamped at each bar's **close**) re-stamped at bar open times.

    Fixed intervals: open = close - interval. Months: see :func:`_month_opens` (month-end
    date labels such as pandas' ``resample("ME")`` output are closes too). A file's line
    numbers (:class:`~nautilus_rl_lab.data.ohlcv.FileRows`) follow the rows.
    """
    frame = validate_ohlcv(df)
    source = frame_source(frame)
    if isinstance(interval, pd.DateOffset):
        opens = _month_opens(frame.index, int(interval.months), source, frame)
    else:
        opens = to_ns(frame.index - interval)
    out = frame.copy()
    out.index = pd.DatetimeIndex(pd.to_datetime(opens, utc=True), name=frame.index.name)
    rows = file_rows(frame)
    if rows is not None:
        out.attrs[FILE_ROWS_ATTR] = rows.restamped(frame.index, out.index)
    return out


def _off_grid(values: np.ndarray, decimals: int, rtol: float = 1e-12) -> np.ndarray:
    """Which values are not a whole number of ``10**-decimals`` (beyond ``rtol`` of noise)."""
    scaled = values * 10.0**decimals
    return np.abs(scaled - np.round(scaled)) > np.maximum(1e-6, np.abs(scaled) * rtol)


def _decimals(values: np.ndarray, at_least: int) -> int | None:
    """The fewest decimals (> ``at_least``) that hold every value exactly; ``None``: more than 16."""
    return next((d for d in range(at_least + 1, 17) if not _off_grid(values, d).any()), None)


def check_price_precision(df: pd.DataFrame, instrument: Instrument, source: str) -> None:
    """Refuse prices that Nautilus would round at ``instrument.price_precision``."""
    precision = instrument.price_precision
    describe = row_describer(df)
    for col in PRICE_COLUMNS:
        values = df[col].to_numpy(dtype=np.float64)
        off = _off_grid(values, precision)
        if not off.any():
            continue
        pos = int(np.flatnonzero(off)[0])
        needed = _decimals(values, precision)
        fix = (
            f"set the instrument's `price_precision` to {needed}"
            if needed is not None and needed <= FIXED_PRECISION
            else f"round the data to at most {FIXED_PRECISION} decimals"
        )
        rounded = np.round(values, precision)
        raise DataValidationError(
            f"{source}: `{col}` has {needed or 'more than 16'} decimals (e.g. {float(values[pos])!r} "
            f"at {describe(pos)}) but the instrument's `price_precision` is "
            f"{precision}: Nautilus would round it to {float(rounded[pos])!r} "
            f"({np.unique(values).size} distinct values would become "
            f"{np.unique(rounded).size}); {fix}",
        )


def check_volume_precision(df: pd.DataFrame, instrument: Instrument, source: str) -> None:
    """Refuse volumes that rounding to ``instrument.size_precision`` would change materially."""
    precision = instrument.size_precision
    values = df["volume"].to_numpy(dtype=np.float64)
    off = _off_grid(values, precision, VOLUME_RTOL)
    if not off.any():
        return
    pos = int(np.flatnonzero(off)[0])
    needed = _decimals(values, precision)
    raise DataValidationError(
        f"{source}: `volume` {float(values[pos])!r} at {row_describer(df)(pos)} is not a "
        f"whole number of the instrument's size increment (`size_precision` {precision}): "
        f"Nautilus would round it to {float(np.round(values[pos], precision))!r} "
        f"({int(off.sum())} volumes affected); set `size_precision` to "
        f"{needed or FIXED_PRECISION} or round the volumes yourself",
    )


def to_bars(df: pd.DataFrame, bar_type: BarType, instrument: Instrument) -> list[Bar]:
    """Turn an OHLCV frame into Nautilus bars (``ts_event = ts_init = open + interval``).

    Prices must be exact at ``instrument.price_precision`` (see
    :func:`check_price_precision`), volumes at its size precision up to float32 noise
    (:func:`check_volume_precision`).
    """
    if bar_type.instrument_id != instrument.id:
        raise ConfigError(
            f"`bar_type` is for {bar_type.instrument_id} but `instrument` is {instrument.id}",
        )
    interval = bar_interval(bar_type)
    frame = validate_ohlcv(df)
    source = frame_source(frame)
    check_bar_spacing(frame, interval, source, f"{bar_type.spec} bars")
    check_price_precision(frame, instrument, source)
    check_volume_precision(frame, instrument, source)
    ts = to_ns(frame.index + interval).astype(np.uint64)
    # Writable float64 copies: Nautilus' memoryviews refuse pandas' read-only (copy-on-write) arrays.
    columns = [np.array(frame[col], dtype=np.float64) for col in OHLCV_COLUMNS]
    return bars_from_arrays(
        bar_type, instrument.price_precision, instrument.size_precision, columns, ts
    )


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
    return pd.Timedelta(int(np.diff(to_ns(df.index)).min()))


def _quote_sides(
    frame: pd.DataFrame, spread: float | np.ndarray, side: str
) -> tuple[np.ndarray, np.ndarray]:
    """Bid and ask prices, shape (bars, 4) in open/high/low/close order, from one side and a
    spread (one for all bars, or one per bar)."""
    given = frame[list(PRICE_COLUMNS)].to_numpy(dtype=np.float64)
    width = np.asarray(spread, dtype=np.float64).reshape(-1, 1)
    lower, upper = {"ask": (width, 0.0), "bid": (0.0, width), "mid": (width / 2, width / 2)}[side]
    return given - lower, given + upper


def _check_spread(spread: float, side: str, instrument: Instrument) -> None:
    if not isinstance(spread, numbers.Real) or not math.isfinite(spread) or spread < 0:
        raise ConfigError(f"`spread` must be a finite price difference >= 0, was {spread!r}")
    if _off_grid(np.array([spread / 2 if side == "mid" else spread]), instrument.price_precision)[
        0
    ]:
        raise ConfigError(
            f"`spread` {spread!r} ({'half of it' if side == 'mid' else 'it'} on each side) is "
            f"not a whole number of ticks at the instrument's `price_precision` "
            f"{instrument.price_precision}: Nautilus would round the quotes",
        )


def relative_spread(
    frame: pd.DataFrame, spread_bps: float, side: str, instrument: Instrument
) -> np.ndarray:
    """Each bar's spread in price units: ``spread_bps`` basis points of its open price.

    Quotes are whole ticks, so each bar's spread (its half for ``side="mid"``) is rounded to
    the nearest tick; a spread under one tick at some bar cannot be quoted (rounding would drop
    or inflate it) and is refused, naming the bar and the smallest spread that would do.
    """
    if not isinstance(spread_bps, numbers.Real) or not math.isfinite(spread_bps) or spread_bps < 0:
        raise ConfigError(f"`spread_bps` must be a finite number >= 0, was {spread_bps!r}")
    opens = frame["open"].to_numpy(dtype=np.float64)
    parts = 2 if side == "mid" else 1  # mid quotes put half the spread on each side
    ticks = opens * spread_bps / 1e4 / parts * 10.0**instrument.price_precision
    short = np.flatnonzero((ticks < 1) & (spread_bps > 0))
    if short.size:
        pos = int(short[0])
        smallest = parts * 1e4 / (opens[pos] * 10.0**instrument.price_precision)
        raise ConfigError(
            f"`spread_bps` {spread_bps} is less than one tick ({10.0**-instrument.price_precision:g} "
            f"at `price_precision` {instrument.price_precision}"
            f"{' on each side' if parts == 2 else ''}) at {row_describer(frame)(pos)}, open "
            f"{float(opens[pos])!r} ({short.size} bars affected): the quotes would round it away; "
            f"use at least {smallest:.3g} bp or a larger `price_precision`",
        )
    return np.round(ticks) * parts / 10.0**instrument.price_precision


def to_quote_ticks(
    df: pd.DataFrame,
    instrument: Instrument,
    *,
    spread: float | None = None,
    side: str = "ask",
    open_delay_ns: int = OPEN_TICK_DELAY_NS,
    seed: int | None = None,
    interval: BarInterval | str | None = None,
    spread_bps: float | None = None,
) -> list[QuoteTick]:
    """Turn an OHLCV frame into four quote ticks per bar spread through the bar (module docstring).

    Parameters
    ----------
    df
        OHLCV frame (bar open times).
    instrument
        The instrument the ticks are for (precisions, size increment).
    spread
        Bid/ask spread in price units (``0.00002`` = 0.2 pips on EUR/USD); must be >= 0
        and exact at the instrument's price precision (half of it for ``side="mid"``).
    side
        Which side ``df``'s prices are: ``"ask"`` (bid = ask - spread; the bundled
        sample), ``"bid"`` (ask = bid + spread) or ``"mid"`` (bid/ask = mid -/+ spread/2).
    open_delay_ns
        Nanoseconds from the bar's open to its open tick (>= 0, less than a third of the
        bar): the default 1 ms equals the engine's default latency, so an order decided at
        the previous close fills at this open, stamped open + 1 ms.
    seed
        If given, the high/low tick order is shuffled per bar with this seed.
    interval
        Bar length (``"1h"``, a ``Timedelta``, or a ``DateOffset`` for months); inferred
        as the smallest spacing of ``df``'s index when ``None``.
    spread_bps
        Instead of ``spread``: a spread relative to the price, in basis points of each bar's
        open (see :func:`relative_spread`). Exactly one of ``spread`` and ``spread_bps``.
    """
    if (spread is None) == (spread_bps is None):
        raise ConfigError(
            f"give exactly one of `spread` (price units) and `spread_bps` (basis points), "
            f"got spread={spread!r}, spread_bps={spread_bps!r}",
        )
    check_choice("side", side, QUOTE_SIDES)
    if spread is not None:
        _check_spread(spread, side, instrument)
    if not isinstance(open_delay_ns, int) or isinstance(open_delay_ns, bool) or open_delay_ns < 0:
        raise ConfigError(f"`open_delay_ns` must be an integer >= 0, was {open_delay_ns!r}")
    frame = validate_ohlcv(df)
    source = frame_source(frame)
    if interval is None:
        bar_len: BarInterval = _infer_interval(frame)
    elif isinstance(interval, str):
        try:
            bar_len = pd.Timedelta(interval)
        except ValueError as e:
            raise ConfigError(
                f"`interval` {interval!r} is not a time span such as '1h' (pass a "
                "`pd.DateOffset(months=1)` for months)",
            ) from e
    else:
        bar_len = interval
    check_bar_spacing(frame, bar_len, source)
    check_price_precision(frame, instrument, source)
    opens = to_ns(frame.index)
    closes = to_ns(frame.index + bar_len)
    length = closes - opens
    if (3 * open_delay_ns >= length).any():
        raise ConfigError(
            f"`open_delay_ns` {open_delay_ns} does not leave room for the high and low ticks "
            f"in a {pd.Timedelta(int(length.min()))} bar; expected less than a third of the bar",
        )
    widths: float | np.ndarray = (
        spread
        if spread is not None
        else relative_spread(frame, cast(float, spread_bps), side, instrument)
    )
    bid, ask = _quote_sides(frame, widths, side)
    low_bid = bid[:, 2]
    if (low_bid <= 0).any():
        pos = int(np.flatnonzero(low_bid <= 0)[0])
        raise DataValidationError(
            f"{source}: spread {spread if spread is not None else f'{spread_bps} bp'} makes the "
            f"bid low non-positive at {row_describer(frame)(pos)}; expected spread < low price",
        )
    times = np.column_stack(
        [opens + open_delay_ns, opens + length // 3, opens + 2 * (length // 3), closes]
    )
    if seed is not None:  # swap the high and low prices of randomly chosen bars
        swap = np.random.default_rng(seed).random(len(frame)) < 0.5
        for prices in (bid, ask):
            prices[swap, 1], prices[swap, 2] = prices[swap, 2], prices[swap, 1].copy()
    size = np.round(
        np.maximum(frame["volume"].to_numpy() / 4.0, float(instrument.size_increment)),
        instrument.size_precision,
    )
    sizes = np.repeat(size, 4)
    ts = np.ascontiguousarray(times.ravel(), dtype=np.uint64)
    return quote_ticks_from_arrays(
        instrument.id,
        instrument.price_precision,
        instrument.size_precision,
        (bid.ravel(), ask.ravel()),
        sizes,
        ts,
    )
