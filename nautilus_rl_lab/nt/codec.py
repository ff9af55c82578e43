"""JSON for the Nautilus values inside the project's msgspec configs, the same on 1.221 and 2.0.

Identifiers and bar types are written as their strings, exactly as 1.221's `NautilusConfig`
hooks wrote them (so stored configs, bundle hashes and study fingerprints keep their bytes),
and read back with the type's own parser. NautilusTrader 2 has neither those hooks nor a
common `Identifier` base class: `IDENTIFIERS` lists the identifier types both lines share.
`JsonStruct` is the frozen msgspec base with 1.221 `NautilusConfig`'s JSON API, written with
these hooks: `config.LabConfig` and the configs `nt` stands in for on 2.0 derive from it.
"""

from __future__ import annotations

from typing import Any, Self, cast

import msgspec

from nautilus_rl_lab.nt import model
from nautilus_rl_lab.nt.model import BarType, InstrumentId

#: Nautilus' identifier types (1.221's `Identifier` subclasses; 2.0 has no base class).
IDENTIFIERS: tuple[type, ...] = tuple(
    getattr(model, name)
    for name in [
        "AccountId",
        "ClientId",
        "ClientOrderId",
        "ComponentId",
        "ExecAlgorithmId",
        "InstrumentId",
        "OrderListId",
        "PositionId",
        "StrategyId",
        "Symbol",
        "TradeId",
        "TraderId",
        "Venue",
        "VenueOrderId",
    ]
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


class JsonStruct(msgspec.Struct, kw_only=True, frozen=True):
    """A frozen struct with 1.221 `NautilusConfig`'s JSON API (`parse`, `json`, ...), its
    Nautilus values written as 1.221 wrote them."""

    @classmethod
    def parse(cls, raw: bytes | str) -> Self:
        """The config decoded from JSON (Nautilus identifiers and bar types too)."""
        return msgspec.json.decode(raw, type=cls, dec_hook=decode_hook)

    def json(self) -> bytes:
        """The config as JSON bytes (the bytes content hashes and fingerprints are taken over)."""
        return msgspec.json.encode(self, enc_hook=encode_hook)

    def json_primitives(self) -> dict[str, Any]:
        """The fields as plain JSON data (what `json()` writes, decoded)."""
        return cast("dict[str, Any]", msgspec.json.decode(self.json()))

    def dict(self) -> dict[str, Any]:
        """The fields as a mapping of name to value (nested configs stay objects); a field left
        `UNSET` is left out, as `json()` leaves it out."""
        values = ((name, getattr(self, name)) for name in self.__struct_fields__)
        return {name: value for name, value in values if value is not msgspec.UNSET}
