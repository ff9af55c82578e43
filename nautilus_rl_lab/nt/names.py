"""Nautilus enum members and currencies by name.

NautilusTrader 2's enums are pyo3 enums (`variants()`, `from_str`), listing the names in
declaration order, `UNSPECIFIED` included. `Currency.from_str(code, strict=True)` raises
`ValueError` for an unknown code.
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.model import Currency


def enum_names(enum: Any) -> tuple[str, ...]:
    """The names of `enum`'s members (e.g. ``("UNSPECIFIED", "NETTING", "HEDGING")``)."""
    return tuple(member.name for member in enum.variants())


def enum_member(enum: Any, name: str) -> Any:
    """`enum`'s member called exactly `name` (a `KeyError` for any other name)."""
    if name not in enum_names(enum):
        raise KeyError(name)
    return enum.from_str(name)


def known_currency(code: str) -> Currency | None:
    """The currency Nautilus knows by the ISO code `code`, else `None`."""
    try:
        return Currency.from_str(code, strict=True)
    except ValueError:
        return None
