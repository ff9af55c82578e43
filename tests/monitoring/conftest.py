"""A monitored live session: the MT5 simulator over RPyC on 127.0.0.1, `RLAgent` + `AgentStrategy`
+ `MonitorActor` in a `LiveNode`. The test steps the simulator's bars and waits for states."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from nautilus_trader.config import ImportableActorConfig, ImportableStrategyConfig

from nautilus_rl_lab.agents import Agent, BuyAndHoldAgent, RLAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.monitoring import MonitorActor, attach_monitor
from nautilus_rl_lab.mt5 import Mt5BackendConfig, Mt5SimulatorConfig
from nautilus_rl_lab.mt5.rpyc import ServerHandle, serve
from nautilus_rl_lab.mt5.simulator import Mt5TerminalSimulator
from nautilus_rl_lab.nodes.live import LiveNode, LiveNodeConfig
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.nt.model import BarType, OrderType
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.training import TrainConfig
from nautilus_rl_lab.training.bundle import attach_backtest, write_bundle
from tests.adapters.metatrader5.conftest import clients

INSTRUMENT = "EURUSD.MT5"
BAR_TYPE = "EURUSD.MT5-1-MINUTE-BID-EXTERNAL"
MAGIC = 4242
WAIT = 15.0
ACTION = SchemeConfig(name="target_position", params={"trade_size": 100_000})
OBSERVATION = SchemeConfig(name="window", params={"window": 2})
SPREAD = 0.0001  # the simulator's default 10 points on EURUSD


@pytest.fixture
def serve_terminal() -> Iterator[Callable[..., tuple[Mt5TerminalSimulator, ServerHandle]]]:
    """`start(data=None, **simulator_config)` -> a simulated terminal served on 127.0.0.1."""
    served: list[tuple[Mt5TerminalSimulator, ServerHandle]] = []

    def start(
        data: pd.DataFrame | None = None, **config: Any
    ) -> tuple[Mt5TerminalSimulator, ServerHandle]:
        options = {"bar_seconds": 60, "synthetic_bars": 400, "warmup_bars": 20, **config}
        simulator = Mt5TerminalSimulator(data, config=Mt5SimulatorConfig(**options))
        served.append((simulator, serve(simulator, "127.0.0.1", 0)))
        return served[-1]

    yield start
    for simulator, handle in served:
        simulator.stop_replay()
        handle.stop()


@pytest.fixture
def terminal(serve_terminal) -> tuple[Mt5TerminalSimulator, ServerHandle]:
    return serve_terminal()


def backend(handle: ServerHandle) -> Mt5BackendConfig:
    return Mt5BackendConfig(
        backend="rpyc",
        host="127.0.0.1",
        port=handle.port,
        timeout_s=5.0,
        reconnect_backoff_s=0.02,
        reconnect_backoff_max_s=0.2,
    )


def agent_components(agent_dir: Path, claims: bool = True) -> list[Any]:
    """The agent saved in `agent_dir` through the same RLAgent/AgentStrategy path as a trained one
    (the strategy claims the instrument's orders after a restart, as `bundle_configs` makes it)."""
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
            "external_order_claims": [INSTRUMENT] if claims else None,
        },
    )
    return [actor, strategy]


def market(seed: int, **params: Any) -> DataSourceConfig:
    """300 one-minute GBM bars (each opens at the previous close) quoted as bids, 1-pip spread."""
    return DataSourceConfig(
        kind="synthetic",
        generator="gbm",
        params={"n_bars": 300, "freq": "1min", "seed": seed, **params},
        spread=SPREAD,
        price_side="bid",
    )


def agent_bundle(agent: Agent, directory: Path, test_data: DataSourceConfig) -> Path:
    """`agent` saved as a bundle whose backtest figures come from `test_data` (1-minute bid bars)."""
    agent.save(directory)
    env = TrainingNodeConfig(
        data=test_data,
        observation=OBSERVATION,
        action=ACTION,
        bar_aggregation="MINUTE",
        price_type="BID",
    )
    config = TrainConfig(env=env, test_data=test_data, eval_freq=0, allow_overlap=True)
    write_bundle(directory, config)
    attach_backtest(directory, config)
    return directory


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
        actors=actors,
        strategies=strategies,
        **clients(magic=MAGIC),
        log_level="ERROR",
        open_check_interval_secs=1.0,
    )


@pytest.fixture
def node_on(tmp_path: Path) -> Iterator[Callable[..., tuple[LiveNode, MonitorActor]]]:
    """`start(handle, agent_dir=None, **monitor_config)` -> a started node on the terminal at
    `handle` with the agent saved in `agent_dir` (default: buy-and-hold) and a bound monitor."""
    nodes: list[LiveNode] = []

    def start(
        handle: ServerHandle,
        agent_dir: Path | None = None,
        with_agent: bool = True,
        claims: bool = True,
        **monitor: Any,
    ) -> tuple[LiveNode, MonitorActor]:
        if agent_dir is None:
            agent_dir = tmp_path / "agent"
            BuyAndHoldAgent(ACTION).save(agent_dir)
        actor, strategy = agent_components(agent_dir, claims)
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


@pytest.fixture
def monitored_node(terminal, node_on) -> Callable[..., tuple[LiveNode, MonitorActor]]:
    """`start(**monitor_config)` -> a started node with buy-and-hold and a bound monitor."""
    _, handle = terminal
    return functools.partial(node_on, handle)


def step_bars(node: LiveNode, simulator: Mt5TerminalSimulator, n: int, pause: float = 0.3) -> None:
    """Close `n` more bars at the terminal, one at a time: each reaches the node (its cache holds
    one more bar) and every agent has handled it (its orders submitted) before the next closes,
    so a loaded machine never batches them into bars the agent skips as stale; then `pause` lets
    the decision's orders go out, and its market orders settle before the next bar moves the
    price (else a loaded machine fills them a bar late)."""
    bar_type = BarType.from_str(BAR_TYPE)
    agents = [actor for actor in node.trader.actors() if isinstance(actor, RLAgent)]
    for _ in range(n):
        seen = node.cache.bar_count(bar_type)
        handled = [agent.bars_handled for agent in agents]
        simulator.advance_bars(1)
        node.wait_until(lambda n=seen: node.cache.bar_count(bar_type) > n, timeout_secs=WAIT)
        node.wait_until(lambda h=handled: _agents_handled(agents, h), timeout_secs=WAIT)
        node.wait_until(lambda: False, timeout_secs=pause)
        node.wait_until(lambda: _market_orders_settled(node), timeout_secs=WAIT)


def _agents_handled(agents: list[RLAgent], before: list[int]) -> bool:
    """Every agent has handled a bar since its count was `before`."""
    return all(agent.bars_handled > n for agent, n in zip(agents, before, strict=True))


def _market_orders_settled(node: LiveNode) -> bool:
    """Every market order the node sent is filled, rejected or otherwise closed."""
    return all(o.is_closed for o in node.cache.orders() if o.order_type == OrderType.MARKET)
