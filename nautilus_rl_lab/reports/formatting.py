"""Figures as a reader expects them: percentages with a % sign, money with separators and currency.

`format_stats(stats, currency)` turns `EvaluationResult.stats` (figures x agents after `.T`)
into strings, row by row: `*_%` rows are already percentages, `psr`, `dsr`, `exposure` and
`hit_rate` are shares shown as percentages, `final_equity` is money in the account currency,
counts are whole numbers (a mean of runs keeps one decimal), ratios have two decimals. A NaN
stays NaN, so the page shows "n/a" and its reason next to it, never a made-up figure.
"""

from __future__ import annotations

import math

import pandas as pd

# Figures that are shares (0..1) of something, shown as percentages.
SHARES = ("psr", "dsr", "exposure", "hit_rate")
# Figures that count things (the random baseline's are means of several runs).
COUNTS = ("orders", "fills", "round_trips", "orders_denied", "orders_rejected", "risk_events")
# What each range role means for the figures computed on it.
ROLE_READING = {
    "train": "in sample: the agent was fitted on these bars",
    "validation": "used to select the agent (e.g. its best checkpoint), so it flatters the agent",
    "test": "held out: never seen in training or selection",
}


def percent(value: float, decimals: int = 2) -> str:
    """`value` (already in percent) as e.g. "-1,234.57%"; zero without a sign."""
    return f"{value + 0.0 if value else 0.0:,.{decimals}f}%"


def figure_percent(value: float) -> str:
    """`percent` with two decimals, or two significant digits for a small figure ("-0.0012%",
    not "-0.00%"), so a figure that is not zero never reads as zero."""
    if value == 0:
        return percent(value)
    return percent(value, max(2, min(6, 1 - math.floor(math.log10(abs(value))))))


def money(value: float, currency: str) -> str:
    """`value` as e.g. "90,050.12 USD"."""
    return f"{value:,.2f} {currency}"


def count(value: float) -> str:
    """A whole count as "1,234"; a mean of counts with one decimal."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def format_figure(name: str, value: float, currency: str) -> str | float:
    """One figure of `EvaluationResult.stats` as text (see the module); NaN stays NaN."""
    if isinstance(value, float) and math.isnan(value):
        return value
    if name.endswith("_%"):
        return figure_percent(value)
    if name in SHARES:
        return figure_percent(value * 100.0)
    if name == "final_equity":
        return money(value, currency)
    if name in COUNTS or name.startswith("risk:"):
        return count(value)
    if name == "avg_holding_hours":
        return f"{value:,.1f} h"
    if name == "periods_per_year":
        return f"{value:g}"
    return f"{value:,.2f}"


def format_stats(table: pd.DataFrame, currency: str) -> pd.DataFrame:
    """`table` (figures as rows, agents as columns) with every figure formatted as text."""
    formatted = table.astype(object)
    for name, row in table.iterrows():
        formatted.loc[name] = [format_figure(str(name), float(v), currency) for v in row]
    return formatted
