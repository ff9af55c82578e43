"""quantstats' metrics table for the tear sheet, without quantstats' side effects on matplotlib.

Importing quantstats sets matplotlib's font to Arial and applies a seaborn theme to the global
`rcParams`, so every later figure of the kernel loses its frame. quantstats is therefore
imported and run only inside `matplotlib.rc_context()` (`isolated_quantstats`), which puts every
`rcParams` entry back when it ends; seaborn's theme lives in `rcParams` too.

The table keeps quantstats' own formatting (its figures are rounded to 2 decimals), with
percentages written with two decimals and a % sign, the agents' names as column headers (even
for one agent, which quantstats calls "Strategy"), and quantstats' "-" for an undefined figure
read as NaN, so the page shows "n/a".
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from types import ModuleType

import matplotlib as mpl
import pandas as pd

from nautilus_rl_lab.evaluation.frequency import ReturnFrequency
from nautilus_rl_lab.reports.formatting import percent

# quantstats rows our statistics table already holds: one source for each figure.
OWNED_ROWS = (
    "Cumulative Return",
    "CAGR﹪",
    "All-time (ann.)",
    "Sharpe",
    "Prob. Sharpe Ratio",
    "Sortino",
    "Max Drawdown",
    "Volatility (ann.)",
    "Calmar",
)
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


@contextlib.contextmanager
def isolated_quantstats() -> Iterator[ModuleType]:
    """quantstats, imported and used with matplotlib's `rcParams` restored afterwards."""
    with mpl.rc_context(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import quantstats

        yield quantstats


def _cell(value: object) -> object:
    """quantstats' display string with its percentages at two decimals; "-" (undefined): NaN."""
    text = str(value)
    if text == "-":
        return math.nan
    if text == "-0.0":
        return "0.0"
    if text.endswith("%"):
        return percent(float(text[:-1]))
    return text


def quantstats_metrics(returns: pd.DataFrame, frequency: ReturnFrequency) -> pd.DataFrame:
    """quantstats' metrics for every column at `frequency` as display text, without the rows our
    statistics table holds (`OWNED_ROWS`) or the window is too short for."""
    with isolated_quantstats() as qs:
        metrics = qs.reports.metrics(
            returns.fillna(0.0),
            mode="full",
            display=False,
            internal=True,
            periods_per_year=frequency.periods_per_year,
        )
    metrics.columns = list(returns.columns)
    span = span_days(returns)
    drop = [row for row, days in HISTORY_ROWS.items() if span < days] + list(OWNED_ROWS)
    metrics = metrics.drop(index=[row for row in drop if row in metrics.index])
    return metrics.map(_cell)
