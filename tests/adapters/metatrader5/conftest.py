"""Helpers of the adapter tests: a `LiveNode` on a given simulator, with one test strategy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nautilus_trader.config import ImportableStrategyConfig

from nautilus_rl_lab.adapters.metatrader5.connection import acquire_connection, release_connection
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5.simulator.terminal import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig


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
