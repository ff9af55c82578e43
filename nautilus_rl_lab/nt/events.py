"""Event fields whose names differ between NautilusTrader 1.221 and 2.0.

An event's own id is `id` on 1.221 and `event_id` on 2.0 (a `UUID4` on both).
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.version import NT2

__all__ = ["event_id"]

if NT2:

    def event_id(event: Any) -> str:
        """The id of `event` (an order or position event), as text."""
        return str(event.event_id.value)

else:

    def event_id(event: Any) -> str:
        """The id of `event` (an order or position event), as text."""
        return str(event.id.value)
