"""Helpers of the adapter tests: a `LiveNode` on a given simulator, with one test strategy,
and the config of a `LiveNode` on a simulator served over RPyC."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from nautilus_trader.config import ImportableStrategyConfig

from nautilus_rl_lab.adapters.metatrader5.connection import acquire_connection, release_connection
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig


def rpyc_node_config(
    port: int, strategies: Sequence = (), actors: Sequence = (), **overrides: Any
) -> LiveNodeConfig:
    """A `LiveNodeConfig` on the simulator served over RPyC at 127.0.0.1:`port` (fast polls,
    quiet logs), with `overrides` of any other field."""
    backend = Mt5BackendConfig(
        backend="rpyc",
        host="127.0.0.1",
        port=port,
        timeout_s=5.0,
        reconnect_backoff_s=0.02,
        reconnect_backoff_max_s=0.2,
    )
    values: dict[str, Any] = {
        "backend": backend,
        "symbols": ("EURUSD",),
        "strategies": list(strategies),
        "actors": list(actors),
        "poll_interval_secs": 0.02,
        "log_level": "ERROR",
        "open_check_interval_secs": 1.0,
        **overrides,
    }
    return LiveNodeConfig(**values)


@contextmanager
def live_session(
    simulator: Mt5TerminalSimulator,
    sim_config: Mt5SimulatorConfig,
    strategy: str,
    strategy_config: dict[str, Any] | None = None,
    **node_options: Any,
) -> Iterator[tuple[LiveNode, Any, Mt5TerminalSimulator]]:
    """Run a started `LiveNode` on `simulator` with the strategy ``module:Name`` (config
    ``module:NameConfig``); yield ``(node, strategy, simulator)``, then dispose of it."""
    backend = Mt5BackendConfig(backend="simulator", simulator=sim_config)
    connection = acquire_connection(backend, client=simulator)  # the node shares it
    module, _, name = strategy.partition(":")
    node = LiveNode(
        LiveNodeConfig(
            backend=backend,
            log_level="ERROR",
            strategies=[
                ImportableStrategyConfig(
                    strategy_path=strategy,
                    config_path=f"{module}:{name}Config",
                    config=strategy_config or {},
                ),
            ],
            **node_options,
        ),
    )
    node.start()
    try:
        yield node, node.trader.strategies()[0], simulator
    finally:
        node.dispose()
        release_connection(connection)
