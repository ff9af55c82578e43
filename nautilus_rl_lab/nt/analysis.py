"""Nautilus' report builders, at one address on NautilusTrader 1.221 and 2.0.

`ReportProvider` builds the trader's reports from a list of orders on both lines, so a
component can report from its own cache (on 2.0 the engine's cache cannot be read while a
strategy handler is paused inside the run).
"""

from __future__ import annotations

from nautilus_trader.analysis.reporter import ReportProvider

__all__ = ["ReportProvider"]
