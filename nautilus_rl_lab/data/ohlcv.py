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
A frame loaded from a CSV file carries its :class:`FileRows` in ``frame.attrs`` (pandas
keeps ``attrs`` through slicing), so checks made later (the instrument's precision, the bar
spacing) still name the file and line, not "DataFrame row N".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from nautilus_rl_lab.errors import DataValidationError
from nautilus_rl_lab.nt.limits import PRICE_MAX, QUANTITY_MAX

OHLCV_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")
PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close")
INDEX_NAME = "timestamp"
TIME_COLUMN_NAMES: tuple[str, ...] = (
    "timestamp",
    "time",
    "datetime",
    "date",
    "gmt time",
    "local time",
)
# The first column of `DataFrame.to_csv()` output: the unnamed index.
_UNNAMED_INDEX = re.compile(r"^(Unnamed: 0)?$")
_UTC_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$")
_CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}")
_YEAR_FIRST = re.compile(r"^\d{4}\D")
_EPOCH = re.compile(r"^[+-]?\d+(?:\.\d*)?$")
# Unix times are told apart by magnitude: seconds below 1e11 (year 5138), milliseconds
# below 1e14, microseconds below 1e17, else nanoseconds. Values below 1e8 s (March 1973)
# are refused: they are more likely dates written as numbers (20170102) than Unix times.
_EPOCH_UNITS: tuple[tuple[float, str, int], ...] = (
    (1e11, "seconds", 1_000_000_000),
    (1e14, "milliseconds", 1_000_000),
    (1e17, "microseconds", 1_000),
    (math.inf, "nanoseconds", 1),
)
_EPOCH_FLOOR_S = 1e8

# Describes row `pos` (0-based position in the frame) for error messages.
RowLabel = Callable[[int], str]


def to_ns(index: pd.DatetimeIndex) -> np.ndarray:
    """Nanoseconds since the Unix epoch (int64), whatever the index's resolution.

    ``DatetimeIndex.asi8`` counts in the index's own unit: microseconds under pandas 3
    (and for ``datetime64[us]`` data under pandas 2), so never read it directly.
    """
    return np.asarray(index.as_unit("ns").asi8, dtype=np.int64)


def describe_row(index: pd.Index, pos: int) -> str:
    """``row <pos> (position, 0-based; timestamp <index[pos]>)`` for error messages."""
    return f"row {pos} (position, 0-based; timestamp {index[pos]})"


FILE_ROWS_ATTR = "file_rows"


class FileRows(str):
    """Which file a frame came from (the string: its path) and where each row is in it, by bar
    open time (ns): a CSV's 1-based ``line`` or a Parquet file's 0-based ``row``.

    Kept in ``frame.attrs[FILE_ROWS_ATTR]``. A ``str`` so that pandas can still write ``attrs``
    as JSON (``to_parquet`` stores the path) and compare them cheaply; a deep copy (pandas
    copies ``attrs`` on most operations) is this same object.
    """

    times: np.ndarray
    lines: np.ndarray
    unit: str

    def __new__(
        cls, path: str, times: np.ndarray, lines: np.ndarray, unit: str = "line"
    ) -> FileRows:
        rows = super().__new__(cls, path)
        rows.times = np.asarray(times, dtype=np.int64)
        rows.lines = np.asarray(lines, dtype=np.int64)
        rows.unit = unit
        return rows

    def __deepcopy__(self, memo: dict[int, Any]) -> FileRows:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return FileRows, (str(self), self.times, self.lines, self.unit)

    @property
    def path(self) -> str:
        """The file's path."""
        return str(self)

    def line(self, ts_ns: int) -> int | None:
        """The line (or row) of the row opening at ``ts_ns``, ``None`` if the file has none."""
        pos = int(np.searchsorted(self.times, ts_ns))
        found = pos < len(self.times) and self.times[pos] == ts_ns
        return int(self.lines[pos]) if found else None

    def describe(self, timestamp: pd.Timestamp) -> str | None:
        """``line 7 (timestamp ...)`` / ``file row 5 (0-based; timestamp ...)``, if in the file."""
        found = self.line(int(timestamp.as_unit("ns").value))
        if found is None:
            return None
        if self.unit == "line":
            return f"line {found} (timestamp {timestamp})"
        return f"file row {found} (0-based; timestamp {timestamp})"

    def restamped(self, old: pd.DatetimeIndex, new: pd.DatetimeIndex) -> FileRows:
        """The same lines for rows re-stamped from ``old`` to ``new`` (same order)."""
        lines = [self.line(int(ts)) or 0 for ts in to_ns(old)]
        return FileRows(self.path, to_ns(new), np.asarray(lines), self.unit)


def file_rows(df: pd.DataFrame) -> FileRows | None:
    """The :class:`FileRows` a loader attached to ``df``, if any."""
    rows = df.attrs.get(FILE_ROWS_ATTR)
    return rows if isinstance(rows, FileRows) else None


def frame_source(df: pd.DataFrame) -> str:
    """Names ``df`` in messages: its file when it came from one, else ``DataFrame``."""
    rows = file_rows(df)
    return rows.path if rows is not None else "DataFrame"


def row_describer(df: pd.DataFrame) -> RowLabel:
    """Describes row ``pos`` of ``df``: its file line when it came from a file, else its position."""
    rows, index = file_rows(df), df.index

    def describe(pos: int) -> str:
        found = rows.describe(index[pos]) if rows is not None else None
        return found if found is not None else describe_row(index, pos)

    return describe


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


def _column_lookup(
    columns: Sequence[str], name: str, source: str, what: str, *, exact_wins: bool
) -> str | None:
    """The one column named ``name``, case-insensitively; two candidates are an error.

    With ``exact_wins`` a column spelled exactly ``name`` is taken (the user named it).
    """
    if exact_wins and name in columns:
        return name
    key = str(name).strip().lower()
    matches = [c for c in columns if str(c).strip().lower() == key]
    if len(matches) > 1:
        raise DataValidationError(
            f"{source}: columns {' and '.join(f'`{c}`' for c in matches)} all match {what}; "
            "expected exactly one (drop the others or name one in `column_map`)",
        )
    return matches[0] if matches else None


def map_columns(
    columns: Sequence[str],
    column_map: Mapping[str, str] | None,
    source: str,
) -> dict[str, str]:
    """Return ``{source column: canonical name}`` for the OHLCV columns found in ``columns``.

    ``column_map`` (file/frame column -> canonical name) takes precedence; the remaining
    canonical names are matched case-insensitively (``Open`` -> ``open``). Keys of
    ``column_map`` are matched case-insensitively too. Two columns for one name (``Open``
    and ``open``, or a ``column_map`` sending two columns to ``close``) are an error.
    """
    mapping: dict[str, str] = {}
    for given, canonical in (column_map or {}).items():
        if canonical not in OHLCV_COLUMNS:
            raise DataValidationError(
                f"{source}: column_map maps `{given}` to `{canonical}`; "
                f"expected one of {', '.join(OHLCV_COLUMNS)}",
            )
        actual = _column_lookup(
            columns, given, source, f"column_map key `{given}`", exact_wins=True
        )
        if actual is None:
            raise DataValidationError(
                f"{source}: column_map names column `{given}`, which is not present; "
                f"columns found: {', '.join(map(str, columns))}",
            )
        other = next((c for c, name in mapping.items() if name == canonical), None)
        if other is not None:
            raise DataValidationError(
                f"{source}: column_map sends both `{other}` and `{actual}` to `{canonical}`; "
                "expected one column per name",
            )
        mapping[actual] = canonical
    for canonical in OHLCV_COLUMNS:
        if canonical in mapping.values():
            continue
        actual = _column_lookup(columns, canonical, source, f"`{canonical}`", exact_wins=False)
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
            limit = QUANTITY_MAX
        else:
            _fail(source, f"non-positive `{col}`", values <= 0, row_label, "prices > 0")
            limit = PRICE_MAX
        _fail(
            source,
            f"`{col}` beyond what Nautilus can represent",
            values > limit,
            row_label,
            f"{col} <= {limit:,.0f}",
        )
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
    step = np.diff(to_ns(index))
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
    # Nanosecond resolution, whatever the input's: Nautilus timestamps are nanoseconds.
    utc = pd.DatetimeIndex(index.tz_convert("UTC").as_unit("ns"), freq=None, name=INDEX_NAME)
    out = pd.DataFrame(index=utc)
    for col in OHLCV_COLUMNS:
        series = df[col]
        if series.dtype == np.float16:  # 3 significant digits: every price would be rounded
            raise DataValidationError(
                f"{source}: `{col}` is stored as float16, which rounds prices to 3 significant "
                f"digits; expected float64 (or float32, int) values"
            )
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
    out.attrs.update(df.attrs)  # a file's rows (`FileRows`) stay attached
    return out


def _from_epoch(
    numbers: pd.Series, source: str, field: str, row_label: RowLabel
) -> pd.DatetimeIndex:
    """Naive times from Unix seconds/milliseconds/microseconds/nanoseconds (told by magnitude)."""
    values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    present = ~np.isnan(values)
    if not present.any():
        return pd.DatetimeIndex(np.full(len(values), np.datetime64("NaT", "ns")))
    _fail(
        source,
        f"`{field}` value that is no Unix time after 1973",
        present & (values < _EPOCH_FLOOR_S),
        row_label,
        "Unix seconds, milliseconds, microseconds or nanoseconds (for dates written as "
        "numbers such as 20170102 pass `time_format`, e.g. '%Y%m%d')",
    )
    unit = np.searchsorted([limit for limit, _, _ in _EPOCH_UNITS], values, side="right")
    first = int(np.flatnonzero(present)[0])
    names = [name for _, name, _ in _EPOCH_UNITS]
    _fail(
        source,
        f"`{field}` mixing Unix time units ({names[unit[first]]} first, then a value in "
        "another unit)",
        present & (unit != unit[first]),
        row_label,
        "one unit for the whole column",
    )
    factor = _EPOCH_UNITS[unit[first]][2]
    ns = np.zeros(len(values), dtype=np.int64)
    if np.all(values[present] == np.round(values[present])):
        ns[present] = values[present].astype(np.int64) * factor
    else:  # fractional: float64 holds whole microseconds exactly at today's magnitudes
        ns[present] = np.round(values[present] * (factor / 1_000)).astype(np.int64) * 1_000
    index = pd.DatetimeIndex(ns.view("datetime64[ns]"))
    return index.where(present, pd.NaT)


def _to_datetime(text: pd.Series, time_format: str | None, dayfirst: bool, utc: bool) -> pd.Series:
    return pd.to_datetime(text, format=time_format, dayfirst=dayfirst, utc=utc, errors="coerce")


def _parse_text(
    text: pd.Series,
    source: str,
    field: str,
    time_format: str | None,
    dayfirst: bool | None,
    row_label: RowLabel,
) -> pd.Series:
    """Parse date/time strings; all or none must carry a UTC offset; day/month order is never guessed."""
    given = text.notna() & (text != "")
    with_offset = text.str.contains(_UTC_OFFSET).fillna(False).astype(bool) & given
    if with_offset.any():
        naive_time = text.str.contains(_CLOCK_TIME).fillna(False).astype(bool) & ~with_offset
        _fail(
            source,
            f"timestamp without a UTC offset in `{field}` (other rows have one)",
            np.asarray(given & naive_time),
            row_label,
            "all times with an offset or none",
        )
    utc = bool(with_offset.any())
    try:
        if time_format is not None or text[given].str.match(_YEAR_FIRST).all():
            return _to_datetime(text, time_format, False, utc)
        month_first = _to_datetime(text, None, False, utc)
        day_first = _to_datetime(text, None, True, utc)
    except (ValueError, TypeError) as e:  # e.g. a bad format string
        raise DataValidationError(
            f"{source}: cannot parse `{field}` with format {time_format!r}: {e}",
        ) from e
    if dayfirst is not None:
        return day_first if dayfirst else month_first
    complete = [bool((parsed.notna() | ~given).all()) for parsed in (month_first, day_first)]
    if all(complete):
        differ = np.asarray((month_first != day_first) & given)
        if differ.any():
            pos = int(np.flatnonzero(differ)[0])
            raise DataValidationError(
                f"{source}: ambiguous timestamp {text.iloc[pos]!r} in `{field}` at "
                f"{row_label(pos)}: month first it is {month_first.iloc[pos]}, day first "
                f"{day_first.iloc[pos]}; pass `dayfirst` (true or false) or `time_format`",
            )
    return day_first if complete[1] and not complete[0] else month_first


def parse_times(
    values: pd.Series | pd.Index,
    source: str,
    field: str,
    time_format: str | None,
    tz: str,
    row_label: RowLabel,
    dayfirst: bool | None = None,
) -> pd.DatetimeIndex:
    """Parse ``values`` into a UTC ``DatetimeIndex`` named ``timestamp`` (nanoseconds).

    - Numbers (and, without ``time_format``, strings of digits) are Unix times; the unit
      (s, ms, us, ns) is told by magnitude and must be the same for the whole column.
    - Strings are parsed with ``time_format`` or, when it is ``None``, inferred. Strings
      carrying a UTC offset (``+01:00``, ``Z``) may change offset from row to row (a file
      spanning a daylight-saving change); then every row must have one. Day-first and
      month-first readings (``01.02.2017``) are never guessed: when both fit every row
      and disagree, pass ``dayfirst`` (or ``time_format``).
    - Naive times are localised to ``tz`` and converted to UTC.
    """
    series = pd.Series(values).reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = pd.to_datetime(series)
    elif (
        pd.api.types.is_numeric_dtype(series)
        and not pd.api.types.is_bool_dtype(series)
        and time_format is None
    ):
        parsed = pd.Series(_from_epoch(series, source, field, row_label))
    else:
        text = series.astype("string").str.strip()
        given = text.notna() & (text != "")
        if time_format is None and given.any() and text[given].str.match(_EPOCH).all():
            numbers = pd.to_numeric(text.where(given), errors="coerce")
            parsed = pd.Series(_from_epoch(numbers, source, field, row_label))
        else:
            parsed = _parse_text(text, source, field, time_format, dayfirst, row_label)
            bad = np.asarray(parsed.isna() & given)
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
    return index.tz_convert("UTC").as_unit("ns").rename(INDEX_NAME)


def find_time_column(
    columns: Sequence[str], time_column: str | None, source: str = "DataFrame"
) -> str | None:
    """Resolve ``time_column`` case-insensitively; with ``None`` look for a usual name.

    The usual names are ``timestamp, time, datetime, date, gmt time, local time``; failing
    those, an unnamed first column (the index ``DataFrame.to_csv()`` writes) is taken.
    """
    if time_column is not None:
        return _column_lookup(columns, time_column, source, f"`{time_column}`", exact_wins=True)
    for name in TIME_COLUMN_NAMES:
        found = _column_lookup(columns, name, source, f"time column `{name}`", exact_wins=False)
        if found is not None:
            return found
    if columns and _UNNAMED_INDEX.match(str(columns[0])):
        return columns[0]
    return None


def from_dataframe(
    df: pd.DataFrame,
    *,
    column_map: Mapping[str, str] | None = None,
    time_column: str | None = None,
    time_format: str | None = None,
    dayfirst: bool | None = None,
    tz: str = "UTC",
    source: str = "DataFrame",
) -> pd.DataFrame:
    """Return a validated OHLCV frame (see module docstring) built from any frame.

    Parameters
    ----------
    df
        Input frame. Times come from ``time_column`` if given, else from a
        ``DatetimeIndex``, else from a column named ``timestamp``/``time``/``datetime``/
        ``date`` (case-insensitive). Numeric times are Unix times (seconds as in MT5
        ``rates``, or milliseconds, ...; see :func:`parse_times`).
    column_map
        ``{frame column: canonical name}``, e.g. ``{"tick_volume": "volume"}``; the
        rest is matched case-insensitively.
    time_format
        ``strftime`` format for string times (inferred when ``None``).
    dayfirst
        Read ``01.02.2017`` as 1 February (``True``) or 2 January (``False``); with
        ``None`` an ambiguous column is refused.
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
    time_col = find_time_column(columns, time_column, source)
    # A DatetimeIndex beats an unnamed first column; a usual time column beats the index.
    if (
        time_column is None
        and time_col is not None
        and isinstance(frame.index, pd.DatetimeIndex)
        and str(time_col).strip().lower() not in TIME_COLUMN_NAMES
    ):
        time_col = None
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
    index = parse_times(times, source, field, time_format, tz, _position_label, dayfirst)
    out = frame[list(mapping)].rename(columns=mapping)
    out.index = index
    return validate_ohlcv(out, source)
