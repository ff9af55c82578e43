"""Nautilus' live client configs (instrument provider, routing, data and execution client).

NautilusTrader 2's are final native classes that carry no fields of ours (and cannot nest in a
msgspec config); here they are frozen `JsonStruct`s with 1.221's fields in 1.221's order, so an
adapter's client config subclasses one base and writes 1.221's JSON. A client hands Nautilus a
native config of its own (see `nt.live_clients`).
"""

from __future__ import annotations

from typing import Any

from nautilus_rl_lab.nt.codec import JsonStruct
from nautilus_rl_lab.nt.model import InstrumentId


class InstrumentProviderConfig(JsonStruct, frozen=True, forbid_unknown_fields=True):
    """Which instruments a provider loads (1.221's fields)."""

    load_all: bool = False
    load_ids: frozenset[InstrumentId] | None = None
    filters: dict[str, Any] | None = None
    filter_callable: str | None = None
    log_warnings: bool = True


class RoutingConfig(JsonStruct, frozen=True, forbid_unknown_fields=True):
    """Whether a client is the default route, and for which venues (1.221's fields)."""

    default: bool = False
    venues: frozenset[str] | None = None


class LiveDataClientConfig(JsonStruct, frozen=True, forbid_unknown_fields=True):
    """The fields every live data client config has (1.221's)."""

    handle_revised_bars: bool = False
    instrument_provider: InstrumentProviderConfig = InstrumentProviderConfig()
    routing: RoutingConfig = RoutingConfig()


class LiveExecClientConfig(JsonStruct, frozen=True, forbid_unknown_fields=True):
    """The fields every live execution client config has (1.221's)."""

    instrument_provider: InstrumentProviderConfig = InstrumentProviderConfig()
    routing: RoutingConfig = RoutingConfig()


__all__ = [
    "InstrumentProviderConfig",
    "LiveDataClientConfig",
    "LiveExecClientConfig",
    "RoutingConfig",
]
