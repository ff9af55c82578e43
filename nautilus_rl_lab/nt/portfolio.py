"""Portfolio reads whose names differ between NautilusTrader 1.221 and 2.0.

2.0's `Portfolio` names 1.221's `is_flat`/`is_completely_flat` `is_net_flat`/
`is_completely_net_flat` (the same test: every net position is zero).
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.version import NT2

__all__ = ["is_completely_flat", "is_flat"]

if NT2:

    def is_flat(portfolio: Any, instrument_id: Any) -> bool:
        """Whether `portfolio`'s net position in `instrument_id` is zero."""
        return bool(portfolio.is_net_flat(instrument_id))

    def is_completely_flat(portfolio: Any) -> bool:
        """Whether every net position of `portfolio` is zero."""
        return bool(portfolio.is_completely_net_flat())

else:

    def is_flat(portfolio: Any, instrument_id: Any) -> bool:
        """Whether `portfolio`'s net position in `instrument_id` is zero."""
        return bool(portfolio.is_flat(instrument_id))

    def is_completely_flat(portfolio: Any) -> bool:
        """Whether every net position of `portfolio` is zero."""
        return bool(portfolio.is_completely_flat())
