"""Nautilus' core value types and time helpers, at one address."""

from __future__ import annotations

from nautilus_trader.core import UUID4, unix_nanos_to_iso8601

__all__ = ["UUID4", "unix_nanos_to_iso8601"]
