"""Nautilus' core value types, at one address on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.core import UUID4
else:
    from nautilus_trader.core.uuid import UUID4

__all__ = ["UUID4"]
