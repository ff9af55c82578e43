"""Writing and querying a `ParquetDataCatalog`.

NautilusTrader 2 has one writer per kind (`write_instruments`, `write_bars`,
`write_quote_ticks`, ...; bars of one bar type and ticks of one instrument per call), reads with
`query_bars` / `query_quote_ticks` (`identifiers`) and keeps bar files under ``data/bars/``,
with the bar type in each bar file's Parquet metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nautilus_rl_lab.nt.model import Bar, Instrument, QuoteTick
from nautilus_rl_lab.nt.persistence import ParquetDataCatalog

#: The catalog folder (under ``data/``) that holds one folder of Parquet files per bar type.
BAR_FOLDER = "bars"


def _groups(data: Sequence[Any]) -> dict[tuple[str, str], list[Any]]:
    """`data` in runs of one writer and one bar type or instrument, in order of appearance."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for item in data:
        if isinstance(item, Instrument):
            key = ("write_instruments", "")
        elif isinstance(item, Bar):
            key = ("write_bars", str(item.bar_type))
        elif isinstance(item, QuoteTick):
            key = ("write_quote_ticks", str(item.instrument_id))
        else:
            raise TypeError(f"cannot write {type(item).__name__} objects to a catalog")
        groups.setdefault(key, []).append(item)
    return groups


def write_data(catalog: ParquetDataCatalog, data: Sequence[Any]) -> None:
    """Write instruments, bars and quote ticks (each kind sorted by `ts_init`) to `catalog`."""
    for (writer, _), items in _groups(data).items():
        getattr(catalog, writer)(items)


def query_bars(catalog: ParquetDataCatalog, bar_types: list[str]) -> list[Bar]:
    """The bars of `bar_types` in `catalog`, in time order."""
    return catalog.query_bars(identifiers=bar_types)


def query_quote_ticks(catalog: ParquetDataCatalog, instrument_ids: list[str]) -> list[QuoteTick]:
    """The quote ticks of `instrument_ids` in `catalog`, in time order."""
    return catalog.query_quote_ticks(identifiers=instrument_ids)
