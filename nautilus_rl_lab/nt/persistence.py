"""Nautilus' Parquet data catalog, at one address on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.persistence import ParquetDataCatalog
else:
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

__all__ = ["ParquetDataCatalog"]
