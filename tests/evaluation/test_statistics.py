"""PSR/DSR against the published formulas worked by hand, bootstrap intervals, trade statistics."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nautilus_rl_lab.evaluation.frequency import return_frequency
from nautilus_rl_lab.evaluation.statistics import (
    bootstrap_ci,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    performance_figures,
    probabilistic_sharpe_ratio,
    sharpe_ratio,
    trade_stats,
)

# Twelve known monthly returns (skewed, fat-tailed enough for the moments to matter).
RETURNS = [0.02, -0.01, 0.03, 0.015, -0.02, 0.04, 0.01, -0.005, 0.025, -0.03, 0.05, 0.005]


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _hand_psr(returns: list[float], benchmark: float) -> float:
    n = len(returns)
    mean = sum(returns) / n
    sd = math.sqrt(sum((r - mean) ** 2 for r in returns) / (n - 1))
    sr = mean / sd
    m2 = sum((r - mean) ** 2 for r in returns) / n
    m3 = sum((r - mean) ** 3 for r in returns) / n
    m4 = sum((r - mean) ** 4 for r in returns) / n
    skew, kurt = m3 / m2**1.5, m4 / m2**2
    return _phi(
        (sr - benchmark) * math.sqrt(n - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2)
    )


def test_sharpe_is_mean_over_sample_std() -> None:
    mean = sum(RETURNS) / 12
    sd = math.sqrt(sum((r - mean) ** 2 for r in RETURNS) / 11)
    assert sharpe_ratio(RETURNS) == pytest.approx(mean / sd, rel=1e-12)
    assert sharpe_ratio([0.01, 0.01, 0.01]) == 0.0


def test_annualised_sharpe_scales_the_per_period_one_and_performance_figures_use_it() -> None:
    mean = sum(RETURNS) / 12
    sd = math.sqrt(sum((r - mean) ** 2 for r in RETURNS) / 11)
    assert sharpe_ratio(RETURNS, 12) == pytest.approx(mean / sd * math.sqrt(12), rel=1e-12)
    equity = pd.Series(
        np.cumprod([1.0, *(1.0 + r for r in RETURNS)]) * 100.0,
        index=pd.date_range("2020-01-31", periods=13, freq="ME", tz="UTC"),
    )
    frequency = return_frequency(None, None, equity.index)
    figures, _ = performance_figures(equity, pd.Series(RETURNS), frequency)
    assert figures["sharpe"] == sharpe_ratio(RETURNS, frequency.periods_per_year)


@pytest.mark.parametrize("benchmark", [0.0, 0.1, 0.5])
def test_psr_matches_the_formula_worked_by_hand(benchmark: float) -> None:
    assert probabilistic_sharpe_ratio(RETURNS, benchmark) == pytest.approx(
        _hand_psr(RETURNS, benchmark), rel=1e-12
    )


def test_psr_grows_with_track_record_length_for_the_same_sharpe() -> None:
    short, long = RETURNS, RETURNS * 4
    assert sharpe_ratio(short) == pytest.approx(sharpe_ratio(long), rel=0.05)
    assert probabilistic_sharpe_ratio(long) > probabilistic_sharpe_ratio(short) > 0.5
    assert math.isnan(probabilistic_sharpe_ratio([0.01, 0.02]))


def test_expected_max_sharpe_matches_bailey_lopez_de_prado() -> None:
    # E[max] = sqrt(V) ((1-g) Z(1-1/N) + g Z(1-1/(N e))), worked here with the inverse normal.
    from statistics import NormalDist

    z, g, n, v = NormalDist().inv_cdf, 0.5772156649015329, 100, 0.04
    hand = math.sqrt(v) * ((1 - g) * z(1 - 1 / n) + g * z(1 - 1 / (n * math.e)))
    assert expected_max_sharpe(n, v) == pytest.approx(hand, rel=1e-12)
    assert expected_max_sharpe(1, v) == 0.0
    assert expected_max_sharpe(1000, v) > expected_max_sharpe(10, v) > 0


def test_deflated_sharpe_is_psr_against_the_expected_best_trial() -> None:
    dsr = deflated_sharpe_ratio(RETURNS, n_trials=50, sharpe_variance=0.02)
    assert dsr == pytest.approx(_hand_psr(RETURNS, expected_max_sharpe(50, 0.02)), rel=1e-12)
    assert dsr < probabilistic_sharpe_ratio(RETURNS)  # more trials, higher bar
    assert deflated_sharpe_ratio(RETURNS, 1, 0.02) == pytest.approx(
        probabilistic_sharpe_ratio(RETURNS)
    )
    with pytest.raises(ValueError, match="n_trials"):
        deflated_sharpe_ratio(RETURNS, 0, 0.02)


def test_bootstrap_interval_covers_the_mean_and_narrows_with_more_data() -> None:
    rng = np.random.default_rng(1)
    small, large = rng.normal(0.01, 0.02, 10), rng.normal(0.01, 0.02, 400)
    low_s, high_s = bootstrap_ci(small)
    low_l, high_l = bootstrap_ci(large)
    assert low_s < small.mean() < high_s and low_l < large.mean() < high_l
    assert high_l - low_l < high_s - low_s
    assert bootstrap_ci(small, seed=3) == bootstrap_ci(small, seed=3)
    assert all(math.isnan(x) for x in bootstrap_ci([]))


def test_trade_stats_from_nautilus_reports_of_a_real_backtest() -> None:
    from nautilus_rl_lab.agents.simple import RandomAgent
    from nautilus_rl_lab.data.source import DataSourceConfig
    from nautilus_rl_lab.evaluation.backtest import run_backtest
    from nautilus_rl_lab.nodes import TrainingNodeConfig
    from nautilus_rl_lab.schemes.registry import build_action

    config = TrainingNodeConfig(
        data=DataSourceConfig(kind="sample", start="2017-03-01", end="2017-03-08")
    )
    run = run_backtest(RandomAgent(build_action(config.action).space, seed=1), config)
    stats = trade_stats(run.fills, run.round_trips, run.position, run.equity)
    # Round trips from the fills alone: the net position returns to zero or changes sign.
    signed = [float(q) * (1 if side == "BUY" else -1) for q, side in zip(
        run.fills["last_qty"], run.fills["order_side"].astype(str), strict=True)]  # fmt: skip
    closes, held = 0, 0.0
    for quantity in signed:
        after = held + quantity
        closes += held != 0 and (after == 0 or (after > 0) != (held > 0))
        held = after
    assert len(run.round_trips) == closes > 0  # flips through one order count too
    trips = run.round_trips
    assert stats["fills"] == len(run.fills) > 0
    assert stats["orders"] == run.fills.index.nunique() > 0
    assert stats["round_trips"] == len(trips)
    assert stats["hit_rate"] == pytest.approx(float((trips["pnl"] > 0).mean()))
    assert 0 < stats["hit_rate"] < 1
    assert stats["exposure"] == pytest.approx(float((run.position != 0).mean()))
    notional = sum(
        float(q) * float(p)
        for q, p in zip(run.fills["last_qty"], run.fills["last_px"], strict=True)
    )
    assert stats["turnover"] == pytest.approx(notional / run.equity.mean())
    assert stats["avg_holding_hours"] == pytest.approx(trips["duration_ns"].mean() / 3.6e12)
    flat = trade_stats(
        run.fills.iloc[0:0], run.round_trips.iloc[0:0], pd.Series(dtype=float), run.equity
    )
    assert flat["orders"] == flat["fills"] == flat["round_trips"] == 0
    assert math.isnan(flat["hit_rate"])
