"""A monitored live session: the MT5 simulator over RPyC on 127.0.0.1, `RLAgent` + `AgentStrategy`
+ `MonitorActor` in a `LiveNode`. The test steps the simulator's bars and waits for states."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.config import ImportableActorConfig, ImportableStrategyConfig

from nautilus_rl_lab.agents import BuyAndHoldAgent
from nautilus_rl_lab.monitoring import MonitorActor, attach_monitor
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5.rpyc import ServerHandle, serve
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig

INSTRUMENT = "EURUSD.MT5"
BAR_TYPE = "EURUSD.MT5-1-MINUTE-BID-EXTERNAL"
MAGIC = 4242
WAIT = 15.0
ACTION = SchemeConfig(name="target_position", params={"trade_size": 100_000})
OBSERVATION = SchemeConfig(name="window", params={"window": 2})


@pytest.fixture
def terminal() -> Iterator[tuple[Mt5TerminalSimulator, ServerHandle]]:
    config = Mt5SimulatorConfig(bar_seconds=60, synthetic_bars=400, warmup_bars=20)
    simulator = Mt5TerminalSimulator(config=config)
    handle = serve(simulator, "127.0.0.1", 0)
    yield simulator, handle
    simulator.stop_replay()
    handle.stop()


def backend(handle: ServerHandle) -> Mt5BackendConfig:
    return Mt5BackendConfig(
        backend="rpyc",
        host="127.0.0.1",
        port=handle.port,
        timeout_s=5.0,
        reconnect_backoff_s=0.02,
        reconnect_backoff_max_s=0.2,
    )


def agent_components(agent_dir: Path) -> list[Any]:
    """A buy-and-hold agent through the same RLAgent/AgentStrategy path as a trained one."""
    BuyAndHoldAgent(ACTION).save(agent_dir)
    actor = ImportableActorConfig(
        actor_path="nautilus_rl_lab.agents:RLAgent",
        config_path="nautilus_rl_lab.agents:RLAgentConfig",
        config={
            "instrument_id": INSTRUMENT,
            "bar_type": BAR_TYPE,
            "agent_path": str(agent_dir),
            "observation": {"name": OBSERVATION.name, "params": OBSERVATION.params},
            "action": {"name": ACTION.name, "params": ACTION.params},
        },
    )
    strategy = ImportableStrategyConfig(
        strategy_path="nautilus_rl_lab.strategies:AgentStrategy",
        config_path="nautilus_rl_lab.strategies:AgentStrategyConfig",
        config={
            "instrument_id": INSTRUMENT,
            "action": {"name": ACTION.name, "params": ACTION.params},
        },
    )
    return [actor, strategy]


def monitor_component(run_dir: Path, **config: Any) -> ImportableActorConfig:
    return ImportableActorConfig(
        actor_path="nautilus_rl_lab.monitoring:MonitorActor",
        config_path="nautilus_rl_lab.monitoring:MonitorConfig",
        config={
            "run_dir": str(run_dir),
            "instrument_id": INSTRUMENT,
            "bar_type": BAR_TYPE,
            "sample_interval_secs": 0.1,
            **config,
        },
    )


def node_config(handle: ServerHandle, actors: list[Any], strategies: list[Any]) -> LiveNodeConfig:
    return LiveNodeConfig(
        backend=backend(handle),
        symbols=("EURUSD",),
        magic=MAGIC,
        actors=actors,
        strategies=strategies,
        poll_interval_secs=0.02,
        log_level="ERROR",
        open_check_interval_secs=1.0,
    )


@pytest.fixture
def monitored_node(
    terminal, tmp_path: Path
) -> Iterator[Callable[..., tuple[LiveNode, MonitorActor]]]:
    """`start(**monitor_config)` -> a started node with the agent and a bound monitor."""
    _, handle = terminal
    nodes: list[LiveNode] = []

    def start(with_agent: bool = True, **monitor: Any) -> tuple[LiveNode, MonitorActor]:
        actor, strategy = agent_components(tmp_path / "agent")
        actors = [monitor_component(tmp_path / "run", **monitor)]
        strategies = []
        if with_agent:
            actors.insert(0, actor)
            strategies.append(strategy)
        node = LiveNode(node_config(handle, actors, strategies))
        nodes.append(node)
        monitor_actor = attach_monitor(node, backend(handle))
        node.start()
        return node, monitor_actor

    yield start
    for node in nodes:
        node.dispose()


def step_bars(node: LiveNode, simulator: Mt5TerminalSimulator, n: int, pause: float = 0.3) -> None:
    """Close `n` more bars at the terminal, letting the node poll between them."""
    for _ in range(n):
        simulator.advance_bars(1)
        node.wait_until(lambda: False, timeout_secs=pause)
