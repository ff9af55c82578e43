"""Nautilus' actor base, cache, clock, message bus and component helpers, at one address on NautilusTrader 1.221 and 2.0."""

from __future__ import annotations

from nautilus_rl_lab.nt.components import Actor, ActorConfig
from nautilus_rl_lab.nt.version import NT2

if NT2:
    from nautilus_trader.common import (
        Cache,
        CacheConfig,
        Clock,
        ImportableActorConfig,
        MessageBus,
        log_sysinfo,
    )
else:
    from nautilus_trader.cache.cache import Cache
    from nautilus_trader.cache.config import CacheConfig
    from nautilus_trader.common.component import Clock, MessageBus, log_sysinfo
    from nautilus_trader.common.config import ImportableActorConfig

__all__ = [
    "Actor",
    "ActorConfig",
    "Cache",
    "CacheConfig",
    "Clock",
    "ImportableActorConfig",
    "MessageBus",
    "log_sysinfo",
]
