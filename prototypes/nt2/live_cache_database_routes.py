"""Reproducer (NautilusTrader 2.0.0rc6): every route to a cache database on a `LiveNode`, with
and without a Python client. Issue 24's evidence that Redis persistence is blocked for our node.

Run: ``/work/nt2venv/bin/python prototypes/nt2/live_cache_database_routes.py`` (starts its own
redis-server on a free port; needs `redis-server` and `redis-cli` on PATH). Prints one line
per route: what the installed package does.

Found on 2.0.0rc6 (2026-12-07):
- `CacheConfig` has no `database` field (`TypeError`), neither has `LiveNodeConfig`; the one
  way in is `LiveNodeBuilder.with_cache_database_factory(RedisCacheConfig | PostgresCacheConfig)`;
  no environment variable turns a cache database on (only libpq's `PG*` defaults for Postgres).
- With one Python client (ours are all Python: MT5), `run()` and `run_async()` both raise
  before anything connects: "a cache database backing is not supported on a host event loop,
  because its blocking calls would stall the loop; native-only nodes can use `run()`, but
  custom Python clients require a node without a cache database". Redis or Postgres alike
  (the check is on the factory, not the server). Upstream pins this as intended:
  `python/tests/integration/test_python_data_client.py::
  test_custom_client_rejects_cache_database_in_both_launch_modes`, and
  `crates/live/src/python/node.rs` (`has_pending_cache_database`: "The Redis and SQL cache
  backings block the calling thread while awaiting their worker task, which would freeze the
  host loop").
- The same node with no Python client runs with Redis: an actor's general cache entry written
  in session 1 is read back in session 2 (one key). Redis itself works; the refusal is about
  Python clients.
- An external message bus on Redis (`with_external_msgbus_factory(RedisMessageBusFactory)`)
  runs with a Python client (it wrote no key in its 1.5 s run), but it is an outbound stream
  of bus messages, not a cache the next node loads.
- 2.0's Python `Cache` has no `add_order` / `add_position`: a store of our own cannot put
  orders or positions back either. Startup reconciliation from the venue is the only way a
  restarted node gets its state back.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import threading
from collections.abc import Callable
from typing import Any

from live_redis_probe import redis_server  # this folder: the script's own path entry
from nautilus_trader.common import Cache, CacheConfig, DataActor, Environment, LoggerConfig
from nautilus_trader.config import DataClientConfig
from nautilus_trader.infrastructure import (
    PostgresCacheConfig,
    RedisCacheConfig,
    RedisMessageBusConfig,
    RedisMessageBusFactory,
)
from nautilus_trader.live import LiveNode, LiveNodeBuilder
from nautilus_trader.live.clients import DataClientFactory, MarketDataClient
from nautilus_trader.model import TraderId, Venue

VENUE = Venue("PROBE")


class Client(MarketDataClient):
    """The smallest Python data client: connects and disconnects."""

    async def _connect(self) -> None:
        pass

    async def _disconnect(self) -> None:
        pass


class Writer(DataActor):
    """Stores one general cache entry at start and records what it finds there."""

    found: list[int] | None = None

    def on_start(self) -> None:
        Writer.found = self.cache.get("probe")
        self.cache.add("probe", list(b"token"))


class Factory(DataClientFactory):
    @staticmethod
    def create(*, name, config, cache, clock):  # type: ignore[override]
        return Client(name=name, config=config, cache=cache, clock=clock, venue=VENUE)


def native(trader: str, config: RedisCacheConfig) -> LiveNode:
    """A node without Python clients on `config`, with the `Writer` actor."""
    node = builder(trader, False).with_cache_database_factory(config).build()
    node.add_actor(Writer())
    return node


def with_database(trader: str, config: RedisCacheConfig | PostgresCacheConfig) -> LiveNode:
    """A node with the Python data client and a cache database."""
    return builder(trader, True).with_cache_database_factory(config).build()


def builder(trader: str, python_client: bool) -> LiveNodeBuilder:
    b = (
        LiveNode.builder("PROBE", TraderId(trader), Environment.SANDBOX)
        .with_logging(LoggerConfig.from_spec("stdout=ERROR"))
        .with_reconciliation(False)
        .with_timeout_connection(2)
        .with_timeout_portfolio(0)
        .with_delay_post_stop_secs(0)
        .with_timeout_disconnection_secs(1)
    )
    if python_client:
        b = b.add_data_client("PROBE", Factory, DataClientConfig())
    return b


def run(make: Callable[[], LiveNode], hosted: bool, seconds: float = 1.5) -> str:
    """Build a node with `make` and run it (`run()` or `run_async()`) on this thread; stop it
    after `seconds` and drop it (one `LiveNode` per thread at a time)."""
    node = make()
    timer = threading.Timer(seconds, node.handle().stop)  # the node's sendable stop switch
    timer.start()
    try:
        if hosted:
            asyncio.run(hosted_run(node))
        else:
            node.run()
        return "ran"
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    finally:
        timer.cancel()
        node.dispose()


async def hosted_run(node: LiveNode) -> None:
    """`run_async()` needs the loop already running."""
    await node.run_async()


def keys(port: int, pattern: str) -> int:
    out = subprocess.run(
        ["redis-cli", "-p", str(port), "--scan", "--pattern", pattern],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return len(out.stdout.split())


def route(name: str, attempt: Callable[[], Any]) -> None:
    try:
        result = attempt()
    except Exception as e:
        result = f"{type(e).__name__}: {e}"
    gc.collect()  # a node must be gone before the next is built on this thread
    print(f"{name}\n  -> {result}")


def main() -> None:
    route(
        "CacheConfig(database=...)",
        lambda: CacheConfig(database={"type": "redis"}),  # type: ignore[call-arg]
    )
    with redis_server() as port:
        redis = RedisCacheConfig(host="127.0.0.1", port=port)
        for hosted in (False, True):
            route(
                f"Python client + Redis cache database, {'run_async()' if hosted else 'run()'}",
                lambda hosted=hosted: run(lambda: with_database("PYCLIENT-001", redis), hosted),
            )
        print(f"  Redis keys of PYCLIENT-001: {keys(port, '*PYCLIENT-001*')}")
        postgres = PostgresCacheConfig(host="127.0.0.1", port=1, password="x")
        route(
            "Python client + Postgres cache database (no server), run()",
            lambda: run(lambda: with_database("PGCLIENT-001", postgres), False),
        )
        for session in (1, 2):
            route(
                f"no Python client + Redis cache database, run(), session {session}",
                lambda: (run(lambda: native("NATIVE-001", redis), False), Writer.found),
            )
        print(f"  Redis keys of NATIVE-001: {keys(port, '*NATIVE-001*')}")
        bus = RedisMessageBusFactory(RedisMessageBusConfig(host="127.0.0.1", port=port))
        route(
            "Python client + external Redis message bus, run()",
            lambda: run(lambda: builder("BUS-001", True).with_external_msgbus_factory(bus).build(), False),
        )  # fmt: skip
        print(f"  Redis keys in all (NATIVE-001's included): {keys(port, '*')}")
    putters = [m for m in ("add_order", "add_position") if hasattr(Cache, m)]
    print(f"Python Cache can put orders/positions back\n  -> {putters or 'no'}")


if __name__ == "__main__":
    main()
