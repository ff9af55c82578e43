"""The HTML tear sheet: every agent and baseline side by side, only panels the window can fill.

A three-month window cannot show a rolling six-month Sharpe ratio or a 5-year annualised return,
and quantstats' own page shows such panels empty or repeats the window's figure in them. So
the page is ours: our statistics table (PSR, DSR, trades, turnover, exposure, hit rate, holding
time, risk events), quantstats' metrics for every agent (run offline on our daily returns) less
the rows that need more history than the window holds, and figures embedded as PNG: equity
and drawdown of every agent, the agent's monthly returns (two months or more) and its rolling
six-month Sharpe ratio (more than a year of data).
"""

from __future__ import annotations

import base64
import html
import io
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from nautilus_rl_lab.evaluation.backtest import TRADING_DAYS, EvaluationResult
from nautilus_rl_lab.reports.plots import plot_drawdowns, plot_equity_curves

ROLLING_DAYS = 126  # six months of trading days
# quantstats rows and the calendar span (days) the window must cover for them to mean anything.
HISTORY_ROWS: dict[str, int] = {
    "3M": 92,
    "6M": 183,
    "1Y": 365,
    "3Y (ann.)": 3 * 365,
    "5Y (ann.)": 5 * 365,
    "10Y (ann.)": 10 * 365,
    "Best Month": 62,
    "Worst Month": 62,
    "Avg. Up Month": 62,
    "Avg. Down Month": 62,
    "Win Month": 62,
    "Expected Monthly": 62,
    "Gain/Pain (1M)": 62,
    "Win Quarter": 183,
    "Best Year": 2 * 365,
    "Worst Year": 2 * 365,
    "Win Year": 2 * 365,
    "Expected Yearly": 2 * 365,
}


def span_days(returns: pd.DataFrame) -> int:
    """Calendar days between the first and the last daily return."""
    if returns.empty:
        return 0
    return int((returns.index.max() - returns.index.min()).days) + 1


def quantstats_metrics(returns: pd.DataFrame) -> pd.DataFrame:
    """quantstats' metrics for every column, without rows the window is too short for."""
    import quantstats as qs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics = qs.reports.metrics(
            returns.fillna(0.0), mode="full", display=False, periods_per_year=TRADING_DAYS
        )
    span = span_days(returns)
    drop = [row for row, days in HISTORY_ROWS.items() if span < days and row in metrics.index]
    return metrics.drop(index=drop)


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def monthly_returns(returns: pd.Series) -> pd.DataFrame:
    """Compounded monthly returns (%) as a year x month table; months without data are absent."""
    monthly = (1.0 + returns).resample("ME").prod() - 1.0
    monthly = monthly[returns.resample("ME").count() > 0] * 100.0
    table = pd.DataFrame(
        {"year": monthly.index.year, "month": monthly.index.strftime("%b"), "r": monthly.values}
    )
    order = [m for m in pd.date_range("2000-01-01", periods=12, freq="MS").strftime("%b")]
    pivot = table.pivot(index="year", columns="month", values="r")
    return pivot[[m for m in order if m in pivot.columns]]


def _rolling_sharpe(returns: pd.Series, agent: str) -> Figure:
    rolling = returns.rolling(ROLLING_DAYS)
    sharpe = rolling.mean() / rolling.std() * TRADING_DAYS**0.5
    figure, ax = plt.subplots(figsize=(10, 3))
    ax.plot(sharpe.index, sharpe, color="tab:blue")
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set(title=f"{agent}: rolling 6-month Sharpe ratio", ylabel="Sharpe")
    figure.tight_layout()
    return figure


def tearsheet_html(evaluation: EvaluationResult, agent: str, title: str) -> str:
    """The whole page as a string (see the module docstring for what it holds and why)."""
    returns = evaluation.returns
    returns.index = pd.DatetimeIndex(returns.index)
    span = span_days(returns)
    stats = evaluation.stats
    order = [agent, *[name for name in stats.index if name != agent]]
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Agent: <b>{html.escape(agent)}</b>; window {returns.index.min():%Y-%m-%d} to "
        f"{returns.index.max():%Y-%m-%d} ({span} days, {len(returns)} daily returns); "
        f"baselines: {html.escape(', '.join(order[1:]) or 'none')}.</p>",
        "<h2>Statistics</h2>",
        stats.loc[order].T.to_html(float_format=lambda x: f"{x:,.4g}", na_rep="-"),
        _png(plot_equity_curves(evaluation.equity[order], f"Equity, {evaluation.role} range")),
        _png(plot_drawdowns(evaluation.equity[order])),
    ]
    if span >= HISTORY_ROWS["Best Month"]:
        table = monthly_returns(returns[agent])
        sections += [f"<h2>{html.escape(agent)}: monthly returns (%)</h2>", table.to_html(
            float_format=lambda x: f"{x:.2f}", na_rep="")]  # fmt: skip
    if len(returns) > 2 * ROLLING_DAYS:
        sections += [
            f"<h2>{html.escape(agent)}: rolling 6-month Sharpe ratio</h2>",
            _png(_rolling_sharpe(returns[agent], agent)),
        ]
    sections += [
        "<h2>Metrics (quantstats, daily returns)</h2>",
        quantstats_metrics(returns[order]).to_html(na_rep="-"),
    ]
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;"
        "border-bottom:1px solid #ddd;text-align:right}img{max-width:100%}"
    )
    body = "\n".join(sections)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{body}</body></html>"
    )
