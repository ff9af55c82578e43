"""The member names of a Nautilus enum, on NautilusTrader 1.221 and 2.0.

1.221's enums are Python `IntFlag`s (`__members__`); 2.0's are pyo3 enums that list their
members with `variants()`. Both give the names in declaration order, `UNSPECIFIED` included.
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.version import NT2


def enum_names(enum: Any) -> tuple[str, ...]:
    """The names of `enum`'s members (e.g. ``("UNSPECIFIED", "NETTING", "HEDGING")``)."""
    if NT2:
        return tuple(member.name for member in enum.variants())
    return tuple(enum.__members__)
