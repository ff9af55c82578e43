"""Readings: sentences computed from comparison tables, costs measured from Nautilus' fills."""

from __future__ import annotations

import dataclasses

import msgspec
import pandas as pd
import pytest

from nautilus_rl_lab.agents.simple import RandomAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.evaluation import EvaluationResult, market_for, run_backtest
from nautilus_rl_lab.evaluation.backtest import _mean_run
from nautilus_rl_lab.reports.reading import (
    read_comparison,
    read_seeds,
    read_tuning,
    trading_costs,
)
from nautilus_rl_lab.research import SeedsResult
from nautilus_rl_lab.schemes.registry import build_action
from nautilus_rl_lab.training.demo import demo_config


def _stats(**rows: tuple[float, float, float, float]) -> pd.DataFrame:
    """A comparison table: row -> (total return %, orders, round trips, turnover)."""
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=["total_return_%", "orders", "round_trips", "turnover"]
    )


NOTEBOOK_03 = _stats(
    agent=(-9.95, 1_210, 605, 890.0),
    buy_and_hold=(2.63, 1, 0, 1.2),
    random_mean=(-8.89, 1_081.5, 540, 790.5),
    bollinger=(-1.5, 61, 30, 44.0),
)


def _costs(pnl: float, commissions: float, spread: float) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "commissions": commissions,
            "spread_paid": spread,
            "costs": commissions + spread,
            "pnl": pnl,
        },
        index=["agent"],
    )
    table.columns.name = "USD"
    return table


def test_the_reading_says_who_beat_whom_by_how_many_points() -> None:
    text = str(read_comparison(NOTEBOOK_03))
    assert text.startswith(
        "The agent returned -9.95 %: 12.58 points behind buy-and-hold (+2.63 %);"
    )
    assert "1.06 points behind the random agents' mean (-8.89 %)" in text
    assert "8.45 points behind bollinger (-1.50 %)" in text
    assert "It beat none of them." in text
    assert "It placed 1,210 orders (605 round trips), a turnover of 890.0x its mean" in text
    assert "(buy-and-hold: 1 order, 1.2x)" in text


@pytest.mark.parametrize(
    ("agent", "verdict"),
    [
        (5.0, "It beat all of them."),
        (-1.0, "It beat the random agents' mean and bollinger only."),
        (-1.5, "It beat the random agents' mean only."),  # level with bollinger: not beaten
    ],
)
def test_the_verdict_follows_the_numbers(agent: float, verdict: str) -> None:
    stats = NOTEBOOK_03.copy()
    stats.loc["agent", "total_return_%"] = agent
    assert verdict in str(read_comparison(stats))
    if agent == -1.5:
        assert "level with bollinger (-1.50 %)" in str(read_comparison(stats))


@pytest.mark.parametrize(
    ("costs", "expected"),
    [
        (
            _costs(-9_950.0, 1_700.0, 3_600.0),
            "The agent's trading costs were 5,300 USD (1,700 in commissions, 3,600 in spread "
            "paid against the mid quote), 53% of its 9,950 USD loss: before costs it would "
            "have lost 4,650 USD.",
        ),
        (
            _costs(-1_000.0, 500.0, 1_000.0),
            "150% of its 1,000 USD loss: before costs it would have made 500 USD.",
        ),
        (
            _costs(1_000.0, 200.0, 300.0),
            "33% of the 1,500 USD it made before costs (net 1,000 USD).",
        ),
        (_costs(-10.0, 0.0, 0.0), "The agent paid no trading costs."),
    ],
)
def test_the_cost_sentence_sets_costs_against_the_pnl(costs, expected) -> None:
    reading = read_comparison(NOTEBOOK_03, costs=costs)
    assert expected in reading.sentences[-1]
    assert reading._repr_markdown_() == str(reading)


def test_a_row_named_in_code_keeps_its_spelling_at_the_start_of_a_sentence() -> None:
    stats = NOTEBOOK_03.rename(index={"agent": "ema_cross(5, 40) (tuned)"})
    reading = read_comparison(stats, agent="ema_cross(5, 40) (tuned)")
    assert reading.sentences[0].startswith("ema_cross(5, 40) (tuned) returned -9.95 %")


def test_a_table_without_the_agent_or_a_column_is_refused_naming_it() -> None:
    with pytest.raises(KeyError, match=r"no row 'ppo'; its rows: \['agent', 'buy_and_hold'"):
        read_comparison(NOTEBOOK_03, agent="ppo")
    with pytest.raises(KeyError, match=r"no column 'turnover'"):
        read_comparison(NOTEBOOK_03.drop(columns="turnover"))
    with pytest.raises(KeyError, match=r"no column 'spread_paid'"):
        read_comparison(NOTEBOOK_03, costs=_costs(1.0, 1.0, 1.0).drop(columns="spread_paid"))


def test_the_seeds_reading_places_each_baseline_against_the_interval() -> None:
    seeds = SeedsResult(
        pd.DataFrame({"total_return_%": [-9.0, -8.0, -10.0, -8.5]}, index=[0, 1, 2, 3]),
        pd.DataFrame(),
    )
    confidence = seeds.confidence(metrics=["total_return_%"]).loc["total_return_%"]
    text = str(read_seeds(seeds, {"buy_and_hold": 2.63, "random_mean": -8.89, "bollinger": -20.0}))
    assert text.startswith(
        f"Over 4 seeds the agent's mean total return is -8.88 % (95% confidence interval of "
        f"the mean {confidence['ci_low']:+.2f} .. {confidence['ci_high']:+.2f} %)."
    )
    assert "Buy-and-hold (+2.63 %) lies above the interval: the config's agents do worse" in text
    assert "The random agents' mean (-8.89 %) lies inside the interval" in text
    assert "bollinger (-20.00 %) lies below the interval: the config's agents do better" in text
    assert text.endswith("4 seeds make a rough interval: add seeds before relying on it.")
    five = SeedsResult(pd.DataFrame({"sharpe": [0.1, 0.2, 0.3, 0.2, 0.1]}), pd.DataFrame())
    text = str(read_seeds(five, {"buy_and_hold": 0.2}, metric="sharpe"))
    assert "Over 5 seeds the agent's mean sharpe is +0.18 (" in text and "rough" not in text


def test_the_tuning_reading_compares_in_and_out_of_sample_sharpe() -> None:
    stats = pd.DataFrame({"sharpe": [-0.8, 0.3]}, index=["tuned", "ema_cross(10, 20)"])
    text = str(read_tuning(2.1, stats, tuned="tuned", default="ema_cross(10, 20)"))
    assert (
        "was 2.10 on the range they were tuned on and -0.80 out of sample: it fell by 2.90." in text
    )
    assert "Out of sample it is below the default ema_cross(10, 20)'s 0.30." in text
    better = str(read_tuning(-0.9, stats.iloc[::-1] * -1, tuned="tuned"))
    assert (
        "-0.90 on the range they were tuned on and 0.80 out of sample: it rose by 1.70." in better
    )


@pytest.fixture(scope="module")
def random_runs():
    """Two random agents over a week of the bundled bars (1-pip spread, Nautilus' fees)."""
    env = demo_config("unused", fast=True).env
    env = msgspec.structs.replace(
        env, data=DataSourceConfig(kind="sample", start="2017-10-02", end="2017-10-06")
    )
    market = market_for(env)
    space = build_action(env.action).space
    runs = [
        run_backtest(RandomAgent(space, seed=i), env, market=market, name=f"random_{i}")
        for i in range(2)
    ]
    return runs, market


def test_costs_are_nautilus_commissions_and_the_half_spread_each_fill_paid(random_runs) -> None:
    runs, market = random_runs
    result = EvaluationResult(
        {"agent": runs[0], "random_mean": _mean_run(runs, "random_mean")}, role="test"
    )
    costs = trading_costs(result, market)
    assert costs.columns.name == "USD"
    fills = runs[0].fills
    assert len(fills) > 10
    # the 1-pip spread's half (0.00005) on every 100,000-unit fill: 5 USD a fill
    assert costs.loc["agent", "spread_paid"] == pytest.approx(5.0 * len(fills))
    commission = fills["commission"].str.split().str[0].astype(float).sum()
    assert costs.loc["agent", "commissions"] == pytest.approx(commission) and commission > 0
    assert costs.loc["agent", "costs"] == pytest.approx(commission + 5.0 * len(fills))
    assert costs.loc["agent", "pnl"] == pytest.approx(runs[0].equity.iloc[-1] - 100_000.0)
    one = trading_costs(EvaluationResult({"other": runs[1]}, role="test"), market)
    assert costs.loc["random_mean"].to_numpy() == pytest.approx(
        (costs.loc["agent"].to_numpy() + one.loc["other"].to_numpy()) / 2
    )


def test_fills_in_another_currency_than_the_account_are_refused(random_runs) -> None:
    runs, market = random_runs
    euro = dataclasses.replace(runs[0], currency="EUR")
    with pytest.raises(ValueError, match=r"random_0: fills in \['USD'\], account in EUR"):
        trading_costs(EvaluationResult({"agent": euro}, role="test"), market)


def test_costs_against_another_market_than_the_one_traded_are_refused(random_runs) -> None:
    runs, _ = random_runs
    env = demo_config("unused", fast=True).env
    later = market_for(
        msgspec.structs.replace(
            env, data=DataSourceConfig(kind="sample", start="2017-10-04", end="2017-10-06")
        )
    )
    with pytest.raises(ValueError, match=r"random_0: fill O-.* is outside the market's quotes"):
        trading_costs(EvaluationResult({"agent": runs[0]}, role="test"), later)
