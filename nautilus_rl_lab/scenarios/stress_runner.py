"""`run_execution_stress`: one agent and its risk rules on a `LiveNode`, through execution stress scenarios.

For each `StressScenarioConfig` the runner builds the MT5 simulator on the scenario's bars,
serves it over RPyC on 127.0.0.1 (a free port) and trades the agent on a `LiveNode` connected
through that bridge: `RLAgent` + `AgentStrategy` under the risk rules, the configs
`deploy.agent_configs` builds for a bundle too. The terminal's clock is stepped one decision
bar at a time: before a bar the due `FaultStep`s are applied (a fault armed at the simulator,
or the node stopped and a new one started against the same terminal), then the bar closes, the
node sees it and the runner waits until no order is in flight. At the end it waits (bounded)
for Nautilus' and the terminal's positions to agree, since each side may lag the other by a
poll, and records both (`stress_results`).

Decisions:

- Scenarios run one after another in this process (a live node owns threads and a port).
- The served terminal is a `SendJournal` around the simulator: it records every `order_send`
  and its retcode where it happens, so retries are counted at the terminal, not read from logs.
- The runner reads the terminal through the MT5 API (`positions_get`, history) in-process,
  never while a disconnect is armed (that read would use up the fault).
- Schemes and bar specification come from `base` (default `stress_base()`: a 4-bar window,
  `target_position` of 10,000 units, hourly bars); the bars are the terminal's BID bars. A
  rule agent is built from its `AgentSpec` and saved to a temporary directory; a saved agent
  or bundle directory is used as it is.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import pandas as pd
from tqdm.auto import tqdm

from nautilus_rl_lab.errors import ConfigError, EnvironmentStateError
from nautilus_rl_lab.mt5 import constants as mt5c
from nautilus_rl_lab.mt5.simulator.faults import DISCONNECT
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.nt.model import BarType, InstrumentId, OrderStatus, OrderType
from nautilus_rl_lab.scenarios.agents import BUILTIN_AGENTS, AgentSpec
from nautilus_rl_lab.scenarios.stress import RESTART, FaultStep, StressScenarioConfig
from nautilus_rl_lab.scenarios.stress_results import (
    NodeSnapshot,
    StressResults,
    TerminalRecord,
    stress_row,
)
from nautilus_rl_lab.schemes.registry import SchemeConfig
from nautilus_rl_lab.strategies.risk import RiskLimits

logger = logging.getLogger(__name__)

SYMBOL = "EURUSD"
INSTRUMENT_ID = "EURUSD.MT5"
MAGIC = 24_680
WARMUP_BARS = 10
LOG_LEVEL = "ERROR"
#: A bar may close before the node's first bar poll (then it is history): advance again.
BAR_ADVANCES = 3
BAR_WAIT_S = 3.0
SETTLE_WAIT_S = 15.0
STEP_COLUMNS = (
    "scenario",
    "bar",
    "fault",
    "count",
    "terminal_position",
    "nautilus_position",
    "nautilus_position_after",
    "position_owners_after",
)
_AGGREGATION_SECONDS = {"MINUTE": 60, "HOUR": 3_600, "DAY": 86_400}
_ACTIONS = {
    value: name.removeprefix("TRADE_ACTION_")
    for name, value in vars(mt5c).items()
    if name.startswith("TRADE_ACTION_")
}


def stress_base() -> TrainingNodeConfig:
    """The default schemes of a stress run: 4-bar window, 10,000-unit target position, BID bars."""
    return TrainingNodeConfig(
        observation=SchemeConfig(name="window", params={"window": 4}),
        action=SchemeConfig(name="target_position", params={"trade_size": 10_000}),
        price_type="BID",
    )


class SendJournal:
    """An `Mt5Client` that forwards every call to `terminal` and records each `order_send`.

    `sends` holds ``(comment, retcode, action)`` per call; a call that failed (None) records
    the terminal's `last_error` code instead of a retcode.
    """

    def __init__(self, terminal: Any) -> None:
        self._terminal = terminal
        self.sends: list[tuple[str, int, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._terminal, name)

    def order_send(self, request: Any) -> Any:
        result = self._terminal.order_send(request)
        code = int(result.retcode) if result is not None else int(self._terminal.last_error()[0])
        action = _ACTIONS.get(int(request.get("action", 0)), "UNKNOWN")
        self.sends.append((str(request.get("comment", "")), code, action))
        return result


def _retcode_key(code: int) -> str:
    return mt5c.retcode_name(code).removeprefix("TRADE_RETCODE_") if code > 0 else f"ERROR_{code}"


def _settled(cache: Any) -> bool:
    """No order is being created, sent or waiting for its market fill."""
    return not any(
        order.status == OrderStatus.INITIALIZED
        or order.is_inflight
        or (order.is_open and order.order_type == OrderType.MARKET)
        for order in cache.orders()
    )


class _Session:
    """One scenario's terminal, bridge and (current) node."""

    def __init__(self, scenario: StressScenarioConfig, node_config: Any, simulator: Any) -> None:
        self.scenario = scenario
        self.node_config = node_config
        self.simulator = simulator
        self.instrument_id = InstrumentId.from_str(INSTRUMENT_ID)
        self.bar_type = BarType.from_str(node_config.actors[0].config["bar_type"])
        self.node: Any = None
        self.snapshots: list[NodeSnapshot] = []
        self.steps: list[dict[str, Any]] = []
        self.bars = 0
        self.contract_size = float(simulator.specs[SYMBOL].contract_size)

    def start_node(self) -> None:
        from nautilus_rl_lab.nodes.live import LiveNode

        self.node = LiveNode(self.node_config)
        self.node.start()

    def stop_node(self) -> None:
        self.snapshots.append(NodeSnapshot.take(self.node, self.instrument_id))
        self.node.dispose()
        self.node = None

    def terminal(self) -> TerminalRecord:
        if DISCONNECT in self.simulator.armed_faults():
            raise EnvironmentStateError("reading the terminal would use up the armed disconnect")
        self.simulator.initialize()
        return TerminalRecord.take(self.simulator, MAGIC, SYMBOL, self.contract_size)

    def apply_due(self, pending: list[FaultStep]) -> None:
        """Apply the steps due before the next decision bar (deferring those that wait for a position).

        Each applied step is logged with both sides' net positions; a restart also with the new
        node's position and position owners once it agrees with the terminal again.
        """
        for step in list(pending):
            if step.bar > self.bars + 1 or DISCONNECT in self.simulator.armed_faults():
                continue
            position = self.terminal().net_position
            if step.with_position and position == 0:
                continue
            pending.remove(step)
            before = NodeSnapshot.take(self.node, self.instrument_id)
            record: dict[str, Any] = {
                "scenario": self.scenario.name,
                "bar": self.bars + 1,
                "fault": step.fault,
                "count": step.count,
                "terminal_position": float(position),
                "nautilus_position": float(before.cache_position),
                "nautilus_position_after": math.nan,
                "position_owners_after": "",
            }
            if step.fault == RESTART:
                self.stop_node()
                self.start_node()
                self.node.wait_until(self.in_step, timeout_secs=SETTLE_WAIT_S)
                after = NodeSnapshot.take(self.node, self.instrument_id)
                record["nautilus_position_after"] = float(after.cache_position)
                record["position_owners_after"] = ",".join(after.position_owners)
            else:
                self.simulator.inject(step.fault, step.count)
            self.steps.append(record)

    def next_bar(self) -> None:
        """Close the next decision bar at the terminal; wait until the node saw it and settled."""
        node, bars = self.node, self.bar_type
        seen = node.cache.bar_count(bars)
        # Only a fresh node may miss a bar (closed before its first poll); later bars wait.
        advances, wait = (BAR_ADVANCES, BAR_WAIT_S) if seen == 0 else (1, SETTLE_WAIT_S)
        for _ in range(advances):
            self.simulator.advance_bars(1)
            if node.wait_until(lambda: node.cache.bar_count(bars) > seen, timeout_secs=wait):
                break
        else:
            raise EnvironmentStateError(
                f"scenario {self.scenario.name!r}: no bar reached the node after "
                f"{advances} terminal bar(s) (see the Nautilus log)"
            )
        self.bars += 1
        self.settle()

    def settle(self) -> bool:
        node = self.node
        return node.wait_until(lambda: node.call(lambda: _settled(node.cache)), SETTLE_WAIT_S)

    def in_step(self) -> bool:
        """Nautilus' net position (cache and portfolio) equals the terminal's."""
        terminal = self.terminal().net_position
        snapshot = NodeSnapshot.take(self.node, self.instrument_id)
        return snapshot.cache_position == snapshot.portfolio_position == terminal


def _agent_path(agent: AgentSpec, action: SchemeConfig, work_dir: Path) -> str:
    if agent.agent not in BUILTIN_AGENTS:
        return agent.agent  # a saved agent (or bundle) directory
    return str(agent.build(action).save(work_dir / f"agent-{agent.name}"))


def _bar_seconds(base: TrainingNodeConfig) -> int:
    if base.bar_aggregation not in _AGGREGATION_SECONDS:
        raise ConfigError(
            f"`base.bar_aggregation` {base.bar_aggregation!r} has no MT5 simulator bars: use "
            f"one of {sorted(_AGGREGATION_SECONDS)}"
        )
    return base.bar_step * _AGGREGATION_SECONDS[base.bar_aggregation]


def _node_config(port: int, agent_path: str, base: TrainingNodeConfig, risk: RiskLimits) -> Any:
    from nautilus_rl_lab.adapters.metatrader5.config import (
        Mt5DataClientConfig,
        Mt5ExecClientConfig,
    )
    from nautilus_rl_lab.deploy.bundle import agent_configs
    from nautilus_rl_lab.mt5.backends import Mt5BackendConfig
    from nautilus_rl_lab.nodes.live import LiveNodeConfig

    bar_type = f"{INSTRUMENT_ID}-{base.bar_step}-{base.bar_aggregation}-BID-EXTERNAL"
    actor, strategy = agent_configs(
        agent_path, INSTRUMENT_ID, bar_type, base.observation, base.action, risk
    )
    backend = Mt5BackendConfig(
        backend="rpyc",
        host="127.0.0.1",
        port=port,
        timeout_s=5.0,
        reconnect_backoff_s=0.02,
        reconnect_backoff_max_s=0.2,
    )
    return LiveNodeConfig(
        backend=backend,
        symbols=(SYMBOL,),
        data_client=Mt5DataClientConfig(
            poll_interval_secs=0.02, reconnect_backoff_s=0.02, reconnect_backoff_max_s=0.2
        ),
        exec_client=Mt5ExecClientConfig(
            magic=MAGIC,
            poll_interval_secs=0.02,
            reconnect_backoff_s=0.02,
            reconnect_backoff_max_s=0.2,
        ),
        actors=[actor],
        strategies=[strategy],
        log_level=LOG_LEVEL,
        open_check_interval_secs=1.0,
    )


def _simulator(scenario: StressScenarioConfig, base: TrainingNodeConfig) -> Any:
    from nautilus_rl_lab.mt5.simulator import Mt5SimulatorConfig, Mt5TerminalSimulator

    frame = scenario.market.frame()
    needed = WARMUP_BARS + scenario.n_bars + BAR_ADVANCES * (scenario.restarts + 1) + 1
    if len(frame) < needed:
        raise ConfigError(
            f"scenario {scenario.name!r}: `market` has {len(frame)} bars, fewer than the "
            f"{needed} that {scenario.n_bars} decision bars need (warm-up and restarts included)"
        )
    config = Mt5SimulatorConfig(
        bar_seconds=_bar_seconds(base),
        warmup_bars=WARMUP_BARS,
        balance=scenario.balance,
        leverage=scenario.leverage,
        seed=scenario.seed,
        fault_rates=dict(scenario.fault_rates) or None,
    )
    return Mt5TerminalSimulator(frame[["open", "high", "low", "close", "volume"]], config=config)


def run_stress_scenario(
    scenario: StressScenarioConfig,
    agent: AgentSpec,
    *,
    risk: RiskLimits | None = None,
    base: TrainingNodeConfig | None = None,
    work_dir: str | Path | None = None,
) -> tuple[dict[str, Any], Counter[str], list[dict[str, Any]], list[tuple[str, int, str]]]:
    """Trade `agent` through one scenario; return its row, rejections, applied steps and sends."""
    from nautilus_rl_lab.mt5.rpyc import serve

    base = base or stress_base()
    limits = agent.risk if risk is None else risk
    started = time.perf_counter()
    simulator = _simulator(scenario, base)
    journal = SendJournal(simulator)
    handle = serve(cast(Any, journal), "127.0.0.1", 0)
    with tempfile.TemporaryDirectory(prefix="nrl-stress-") as tmp:
        agent_path = _agent_path(agent, base.action, Path(work_dir or tmp))
        session = _Session(scenario, _node_config(handle.port, agent_path, base, limits), simulator)
        try:
            session.start_node()
            pending = sorted(scenario.steps, key=lambda s: s.bar)
            while session.bars < scenario.n_bars:
                session.apply_due(pending)
                session.next_bar()
            settled = session.settle()
            armed: Counter[str] = Counter()
            for step in scenario.steps:
                if step.fault != RESTART:
                    armed[step.fault] += step.count
            left = Counter({k: v or 0 for k, v in simulator.armed_faults().items()})
            simulator.clear_faults()
            in_step = session.node.wait_until(session.in_step, timeout_secs=SETTLE_WAIT_S)
            terminal = session.terminal()
            session.stop_node()
        finally:
            if session.node is not None:
                session.node.dispose()
            handle.stop()
            simulator.close()
    row, reasons = stress_row(session.snapshots, terminal, journal.sends)
    codes = Counter(_retcode_key(code) for _, code, _ in journal.sends)
    return (
        {
            "scenario": scenario.name,
            "agent": agent.name,
            "bars": session.bars,
            "faults_armed": sum(armed.values()),
            "faults_met": sum((armed - left).values()),
            "unapplied_steps": len(pending),
            "restarts": sum(s["fault"] == RESTART for s in session.steps),
            "settled": settled and in_step,
            **row,
            "send_retcodes": ",".join(f"{k}:{v}" for k, v in sorted(codes.items())),
            "seconds": time.perf_counter() - started,
        },
        reasons,
        session.steps,
        journal.sends,
    )


def run_execution_stress(
    scenarios: Sequence[StressScenarioConfig] | None,
    agent: AgentSpec,
    *,
    risk: RiskLimits | None = None,
    base: TrainingNodeConfig | None = None,
    progress: bool = True,
) -> StressResults:
    """Trade `agent` (under `risk`, default the spec's) through every stress scenario on a `LiveNode`.

    `scenarios` default to `builtin_stress_scenarios()`; `base` sets the schemes and the bar
    specification (default `stress_base()`; use the agent's training config for a saved agent).
    """
    from nautilus_rl_lab.scenarios.stress import builtin_stress_scenarios

    chosen = list(builtin_stress_scenarios().values()) if scenarios is None else list(scenarios)
    if not chosen:
        raise ConfigError("`scenarios` must hold at least one stress scenario")
    names = [s.name for s in chosen]
    if len(set(names)) != len(names):
        raise ConfigError(f"two stress scenarios share a `name` in {names}: names must be unique")
    rows, reasons, steps, sends = [], [], [], []
    for scenario in tqdm(chosen, desc="stress", disable=not progress):
        try:
            row, rejected, applied, journal = run_stress_scenario(
                scenario, agent, risk=risk, base=base
            )
        except Exception as e:
            e.add_note(f"while running stress scenario {scenario.name!r} with agent {agent.name!r}")
            raise
        rows.append(row)
        logger.info(
            "stress scenario %s: %d orders, %d rejected, %d duplicated, positions equal: %s",
            scenario.name, row["submitted"], row["rejected"], row["duplicated_orders"],
            row["positions_equal"],
        )  # fmt: skip
        reasons += [
            {"scenario": scenario.name, "reason": reason, "count": count}
            for reason, count in sorted(rejected.items())
        ]
        steps += applied
        sends += [
            {"scenario": scenario.name, "comment": c, "retcode": _retcode_key(code), "action": a}
            for c, code, a in journal
        ]
    return StressResults(
        pd.DataFrame(rows),
        pd.DataFrame(reasons, columns=["scenario", "reason", "count"]),
        pd.DataFrame(steps, columns=list(STEP_COLUMNS)),
        pd.DataFrame(sends, columns=["scenario", "comment", "retcode", "action"]),
        {s.name: s for s in chosen},
        agent,
    )
