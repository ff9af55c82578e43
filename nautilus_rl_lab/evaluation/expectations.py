"""What an agent's out-of-sample backtest leads a live monitor to expect: slippage per fill, per-bar returns.

`expectations(equity, slippage, env, split)` turns one backtest of the agent over `env` (the
training run's test or validation range, with the training venue's fill model, fees, spread
and execution timing: `run_backtest`) into the JSON-able figures an agent bundle carries
(`bundle.json` field `backtest`), which the monitor's `slippage` and `performance` rules
default to. `fill_slippage` measures the backtest's fills (`AgentRun.slippage`).

Decisions:

- The expected slippage is measured, not derived: each backtest fill is compared with the
  close of the decision bar (the last bar at or before the order's creation), exactly as
  `MonitorActor` measures live fills, so the spread, the fill model, the bar-to-bar gap and
  the execution timing are all in it, like for like. Buys and sells are kept apart: on bid
  bars a buy pays the spread and a sell does not, so a live window with another side mix
  must not look like extra slippage.
- Returns are simple returns of the equity sampled at every decision bar (marked at its
  close), the series the monitor samples live; the Sharpe ratio is per bar (what the
  monitor's `performance` rule compares), and `sharpe_annualised` scales it with the run's
  `frequency` (`bars_per_year`: its `periods_per_year` times the bars per period), the same
  convention as the report's, which the monitor's annualised rolling Sharpe uses too.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from nautilus_rl_lab.evaluation.frequency import (
    ReturnFrequency,
    median_gap_days,
    return_frequency,
)
from nautilus_rl_lab.evaluation.statistics import sharpe_ratio
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.nt.model import Order, OrderFilled, OrderSide

SIDES = ("BUY", "SELL")


def fill_slippage(orders: Iterable[Order], close: pd.Series) -> pd.DataFrame:
    """One row per fill: `side`, `price`, `decision_price`, `slippage` (positive = worse).

    `close` holds the decision bars' closes indexed by UTC bar time; an order filled before
    any decision bar has no decision price and is left out.
    """
    rows = []
    times = close.index.asi8 if isinstance(close.index, pd.DatetimeIndex) else np.array([])
    for order in orders:
        position = int(np.searchsorted(times, order.init_event.ts_init, side="right")) - 1
        if position < 0:
            continue
        decision = float(close.iloc[position])
        buy = order.side == OrderSide.BUY
        for event in order.events():
            if isinstance(event, OrderFilled):
                price = float(event.last_px)
                slip = price - decision if buy else decision - price
                rows.append(("BUY" if buy else "SELL", price, decision, slip))
    return pd.DataFrame(rows, columns=["side", "price", "decision_price", "slippage"])


def _moments(values: np.ndarray, count: str = "fills") -> dict[str, float]:
    """`count` (how many values), mean and sample std; zeros where too few values."""
    return {
        count: float(values.size),
        "mean": float(values.mean()) if values.size else 0.0,
        "std": float(values.std(ddof=1)) if values.size > 1 else 0.0,
    }


def frequency_figures(equity: pd.Series, frequency: ReturnFrequency) -> dict[str, Any]:
    """`frequency` as JSON, with `bars_per_year`: decision bars a year at the backtest's pace,
    the factor that annualises a per-bar Sharpe ratio like the report's.

    That is `periods_per_year` times the bars per UTC day: the median over the whole days
    (all but the first and last) when there are three days or more, else a day over the
    median bar spacing (a 24-hour market).
    """
    days = equity.resample("1D").count() if not equity.empty else pd.Series(dtype=float)
    days = days[days > 0]
    if len(days) >= 3:
        per_day = float(days.iloc[1:-1].median())
    else:
        gap = median_gap_days(pd.DatetimeIndex(equity.index))
        per_day = max(1.0, 1.0 / gap) if gap > 0 else math.nan
    return {**dataclasses.asdict(frequency), "bars_per_year": frequency.periods_per_year * per_day}


def expectations(
    equity: pd.Series,
    slippage: pd.DataFrame,
    env: TrainingNodeConfig,
    split: str,
    frequency: ReturnFrequency | None = None,
) -> dict[str, Any]:
    """The bundle's `backtest` figures from one backtest's equity curve and fill slippage;
    `frequency` is the run's (`AgentRun.return_frequency`; default: inferred from `equity`)."""
    timing = frequency_figures(equity, frequency or return_frequency(None, None, equity.index))
    returns = equity.pct_change().dropna().to_numpy(dtype=np.float64)
    returns = returns[np.isfinite(returns)]
    sharpe = sharpe_ratio(returns)
    slips = slippage["slippage"].to_numpy(dtype=np.float64)
    by_side = {
        side: _moments(slippage.loc[slippage["side"] == side, "slippage"].to_numpy(np.float64))
        for side in SIDES
    }
    venue = env.venue
    return {
        "split": split,
        "data": json.loads(env.data.json()),
        "assumptions": {
            "execution": env.execution,
            "spread": env.data.quote_spreads()[0],
            "spread_bps": env.data.spread_bps,
            "price_side": env.data.price_side,
            "fill_model": json.loads(venue.fill_model.json()) if venue.fill_model else None,
            "fee_model": json.loads(venue.fee_model.json()) if venue.fee_model else None,
            "maker_fee": env.instrument.maker_fee,
            "taker_fee": env.instrument.taker_fee,
        },
        "price_increment": 10.0**-env.instrument.price_precision,
        "slippage": {**_moments(slips), **by_side},
        "frequency": timing,
        "returns": {
            **_moments(returns, count="bars"),
            "sharpe": sharpe,
            "sharpe_annualised": sharpe_ratio(returns, timing["bars_per_year"]),
        },
    }
