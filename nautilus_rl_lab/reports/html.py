"""The HTML tear sheet: every agent and baseline side by side, only panels the window can fill.

A three-month window cannot show a rolling six-month Sharpe ratio or a 5-year annualised return,
and quantstats' own page shows such panels empty or repeats the window's figure in them. So
the page is ours: the return frequency and annualisation convention, our statistics table
(return, CAGR, volatility, Sharpe, Sortino, Calmar, drawdown, PSR, DSR, trades, turnover,
exposure, hit rate, holding time, risk events) with the reason for every figure shown as n/a,
quantstats' metrics for every agent (run offline on our returns, at their frequency) less the
rows our table holds (one source for each figure) and those that need more history than the
window holds, and figures embedded as PNG: equity and drawdown of every agent, the agent's
monthly returns (two months or more) and its rolling six-month Sharpe ratio (more than a year
of data).

Every figure is written as a reader expects it (`reports.formatting`: percentages with a %
sign, money with separators and the account currency), the range is named with its role and
what that role means for the figures, and the agents carry the same names in every table and
figure.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from nautilus_rl_lab.evaluation.backtest import EvaluationResult
from nautilus_rl_lab.evaluation.frequency import ReturnFrequency
from nautilus_rl_lab.evaluation.statistics import sharpe_ratio
from nautilus_rl_lab.plots import plot_drawdowns, plot_equity_curves
from nautilus_rl_lab.reports.formatting import ROLE_READING, figure_percent, format_stats
from nautilus_rl_lab.reports.metrics import HISTORY_ROWS, quantstats_metrics, span_days


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


def rolling_periods(frequency: ReturnFrequency) -> int:
    """Returns in six months at `frequency` (the rolling Sharpe ratio's window)."""
    return max(2, round(frequency.periods_per_year / 2))


def _rolling_sharpe(returns: pd.Series, agent: str, frequency: ReturnFrequency) -> Figure:
    rolling = returns.rolling(rolling_periods(frequency))
    sharpe = rolling.apply(sharpe_ratio, raw=True, args=(frequency.periods_per_year,))
    figure, ax = plt.subplots(figsize=(10, 3))
    ax.plot(sharpe.index, sharpe, color="tab:blue")
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.set(title=f"{agent}: rolling 6-month Sharpe ratio", ylabel="Sharpe")
    figure.tight_layout()
    return figure


def _notes_html(notes: pd.DataFrame, order: list[str]) -> str:
    """Why figures show n/a: one line per figure and reason, naming the agents it applies to."""
    lines = []
    for figure, row in notes.loc[:, order].iterrows():
        reasons = row.dropna()
        for reason, agents in reasons.groupby(reasons).groups.items():
            who = "all agents" if len(agents) == len(order) else ", ".join(agents)
            lines.append(f"<li><b>{html.escape(str(figure))}</b>: {html.escape(str(reason))} "
                         f"({html.escape(who)})</li>")  # fmt: skip
    return f"<p>n/a: not computed</p><ul>{''.join(lines)}</ul>" if lines else ""


def tearsheet_html(evaluation: EvaluationResult, agent: str, title: str) -> str:
    """The whole page as a string (see the module docstring for what it holds and why)."""
    returns = evaluation.returns
    if returns.empty:
        raise ValueError(
            "no tear sheet: the window has no equity samples (the observation warm-up may "
            "take all of its bars); widen the window"
        )
    returns.index = pd.DatetimeIndex(returns.index)
    span = span_days(returns)
    stats = evaluation.stats
    frequency = evaluation.frequency
    scope = evaluation.range
    order = [agent, *[name for name in stats.index if name != agent]]
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Agent: <b>{html.escape(agent)}</b>; baselines: "
        f"{html.escape(', '.join(order[1:]) or 'none')}.</p>",
        f"<p>Range: <b>{scope.role}</b> ({html.escape(ROLE_READING[scope.role])}), "
        f"{returns.index.min():%Y-%m-%d} to {returns.index.max():%Y-%m-%d} ({span} days, "
        f"{len(returns)} {frequency.name} returns); account currency "
        f"<b>{html.escape(scope.currency)}</b>.</p>",
        f"<p>Returns: {html.escape(frequency.describe())}.</p>",
        *[
            f"<p>{html.escape(name)}: the mean of {n} runs; its return and risk figures are "
            "those of their mean equity curve, its trade figures (orders to risk events) the "
            f"mean of the {n} runs' own.</p>"
            for name, n in evaluation.averaged.items()
        ],
        "<h2>Statistics</h2>",
        format_stats(stats.loc[order].T, scope.currency).to_html(na_rep="n/a"),
        _notes_html(evaluation.notes, order),
        _png(plot_equity_curves(evaluation.equity[order], f"Equity, {evaluation.role} range")),
        _png(plot_drawdowns(evaluation.equity[order])),
    ]
    if span >= HISTORY_ROWS["Best Month"]:
        table = monthly_returns(returns[agent])
        sections += [
            f"<h2>{html.escape(agent)}: monthly returns</h2>",
            table.to_html(float_format=figure_percent, na_rep=""),
        ]
    if len(returns) > 2 * rolling_periods(frequency):
        sections += [
            f"<h2>{html.escape(agent)}: rolling 6-month Sharpe ratio</h2>",
            _png(_rolling_sharpe(returns[agent], agent, frequency)),
        ]
    sections += [f"<h2>Metrics (quantstats, {frequency.name} returns)</h2>"]
    if len(returns) < 2:
        sections += [f"<p>Not shown: quantstats' metrics {frequency.needs(2, len(returns))}.</p>"]
    else:
        sections += [
            "<p>Figures of the statistics table are not repeated here; quantstats' drawdown "
            f"rows are of the {frequency.name} closes, the table's max drawdown of every "
            "bar's equity. quantstats rounds its figures to two decimals (0.00%: under 0.005% "
            "either way).</p>",
            quantstats_metrics(returns[order], frequency).to_html(na_rep="n/a"),
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
