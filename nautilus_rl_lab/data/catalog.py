"""Write and read Nautilus ``ParquetDataCatalog``s (local directories).

:func:`write_catalog` stores an instrument and its data (bars, quote ticks, ...);
:func:`read_bars` and :func:`read_instrument` read them back, raising
:class:`~nautilus_rl_lab.errors.UnknownInstrumentError` (listing what the catalog does
hold) instead of returning an empty list.

Known Nautilus 1.221 limitation: the catalog's Arrow schema for ``Equity`` does not
store ``min_quantity``/``max_quantity``, so an equity read back has neither (2.0 keeps them).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pyarrow.parquet as pq

from nautilus_rl_lab.errors import DataValidationError, UnknownInstrumentError
from nautilus_rl_lab.nt.catalog import BAR_FOLDER, query_bars, write_data
from nautilus_rl_lab.nt.model import Bar, BarType, Instrument, InstrumentId
from nautilus_rl_lab.nt.persistence import ParquetDataCatalog

logger = logging.getLogger(__name__)


def write_catalog(
    path: str | os.PathLike[str],
    instrument: Instrument,
    data: list,
) -> ParquetDataCatalog:
    """Write ``instrument`` and ``data`` (Nautilus data objects) to the catalog at ``path``.

    The directory is created if needed. Data of one type and instrument must be sorted
    by ``ts_init`` (as :func:`~nautilus_rl_lab.data.wrangling.to_bars` and
    ``to_quote_ticks`` return it); existing files for the same data are overwritten.
    """
    if not isinstance(instrument, Instrument):
        raise DataValidationError(
            f"{path}: expected a Nautilus `Instrument`, got {type(instrument).__name__}",
        )
    Path(path).mkdir(parents=True, exist_ok=True)
    catalog = ParquetDataCatalog(str(path))
    write_data(catalog, [instrument])
    if data:
        write_data(catalog, data)
    logger.info("wrote %s and %d data objects to catalog %s", instrument.id, len(data), path)
    return catalog


def _open_catalog(path: str | os.PathLike[str]) -> ParquetDataCatalog:
    if not Path(path).is_dir():
        raise FileNotFoundError(f"{path}: no catalog directory")
    return ParquetDataCatalog(str(path))


def _stored_bar_type(file: Path) -> str:
    """A catalog bar file's bar type, from its Parquet metadata (directory names drop '/')."""
    metadata = pq.read_schema(file).metadata or {}
    return str(metadata.get(b"bar_type", file.parent.name.encode()).decode())


def _bar_types_present(path: str | os.PathLike[str]) -> list[str]:
    """Bar types stored in the catalog at `path`."""
    return sorted({_stored_bar_type(f) for f in bar_files(path)})


def bar_files(path: str | os.PathLike[str], bar_type: BarType | str | None = None) -> list[Path]:
    """The Parquet files of the catalog at `path` that hold bars (of `bar_type` if given)."""
    files = sorted((Path(path) / "data" / BAR_FOLDER).glob("*/*.parquet"))
    if bar_type is None:
        return files
    return [f for f in files if _stored_bar_type(f) == str(bar_type)]


def read_bars(path: str | os.PathLike[str], bar_type: BarType | str) -> list[Bar]:
    """Return the bars of ``bar_type`` stored in the catalog at ``path``, in time order."""
    catalog = _open_catalog(path)
    bars = query_bars(catalog, [str(bar_type)])
    if not bars:
        available = _bar_types_present(path)
        raise UnknownInstrumentError(
            f"{path}: catalog has no bars for `{bar_type}`; "
            f"bar types present: {', '.join(available) or '(none)'}",
        )
    return bars


def read_instrument(
    path: str | os.PathLike[str],
    instrument_id: InstrumentId | str,
) -> Instrument:
    """Return the instrument ``instrument_id`` stored in the catalog at ``path``."""
    catalog = _open_catalog(path)
    wanted = str(instrument_id)
    instruments = [i for i in catalog.instruments(instrument_ids=[wanted]) if str(i.id) == wanted]
    if not instruments:
        present = [str(i.id) for i in catalog.instruments()]
        raise UnknownInstrumentError(
            f"{path}: catalog has no instrument `{wanted}`; "
            f"instruments present: {', '.join(present) or '(none)'}",
        )
    return instruments[-1]
