"""The HTML tear sheet: every agent and baseline, labelled, and no panel the window cannot fill."""

from __future__ import annotations

import pandas as pd
import pytest

from nautilus_rl_lab.agents import BollingerMeanReversionAgent, BuyAndHoldAgent, EMACrossAgent
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import EvaluationResult, market_for, run_backtest
from nautilus_rl_lab.nodes import TrainingNodeConfig
from nautilus_rl_lab.reports.tearsheet import write_report


def evaluation(start: str, end: str | None) -> EvaluationResult:
    env = TrainingNodeConfig(data=DataSourceConfig(kind="sample", start=start, end=end))
    market = market_for(env)
    agents = {
        "ema(5,20)": EMACrossAgent(5, 20, action=env.action),
        "buy_and_hold": BuyAndHoldAgent(env.action),
        "bollinger": BollingerMeanReversionAgent(20, 2.0, action=env.action),
    }
    runs = {name: run_backtest(a, env, market=market, name=name) for name, a in agents.items()}
    return EvaluationResult(runs, n_trials=20, trial_sharpe_variance=0.01, role="test")


def test_a_short_window_shows_every_agent_and_no_empty_or_repeated_panels(tmp_path) -> None:
    result = evaluation("2017-10-01", "2017-10-22")
    report = write_report(result, tmp_path, agent="ema(5,20)")
    page = report.tearsheet.read_text(encoding="utf-8")
    assert "Agent: <b>ema(5,20)</b>" in page and "tear sheet: ema(5,20)" in page
    for name in ("ema(5,20)", "buy_and_hold", "bollinger"):
        assert f"<th>{name}</th>" in page
    for row in ("psr", "dsr", "turnover", "exposure", "hit_rate", "avg_holding_hours"):
        assert f"<th>{row}</th>" in page
    for absent in ("3Y (ann.)", "5Y (ann.)", "10Y (ann.)", "6M", "Best Year", "Win Month"):
        assert f"<th>{absent}</th>" not in page
    assert "rolling 6-month" not in page and "monthly returns" not in page


def test_a_year_shows_monthly_returns_and_the_rolling_sharpe(tmp_path) -> None:
    result = evaluation("2017-01-01", None)
    page = write_report(result, tmp_path, agent="ema(5,20)").tearsheet.read_text("utf-8")
    assert "monthly returns" in page and "rolling 6-month Sharpe" in page
    assert "<th>3M</th>" in page and "<th>3Y (ann.)</th>" not in page


def test_dsr_is_below_psr_for_a_study_of_many_trials() -> None:
    stats = evaluation("2017-10-01", "2017-10-22").stats
    positive = stats[stats["sharpe"] > 0]
    assert (positive["dsr"] <= positive["psr"] + 1e-12).all()
    assert stats["psr"].between(0, 1).all()
    single = EvaluationResult(evaluation("2017-10-01", "2017-10-22").runs, role="test").stats
    assert single["dsr"].to_numpy() == pytest.approx(single["psr"].to_numpy())


def test_a_one_day_window_marks_undefined_figures_and_says_why(tmp_path) -> None:
    result = evaluation("2017-10-02", "2017-10-03 23:00")  # warm-up takes day one: one day left
    stats = result.stats
    for figure in ("sharpe", "sortino", "cagr_%", "volatility_%", "calmar", "psr", "dsr"):
        assert stats[figure].isna().all(), figure
    page = write_report(result, tmp_path, agent="ema(5,20)").tearsheet.read_text("utf-8")
    assert "<b>sharpe</b>: needs ≥ 2 daily returns, has 1 (all agents)" in page
    assert "<b>psr</b>: needs ≥ 3 daily returns, has 1 (all agents)" in page
    assert "<b>dsr</b>: needs ≥ 3 daily returns, has 1 (all agents)" in page
    assert "Not shown: quantstats' metrics needs ≥ 2 daily returns, has 1" in page
    assert "Risk of Ruin" not in page and "-15.87" not in page


def test_the_page_states_the_frequency_and_no_table_repeats_another(tmp_path) -> None:
    result = evaluation("2017-10-01", "2017-10-22")
    page = write_report(result, tmp_path, agent="ema(5,20)").tearsheet.read_text("utf-8")
    assert (
        "Returns: daily returns (1-HOUR-ASK bars resampled to the UTC day), annualised with "
        "260 periods a year; calendar: FX, 260 trading days a year." in page
    )
    for row in ("max_drawdown_%", "sharpe", "sortino", "cagr_%", "volatility_%", "calmar"):
        assert f"<th>{row}</th>" in page
    for row in ("Max Drawdown", "Sharpe", "Sortino", "CAGR﹪", "Volatility (ann.)", "Calmar",
                "Cumulative Return", "Prob. Sharpe Ratio"):  # fmt: skip
        assert f"<th>{row}</th>" not in page, row
    assert "<th>Smart Sharpe</th>" in page  # quantstats' own figures stay


def test_a_tear_sheet_of_monthly_bars_is_annualised_with_twelve_periods(tmp_path) -> None:
    import pandas as pd

    from tests.evaluation.test_frequency import buy_and_hold

    run = buy_and_hold(pd.date_range("2010-01-01", periods=40, freq="MS", tz="UTC"), "MONTH")
    page = write_report(
        EvaluationResult({"agent": run}, role="test"), tmp_path
    ).tearsheet.read_text("utf-8")
    assert "monthly returns (one per 1-MONTH-ASK bar), annualised with 12 periods a year" in page
    assert "Metrics (quantstats, monthly returns)" in page and "rolling 6-month Sharpe" in page
    sharpe = run.returns.mean() / run.returns.std()
    assert f"<td>{sharpe * 12**0.5:,.4g}</td>" in page
    assert f"<td>{sharpe * 252**0.5:,.4g}</td>" not in page


def test_tear_sheet_stats_file_and_table_name_the_range_its_role_and_the_currency(
    tmp_path,
) -> None:
    result = evaluation("2017-10-02", "2017-10-09")
    first = min(run.equity.index[0] for run in result.runs.values())
    last = max(run.equity.index[-1] for run in result.runs.values())
    assert first >= pd.Timestamp("2017-10-02", tz="UTC")
    assert last <= pd.Timestamp("2017-10-09", tz="UTC")  # the close of the last bar
    label = f"test range {first:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M} UTC"
    assert result.stats.columns.name == f"{label}, account currency USD"  # notebooks, CLI
    report = write_report(result, tmp_path, agent="ema(5,20)")
    assert f"<h1>nautilus_rl_lab: out-of-sample tear sheet: ema(5,20), {label}" in (
        report.tearsheet.read_text(encoding="utf-8")
    )
    stats = pd.read_csv(report.stats, index_col=0)
    assert set(stats["range_role"]) == {"test"} and set(stats["currency"]) == {"USD"}
    assert set(stats["range_start"]) == {first.isoformat()}
    assert stats["sharpe"].to_numpy() == pytest.approx(result.stats["sharpe"].to_numpy())


def test_an_evaluation_without_a_known_role_is_refused() -> None:
    runs = evaluation("2017-10-02", "2017-10-09").runs
    with pytest.raises(ConfigError, match="range role 'out_of_sample' is unknown"):
        EvaluationResult(runs, role="out_of_sample")


def test_a_range_without_decision_bars_is_labelled_as_such() -> None:
    env = TrainingNodeConfig(
        data=DataSourceConfig(kind="sample", start="2017-10-02", end="2017-10-02T03:00")
    )
    run = run_backtest(EMACrossAgent(5, 20, action=env.action), env, name="ema")
    assert run.equity.empty  # three bars: the observation window is not full yet
    label = EvaluationResult({"ema": run}, role="validation").range.label
    assert label == "validation range (no bars), account currency USD"
