"""What a comparison table says, in sentences computed from its numbers (never stored prose).

A notebook that ends on a table leaves the reading to the reader. `read_comparison(stats)`
turns an `EvaluationResult.stats` table into a few sentences: how the agent's return compares
with each baseline's (in percentage points), how much it traded and, given `trading_costs`,
what the costs took out of its P&L. `read_seeds` says where each baseline lies against the
multi-seed confidence interval (`research.train_seeds`), and `read_tuning` compares a tuned
rule's in-sample Sharpe with its out-of-sample one. Each sentence is built from the figures,
so it cannot contradict the table it sits under.

Costs are measured, not assumed: commissions are Nautilus' (the fills report), the spread
paid is each fill's distance from the mid of the quote it filled against (the venue's own
quote ticks, so any slippage of the fill model is in it too). Both are in the fills'
currency; a fill in another currency than the account's is refused, since adding it to the
P&L would mix currencies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from nautilus_rl_lab.evaluation.backtest import AgentRun, EvaluationResult
from nautilus_rl_lab.nodes.engine import MarketData
from nautilus_rl_lab.nt.model import Money

COST_COLUMNS = ("commissions", "spread_paid", "costs", "pnl")
NAMES = {
    "agent": "the agent",
    "buy_and_hold": "buy-and-hold",
    "random_mean": "the random agents' mean",
}
#: Fewer seeds than this make an interval worth a caution.
FEW_SEEDS = 5


class Seeds(Protocol):
    """What `read_seeds` needs of a `research.SeedsResult` (not imported: research trains)."""

    def confidence(
        self, confidence: float = ..., seed: int = ..., metrics: Sequence[str] | None = ...
    ) -> pd.DataFrame:
        """Mean, median and bootstrap CI of the mean over seeds, one row per metric."""
        ...


@dataclass(frozen=True)
class Reading:
    """A few sentences about a result; shown as a paragraph in Jupyter."""

    sentences: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join(self.sentences)

    def _repr_markdown_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class _Mids:
    """The mid of every quote tick a market's venue filled against, by time (ns)."""

    ns: np.ndarray
    mid: np.ndarray

    @classmethod
    def of(cls, market: MarketData) -> _Mids:
        ns = np.array([quote.ts_event for quote in market.quotes], dtype=np.int64)
        mid = np.array(
            [(float(q.bid_price) + float(q.ask_price)) / 2.0 for q in market.quotes],
            dtype=np.float64,
        )
        return cls(ns, mid)

    def at(self, name: str, fills: pd.DataFrame) -> np.ndarray:
        """The mid of the quote each fill met (the last at or before it); a fill outside the
        quotes' span means another market than the one traded, refused naming the fill."""
        fill_ns = fills["ts_event"].astype("int64").to_numpy()
        if not self.ns.size:
            outside = np.ones(fill_ns.size, dtype=bool)
        else:
            outside = (fill_ns < self.ns[0]) | (fill_ns > self.ns[-1])
        if outside.any():
            first = int(np.flatnonzero(outside)[0])
            raise ValueError(
                f"{name}: fill {fills.index[first]} at {fills['ts_event'].iloc[first]} is outside "
                "the market's quotes: pass the market the runs traded (`market_for(env)`)"
            )
        return self.mid[np.searchsorted(self.ns, fill_ns, side="right") - 1]


def _run_costs(run: AgentRun, mids: _Mids) -> dict[str, float]:
    """Commissions, spread paid against the mid quote, their sum and the P&L of one run."""
    if run.members:
        rows = pd.DataFrame([_run_costs(member, mids) for member in run.members])
        return {key: float(value) for key, value in rows.mean().items()}
    pnl = float(run.equity.iloc[-1] - run.equity.iloc[0]) if len(run.equity) else 0.0
    fills = run.fills
    if fills.empty:
        return {"commissions": 0.0, "spread_paid": 0.0, "costs": 0.0, "pnl": pnl}
    commissions = [Money.from_str(str(value)) for value in fills["commission"]]
    currencies = {m.currency.code for m in commissions} | set(fills["currency"].astype(str))
    if currencies != {run.currency}:
        raise ValueError(
            f"{run.name}: fills in {sorted(currencies)}, account in {run.currency}: "
            "costs in another currency cannot be set against the account's P&L"
        )
    prices = fills["last_px"].astype(float).to_numpy()
    quantities = fills["last_qty"].astype(float).to_numpy()
    spread = float((np.abs(prices - mids.at(run.name, fills)) * quantities).sum())
    commission = float(sum(m.as_double() for m in commissions))
    return {
        "commissions": commission,
        "spread_paid": spread,
        "costs": commission + spread,
        "pnl": pnl,
    }


def trading_costs(result: EvaluationResult, market: MarketData) -> pd.DataFrame:
    """Per agent: commissions, spread paid, their sum and the P&L, in the account currency.

    `market` is the market the runs traded (`market_for(env)`); the random baseline's row is
    the mean of its runs'.
    """
    mids = _Mids.of(market)
    rows = {name: _run_costs(run, mids) for name, run in result.runs.items()}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(COST_COLUMNS))
    table.columns.name = result.range.currency
    return table


def _name(row: str) -> str:
    """How a table row is called in a sentence."""
    return NAMES.get(row, row)


def _cap(text: str) -> str:
    """A sentence's first word: `NAMES`' prose capitalised, a row's own name (code) as is."""
    return text[:1].upper() + text[1:] if text in NAMES.values() else text


def _count(value: float, noun: str) -> str:
    """`value` (a count, or a mean of counts) with `noun` in the singular or plural."""
    text = f"{value:,.0f}"
    return f"{text} {noun}" if text == "1" else f"{text} {noun}s"


def _pct(value: float) -> str:
    return f"{value:+.2f} %"


def _versus(mine: float, other: str, theirs: float) -> str:
    """`mine` against `theirs` in percentage points of total return."""
    gap = mine - theirs
    if round(abs(gap), 2) == 0.0:
        return f"level with {_name(other)} ({_pct(theirs)})"
    side = "ahead of" if gap > 0 else "behind"
    return f"{abs(gap):.2f} points {side} {_name(other)} ({_pct(theirs)})"


def _check_rows(table: pd.DataFrame, rows: Sequence[str], columns: Sequence[str]) -> None:
    """Refuse a table without the rows and columns a reading needs, naming what it has."""
    for row in rows:
        if row not in table.index:
            raise KeyError(f"the table has no row {row!r}; its rows: {list(table.index)}")
    for column in columns:
        if column not in table.columns:
            raise KeyError(
                f"the table has no column {column!r}; its columns: {list(table.columns)}"
            )


def _verdict(mine: float, returns: Mapping[str, float]) -> str:
    """Which of the other rows the agent beat."""
    beaten = [row for row, theirs in returns.items() if round(mine - theirs, 2) > 0]
    if not beaten:
        return "It beat none of them."
    if len(beaten) == len(returns):
        return "It beat all of them."
    return f"It beat {' and '.join(map(_name, beaten))} only."


def _cost_sentence(agent: str, costs: pd.Series, currency: str) -> str:
    """What the costs took, set against the P&L (a share of the loss, or of the gross gain)."""
    pnl, total = float(costs["pnl"]), float(costs["costs"])
    if total == 0.0:
        return f"{_cap(_name(agent))} paid no trading costs."
    spent = (
        f"{_cap(_name(agent))}'s trading costs were {total:,.0f} {currency} "
        f"({costs['commissions']:,.0f} in commissions, {costs['spread_paid']:,.0f} in spread "
        f"paid against the mid quote)"
    )
    gross = pnl + total
    if pnl < 0:
        before = "made" if gross > 0 else "lost"
        return (
            f"{spent}, {total / -pnl:.0%} of its {-pnl:,.0f} {currency} loss: before costs it "
            f"would have {before} {abs(gross):,.0f} {currency}."
        )
    return (
        f"{spent}, {total / gross:.0%} of the {gross:,.0f} {currency} it made before costs "
        f"(net {pnl:,.0f} {currency})."
    )


def read_comparison(
    stats: pd.DataFrame,
    *,
    agent: str = "agent",
    costs: pd.DataFrame | None = None,
) -> Reading:
    """Sentences on `stats` (`EvaluationResult.stats`): `agent`'s return against every other
    row's, its trading against the quietest row's, and, with `costs` (`trading_costs`), the
    costs' share of its P&L."""
    _check_rows(stats, [agent], ["total_return_%", "orders", "round_trips", "turnover"])
    mine = float(stats.loc[agent, "total_return_%"])
    returns = {
        str(row): float(stats.loc[row, "total_return_%"]) for row in stats.index if row != agent
    }
    opening = f"{_cap(_name(agent))} returned {_pct(mine)}"
    if returns:
        versus = "; ".join(_versus(mine, row, theirs) for row, theirs in returns.items())
        sentences = [f"{opening}: {versus}.", _verdict(mine, returns)]
    else:
        sentences = [f"{opening}."]
    figures = stats.loc[agent]
    trading = (
        f"It placed {_count(float(figures['orders']), 'order')} "
        f"({_count(float(figures['round_trips']), 'round trip')}), "
        f"a turnover of {float(figures['turnover']):,.1f}x its mean equity"
    )
    if returns:
        quiet = min(returns, key=lambda row: float(stats.loc[row, "turnover"]))
        trading += (
            f" ({_name(quiet)}: {_count(float(stats.loc[quiet, 'orders']), 'order')}, "
            f"{float(stats.loc[quiet, 'turnover']):,.1f}x)"
        )
    sentences.append(trading + ".")
    if costs is not None:
        _check_rows(costs, [agent], COST_COLUMNS)
        sentences.append(_cost_sentence(agent, costs.loc[agent], str(costs.columns.name or "")))
    return Reading(tuple(sentences))


def read_seeds(
    seeds: Seeds,
    baselines: Mapping[str, float],
    *,
    metric: str = "total_return_%",
    confidence: float = 0.95,
) -> Reading:
    """Where each baseline's `metric` lies against the bootstrap confidence interval of the
    seeds' mean (`SeedsResult.confidence`): above, below or inside it."""
    row = seeds.confidence(confidence, metrics=[metric]).loc[metric]
    low, high, n = float(row["ci_low"]), float(row["ci_high"]), int(row["seeds"])
    label, unit = (metric[:-2], " %") if metric.endswith("_%") else (metric, "")
    label = label.replace("_", " ")
    sentences = [
        f"Over {n} seeds the agent's mean {label} is {float(row['mean']):+.2f}{unit} "
        f"({confidence:.0%} confidence interval of the mean {low:+.2f} .. {high:+.2f}{unit})."
    ]
    for name, value in baselines.items():
        if value > high:
            where = "above the interval: the config's agents do worse, beyond the seeds' spread"
        elif value < low:
            where = "below the interval: the config's agents do better, beyond the seeds' spread"
        else:
            where = "inside the interval: these seeds cannot tell the config's agents from it"
        sentences.append(f"{_cap(_name(name))} ({value:+.2f}{unit}) lies {where}.")
    if n < FEW_SEEDS:
        sentences.append(f"{n} seeds make a rough interval: add seeds before relying on it.")
    return Reading(tuple(sentences))


def read_tuning(
    in_sample: float, stats: pd.DataFrame, *, tuned: str, default: str | None = None
) -> Reading:
    """The tuned row's Sharpe out of sample (`stats`) against its in-sample Sharpe (what the
    tuning maximised) and, if given, against the `default` parameters' row."""
    _check_rows(stats, [tuned, *([default] if default else [])], ["sharpe"])
    out = float(stats.loc[tuned, "sharpe"])
    change = (
        f"fell by {in_sample - out:.2f}" if out < in_sample else f"rose by {out - in_sample:.2f}"
    )
    sentences = [
        f"The tuned parameters' Sharpe ratio was {in_sample:.2f} on the range they were tuned "
        f"on and {out:.2f} out of sample: it {change}."
    ]
    if default is not None:
        theirs = float(stats.loc[default, "sharpe"])
        side = "below" if out < theirs else "above"
        sentences.append(f"Out of sample it is {side} the default {default}'s {theirs:.2f}.")
    return Reading(tuple(sentences))
