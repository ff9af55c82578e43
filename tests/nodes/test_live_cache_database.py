"""The live node's cache database on NautilusTrader 2.0: refused by name before anything connects,
because 2.0's `LiveNode` refuses a cache database (Redis or Postgres) on a node with Python
clients, and every MT5 client is one (`prototypes/nt2/live_cache_database_routes.py`). A
restarted node then recovers through reconciliation and the run store (`test_live_node.py`'s
restart tests). The second test fails the day a 2.0 release lifts the refusal: then the node
can persist to Redis again."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable
from typing import Any

import pytest
from nautilus_trader.infrastructure import RedisCacheConfig
from nautilus_trader.live import LiveNodeBuilder

from nautilus_rl_lab.adapters.metatrader5.core import MT5
from nautilus_rl_lab.adapters.metatrader5.factories import (
    Mt5LiveDataClientFactory,
    Mt5LiveExecClientFactory,
)
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig
from nautilus_rl_lab.nodes.live_nt2 import build_live_node_config
from nautilus_rl_lab.nt.live_node import DatabaseConfig
from tests.services import redis_server


def test_a_cache_database_is_refused_by_name_before_anything_connects() -> None:
    config = LiveNodeConfig(cache_database=DatabaseConfig(host="127.0.0.1", port=1))
    with pytest.raises(ConfigError, match="`cache_database` is not available on Nautil"):
        LiveNode(config)


def _on_a_thread(work: Callable[[], str]) -> str:
    """`work()` on a fresh thread: 2.0 builds one `LiveNode` per thread, used and dropped there."""
    result: list[str] = []

    def target() -> None:
        result.append(work())
        gc.collect()  # the error's frames hold the node: drop it on this thread

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert result, "the node did not return within 60 s"
    return result[0]


async def _hosted_run(node: Any) -> None:
    await node.run_async()


@pytest.mark.parametrize("hosted", [False, True], ids=["run", "run_async"])
def test_nautilus_2_refuses_redis_on_the_node_our_config_builds(hosted: bool) -> None:
    def run(host: str, port: int) -> str:
        builder = LiveNodeBuilder.from_config(
            "nautilus-rl-lab",
            build_live_node_config(LiveNodeConfig()),
            data_factories={MT5: Mt5LiveDataClientFactory},
            exec_factories={MT5: Mt5LiveExecClientFactory},
        )
        node = builder.with_cache_database_factory(RedisCacheConfig(host=host, port=port)).build()
        stop = threading.Timer(3.0, node.handle().stop)  # should the node ever run
        stop.start()
        try:
            if hosted:
                asyncio.run(_hosted_run(node))
            else:
                node.run()
            return "ran"
        except RuntimeError as e:
            return str(e)
        finally:
            stop.cancel()
            node.dispose()

    with redis_server() as (host, port):
        error = _on_a_thread(lambda: run(host, port))
    assert "custom Python clients require a node without a cache database" in error
