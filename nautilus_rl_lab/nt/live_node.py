"""Nautilus' live-node engine configs and the cache database config, at one address.

NautilusTrader 2 has no `DatabaseConfig` (its `CacheConfig` carries no database, and a node
with Python clients refuses one: `prototypes/nt2/live_redis_probe.py`); `DatabaseConfig` is a
frozen `JsonStruct` with 1.221's fields, so a saved live config still parses and the node can
refuse it by name. `LiveExecEngineConfig` is 2.0's `LiveExecutionEngineConfig`.
"""

from __future__ import annotations

from nautilus_trader.live import LiveDataEngineConfig, LiveRiskEngineConfig
from nautilus_trader.live import LiveExecutionEngineConfig as LiveExecEngineConfig

from nautilus_rl_lab.nt.codec import JsonStruct


class DatabaseConfig(JsonStruct, frozen=True, forbid_unknown_fields=True):
    """1.221's cache database fields (Redis), kept so configs that name one still parse."""

    type: str = "redis"
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None
    ssl: bool = False
    timeout: int | None = 20


__all__ = [
    "DatabaseConfig",
    "LiveDataEngineConfig",
    "LiveExecEngineConfig",
    "LiveRiskEngineConfig",
]
