"""The OHLCV frame convention and its validation.

Every loader and synthetic generator in :mod:`nautilus_rl_lab.data` returns the same
pandas frame:

- columns ``open, high, low, close, volume`` (``float64``, in this order);
- a tz-aware UTC :class:`pandas.DatetimeIndex` named ``timestamp`` holding the bar
  **open** time (as in the bundled CSV and in MT5 rates), strictly increasing.

Gaps (weekends, missing hours) are normal and accepted. Nautilus stamps bars at their
*close*; the conversion happens in :mod:`nautilus_rl_lab.data.wrangling`, never here.

Errors raise :class:`~nautilus_rl_lab.errors.DataValidationError` naming the source,
the row (position and timestamp; for files, the 1-based line number) and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from nautilus_rl_lab.errors import DataValidationError

OHLCV_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")
PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close")
INDEX_NAME = "timestamp"

# Describes row `pos` (0-based position in the frame) for error messages.
RowLabel = Callable[[int], str]


def describe_row(index: pd.Index, pos: int) -> str:
    """``row <pos> (position, 0-based; timestamp <index[pos]>)`` for error messages."""
    return f"row {pos} (position, 0-based; timestamp {index[pos]})"


def _position_label(pos: int) -> str:
    return f"row {pos} (position, 0-based)"


def _fail(source: str, what: str, rows: np.ndarray, row_label: RowLabel, expected: str) -> None:
    """Raise for the first offending row, with the total count of offending rows."""
    positions = np.flatnonzero(rows)
    if positions.size == 0:
        return
    more = f" ({positions.size} rows affected)" if positions.size > 1 else ""
    raise DataValidationError(
        f"{source}: {what} at {row_label(int(positions[0]))}{more}; expected {expected}",
    )


def map_columns(
    columns: Sequence[str],
    column_map: Mapping[str, str] | None,
    source: str,
) -> dict[str, str]:
    """Return ``{source column: canonical name}`` for the OHLCV columns found in ``columns``.

    ``column_map`` (file/frame column -> canonical name) takes precedence; the remaining
    canonical names are matched case-insensitively (``Open`` -> ``open``). Keys of
    ``column_map`` are matched case-insensitively too.
    """
    by_lower = {str(c).strip().lower(): c for c in columns}
    mapping: dict[str, str] = {}
    for given, canonical in (column_map or {}).items():
        if canonical not in OHLCV_COLUMNS:
            raise DataValidationError(
                f"{source}: column_map maps `{given}` to `{canonical}`; "
                f"expected one of {', '.join(OHLCV_COLUMNS)}",
            )
        actual = given if given in columns else by_lower.get(str(given).strip().lower())
        if actual is None:
            raise DataValidationError(
                f"{source}: column_map names column `{given}`, which is not present; "
                f"columns found: {', '.join(map(str, columns))}",
            )
        mapping[actual] = canonical
    for canonical in OHLCV_COLUMNS:
        if canonical in mapping.values():
            continue
        actual = by_lower.get(canonical)
        if actual is not None and actual not in mapping:
            mapping[actual] = canonical
    missing = [c for c in OHLCV_COLUMNS if c not in mapping.values()]
    if missing:
        raise DataValidationError(
            f"{source}: missing column(s) {', '.join(f'`{m}`' for m in missing)}; "
            f"columns found: {', '.join(map(str, columns)) or '(none)'}; "
            "expected open, high, low, close, volume (pass `column_map` to rename)",
        )
    return mapping


def _check_values(df: pd.DataFrame, source: str, row_label: RowLabel) -> None:
    for col in OHLCV_COLUMNS:
        values = df[col].to_numpy(dtype=np.float64)
        _fail(source, f"NaN in `{col}`", np.isnan(values), row_label, "a number")
        _fail(source, f"infinite value in `{col}`", np.isinf(values), row_label, "a finite number")
        if col == "volume":
            _fail(source, "negative `volume`", values < 0, row_label, "volume >= 0")
        else:
            _fail(source, f"non-positive `{col}`", values <= 0, row_label, "prices > 0")
    o, h, low, c = (df[col].to_numpy(dtype=np.float64) for col in PRICE_COLUMNS)
    _fail(source, "`high` < `low`", h < low, row_label, "high >= low")
    for name, values in (("open", o), ("close", c)):
        _fail(
            source,
            f"`{name}` outside [`low`, `high`]",
            (values < low) | (values > h),
            row_label,
            f"low <= {name} <= high",
        )


def _check_index(index: pd.DatetimeIndex, source: str, row_label: RowLabel) -> None:
    _fail(source, "missing timestamp (NaT)", np.asarray(index.isna()), row_label, "a timestamp")
    ns = index.asi8
    step = np.diff(ns)
    # Report the later row of each offending pair: that is where the order breaks.
    _fail(
        source,
        "duplicate timestamp",
        np.concatenate([[False], step == 0]),
        row_label,
        "strictly increasing, unique timestamps",
    )
    _fail(
        source,
        "unsorted timestamp (earlier than the previous row)",
        np.concatenate([[False], step < 0]),
        row_label,
        "strictly increasing timestamps (sort the data first)",
    )


def validate_ohlcv(
    df: pd.DataFrame,
    source: str = "DataFrame",
    *,
    row_label: RowLabel | None = None,
) -> pd.DataFrame:
    """Check ``df`` against the OHLCV convention and return a normalised copy.

    The copy has exactly the columns ``open, high, low, close, volume`` as ``float64``
    and its index converted to UTC and named ``timestamp``. Gaps are accepted.

    Parameters
    ----------
    df
        Frame with (at least) the five OHLCV columns and a tz-aware ``DatetimeIndex``
        holding the bar open times. Use :func:`from_dataframe` for frames with other
        column names, a time column or naive timestamps.
    source
        Names the data in error messages (a file name, ``"DataFrame"``, ...).
    row_label
        Optional callable describing row ``pos`` (0-based) in messages; loaders pass one
        that names the line in the file.

    Raises
    ------
    DataValidationError
        On a missing column, a non-numeric, NaN, infinite or non-positive price,
        negative volume, ``high < low``, ``open``/``close`` outside ``[low, high]``,
        unsorted or duplicate timestamps, a naive or non-datetime index, or no rows.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(
            f"{source}: expected a pandas DataFrame, got {type(df).__name__}",
        )
    missing = [c for c in OHLCV_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"{source}: missing column(s) {', '.join(f'`{m}`' for m in missing)}; "
            f"columns found: {', '.join(map(str, df.columns)) or '(none)'}; "
            "expected open, high, low, close, volume",
        )
    if len(df) == 0:
        raise DataValidationError(f"{source}: no rows; expected at least one OHLCV bar")
    index = df.index
    if not isinstance(index, pd.DatetimeIndex):
        raise DataValidationError(
            f"{source}: index is {type(index).__name__}; expected a tz-aware DatetimeIndex "
            "of bar open times (use `from_dataframe(..., time_column=...)`)",
        )
    if index.tz is None:
        raise DataValidationError(
            f"{source}: index `{index.name}` is timezone-naive; expected tz-aware UTC "
            "bar open times (use `df.tz_localize('UTC')` or `from_dataframe`)",
        )
    label = row_label or (lambda pos: describe_row(index, pos))
    # No `freq`: gaps are normal, so every frame carries freq=None (comparable frames).
    out = pd.DataFrame(index=pd.DatetimeIndex(index.tz_convert("UTC"), freq=None, name=INDEX_NAME))
    for col in OHLCV_COLUMNS:
        series = df[col]
        if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
            numeric = pd.to_numeric(series, errors="coerce")
            _fail(
                source,
                f"non-numeric value in `{col}`",
                np.asarray(numeric.isna() & series.notna()),
                label,
                "a number",
            )
            series = numeric
        out[col] = series.to_numpy(dtype=np.float64)
    _check_values(out, source, label)
    _check_index(out.index, source, label)
    return out


def parse_times(
    values: pd.Series | pd.Index,
    source: str,
    field: str,
    time_format: str | None,
    tz: str,
    row_label: RowLabel,
) -> pd.DatetimeIndex:
    """Parse ``values`` into a UTC ``DatetimeIndex`` named ``timestamp``.

    Numeric values are read as Unix seconds (the MT5 rates convention); strings are
    parsed with ``time_format`` (inferred when ``None``); naive times are localised to
    ``tz`` and converted to UTC.
    """
    series = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = pd.to_datetime(series)
    elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        parsed = pd.to_datetime(series, unit="s", errors="coerce")
    else:
        text = series.astype("string").str.strip()
        try:
            parsed = pd.to_datetime(text, format=time_format, errors="coerce")
        except (ValueError, TypeError) as e:  # e.g. mixed offsets, bad format string
            raise DataValidationError(
                f"{source}: cannot parse `{field}` with format {time_format!r}: {e}",
            ) from e
        bad = np.asarray(parsed.isna() & text.notna() & (text != ""))
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            more = f" ({int(bad.sum())} rows affected)" if bad.sum() > 1 else ""
            fmt = f"format {time_format!r}" if time_format else "a recognisable date/time"
            raise DataValidationError(
                f"{source}: unparsable timestamp {text.iloc[pos]!r} in `{field}` at "
                f"{row_label(pos)}{more}; expected {fmt}",
            )
    missing = np.asarray(parsed.isna())
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise DataValidationError(
            f"{source}: missing timestamp in `{field}` at {row_label(pos)}; expected a date/time",
        )
    index = pd.DatetimeIndex(parsed)
    if index.tz is None:
        try:
            index = index.tz_localize(tz, ambiguous="raise", nonexistent="raise")
        except Exception as e:  # pytz/zoneinfo raise several exception types
            raise DataValidationError(
                f"{source}: cannot localise `{field}` to time zone {tz!r}: {e}",
            ) from e
    return index.tz_convert("UTC").rename(INDEX_NAME)


def find_time_column(columns: Sequence[str], time_column: str | None) -> str | None:
    """Resolve ``time_column`` case-insensitively; with ``None`` look for a usual name."""
    by_lower = {str(c).strip().lower(): c for c in columns}
    if time_column is not None:
        if time_column in columns:
            return time_column
        return by_lower.get(time_column.strip().lower())
    for name in ("timestamp", "time", "datetime", "date", "gmt time", "local time"):
        if name in by_lower:
            return by_lower[name]
    return None


def from_dataframe(
    df: pd.DataFrame,
    *,
    column_map: Mapping[str, str] | None = None,
    time_column: str | None = None,
    time_format: str | None = None,
    tz: str = "UTC",
    source: str = "DataFrame",
) -> pd.DataFrame:
    """Return a validated OHLCV frame (see module docstring) built from any frame.

    Parameters
    ----------
    df
        Input frame. Times come from ``time_column`` if given, else from a
        ``DatetimeIndex``, else from a column named ``timestamp``/``time``/``datetime``/
        ``date`` (case-insensitive). Numeric times are Unix seconds (MT5 ``rates``).
    column_map
        ``{frame column: canonical name}``, e.g. ``{"tick_volume": "volume"}``; the
        rest is matched case-insensitively.
    time_format
        ``strftime`` format for string times (inferred when ``None``).
    tz
        Time zone of naive times; the result is always UTC.
    source
        Names the data in error messages.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(
            f"{source}: expected a pandas DataFrame, got {type(df).__name__}",
        )
    if len(df) == 0:
        raise DataValidationError(f"{source}: no rows; expected at least one OHLCV bar")
    columns = [str(c) for c in df.columns]
    frame = df.copy()
    frame.columns = columns
    time_col = find_time_column(columns, time_column)
    if time_column is not None and time_col is None:
        raise DataValidationError(
            f"{source}: missing time column `{time_column}`; columns found: {', '.join(columns)}",
        )
    mapping = map_columns([c for c in columns if c != time_col], column_map, source)
    if time_col is not None:
        times = frame[time_col]
        field = time_col
    elif isinstance(frame.index, pd.DatetimeIndex):
        times = frame.index
        field = str(frame.index.name or "index")
    else:
        raise DataValidationError(
            f"{source}: no time information; expected a DatetimeIndex or a time column "
            f"(pass `time_column`); columns found: {', '.join(columns)}",
        )
    index = parse_times(times, source, field, time_format, tz, _position_label)
    out = frame[list(mapping)].rename(columns=mapping)
    out.index = index
    return validate_ohlcv(out, source)
