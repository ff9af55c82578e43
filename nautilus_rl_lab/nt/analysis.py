"""Nautilus' report builders, at one address.

`ReportProvider` builds the trader's reports from a list of orders on both lines, so a
component can report from its own cache (on 2.0 the engine's cache cannot be read while a
strategy handler is paused inside the run). Its orders report names "none" as 1.221 does:
2.0's orders leave `contingency_type` and `emulation_trigger` empty where 1.221 writes
`NO_CONTINGENCY` and `NO_TRIGGER`, so a report reads the same on both lines.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from nautilus_trader.analysis.reporter import ReportProvider as _NautilusReportProvider

NONE_NAMES = {"contingency_type": "NO_CONTINGENCY", "emulation_trigger": "NO_TRIGGER"}
"""Orders report columns whose "none" value 2.0 leaves empty, with 1.221's name for it."""


class ReportProvider(_NautilusReportProvider):
    """Nautilus' `ReportProvider` with an orders report that names "none" as 1.221 does."""

    @staticmethod
    def generate_orders_report(orders: list[Any]) -> pd.DataFrame:
        """Nautilus' orders report of `orders`, with `NONE_NAMES` filled in."""
        report = _NautilusReportProvider.generate_orders_report(orders)
        for column, name in NONE_NAMES.items():
            if column in report:
                report[column] = report[column].fillna(name)
        return report


__all__ = ["ReportProvider"]
