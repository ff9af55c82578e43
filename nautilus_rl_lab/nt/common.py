"""Nautilus' actor base, cache, clock, message bus and component helpers, at one address.

`ImportableActorConfig` is `nt.importable`'s (a struct with 1.221's fields and JSON).
"""

from __future__ import annotations

from nautilus_trader.common import (
    Cache,
    CacheConfig,
    Clock,
    MessageBus,
    TimeEvent,
    log_sysinfo,
)

from nautilus_rl_lab.nt.components import Actor, ActorConfig
from nautilus_rl_lab.nt.importable import ImportableActorConfig

__all__ = [
    "Actor",
    "ActorConfig",
    "Cache",
    "CacheConfig",
    "Clock",
    "ImportableActorConfig",
    "MessageBus",
    "TimeEvent",
    "log_sysinfo",
]
