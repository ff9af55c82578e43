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
- A portfolio scenario (`symbols` set) trades `portfolio_agent` (default `PORTFOLIO_AGENT`:
  fixed equal weights rebalanced every 2 decisions), not `agent`: a single-instrument agent
  cannot trade a portfolio, and its risk caps are in units of one instrument. It runs through
  `deploy.portfolio_agent_configs` on a `PORTFOLIO_WINDOW`-bar `stacked_window` observation
  (a saved portfolio policy must have been trained on it), under its spec's risk rules on
  every leg. Every symbol is checked on its own: the results' `symbols` table has one row per
  symbol (its orders, both sides' positions), and the scenario's `positions_equal` holds only
  if every symbol's do.
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
from nautilus_rl_lab.mt5.simulator.faults import DISCONNECT, FAULTS
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.nt.model import BarType, InstrumentId, OrderStatus, OrderType
from nautilus_rl_lab.scenarios.agents import BUILTIN_AGENTS, PORTFOLIO_AGENTS, AgentSpec
from nautilus_rl_lab.scenarios.stress import RESTART, STALL, FaultStep, StressScenarioConfig
from nautilus_rl_lab.scenarios.stress_results import (
    POSITION_COLUMNS,
    SYMBOL_COLUMNS,
    NodeSnapshot,
    StressResults,
    TerminalRecord,
    agent_decisions,
    symbols_row,
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
#: A portfolio scenario's default agent: a quarter of the equity in each of three symbols
#: (whole lots, far from a lot boundary), rebalanced every 2 decisions so orders flow.
PORTFOLIO_AGENT = AgentSpec(
    name="equal_weight", agent="equal_weight", params={"rebalance_every": 2, "invested": 0.75}
)
PORTFOLIO_WINDOW = 2
#: How long a decision waits for a late symbol's bar (the node polls every 0.02 s).
PORTFOLIO_MAX_WAIT_S = 2.0
_PRICES = ["open", "high", "low", "close"]
_TIMEFRAMES = {seconds: timeframe for timeframe, seconds in mt5c.TIMEFRAME_SECONDS.items()}
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
SEND_COLUMNS = ("scenario", "comment", "retcode", "action", "bar", "symbol")
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
    the terminal's `last_error` code instead of a retcode. `where` holds the decision bar
    (`bar`, set by the runner) and the symbol of each call.
    """

    def __init__(self, terminal: Any) -> None:
        self._terminal = terminal
        self.sends: list[tuple[str, int, str]] = []
        self.where: list[tuple[int, str]] = []
        self.bar = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._terminal, name)

    def order_send(self, request: Any) -> Any:
        result = self._terminal.order_send(request)
        code = int(result.retcode) if result is not None else int(self._terminal.last_error()[0])
        action = _ACTIONS.get(int(request.get("action", 0)), "UNKNOWN")
        self.sends.append((str(request.get("comment", "")), code, action))
        self.where.append((self.bar, str(request.get("symbol", ""))))
        return result


class FeedStall:
    """An `Mt5Client` that forwards every call to `terminal`, except that a stalled symbol's
    bars stop at the bar forming when it stalled (until `resume`: then all arrive at once)."""

    def __init__(self, terminal: Any, bar_seconds: int) -> None:
        self._terminal = terminal
        self._bar_seconds = bar_seconds
        self.before: dict[str, int] = {}  # symbol -> no bar opened at or after (server seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._terminal, name)

    def stall(self, symbol: str) -> None:
        if self._bar_seconds not in _TIMEFRAMES:
            raise ConfigError(
                f"a 'stall' step needs decision bars of an MT5 timeframe: {self._bar_seconds} s "
                f"bars are none (use one of {sorted(_TIMEFRAMES)} s)"
            )
        timeframe = _TIMEFRAMES[self._bar_seconds]
        (forming,) = self._terminal.copy_rates_from_pos(symbol, timeframe, 0, 1)
        self.before[symbol] = int(forming["time"])

    def resume(self, symbol: str) -> None:
        del self.before[symbol]

    def copy_rates_from_pos(self, symbol: str, *args: Any) -> Any:
        rates = self._terminal.copy_rates_from_pos(symbol, *args)
        before = self.before.get(symbol)
        return rates if before is None or rates is None else rates[rates["time"] < before]


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


def _symbols(scenario: StressScenarioConfig) -> tuple[str, ...]:
    return scenario.portfolio or (SYMBOL,)


def _bar_type(symbol: str, base: TrainingNodeConfig) -> str:
    return f"{symbol}.MT5-{base.bar_step}-{base.bar_aggregation}-BID-EXTERNAL"


def _single(values: dict[str, Any]) -> float:
    """The one symbol's value as a float; NaN for several symbols (their sum means nothing)."""
    return float(next(iter(values.values()))) if len(values) == 1 else math.nan


class _Session:
    """One scenario's terminal, bridge and (current) node, on one symbol or a portfolio's."""

    def __init__(
        self,
        scenario: StressScenarioConfig,
        node_config: Any,
        simulator: Any,
        journal: SendJournal,
        feed: FeedStall,
        base: TrainingNodeConfig,
    ) -> None:
        self.scenario = scenario
        self.node_config = node_config
        self.simulator = simulator
        self.journal = journal
        self.feed = feed
        self.stalls: dict[str, int] = {}  # symbol -> the last decision bar it stalls
        symbols = _symbols(scenario)
        self.instrument_ids = {s: InstrumentId.from_str(f"{s}.MT5") for s in symbols}
        self.bar_types = {s: BarType.from_str(_bar_type(s, base)) for s in symbols}
        self.node: Any = None
        self.snapshots: list[dict[str, NodeSnapshot]] = []
        self.steps: list[dict[str, Any]] = []
        self.bars = 0
        self.contract_sizes = {s: float(simulator.specs[s].contract_size) for s in symbols}

    def start_node(self) -> None:
        from nautilus_rl_lab.nodes.live import LiveNode

        self.node = LiveNode(self.node_config)
        self.node.start()

    def stop_node(self) -> None:
        self.snapshots.append(self.snapshot())
        self.node.dispose()
        self.node = None

    def snapshot(self) -> dict[str, NodeSnapshot]:
        return {s: NodeSnapshot.take(self.node, i) for s, i in self.instrument_ids.items()}

    def terminal(self) -> dict[str, TerminalRecord]:
        """The terminal's record per symbol."""
        if DISCONNECT in self.simulator.armed_faults():
            raise EnvironmentStateError("reading the terminal would use up the armed disconnect")
        self.simulator.initialize()
        return {
            s: TerminalRecord.take(self.simulator, MAGIC, s, size)
            for s, size in self.contract_sizes.items()
        }

    def terminal_positions(self) -> dict[str, Any]:
        return {s: record.net_position for s, record in self.terminal().items()}

    def apply_due(self, pending: list[FaultStep]) -> None:
        """Apply the steps due before the next decision bar (deferring those that wait for a position).

        Each applied step is logged with both sides' net positions; a restart also with the new
        node's position and position owners once it agrees with the terminal again.
        """
        for step in list(pending):
            if step.bar > self.bars + 1 or DISCONNECT in self.simulator.armed_faults():
                continue
            positions = self.terminal_positions()
            if step.with_position and not any(positions.values()):
                continue
            pending.remove(step)
            before = self.snapshot()
            record: dict[str, Any] = {
                "scenario": self.scenario.name,
                "bar": self.bars + 1,
                "fault": step.fault,
                "count": step.count,
                "terminal_position": _single(positions),
                "nautilus_position": _single({s: n.cache_position for s, n in before.items()}),
                "nautilus_position_after": math.nan,
                "position_owners_after": "",
            }
            if step.fault == RESTART:
                self.stop_node()
                self.start_node()
                self.node.wait_until(self.in_step, timeout_secs=SETTLE_WAIT_S)
                after = self.snapshot()
                owners = sorted({o for n in after.values() for o in n.position_owners})
                record["nautilus_position_after"] = _single(
                    {s: n.cache_position for s, n in after.items()}
                )
                record["position_owners_after"] = ",".join(owners)
            elif step.fault == STALL:
                self.feed.stall(str(step.symbol))
                self.stalls[str(step.symbol)] = self.bars + step.count
            else:
                self.simulator.inject(step.fault, step.count)
            self.steps.append(record)

    def next_bar(self) -> None:
        """Close the next decision bar at the terminal; wait until the node saw it (every symbol's
        but a stalled one's; then also for the decision taken without it) and settled."""
        for symbol in [s for s, last in self.stalls.items() if last <= self.bars]:
            self.feed.resume(symbol)
            del self.stalls[symbol]
        node = self.node
        bars = [b for s, b in self.bar_types.items() if s not in self.stalls]
        seen = [node.cache.bar_count(b) for b in bars]
        decided = self.decisions() if self.stalls else 0
        self.journal.bar = self.bars + 1

        def arrived() -> bool:
            return all(node.cache.bar_count(b) > n for b, n in zip(bars, seen, strict=True))

        # Only a fresh node may miss a bar (closed before its first poll); later bars wait.
        advances, wait = (BAR_ADVANCES, BAR_WAIT_S) if 0 in seen else (1, SETTLE_WAIT_S)
        for _ in range(advances):
            self.simulator.advance_bars(1)
            if node.wait_until(arrived, timeout_secs=wait):
                break
        else:
            raise EnvironmentStateError(
                f"scenario {self.scenario.name!r}: no bar reached the node after "
                f"{advances} terminal bar(s) (see the Nautilus log)"
            )
        self.bars += 1
        wait = PORTFOLIO_MAX_WAIT_S + BAR_WAIT_S
        if self.stalls and not node.wait_until(lambda: self.decisions() > decided, wait):
            raise EnvironmentStateError(
                f"scenario {self.scenario.name!r}: no decision without the stalled "
                f"{sorted(self.stalls)} within {wait:g} s of decision bar {self.bars}"
            )
        self.settle()

    def decisions(self) -> int:
        """The portfolio agent's decisions so far (0 for a single-instrument agent)."""
        node = self.node
        return int(node.call(lambda: agent_decisions(node)[0]))

    def settle(self) -> bool:
        node = self.node
        return node.wait_until(lambda: node.call(lambda: _settled(node.cache)), SETTLE_WAIT_S)

    def in_step(self) -> bool:
        """Nautilus' net position (cache and portfolio) equals the terminal's on every symbol."""
        terminal, snapshot = self.terminal_positions(), self.snapshot()
        return all(
            n.cache_position == n.portfolio_position == terminal[s] for s, n in snapshot.items()
        )


def _agent_path(
    scenario: StressScenarioConfig, agent: AgentSpec, action: SchemeConfig, work_dir: Path
) -> str:
    """The saved agent to trade: `agent` (a portfolio agent on a portfolio scenario)."""
    if agent.agent not in (*BUILTIN_AGENTS, *PORTFOLIO_AGENTS):
        return agent.agent  # a saved agent (or bundle) directory
    built = (
        agent.build_portfolio([f"{s}.MT5" for s in scenario.portfolio])
        if scenario.portfolio
        else agent.build(action)
    )
    return str(built.save(work_dir / f"agent-{agent.name}"))


def _bar_seconds(base: TrainingNodeConfig) -> int:
    if base.bar_aggregation not in _AGGREGATION_SECONDS:
        raise ConfigError(
            f"`base.bar_aggregation` {base.bar_aggregation!r} has no MT5 simulator bars: use "
            f"one of {sorted(_AGGREGATION_SECONDS)}"
        )
    return base.bar_step * _AGGREGATION_SECONDS[base.bar_aggregation]


def _components(
    symbols: Sequence[str], agent_path: str, base: TrainingNodeConfig, risk: RiskLimits
) -> tuple[Any, Any]:
    """The actor and strategy configs: the single-instrument agent's, or a portfolio's (`risk`
    on every leg)."""
    from nautilus_rl_lab.deploy.bundle import agent_configs
    from nautilus_rl_lab.deploy.portfolio import portfolio_agent_configs

    if len(symbols) == 1:
        return agent_configs(
            agent_path, INSTRUMENT_ID, _bar_type(SYMBOL, base), base.observation, base.action, risk
        )
    from nautilus_rl_lab.agents.portfolio_baselines import PortfolioBaseline

    return portfolio_agent_configs(
        agent_path,
        [f"{s}.MT5" for s in symbols],
        [_bar_type(s, base) for s in symbols],
        SchemeConfig(name="stacked_window", params={"window": PORTFOLIO_WINDOW}),
        PortfolioBaseline.action,
        [risk] * len(symbols),
        max_wait_secs=PORTFOLIO_MAX_WAIT_S,
    )


def _node_config(port: int, symbols: tuple[str, ...], actor: Any, strategy: Any) -> Any:
    from nautilus_rl_lab.adapters.metatrader5.config import (
        Mt5DataClientConfig,
        Mt5ExecClientConfig,
    )
    from nautilus_rl_lab.mt5.backends import Mt5BackendConfig
    from nautilus_rl_lab.nodes.live import LiveNodeConfig

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
        symbols=symbols,
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
    from nautilus_rl_lab.mt5.simulator.symbols import DEFAULT_SYMBOL_SPECS

    frame = scenario.market.frame()
    needed = WARMUP_BARS + scenario.n_bars + BAR_ADVANCES * (scenario.restarts + 1) + 1
    if len(frame) < needed:
        raise ConfigError(
            f"scenario {scenario.name!r}: `market` has {len(frame)} bars, fewer than the "
            f"{needed} that {scenario.n_bars} decision bars need (warm-up and restarts included)"
        )
    config = Mt5SimulatorConfig(
        symbols=_symbols(scenario),
        bar_seconds=_bar_seconds(base),
        warmup_bars=WARMUP_BARS,
        balance=scenario.balance,
        leverage=scenario.leverage,
        seed=scenario.seed,
        fault_rates=dict(scenario.fault_rates) or None,
    )
    bars = frame[[*_PRICES, "volume"]]
    if not scenario.portfolio:
        return Mt5TerminalSimulator(bars, config=config)
    frames = {s: _scaled(bars, DEFAULT_SYMBOL_SPECS[s]) for s in scenario.portfolio}
    return Mt5TerminalSimulator(frames, config=config)


def _scaled(bars: pd.DataFrame, spec: Any) -> pd.DataFrame:
    """`bars` moved to `spec`'s base price (same returns), rounded to its digits."""
    factor = spec.base_price / float(bars["close"].iloc[0])
    return bars.assign(**{c: (bars[c] * factor).round(spec.digits) for c in _PRICES})


def run_stress_scenario(
    scenario: StressScenarioConfig,
    agent: AgentSpec,
    *,
    risk: RiskLimits | None = None,
    base: TrainingNodeConfig | None = None,
    work_dir: str | Path | None = None,
    portfolio_agent: AgentSpec = PORTFOLIO_AGENT,
) -> tuple[
    dict[str, Any],
    Counter[str],
    list[dict[str, Any]],
    list[dict[str, Any]],
    list[dict[str, Any]],
]:
    """Trade `agent` (a portfolio scenario: `portfolio_agent`, under its own risk rules) through
    one scenario; return its row, rejections, applied steps, sends and per-symbol orders and
    positions."""
    from nautilus_rl_lab.mt5.rpyc import serve

    base = base or stress_base()
    if scenario.portfolio:
        agent, limits = portfolio_agent, portfolio_agent.risk
    else:
        limits = agent.risk if risk is None else risk
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nrl-stress-") as tmp:
        agent_path = _agent_path(scenario, agent, base.action, Path(work_dir or tmp))
        symbols = _symbols(scenario)
        actor, strategy = _components(symbols, agent_path, base, limits)
        simulator = _simulator(scenario, base)
        feed = FeedStall(simulator, _bar_seconds(base))
        journal = SendJournal(feed)
        handle = serve(cast(Any, journal), "127.0.0.1", 0)
        node_config = _node_config(handle.port, symbols, actor, strategy)
        session = _Session(scenario, node_config, simulator, journal, feed, base)
        try:
            session.start_node()
            pending = sorted(scenario.steps, key=lambda s: s.bar)
            while session.bars < scenario.n_bars:
                session.apply_due(pending)
                session.next_bar()
            settled = session.settle()
            armed: Counter[str] = Counter()
            for step in scenario.steps:
                if step.fault in FAULTS:
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
    row, reasons, per_symbol = symbols_row(session.snapshots, terminal, journal.sends)
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
        [
            {"comment": c, "retcode": _retcode_key(code), "action": a, "bar": bar, "symbol": sym}
            for (c, code, a), (bar, sym) in zip(journal.sends, journal.where, strict=True)
        ],
        [{"scenario": scenario.name, **record} for record in per_symbol],
    )


def run_execution_stress(
    scenarios: Sequence[StressScenarioConfig] | None,
    agent: AgentSpec,
    *,
    risk: RiskLimits | None = None,
    base: TrainingNodeConfig | None = None,
    progress: bool = True,
    portfolio_agent: AgentSpec = PORTFOLIO_AGENT,
) -> StressResults:
    """Trade `agent` (under `risk`, default the spec's) through every stress scenario on a `LiveNode`.

    `scenarios` default to `builtin_stress_scenarios()`; `base` sets the schemes and the bar
    specification (default `stress_base()`; use the agent's training config for a saved agent).
    A portfolio scenario trades `portfolio_agent` instead (see the module).
    """
    from nautilus_rl_lab.scenarios.stress import builtin_stress_scenarios

    chosen = list(builtin_stress_scenarios().values()) if scenarios is None else list(scenarios)
    if not chosen:
        raise ConfigError("`scenarios` must hold at least one stress scenario")
    names = [s.name for s in chosen]
    if len(set(names)) != len(names):
        raise ConfigError(f"two stress scenarios share a `name` in {names}: names must be unique")
    rows, reasons, steps, sends, symbols = [], [], [], [], []
    for scenario in tqdm(chosen, desc="stress", disable=not progress):
        try:
            row, rejected, applied, journal, held = run_stress_scenario(
                scenario, agent, risk=risk, base=base, portfolio_agent=portfolio_agent
            )
        except Exception as e:
            name = portfolio_agent.name if scenario.portfolio else agent.name
            e.add_note(f"while running stress scenario {scenario.name!r} with agent {name!r}")
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
        symbols += held
        sends += [{"scenario": scenario.name, **send} for send in journal]
    return StressResults(
        pd.DataFrame(rows),
        pd.DataFrame(reasons, columns=["scenario", "reason", "count"]),
        pd.DataFrame(steps, columns=list(STEP_COLUMNS)),
        pd.DataFrame(sends, columns=list(SEND_COLUMNS)),
        {s.name: s for s in chosen},
        agent,
        pd.DataFrame(symbols, columns=[*SYMBOL_COLUMNS, *POSITION_COLUMNS]),
    )
