"""Nautilus' test instruments, at one address on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.testkit.providers import TestInstrumentProvider
else:
    from nautilus_trader.test_kit.providers import TestInstrumentProvider

__all__ = ["TestInstrumentProvider"]
