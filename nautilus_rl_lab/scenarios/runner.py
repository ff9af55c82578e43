"""`run_scenarios`: every agent through every scenario in real Nautilus backtests, in parallel.

Each scenario x agent pair is one task: the worker builds the scenario's bars and venue on
the base `TrainingNodeConfig`, builds a fresh agent from its `AgentSpec` and runs
`evaluation.run_backtest` (RLAgent + AgentStrategy under the spec's `RiskLimits`), then
returns the table row and the equity/position curve.

Decisions:

- Tasks run in a `concurrent.futures.ProcessPoolExecutor` with the `spawn` start method (a
  fresh interpreter per worker: no forked Nautilus or torch state); pass any `Executor`
  (e.g. a cluster's) as `executor`, or `max_workers=1` to run in this process.
- Tasks travel as configs (scenario, agent spec, base config), never as live agents or
  engines, so any executor that pickles arguments can run them.
- A failing task stops the run: its exception carries a note naming the scenario and agent.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.backtest import run_backtest
from nautilus_rl_lab.nodes.training import TrainingNodeConfig, market_for
from nautilus_rl_lab.scenarios.agents import AgentSpec
from nautilus_rl_lab.scenarios.builtins import builtin_scenarios
from nautilus_rl_lab.scenarios.config import ScenarioConfig
from nautilus_rl_lab.scenarios.metrics import run_row
from nautilus_rl_lab.scenarios.results import ScenarioResults
from nautilus_rl_lab.schemes.registry import build_action

DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class ScenarioTask:
    """One backtest: `agent` on `scenario`'s market, on top of `base`."""

    scenario: ScenarioConfig
    agent: AgentSpec
    base: TrainingNodeConfig


def position_limit(task: ScenarioTask) -> float:
    """The largest absolute position the task may hold: the action scheme's, capped by the risk rules."""
    limit = build_action(task.base.action).position_limit
    cap = task.agent.risk.max_position
    return limit if cap is None else min(limit, cap)


def run_task(task: ScenarioTask) -> tuple[dict[str, Any], pd.DataFrame]:
    """Backtest one scenario x agent pair; return its table row and its curve."""
    config = task.scenario.node_config(task.base)
    market = market_for(config, task.scenario.frame())
    run = run_backtest(
        task.agent.build(config.action),
        config,
        market=market,
        name=task.agent.name,
        risk=task.agent.risk,
    )
    row: dict[str, Any] = {"scenario": task.scenario.name, "agent": task.agent.name}
    row.update(run_row(run, position_limit(task)))
    curve = pd.DataFrame({"equity": run.equity, "position": run.position, "close": run.close})
    curve.index.name = "ts"
    curve = curve.reset_index()
    curve.insert(0, "agent", task.agent.name)
    curve.insert(0, "scenario", task.scenario.name)
    return row, curve


def _check_unique(kind: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"two {kind} share the `name` {name!r}: names must be unique")
        seen.add(name)


def run_scenarios(
    agents: Sequence[AgentSpec],
    scenarios: Sequence[ScenarioConfig] | None = None,
    *,
    base: TrainingNodeConfig | None = None,
    executor: Executor | None = None,
    max_workers: int | None = None,
    progress: bool = True,
) -> ScenarioResults:
    """Backtest every agent on every scenario (default: the built-ins) and collect the table.

    `base` sets instrument, schemes, execution timing and the venue the scenarios modify
    (default `TrainingNodeConfig()`; use the agent's training config for a saved agent).
    """
    scenarios = list(builtin_scenarios().values()) if scenarios is None else list(scenarios)
    if not agents or not scenarios:
        raise ConfigError("`agents` and `scenarios` must each hold at least one entry")
    _check_unique("agents", (agent.name for agent in agents))
    _check_unique("scenarios", (scenario.name for scenario in scenarios))
    base = base or TrainingNodeConfig()
    tasks = [ScenarioTask(s, a, base) for s in scenarios for a in agents]
    bar = tqdm(total=len(tasks), desc="scenarios", disable=not progress)
    outputs: list[tuple[dict[str, Any], pd.DataFrame]] = []
    try:
        workers = max_workers or min(DEFAULT_WORKERS, os.cpu_count() or 1)
        if executor is None and workers == 1:
            for task in tasks:
                outputs.append(_noted(task, lambda t=task: run_task(t)))
                bar.update()
        else:
            outputs = _run_parallel(tasks, executor, workers, bar)
    finally:
        bar.close()
    order = {(t.scenario.name, t.agent.name): i for i, t in enumerate(tasks)}
    outputs.sort(key=lambda out: order[(out[0]["scenario"], out[0]["agent"])])
    table = pd.DataFrame([row for row, _ in outputs])
    curves = pd.concat([curve for _, curve in outputs], ignore_index=True)
    return ScenarioResults(table, curves, {s.name: s for s in scenarios}, list(agents), base)


def _run_parallel(
    tasks: list[ScenarioTask], executor: Executor | None, workers: int, bar: Any
) -> list[tuple[dict[str, Any], pd.DataFrame]]:
    own = executor is None
    pool = executor or ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures: dict[Future[tuple[dict[str, Any], pd.DataFrame]], ScenarioTask] = {
            pool.submit(run_task, task): task for task in tasks
        }
        outputs = []
        for future in as_completed(futures):
            outputs.append(_noted(futures[future], future.result))
            bar.update()
        return outputs
    finally:
        if own:
            pool.shutdown(cancel_futures=True)


def _noted(task: ScenarioTask, call: Any) -> tuple[dict[str, Any], pd.DataFrame]:
    """`call()`, with a note naming the task on its exception."""
    try:
        return call()
    except Exception as e:
        e.add_note(f"while running scenario {task.scenario.name!r} with agent {task.agent.name!r}")
        raise
