"""Nautilus' Parquet data catalog, at one address."""

from __future__ import annotations

from nautilus_trader.persistence import ParquetDataCatalog

__all__ = ["ParquetDataCatalog"]
