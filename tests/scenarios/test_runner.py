"""run_scenarios: two baselines and a rule agent through every built-in scenario, risk rules held."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import msgspec
import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.agents.simple import RandomAgent
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.scenarios import (
    METRICS,
    AgentSpec,
    ScenarioResults,
    ScenarioTask,
    builtin_portfolio_scenarios,
    builtin_scenarios,
    run_scenarios,
)
from nautilus_rl_lab.scenarios.builtins import FAST_BARS
from nautilus_rl_lab.scenarios.runner import portfolio_run
from nautilus_rl_lab.schemes.registry import SchemeConfig, build_action
from nautilus_rl_lab.strategies import RiskLimits
from nautilus_rl_lab.sweeps import SweepConfig
from nautilus_rl_lab.training.train import train
from tests.portfolios import correlated_data, portfolio_config, portfolio_train_config
from tests.services import RayHead

TRADE_SIZE = 100_000
RISK = RiskLimits(max_position=50_000, max_drawdown=0.015)
BASE = TrainingNodeConfig(
    action=SchemeConfig(name="target_position", params={"trade_size": TRADE_SIZE})
)
AGENTS = [
    AgentSpec(name="buy_and_hold", agent="buy_and_hold", risk=RISK),
    AgentSpec(name="random", agent="random", seed=3, risk=RISK),
    AgentSpec(name="ema_cross", agent="ema_cross", params={"fast": 5, "slow": 20}, risk=RISK),
]


@pytest.fixture(scope="module")
def results() -> ScenarioResults:
    scenarios = list(builtin_scenarios(FAST_BARS).values())
    return run_scenarios(AGENTS, scenarios, base=BASE, max_workers=2, progress=False)


def _first_halt(curve: pd.DataFrame, limit: float) -> int | None:
    """Position of the first decision whose drawdown from the equity peak reached `limit`."""
    equity = curve["equity"].to_numpy()
    drawdown = 1.0 - equity / np.maximum.accumulate(equity)
    crossed = np.flatnonzero(drawdown >= limit)
    return int(crossed[0]) if crossed.size else None


def test_the_table_has_one_row_per_scenario_and_agent(results: ScenarioResults) -> None:
    table = results.table
    assert len(table) == len(builtin_scenarios(FAST_BARS)) * len(AGENTS)
    assert set(METRICS) <= set(table.columns)
    assert list(results.pivot("sharpe").index) == list(builtin_scenarios(FAST_BARS))
    assert (
        np.isfinite(table[["total_return_%", "sharpe", "max_drawdown_%", "turnover"]]).all().all()
    )
    assert (table["fills"] >= table["orders"]).all() and (table["orders"] > 0).all()


def test_no_position_ever_exceeds_its_limit(results: ScenarioResults) -> None:
    assert (results.table["position_limit"] == RISK.max_position).all()
    assert (results.table["max_position"] <= results.table["position_limit"]).all()
    assert (results.curves["position"].abs() <= RISK.max_position).all()
    assert (results.table["max_position"] == RISK.max_position).any()  # the cap was reached


def test_halts_where_the_drawdown_limit_was_crossed_and_flat_afterwards(
    results: ScenarioResults,
) -> None:
    halted = 0
    for (scenario, agent), curve in results.curves.groupby(["scenario", "agent"]):
        row = results.table[
            (results.table["scenario"] == scenario) & (results.table["agent"] == agent)
        ]
        first = _first_halt(curve, RISK.max_drawdown)
        if not np.isnan(row["halts"].iloc[0]):  # AgentRuns that record risk events
            assert (row["halts"].iloc[0] > 0) == (first is not None), (scenario, agent)
        if first is None:
            continue
        halted += 1
        after = curve["position"].to_numpy()[first + 1 :]
        assert (after == 0).all(), f"{scenario}/{agent} traded after its halt"
        assert curve["equity"].iloc[first + 1 :].nunique() <= 1  # flat: equity frozen
    assert halted >= 5  # the rule was exercised in many scenarios


def test_a_saved_agent_and_a_user_executor_give_the_same_rows_as_the_default_run(
    results: ScenarioResults, tmp_path: Path
) -> None:
    saved = RandomAgent(build_action(BASE.action).space, seed=3).save(tmp_path / "random_agent")
    spec = AgentSpec(name="random", agent=str(saved), risk=RISK)
    scenarios = [builtin_scenarios(FAST_BARS)[name] for name in ("flash_crash", "data_outage")]
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        parallel = run_scenarios([spec], scenarios, base=BASE, executor=pool, progress=False)
    inline = run_scenarios([spec], scenarios, base=BASE, max_workers=1, progress=False)
    pd.testing.assert_frame_equal(parallel.table, inline.table)
    default = results.table[results.table["scenario"].isin(["flash_crash", "data_outage"])]
    default = default[default["agent"] == "random"].reset_index(drop=True)
    pd.testing.assert_frame_equal(inline.table, default)


def test_the_run_folder_holds_tables_figures_and_configs(
    results: ScenarioResults, tmp_path: Path
) -> None:
    folder = results.save(tmp_path / "run", metric="sharpe")
    names = {p.name for p in folder.iterdir()}
    assert {"results.parquet", "curves.parquet", "heatmap.png", "equity.png"} <= names
    assert len(list((folder / "scenarios").glob("*.yaml"))) == len(results.scenarios)
    loaded = ScenarioResults.load(folder)
    pd.testing.assert_frame_equal(loaded.table, results.table)
    assert loaded.scenarios == results.scenarios and loaded.agents == results.agents
    assert loaded.base == results.base
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temporary left


def test_bad_requests_are_refused_before_any_backtest() -> None:
    scenario = builtin_scenarios(FAST_BARS)["trend_up"]
    with pytest.raises(ConfigError, match="unique"):
        run_scenarios([AGENTS[0], AGENTS[0]], [scenario], max_workers=1, progress=False)
    with pytest.raises(ConfigError, match="at least one"):
        run_scenarios([], [scenario], max_workers=1, progress=False)
    with pytest.raises(ConfigError, match="`agent`"):
        AgentSpec(name="x", agent="/no/such/agent")
    with pytest.raises(ConfigError, match="`params`"):
        AgentSpec(name="x", agent="random", params={"fast": 3})


def test_a_failing_task_names_its_scenario_and_agent() -> None:
    scenario = builtin_scenarios(FAST_BARS)["trend_up"]
    bad = AgentSpec(name="bad", agent="ema_cross", params={"fast": 30, "slow": 20})
    with pytest.raises(ConfigError, match="`fast`") as info:
        run_scenarios([bad], [scenario], max_workers=1, progress=False)
    assert "scenario 'trend_up' with agent 'bad'" in "".join(info.value.__notes__)


def test_a_scenario_grid_on_a_ray_cluster_gives_the_pools_numbers(
    results: ScenarioResults, ray_cluster: RayHead
) -> None:
    scenarios = [builtin_scenarios(FAST_BARS)[name] for name in ("trend_up", "flash_crash")]
    sweep = SweepConfig(executor="ray", address=ray_cluster.address)
    cluster = run_scenarios(AGENTS, scenarios, base=BASE, sweep=sweep, progress=False)
    assert len(cluster.table) == 6
    pool = results.table[results.table["scenario"].isin(["trend_up", "flash_crash"])]
    pd.testing.assert_frame_equal(cluster.table, pool.reset_index(drop=True))
    names = ["trend_up", "flash_crash"]
    pool_curves = results.curves[results.curves["scenario"].isin(names)].reset_index(drop=True)
    pd.testing.assert_frame_equal(cluster.curves, pool_curves)


# Portfolio scenarios: portfolio baselines through the crash, the dispersion and the halt.

PORTFOLIO_BARS = 100
PORTFOLIO_BASE = portfolio_config(bar_aggregation="HOUR")  # the built-ins' bars are hourly
PORTFOLIO_AGENTS = [
    AgentSpec(name="equal_weight", agent="equal_weight", params={"rebalance_every": 5}),
    AgentSpec(name="hrp", agent="hrp", params={"rebalance_every": 5}),
]


def test_a_scenario_lab_run_over_the_portfolio_scenarios_with_two_baselines_gives_the_table(
    tmp_path: Path,
) -> None:
    scenarios = builtin_portfolio_scenarios(3, PORTFOLIO_BARS)
    results = run_scenarios(
        PORTFOLIO_AGENTS, list(scenarios.values()), base=PORTFOLIO_BASE, max_workers=1,
        progress=False,
    )  # fmt: skip
    table = results.table
    assert len(table) == len(scenarios) * len(PORTFOLIO_AGENTS)
    assert set(METRICS) <= set(table.columns)
    returns = results.pivot("total_return_%")
    assert list(returns.index) == list(scenarios) and list(returns.columns) == [
        "equal_weight",
        "hrp",
    ]
    assert returns.notna().all().all() and (table["fills"] > 0).all()
    assert (table["max_gross_exposure"] <= 1.0 + 1e-9).all()  # the baselines' simplex weights
    for column in ("round_trips", "max_position", "position_limit"):
        assert table[column].isna().all()  # one instrument's notions: NaN, never a made-up 0
    crash = returns.loc["portfolio_crash"]
    assert (crash < 0).all()  # long-only through a crash where every asset falls
    curves = results.curves
    assert set(curves.groupby(["scenario", "agent"]).size().index) == {
        (s, a.name) for s in scenarios for a in PORTFOLIO_AGENTS
    }
    loaded = ScenarioResults.load(results.save(tmp_path / "run"))
    pd.testing.assert_frame_equal(loaded.table, table)
    assert loaded.scenarios == scenarios


def test_a_halted_asset_keeps_its_position_and_close_until_its_market_reopens() -> None:
    scenario = builtin_portfolio_scenarios(3, PORTFOLIO_BARS)["portfolio_halt"]
    (halt,) = scenario.transforms
    frames = scenario.frames()
    halted = PORTFOLIO_BASE.assets[-1]
    halted_id = f"{halted.instrument.symbol}.{halted.instrument.venue}"
    every = AgentSpec(name="daily", agent="equal_weight", params={"rebalance_every": 1})
    run = portfolio_run(ScenarioTask(scenario, every, PORTFOLIO_BASE), frames)
    bar = pd.Timedelta("1h")  # bars are stamped at their close
    first_missing = frames[0].index[halt.params["start_bar"]] + bar
    reopen = frames[-1].index[halt.params["start_bar"]] + bar  # its first bar after the halt
    during = (run.positions.index >= first_missing) & (run.positions.index < reopen)
    assert during.sum() == halt.params["n_bars"]  # the other assets kept deciding
    held = run.positions.loc[during, halted_id]
    last_before = run.positions.loc[run.positions.index < first_missing, halted_id].iloc[-1]
    assert (held == last_before).all() and last_before != 0
    assert run.closes.loc[during, halted_id].nunique() == 1  # its last close, never a new price
    others = run.positions.loc[during].drop(columns=halted_id)
    assert (others.diff().iloc[1:] != 0).any().all()  # while the others were rebalanced
    fills = run.fills[run.fills["instrument_id"].astype(str) == halted_id]
    filled_at = pd.to_datetime(fills["ts_event"], utc=True)
    assert not ((filled_at > first_missing) & (filled_at < reopen - bar)).any()
    assert (filled_at >= reopen - bar).any()  # its orders filled once it reopened


def test_agent_specs_refuse_the_other_kind_of_base() -> None:
    with pytest.raises(ConfigError, match="'hrp' is a portfolio baseline"):
        AgentSpec(name="hrp", agent="hrp").build(BASE.action)
    with pytest.raises(ConfigError, match="'ema_cross' is a single-instrument rule"):
        AgentSpec(name="ema", agent="ema_cross").build_portfolio(["AAA.SIM", "BBB.SIM"])
    with pytest.raises(ConfigError, match="`params` are only for the rule agents"):
        AgentSpec(name="bh", agent="buy_and_hold", params={"rebalance_every": 2})


def test_a_trained_portfolio_policy_runs_a_portfolio_scenario_by_its_path(tmp_path: Path) -> None:
    hourly = [
        msgspec.structs.replace(data, params={**data.params, "freq": "1h"})
        for data in (correlated_data(i) for i in range(3))
    ]
    env = portfolio_config(hourly, bar_aggregation="HOUR", episode_length=16, random_start=True)
    saved = train(portfolio_train_config(tmp_path / "train", env=env)).final_agent
    scenario = builtin_portfolio_scenarios(3, PORTFOLIO_BARS)["portfolio_crash"]
    spec = AgentSpec(name="policy", agent=str(saved))
    results = run_scenarios([spec], [scenario], base=PORTFOLIO_BASE, max_workers=1, progress=False)
    direct = portfolio_run(ScenarioTask(scenario, spec, PORTFOLIO_BASE), scenario.frames())
    curve = results.curves.set_index("ts")["equity"]
    np.testing.assert_array_equal(curve.to_numpy(), direct.equity.to_numpy())
    assert results.table.loc[0, "agent"] == "policy" and len(curve) > 0
