"""`run_scenarios`: every agent through every scenario in real Nautilus backtests, in parallel.

Each scenario x agent pair is one task: the worker builds the scenario's bars and venue on
the base `TrainingNodeConfig`, builds a fresh agent from its `AgentSpec` and runs
`evaluation.run_backtest` (RLAgent + AgentStrategy under the spec's `RiskLimits`), then
returns the table row and the equity/position curve. A portfolio scenario on a portfolio base
runs `evaluation.run_portfolio_backtest` instead (its row from `metrics.portfolio_row`, its
curve the equity and gross exposure); the default scenarios of a portfolio base are the
built-in portfolio scenarios of its number of instruments.

Decisions:

- Tasks run where a `SweepConfig` says (`nautilus_rl_lab.sweeps`): by default a local
  `ProcessPoolExecutor` with the `spawn` start method (a fresh interpreter per worker: no
  forked Nautilus or torch state), `max_workers=1` in this process, or a Ray cluster; any
  `Executor` may be passed as `executor`.
- Tasks travel as configs (scenario, agent spec, base config) plus their scenario's bars,
  never as live agents or engines; the bars are built once per scenario here and shared
  (one object-store copy on Ray, a pickled copy per task elsewhere).
- A failing task stops the run: its exception carries a note naming the scenario and agent.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation.backtest import run_backtest
from nautilus_rl_lab.evaluation.portfolio import PortfolioRun, run_portfolio_backtest
from nautilus_rl_lab.nodes.markets import load_market
from nautilus_rl_lab.nodes.training import TrainingNodeConfig, market_for
from nautilus_rl_lab.scenarios.agents import AgentSpec
from nautilus_rl_lab.scenarios.builtins import builtin_portfolio_scenarios, builtin_scenarios
from nautilus_rl_lab.scenarios.config import ScenarioConfig
from nautilus_rl_lab.scenarios.metrics import portfolio_row, run_row
from nautilus_rl_lab.scenarios.results import ScenarioResults
from nautilus_rl_lab.schemes.registry import build_action
from nautilus_rl_lab.sweeps import SweepConfig, SweepTask, choose_where, open_sweep

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


def run_task(
    task: ScenarioTask, frame: pd.DataFrame | list[pd.DataFrame] | None = None
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Backtest one scenario x agent pair (on `frame`, default the scenario's bars; a portfolio
    scenario's: one frame per asset); return its row and curve."""
    name = task.scenario.name
    if isinstance(frame, list):
        if not task.scenario.portfolio:
            raise ConfigError(f"scenario {name!r} makes one market: pass one frame, not a list")
        metrics, curve = _portfolio_task(task, frame)
    elif task.scenario.portfolio:
        if frame is not None:
            raise ConfigError(f"scenario {name!r} is a portfolio: pass one frame per asset")
        metrics, curve = _portfolio_task(task, task.scenario.frames())
    else:
        metrics, curve = _single_task(task, frame)
    row: dict[str, Any] = {"scenario": name, "agent": task.agent.name, **metrics}
    curve.index.name = "ts"
    curve = curve.reset_index()
    curve.insert(0, "agent", task.agent.name)
    curve.insert(0, "scenario", name)
    return row, curve


def _single_task(
    task: ScenarioTask, frame: pd.DataFrame | None
) -> tuple[dict[str, float], pd.DataFrame]:
    """One instrument's backtest: its metrics and curve (equity, position, close)."""
    config = task.scenario.node_config(task.base)
    market = market_for(config, task.scenario.frame() if frame is None else frame)
    run = run_backtest(
        task.agent.build(config.action),
        config,
        market=market,
        name=task.agent.name,
        risk=task.agent.risk,
    )
    curve = pd.DataFrame({"equity": run.equity, "position": run.position, "close": run.close})
    return run_row(run, position_limit(task)), curve


def portfolio_run(task: ScenarioTask, frames: list[pd.DataFrame]) -> PortfolioRun:
    """The portfolio backtest of `task`'s agent, under its risk rules, on `frames` (one per
    asset of `task.base`, in order)."""
    config = task.scenario.node_config(task.base)
    config = msgspec.structs.replace(config, risk=task.agent.risk)
    markets = [
        load_market(
            asset.instrument,
            asset.data,
            config.bar_step,
            config.bar_aggregation,
            config.price_type,
            frame=frame,
        )
        for asset, frame in zip(config.assets, frames, strict=True)
    ]
    agent = task.agent.build_portfolio([str(market.instrument.id) for market in markets])
    return run_portfolio_backtest(agent, config, name=task.agent.name, markets=markets)


def _portfolio_task(
    task: ScenarioTask, frames: list[pd.DataFrame]
) -> tuple[dict[str, float], pd.DataFrame]:
    """A portfolio's backtest: its metrics and curve (equity, gross exposure)."""
    run = portfolio_run(task, frames)
    curve = pd.DataFrame({"equity": run.equity, "gross_exposure": run.weights.abs().sum(axis=1)})
    return portfolio_row(run), curve


def default_scenarios(base: TrainingNodeConfig) -> list[ScenarioConfig]:
    """The built-in scenarios `base` can run: the portfolio ones of its number of instruments
    for a portfolio, else the single-market ones."""
    if base.assets:
        return list(builtin_portfolio_scenarios(len(base.assets)).values())
    return list(builtin_scenarios().values())


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
    sweep: SweepConfig | None = None,
    run_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> ScenarioResults:
    """Backtest every agent on every scenario (default: `default_scenarios(base)`) and collect
    the table.

    `base` sets instrument, schemes, execution timing and the venue the scenarios modify
    (default `TrainingNodeConfig()`; use the agent's training config for a saved agent).
    Tasks run where `sweep` says (e.g. `SweepConfig(executor="ray")`), else on `executor`, else
    on a local pool of `max_workers` (default 2; 1 runs them here). Each scenario's bars are
    built once here and shared with its tasks. With `run_dir`, each task's result is kept in
    `<run_dir>/tasks` and a re-run skips the tasks already there.
    """
    base = base or TrainingNodeConfig()
    scenarios = default_scenarios(base) if scenarios is None else list(scenarios)
    if not agents or not scenarios:
        raise ConfigError("`agents` and `scenarios` must each hold at least one entry")
    _check_unique("agents", (agent.name for agent in agents))
    _check_unique("scenarios", (scenario.name for scenario in scenarios))
    for scenario in scenarios:
        scenario.node_config(base)  # a scenario the base cannot run is refused before any task
    where = choose_where(sweep, executor, max_workers, min(DEFAULT_WORKERS, os.cpu_count() or 1))
    with open_sweep(where) as runner:
        frames = {s.name: runner.share(s.frames() if s.portfolio else s.frame()) for s in scenarios}
        tasks = [ScenarioTask(s, a, base) for s in scenarios for a in agents]
        outputs = runner.map(
            run_task,
            [
                SweepTask(
                    f"scenario {t.scenario.name!r} with agent {t.agent.name!r}",
                    (t, frames[t.scenario.name]),
                    pickle.dumps(t),
                )
                for t in tasks
            ],
            results_dir=None if run_dir is None else Path(run_dir) / "tasks",
            desc="scenarios",
            progress=progress,
        )
    table = pd.DataFrame([row for row, _ in outputs])
    curves = pd.concat([curve for _, curve in outputs], ignore_index=True)
    return ScenarioResults(table, curves, {s.name: s for s in scenarios}, list(agents), base)
