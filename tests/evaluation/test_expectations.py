"""Backtest expectations: each fill's slippage against its decision bar's close, per side, and the
per-bar return figures a bundle carries for the live monitor."""

from __future__ import annotations

import json

import pytest

from nautilus_rl_lab.agents import RandomAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation.backtest import run_backtest
from nautilus_rl_lab.evaluation.expectations import expectations
from nautilus_rl_lab.evaluation.statistics import sharpe_ratio
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.schemes import SchemeConfig
from nautilus_rl_lab.schemes.registry import build_action

SPREAD = 0.0002
ACTION = SchemeConfig(name="target_position", params={"trade_size": 1_000})


def _env(price_side: str) -> TrainingNodeConfig:
    # GBM bars open at the previous close, so the only cost between decision and fill is the
    # spread; the quotes (a quarter of the bar volume) are deep enough for the whole order
    data = DataSourceConfig(
        kind="synthetic",
        generator="gbm",
        params={"n_bars": 200, "seed": 1, "volume": 1e6},
        spread=SPREAD,
        price_side=price_side,
    )
    return TrainingNodeConfig(
        data=data,
        observation=SchemeConfig(name="window", params={"window": 2}),
        action=ACTION,
        price_type=price_side.upper(),
    )


@pytest.mark.parametrize(("price_side", "paying", "free"), [("bid", "BUY", "SELL"),
                                                            ("ask", "SELL", "BUY")])  # fmt: skip
def test_the_side_that_crosses_the_spread_slips_by_it_and_the_other_not_at_all(
    price_side: str, paying: str, free: str
) -> None:
    env = _env(price_side)
    run = run_backtest(RandomAgent(build_action(ACTION).space, seed=0), env)
    assert len(run.slippage) == len(run.fills) > 20  # one fill per order: no partial fills
    figures = expectations(run.equity, run.slippage, env, "test")
    slip = figures["slippage"]
    assert slip[paying]["mean"] == pytest.approx(SPREAD, abs=1e-9)
    assert slip[free]["mean"] == pytest.approx(0.0, abs=1e-9)
    assert slip[paying]["std"] == pytest.approx(0.0, abs=1e-9)
    assert slip[paying]["fills"] + slip[free]["fills"] == slip["fills"] == len(run.fills)
    assert figures["assumptions"]["spread"] == SPREAD
    assert figures["price_increment"] == pytest.approx(1e-5)


def test_return_figures_are_the_per_bar_returns_of_the_equity_curve() -> None:
    env = _env("bid")
    run = run_backtest(RandomAgent(build_action(ACTION).space, seed=1), env)
    figures = expectations(run.equity, run.slippage, env, "validation")
    returns = run.equity.pct_change().dropna()
    assert figures["split"] == "validation"
    assert figures["returns"]["bars"] == len(returns) == len(run.equity) - 1 > 100
    assert figures["returns"]["sharpe"] == pytest.approx(sharpe_ratio(returns))
    assert figures["returns"]["mean"] == pytest.approx(returns.mean())


def test_the_bundle_carries_the_runs_frequency_and_an_annualised_sharpe_like_the_report() -> None:
    env = _env("bid")
    run = run_backtest(RandomAgent(build_action(ACTION).space, seed=1), env)
    figures = expectations(run.equity, run.slippage, env, "test", run.return_frequency)
    frequency = figures["frequency"]
    assert (frequency["name"], frequency["periods_per_year"]) == ("daily", 260)  # FX calendar
    assert frequency["bars_per_year"] == 260 * 24  # hourly bars, 24 a day
    per_bar = figures["returns"]["sharpe"]
    assert figures["returns"]["sharpe_annualised"] == pytest.approx(per_bar * (260 * 24) ** 0.5)
    assert json.loads(json.dumps(figures)) == figures  # JSON for bundle.json
