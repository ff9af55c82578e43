"""JSON for the Nautilus values inside the project's msgspec configs, the same on 1.221 and 2.0.

Identifiers and bar types are written as their strings, exactly as 1.221's `NautilusConfig`
hooks wrote them (so stored configs, bundle hashes and study fingerprints keep their bytes),
and read back with the type's own parser. NautilusTrader 2 has neither those hooks nor a
common `Identifier` base class: `IDENTIFIERS` lists the identifier types both lines share.
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.model import (
    AccountId,
    BarType,
    ClientId,
    ClientOrderId,
    ComponentId,
    ExecAlgorithmId,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    Symbol,
    TradeId,
    TraderId,
    Venue,
    VenueOrderId,
)

#: Nautilus' identifier types (1.221's `Identifier` subclasses; 2.0 has no base class).
IDENTIFIERS: tuple[type, ...] = (
    AccountId,
    ClientId,
    ClientOrderId,
    ComponentId,
    ExecAlgorithmId,
    InstrumentId,
    OrderListId,
    PositionId,
    StrategyId,
    Symbol,
    TradeId,
    TraderId,
    Venue,
    VenueOrderId,
)
_PARSED: tuple[type, ...] = (InstrumentId, BarType)  # read with `from_str`; others take the str
_ENCODED = (*IDENTIFIERS, BarType)


def encode_hook(value: Any) -> Any:
    """msgspec's `enc_hook`: a Nautilus identifier or bar type as its string."""
    if isinstance(value, _ENCODED):
        return str(value)
    raise TypeError(f"Encoding objects of type {value.__class__} is unsupported")


def decode_hook(kind: type, value: Any) -> Any:
    """msgspec's `dec_hook`: a Nautilus identifier or bar type from its string."""
    if kind in _PARSED:
        return kind.from_str(value)  # type: ignore[attr-defined]
    if kind in IDENTIFIERS:
        return kind(value)
    raise TypeError(f"Decoding objects of type {kind} is unsupported")
