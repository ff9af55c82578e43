"""Nautilus' test instruments, at one address."""

from __future__ import annotations

from nautilus_trader.testkit.providers import TestInstrumentProvider

__all__ = ["TestInstrumentProvider"]
