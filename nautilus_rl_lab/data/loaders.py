"""Loaders that turn CSV, Parquet and the bundled sample into validated OHLCV frames.

All loaders return the frame described in :mod:`nautilus_rl_lab.data.ohlcv` (UTC
``DatetimeIndex`` of bar open times named ``timestamp``; float64 ``open, high, low,
close, volume``). Turn it into Nautilus objects with
:func:`~nautilus_rl_lab.data.wrangling.to_bars` /
:func:`~nautilus_rl_lab.data.wrangling.to_quote_ticks`.

CSV errors name the file and the 1-based line number in the file (the header is line
1, so the first data row is line 2); the frame keeps both (``FileRows`` in its ``attrs``), so
later checks against an instrument name them too. Blank lines are skipped but keep their line
numbers; quoted fields spanning several lines would shift the reported numbers.
A missing file raises :class:`FileNotFoundError`; everything else raises
:class:`~nautilus_rl_lab.errors.DataValidationError`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from nautilus_rl_lab.data.ohlcv import (
    FILE_ROWS_ATTR,
    OHLCV_COLUMNS,
    TIME_COLUMN_NAMES,
    FileRows,
    find_time_column,
    from_dataframe,
    map_columns,
    parse_times,
    to_ns,
    validate_ohlcv,
)
from nautilus_rl_lab.errors import ConfigError, DataValidationError
from nautilus_rl_lab.validation import check_known

logger = logging.getLogger(__name__)

SAMPLE_EURUSD_FILE = "EURUSD_1H_2017_ASK.csv"
SAMPLE_SP500_FILE = "sp500_dataset.csv.gz"
#: The bundled samples by name (`DataSourceConfig.sample`) and their files in `data/`.
SAMPLE_FILES: dict[str, str] = {"eurusd": SAMPLE_EURUSD_FILE, "sp500": SAMPLE_SP500_FILE}
DATA_DIR_ENV = "NRL_DATA_DIR"
SAMPLE_TIME_FORMAT = "%d.%m.%Y %H:%M:%S.%f"
#: The 20 US large caps of the S&P 500 sample, in the file's column order.
SP500_SYMBOLS: tuple[str, ...] = (
    "AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO",
    "LLY", "MRK", "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM",
)  # fmt: skip
#: The volume of every close-only bar. The file has none; Nautilus fills the part of an order
#: beyond the quote's size (a quarter of the bar volume) one tick worse, so 0 or 1 would move
#: every fill of more than one share off the close. 1e9 shares (2.5e8 per quote) never binds.
CLOSE_ONLY_VOLUME = 1e9


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _existing_file(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    return path


def load_csv(
    path: str | os.PathLike[str],
    *,
    column_map: Mapping[str, str] | None = None,
    time_column: str | None = None,
    time_format: str | None = None,
    dayfirst: bool | None = None,
    tz: str = "UTC",
) -> pd.DataFrame:
    """Load a generic OHLCV CSV file (one bar per line, bar open time) into a validated frame.

    Parameters
    ----------
    path
        The CSV file; the first line is the header.
    column_map
        ``{file column: canonical name}`` (canonical: ``open, high, low, close,
        volume``). Columns not in the map are matched case-insensitively, so
        ``Open,High,Low,Close,Volume`` needs no map.
    time_column
        The column holding the bar open time (matched case-insensitively); ``None``
        looks for ``timestamp``, ``time``, ``datetime``, ``date``, ``gmt time``, ``local
        time``, then for an unnamed first column (the index ``DataFrame.to_csv()`` writes).
    time_format
        ``strftime`` format of the time column; ``None`` infers it (ISO 8601 with or
        without changing UTC offsets, Unix seconds/milliseconds, ``dd.mm.yyyy`` ...; see
        :func:`~nautilus_rl_lab.data.ohlcv.parse_times`). The bundled sample's format is
        ``SAMPLE_TIME_FORMAT`` (``01.01.2017 22:00:00.000``).
    dayfirst
        Whether ``01.02.2017`` is 1 February (``True``) or 2 January (``False``); with
        ``None`` a column that reads both ways is refused.
    tz
        Time zone of naive times in the file; the result is always UTC.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    DataValidationError
        On an empty file, malformed CSV, a missing column, an unparsable timestamp or
        value, or any check of :func:`~nautilus_rl_lab.data.ohlcv.validate_ohlcv`; the
        message names the file, the line and the field.
    """
    path = _existing_file(path)
    source = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, skip_blank_lines=False, keep_default_na=False)
    except pd.errors.EmptyDataError as e:
        raise DataValidationError(
            f"{source}: file is empty; expected a header line "
            f"({time_column or 'Time'},Open,High,Low,Close,Volume) followed by one bar per line",
        ) from e
    except pd.errors.ParserError as e:
        raise DataValidationError(f"{source}: malformed CSV: {e}".strip()) from e
    except UnicodeDecodeError as e:
        raise DataValidationError(f"{source}: not a UTF-8 text CSV file: {e}") from e

    columns = [str(c).strip() for c in raw.columns]
    raw.columns = columns
    time_col = find_time_column(columns, time_column, source)
    if time_col is None:
        wanted = (
            f"`{time_column}`" if time_column else f"(looked for {', '.join(TIME_COLUMN_NAMES)})"
        )
        raise DataValidationError(
            f"{source}: missing time column {wanted} in the header (line 1); "
            f"columns found: {', '.join(columns)}; pass `time_column=` to name it",
        )
    mapping = map_columns([c for c in columns if c != time_col], column_map, source)

    raw = raw.apply(lambda s: s.str.strip())
    blank = (raw == "").all(axis=1).to_numpy()
    lines = np.arange(len(raw)) + 2  # header is line 1
    if blank.any():
        logger.debug("%s: skipping %d blank line(s)", source, int(blank.sum()))
        raw = raw.loc[~blank]
        lines = lines[~blank]
    if len(raw) == 0:
        raise DataValidationError(
            f"{source}: no data rows after the header; expected at least one OHLCV bar",
        )

    def line_label(pos: int) -> str:
        return f"line {lines[pos]}"

    frame = pd.DataFrame(index=raw.index)
    for file_col, canonical in mapping.items():
        text = raw[file_col]
        empty = (text == "").to_numpy()
        if empty.any():
            pos = int(np.flatnonzero(empty)[0])
            raise DataValidationError(
                f"{source}: missing value in `{file_col}` at {line_label(pos)}; expected a number",
            )
        values = pd.to_numeric(text, errors="coerce")
        # "nan"/"inf" parse as floats: the checks of validate_ohlcv report them below.
        unparsable = (p for p in np.flatnonzero(values.isna()) if not _is_float(text.iloc[p]))
        first = next(unparsable, None)
        if first is not None:
            raise DataValidationError(
                f"{source}: unparsable value {text.iloc[first]!r} in `{file_col}` at "
                f"{line_label(int(first))}; expected a number",
            )
        frame[canonical] = values.to_numpy(dtype=np.float64)
    frame = frame[list(OHLCV_COLUMNS)]
    frame.index = parse_times(
        raw[time_col], source, time_col or "index", time_format, tz, line_label, dayfirst
    )

    def row_label(pos: int) -> str:
        return f"{line_label(pos)} (timestamp {frame.index[pos]})"

    out = validate_ohlcv(frame, source, row_label=row_label)
    out.attrs[FILE_ROWS_ATTR] = FileRows(source, to_ns(out.index), np.asarray(lines))
    return out


def load_parquet(
    path: str | os.PathLike[str],
    *,
    column_map: Mapping[str, str] | None = None,
    time_column: str | None = None,
    time_format: str | None = None,
    dayfirst: bool | None = None,
    tz: str = "UTC",
) -> pd.DataFrame:
    """Load an OHLCV Parquet file into a validated frame.

    Times come from ``time_column``, a ``DatetimeIndex`` or a column named
    ``timestamp``/``time``/``datetime``/``date`` (see
    :func:`~nautilus_rl_lab.data.ohlcv.from_dataframe`, also for ``time_format``,
    ``dayfirst`` and ``tz``, the time zone of naive times).
    """
    path = _existing_file(path)
    try:
        df = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises ArrowInvalid/OSError for non-Parquet input
        raise DataValidationError(f"{path}: not a readable Parquet file: {e}") from e
    frame = from_dataframe(
        df,
        column_map=column_map,
        time_column=time_column,
        time_format=time_format,
        dayfirst=dayfirst,
        tz=tz,
        source=str(path),
    )
    # from_dataframe keeps the file's row order (it refuses unsorted times)
    rows = np.arange(len(frame))
    frame.attrs[FILE_ROWS_ATTR] = FileRows(str(path), to_ns(frame.index), rows, unit="row")
    return frame


def sample_data_dir(file: str = SAMPLE_EURUSD_FILE) -> Path:
    """Return the directory holding the bundled sample ``file``.

    ``$NRL_DATA_DIR`` wins; otherwise the repository's ``data/`` next to the package
    (editable installs and source checkouts), then ``./data``.
    """
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    candidates = [parent / "data" for parent in Path(__file__).resolve().parents]
    candidates.append(Path.cwd() / "data")
    for candidate in candidates:
        if (candidate / file).is_file():
            return candidate
    raise FileNotFoundError(
        f"cannot find the bundled {file}: looked in the `data/` folders "
        f"above {Path(__file__).resolve().parent} and in ./data; set ${DATA_DIR_ENV} "
        "to the folder that holds it",
    )


def load_sample_eurusd() -> pd.DataFrame:
    """Load the bundled EUR/USD 1-hour ASK bars of 2017 (6,225 bars, UTC open times)."""
    return load_csv(sample_data_dir() / SAMPLE_EURUSD_FILE, time_format=SAMPLE_TIME_FORMAT)


def sample_path(sample: str) -> Path:
    """The file of the bundled sample named ``sample`` (a key of ``SAMPLE_FILES``)."""
    file = SAMPLE_FILES[check_known("sample", sample, SAMPLE_FILES)]
    return sample_data_dir(file) / file


def check_sp500_symbols(field: str, symbols: Sequence[str]) -> list[str]:
    """``symbols`` as a list if each is one of ``SP500_SYMBOLS``, else a `ConfigError` naming it."""
    if isinstance(symbols, str) or not isinstance(symbols, Sequence) or not symbols:
        raise ConfigError(
            f"`{field}` must be a non-empty list of symbols such as ['AAPL', 'MSFT'], "
            f"was {symbols!r}",
        )
    return [check_known(field, symbol, SP500_SYMBOLS) for symbol in symbols]


def load_sample_sp500(symbols: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Load the bundled daily adjusted closes of 20 US large caps (skfolio's S&P 500 dataset,
    1990-01-02 to 2022-12-28) as close-only OHLCV frames by symbol (all, in file order, if None).

    Close-only: open = high = low = close = the day's adjusted close, volume
    ``CLOSE_ONLY_VOLUME``. Each date is a 1-day bar opening at 00:00 UTC that day, so Nautilus
    stamps it at the next midnight, after the US close, and an order decided on day t fills at
    day t+1's open tick, which carries day t+1's close. Prices have 3 decimals, kept exact: the
    instrument's ``price_precision`` must be >= 3. An unknown symbol is a `ConfigError`.
    """
    wanted = list(SP500_SYMBOLS) if symbols is None else check_sp500_symbols("symbols", symbols)
    path = sample_path("sp500")
    source = str(path)
    table = pd.read_csv(path, dtype={"Date": str}, float_precision="round_trip")
    found = tuple(str(c) for c in table.columns)
    if found != ("Date", *SP500_SYMBOLS):
        raise DataValidationError(
            f"{source}: header (line 1) is {', '.join(found)}; expected Date, "
            f"{', '.join(SP500_SYMBOLS)}",
        )
    lines = np.arange(len(table)) + 2  # header is line 1

    def row_label(pos: int) -> str:
        return f"line {lines[pos]}"

    index = parse_times(table["Date"], source, "Date", "%Y-%m-%d", "UTC", row_label)
    rows = FileRows(source, to_ns(index), lines)
    frames = {}
    for symbol in wanted:
        closes = table[symbol].to_numpy()
        bars = pd.DataFrame({c: closes for c in OHLCV_COLUMNS}, index=index)
        bars["volume"] = CLOSE_ONLY_VOLUME
        frame = validate_ohlcv(bars, f"{source} `{symbol}`", row_label=row_label)
        frame.attrs[FILE_ROWS_ATTR] = rows
        frames[symbol] = frame
    logger.debug("%s: loaded %d symbols x %d days", source, len(frames), len(index))
    return frames
