"""Market data: OHLCV frames, loaders, Nautilus instruments/bars/ticks, catalogs, synthetic markets.

The frame convention (see :mod:`nautilus_rl_lab.data.ohlcv`): columns ``open, high,
low, close, volume`` (float64) and a UTC ``DatetimeIndex`` named ``timestamp`` holding
the bar **open** time (nanoseconds), strictly increasing; gaps are normal. Nautilus
objects are stamped at the bar **close**, quote ticks spread through the bar
(:mod:`nautilus_rl_lab.data.wrangling`).
"""

from nautilus_rl_lab.data.catalog import read_bars, read_instrument, write_catalog
from nautilus_rl_lab.data.instruments import InstrumentSpec, make_instrument
from nautilus_rl_lab.data.loaders import (
    load_csv,
    load_parquet,
    load_sample_eurusd,
    load_sample_sp500,
)
from nautilus_rl_lab.data.ohlcv import OHLCV_COLUMNS, from_dataframe, validate_ohlcv
from nautilus_rl_lab.data.wrangling import (
    bar_interval,
    bar_specification,
    bar_type_for,
    bars_to_frame,
    parse_bar_type,
    to_bars,
    to_quote_ticks,
)

__all__ = [
    "OHLCV_COLUMNS",
    "InstrumentSpec",
    "bar_interval",
    "bar_specification",
    "bar_type_for",
    "bars_to_frame",
    "from_dataframe",
    "load_csv",
    "load_parquet",
    "load_sample_eurusd",
    "load_sample_sp500",
    "make_instrument",
    "parse_bar_type",
    "read_bars",
    "read_instrument",
    "to_bars",
    "to_quote_ticks",
    "validate_ohlcv",
    "write_catalog",
]
