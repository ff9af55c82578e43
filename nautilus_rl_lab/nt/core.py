"""Nautilus' core value types and time helpers, at one address on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.core import UUID4, unix_nanos_to_iso8601
else:
    from nautilus_trader.core.datetime import unix_nanos_to_iso8601
    from nautilus_trader.core.uuid import UUID4

__all__ = ["UUID4", "unix_nanos_to_iso8601"]
