"""Nautilus enum members and currencies by name, on NautilusTrader 1.221 and 2.0.

1.221's enums are Python `IntFlag`s (`__members__`, `Enum["NAME"]`); 2.0's are pyo3 enums
(`variants()`, `from_str`). Both list the names in declaration order, `UNSPECIFIED` included.
`Currency.from_str(code, strict=True)` answers `None` for an unknown code on 1.221 and raises
`ValueError` on 2.0.
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.model import Currency
from nautilus_rl_lab.nt.version import NT2


def enum_names(enum: Any) -> tuple[str, ...]:
    """The names of `enum`'s members (e.g. ``("UNSPECIFIED", "NETTING", "HEDGING")``)."""
    if NT2:
        return tuple(member.name for member in enum.variants())
    return tuple(enum.__members__)


def enum_member(enum: Any, name: str) -> Any:
    """`enum`'s member called exactly `name` (a `KeyError` for any other name)."""
    if name not in enum_names(enum):
        raise KeyError(name)
    return enum.from_str(name) if NT2 else enum[name]


def known_currency(code: str) -> Currency | None:
    """The currency Nautilus knows by the ISO code `code`, else `None`."""
    try:
        return Currency.from_str(code, strict=True)
    except ValueError:  # 2.0
        return None
