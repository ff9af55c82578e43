"""`DataSourceConfig`: where a node's bars come from (bundled sample, CSV, Parquet, catalog, synthetic)."""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd
from msgspec import UNSET, UnsetType

from nautilus_rl_lab.config import LabConfig
from nautilus_rl_lab.data import synthetic
from nautilus_rl_lab.data.catalog import read_bars
from nautilus_rl_lab.data.loaders import (
    SAMPLE_FILES,
    SP500_SYMBOLS,
    load_csv,
    load_parquet,
    load_sample_eurusd,
    load_sample_sp500,
)
from nautilus_rl_lab.data.ohlcv import validate_ohlcv
from nautilus_rl_lab.data.wrangling import (
    NODE_BAR_FIELDS,
    bar_interval,
    bar_specification,
    bars_to_frame,
    close_to_open_times,
    parse_bar_type,
)
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import AggregationSource, BarType, InstrumentId
from nautilus_rl_lab.validation import check_choice, check_known

logger = logging.getLogger(__name__)

SOURCE_KINDS = ("sample", "csv", "parquet", "catalog", "synthetic", "frame")
TIMESTAMP_CONVENTIONS = ("open", "close")
# Kinds whose times the user's data define; the others are stamped by this package or Nautilus.
_USER_TIMES = ("csv", "parquet", "frame")
_FILE_KINDS = ("csv", "parquet")
#: The spread (price units) when neither `spread` nor `spread_bps` is set: 1 pip on EUR/USD.
DEFAULT_SPREAD = 0.0001
DEFAULT_SAMPLE = "eurusd"


class DataSourceConfig(LabConfig, frozen=True, forbid_unknown_fields=True):
    """Where bars come from and which slice of them to use.

    `kind`: `sample` (a bundled sample: `sample` names it, `eurusd` by default, the EUR/USD 1H
    ask bars; `sp500` is the close-only daily adjusted closes of 20 US stocks, one per config:
    `symbol` names it, e.g. `AAPL`, and `spread`/`spread_bps` must be set, as the EUR/USD pip
    default means nothing there), `csv`/`parquet` (`path`, optional
    `column_map`, `time_column`, `time_format`, `dayfirst`; `null` means "find/infer" as in
    `load_csv`), `catalog` (`path` of a ParquetDataCatalog and `bar_type`, whose step,
    aggregation and price type the node then uses), `synthetic` (`generator` in
    `nautilus_rl_lab.data.synthetic` with `params`) or `frame` (a DataFrame handed to the node
    directly). `start`/`end` cut a half-open UTC
    date range `[start, end)` of bar open times, e.g. to hold out an evaluation period.

    `timestamps` says what the data's times label: `open` (default; the bundled sample, MT5
    rates) or `close` (the bar's end: month-end dates, many exchange exports). Close stamps are
    turned into open times with the node's bar type (open = close - one bar; a month-end date
    such as 2020-01-31 labels January), so orders still fill at the next bar's open.
    `tz` is the time zone of naive times in a `csv`/`parquet` file, as in `load_csv`.

    Quotes: `price_side` (`ask`, `bid`, `mid`) is the side the prices are, and the spread is
    either absolute, `spread` (price units; `DEFAULT_SPREAD` when neither is set), or relative,
    `spread_bps` (basis points of each bar's open, rounded to whole ticks), never both.

    `sample`/`symbol` are left out of the JSON while unset, so every config without them keeps
    the bytes its bundle hashes and study fingerprints were taken over.
    """

    kind: str = "sample"
    path: str | None = None
    column_map: dict[str, str] | None = None
    time_column: str | None = None
    time_format: str | None = None
    dayfirst: bool | None = None
    bar_type: str | None = None
    generator: str | None = None
    params: dict[str, Any] = {}
    start: str | None = None
    end: str | None = None
    timestamps: str = "open"
    tz: str = "UTC"
    spread: float | None = None
    spread_bps: float | None = None
    price_side: str = "ask"
    sample: str | UnsetType = UNSET
    symbol: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        check_known("data.kind", self.kind, SOURCE_KINDS)
        self._check_sample()
        if self.kind in ("csv", "parquet", "catalog") and not self.path:
            raise ConfigError(f"`data.path` is required when `data.kind` is {self.kind!r}")
        if self.kind == "catalog" and not self.bar_type:
            raise ConfigError("`data.bar_type` is required when `data.kind` is 'catalog'")
        if self.bar_type is not None:
            parse_bar_type(self.bar_type, "data.bar_type")
        if self.kind == "synthetic" and not callable(
            getattr(synthetic, self.generator or "", None)
        ):
            raise ConfigError(
                f"`data.generator` {self.generator!r} is not a generator in "
                f"nautilus_rl_lab.data.synthetic (e.g. 'gbm', 'ornstein_uhlenbeck')",
            )
        check_choice(
            "data.timestamps",
            self.timestamps,
            TIMESTAMP_CONVENTIONS,
            note=" (what the data's times label: the bar's open or its close)",
        )
        if self.timestamps == "close" and self.kind not in _USER_TIMES:
            raise ConfigError(
                f"`data.timestamps` 'close' applies to kinds {_USER_TIMES}: {self.kind!r} bars "
                "are already stamped at their open; remove it",
            )
        _check_tz(self.tz)
        if self.tz != "UTC" and self.kind not in _FILE_KINDS:
            raise ConfigError(
                f"`data.tz` applies to naive times in {_FILE_KINDS} files; {self.kind!r} times "
                "are UTC (a frame's index must be tz-aware); remove it",
            )
        if self.spread is not None and self.spread_bps is not None:
            raise ConfigError(
                f"`data.spread` ({self.spread}, price units) and `data.spread_bps` "
                f"({self.spread_bps}, basis points) are both set; set one of them",
            )
        for field in ("spread", "spread_bps"):
            value = getattr(self, field)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if value is not None and not (number and math.isfinite(value) and value >= 0):
                raise ConfigError(f"`data.{field}` must be a finite number >= 0, was {value!r}")
        for name in ("start", "end"):
            _utc(name, getattr(self, name))

    @property
    def sample_name(self) -> str:
        """The bundled sample `kind: sample` loads: `sample`, else `eurusd`."""
        return DEFAULT_SAMPLE if self.sample is UNSET else str(self.sample)

    def _check_sample(self) -> None:
        given = [f for f in ("sample", "symbol") if getattr(self, f) is not UNSET]
        if self.kind != "sample" and given:
            raise ConfigError(
                f"`data.{given[0]}` applies to kind 'sample' only; remove it for kind {self.kind!r}",
            )
        check_known("data.sample", self.sample_name, SAMPLE_FILES)
        if self.sample_name != "sp500":
            if self.symbol is not UNSET:
                raise ConfigError(
                    f"`data.symbol` {self.symbol!r} applies to sample 'sp500'; sample "
                    f"{self.sample_name!r} is one instrument: remove it",
                )
            return
        if self.symbol is UNSET:
            raise ConfigError(
                f"`data.symbol` is required for sample 'sp500': one of {', '.join(SP500_SYMBOLS)}",
            )
        check_known("data.symbol", self.symbol, SP500_SYMBOLS)
        if self.spread is None and self.spread_bps is None:
            raise ConfigError(
                "`data.spread` or `data.spread_bps` is required for sample 'sp500' (adjusted "
                "closes carry no spread; the default of 1 EUR/USD pip does not apply): e.g. "
                "`spread: 0.0` to fill at the close",
            )

    def quote_spreads(self) -> tuple[float | None, float | None]:
        """`(spread, spread_bps)` for `to_quote_ticks`: one of them, `DEFAULT_SPREAD` if neither."""
        if self.spread is None and self.spread_bps is None:
            return DEFAULT_SPREAD, None
        return self.spread, self.spread_bps


def _check_tz(tz: object) -> None:
    try:
        pd.Timestamp("2020-01-01").tz_localize(tz)
    except Exception as e:  # pytz/zoneinfo raise several exception types
        raise ConfigError(
            f"`data.tz` must be a time zone name such as 'UTC' or 'Europe/Berlin', was {tz!r}",
        ) from e


def _utc(field: str, value: str | None) -> pd.Timestamp | None:
    """`value` as a UTC timestamp (naive means UTC); a date that does not exist names `field`."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except ValueError as e:
        raise ConfigError(
            f"`data.{field}` {value!r} is not a date/time (e.g. '2017-03-01'): {e}"
        ) from e
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def load_frame(
    config: DataSourceConfig,
    frame: pd.DataFrame | None = None,
    *,
    bar_type: BarType | None = None,
) -> pd.DataFrame:
    """Load the validated OHLCV frame `config` describes (bar open times), cut to `[start, end)`.

    `bar_type` (the node's, `source_bar_type`) gives the bar length that turns close stamps
    (`timestamps: close`) into open times; such a source needs it.
    """
    if config.timestamps == "close" and bar_type is None:
        raise ConfigError(
            "`data.timestamps` is 'close': pass the node's `bar_type` to `load_frame` so the "
            "close stamps can be turned into bar open times",
        )
    if config.kind == "frame":
        if frame is None:
            raise ConfigError("`data.kind` is 'frame' but no DataFrame was passed to the node")
        df = validate_ohlcv(frame)
    elif config.kind == "sample" and config.sample_name == "sp500":
        symbol = str(config.symbol)
        df = load_sample_sp500([symbol])[symbol]
    elif config.kind == "sample":
        df = load_sample_eurusd()
    elif config.kind in ("csv", "parquet"):
        loader = load_csv if config.kind == "csv" else load_parquet
        df = loader(
            str(config.path),
            column_map=config.column_map,
            time_column=config.time_column,
            time_format=config.time_format,
            dayfirst=config.dayfirst,
            tz=config.tz,
        )
    elif config.kind == "catalog":
        df = bars_to_frame(read_bars(str(config.path), str(config.bar_type)))
    else:
        df = getattr(synthetic, str(config.generator))(**config.params)
        if not isinstance(df, pd.DataFrame):
            raise ConfigError(
                f"`data.generator` {config.generator!r} returns a {type(df).__name__}, not one "
                "market's bars (for one asset of a correlated market use 'correlated_market' "
                "with `params.asset`)",
            )
    if config.timestamps == "close" and bar_type is not None:
        df = close_to_open_times(df, bar_interval(bar_type))
    start, end = _utc("start", config.start), _utc("end", config.end)
    if start is not None:
        df = df[df.index >= start]
    if end is not None:
        df = df[df.index < end]
    if df.empty:
        raise ConfigError(
            f"`data.start`/`data.end` ({config.start} .. {config.end}) leave no bars in the source",
        )
    return df


def source_bar_type(
    config: DataSourceConfig,
    instrument_id: InstrumentId,
    step: int,
    aggregation: str,
    price_type: str,
) -> BarType:
    """The node's bar type: a catalog's own step, aggregation and price type, else the configured ones."""
    spec = bar_specification(step, aggregation, price_type, fields=NODE_BAR_FIELDS)
    if config.kind == "catalog":
        stored = parse_bar_type(str(config.bar_type), "data.bar_type")
        if stored.instrument_id != instrument_id:
            raise ConfigError(
                f"`data.bar_type` {config.bar_type} is for {stored.instrument_id} but "
                f"`instrument` is {instrument_id}; make them name the same instrument",
            )
        if stored.spec != spec:
            logger.info("using the catalog's bar type %s, not the configured %s", stored, spec)
        spec = stored.spec
    return BarType(instrument_id, spec, AggregationSource.EXTERNAL)
