"""`DataSourceConfig`: where a node's bars come from (bundled sample, CSV, Parquet, catalog, synthetic)."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from nautilus_trader.config import NautilusConfig
from nautilus_trader.model.data import BarType
from nautilus_trader.model.enums import AggregationSource
from nautilus_trader.model.identifiers import InstrumentId

from nautilus_rl_lab.data import synthetic
from nautilus_rl_lab.data.catalog import read_bars
from nautilus_rl_lab.data.loaders import load_csv, load_parquet, load_sample_eurusd
from nautilus_rl_lab.data.ohlcv import validate_ohlcv
from nautilus_rl_lab.data.wrangling import (
    NODE_BAR_FIELDS,
    bar_specification,
    bars_to_frame,
    parse_bar_type,
)
from nautilus_rl_lab.errors import ConfigError

logger = logging.getLogger(__name__)

SOURCE_KINDS = ("sample", "csv", "parquet", "catalog", "synthetic", "frame")


class DataSourceConfig(NautilusConfig, frozen=True, forbid_unknown_fields=True):
    """Where bars come from and which slice of them to use.

    `kind`: `sample` (bundled EUR/USD 1H ask bars), `csv`/`parquet` (`path`, optional
    `column_map`, `time_column`, `time_format`, `dayfirst`; `null` means "find/infer" as in
    `load_csv`), `catalog` (`path` of a ParquetDataCatalog and `bar_type`, whose step,
    aggregation and price type the node then uses), `synthetic` (`generator` in
    `nautilus_rl_lab.data.synthetic` with `params`) or `frame` (a DataFrame handed to the node
    directly). `start`/`end` cut a half-open UTC
    date range `[start, end)` of bar open times, e.g. to hold out an evaluation period.
    `spread` (price units) and `price_side` (`ask`, `bid`, `mid`) say how quotes are derived.
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
    spread: float = 0.0001
    price_side: str = "ask"

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ConfigError(f"`data.kind` {self.kind!r} is unknown: use one of {SOURCE_KINDS}")
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
        if self.spread < 0:
            raise ConfigError(f"`data.spread` must be >= 0 (price units), was {self.spread}")
        for name in ("start", "end"):
            _utc(name, getattr(self, name))


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


def load_frame(config: DataSourceConfig, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Load the validated OHLCV frame `config` describes, cut to `[start, end)`."""
    if config.kind == "frame":
        if frame is None:
            raise ConfigError("`data.kind` is 'frame' but no DataFrame was passed to the node")
        df = validate_ohlcv(frame)
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
        )
    elif config.kind == "catalog":
        df = bars_to_frame(read_bars(str(config.path), str(config.bar_type)))
    else:
        df = getattr(synthetic, str(config.generator))(**config.params)
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
