"""The return frequency and annualisation convention every statistic of a backtest uses.

`return_frequency(bar_type, asset_class, index)` says which returns a backtest's statistics
are computed on and how many of them make a year (`periods_per_year`); Sharpe, Sortino,
volatility, CAGR, Calmar, PSR/DSR, quantstats' metrics and the bundle's expectations all
take it from here, and every report states it (`ReturnFrequency.describe`).

Decisions:

- Returns are those of the equity's last value in each UTC day (`daily_returns`): intraday
  bars are resampled to the trading day; daily, weekly and monthly bars give one return per
  bar, so monthly bars are annualised with 12 periods, not 252.
- The trading calendar comes from the instrument's Nautilus asset class: FX trades five days a
  week all year (260 days), crypto every day (365), everything else (equities, indices,
  commodities, bonds) on exchange days (252). `trading_days` overrides it (config).
- The data can only make the frequency coarser: equity samples spaced wider than the bar
  type says (a median gap of 5 days or more: weekly; 25 or more: monthly) set the frequency,
  and the description says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from nautilus_rl_lab.nt.model import AssetClass, BarAggregation, BarType
from nautilus_rl_lab.validation import check_minimum

CALENDARS: dict[AssetClass, tuple[int, str]] = {
    AssetClass.FX: (260, "FX"),
    AssetClass.CRYPTOCURRENCY: (365, "crypto"),
}
EXCHANGE_DAYS = (252, "exchange-traded")
INTRADAY = (
    BarAggregation.MILLISECOND,
    BarAggregation.SECOND,
    BarAggregation.MINUTE,
    BarAggregation.HOUR,
)
# Bars of a day or longer: the name of their returns and periods a year (None: the calendar's).
PER_YEAR: dict[BarAggregation, tuple[str, float | None]] = {
    BarAggregation.DAY: ("daily", None),
    BarAggregation.WEEK: ("weekly", 52.0),
    BarAggregation.MONTH: ("monthly", 12.0),
    BarAggregation.YEAR: ("yearly", 1.0),
}
# (name, periods per year, smallest median gap in days of equity samples at that frequency)
COARSE = (("monthly", 12.0, 25.0), ("weekly", 52.0, 5.0))


@dataclass(frozen=True)
class ReturnFrequency:
    """Which returns statistics are computed on and how many of them make a year."""

    name: str
    periods_per_year: float
    calendar: str
    source: str

    def describe(self) -> str:
        """One line for reports: the returns, their source and the annualisation convention."""
        return (
            f"{self.name} returns ({self.source}), annualised with {self.periods_per_year:g} "
            f"periods a year; calendar: {self.calendar}"
        )

    def needs(self, minimum: int, count: int) -> str:
        """The reason a statistic is not computed: e.g. "needs ≥ 2 daily returns, has 1"."""
        return f"needs ≥ {minimum} {self.name} returns, has {count}"


def calendar_days(
    asset_class: AssetClass | None, trading_days: int | None = None
) -> tuple[int, str]:
    """Trading days a year and the calendar's description, from the asset class or `trading_days`."""
    if trading_days is not None:
        check_minimum("trading_days", trading_days, 0, strict=True)
        return trading_days, f"{trading_days} trading days a year (configured)"
    days, label = CALENDARS.get(asset_class, EXCHANGE_DAYS) if asset_class else EXCHANGE_DAYS
    return days, f"{label}, {days} trading days a year"


def median_gap_days(index: pd.DatetimeIndex) -> float:
    """Median spacing of `index` in days (0 with fewer than two stamps)."""
    if len(index) < 2:
        return 0.0
    return float(pd.Series(index).diff().dropna().median() / pd.Timedelta(days=1))


def return_frequency(
    bar_type: BarType | None,
    asset_class: AssetClass | None,
    index: pd.DatetimeIndex | None = None,
    trading_days: int | None = None,
) -> ReturnFrequency:
    """The frequency of `daily_returns` for bars of `bar_type` sampled at `index` (see module)."""
    days, calendar = calendar_days(asset_class, trading_days)
    by_bars = _bar_frequency(bar_type, days, calendar)
    gap = median_gap_days(index) if index is not None else 0.0
    for name, periods, smallest in COARSE:
        if gap >= smallest and periods < by_bars.periods_per_year:
            return ReturnFrequency(name, periods, calendar, f"equity samples {gap:g} days apart")
    return by_bars


def _bar_frequency(bar_type: BarType | None, days: int, calendar: str) -> ReturnFrequency:
    if bar_type is None:
        return ReturnFrequency("daily", days, calendar, "equity resampled to the UTC day")
    spec = bar_type.spec
    if spec.aggregation in INTRADAY:
        return ReturnFrequency("daily", days, calendar, f"{spec} bars resampled to the UTC day")
    if spec.aggregation not in PER_YEAR:
        raise ValueError(f"bar type {bar_type} is not time-based: no return frequency for it")
    unit, per_year = PER_YEAR[spec.aggregation]
    name = unit if spec.step == 1 else f"{spec.step}-{unit}"
    periods = (days if per_year is None else per_year) / spec.step
    return ReturnFrequency(name, periods, calendar, f"one per {spec} bar")


def daily_returns(equity: pd.Series) -> pd.Series:
    """Simple returns of the last equity of each UTC day (the first day against its first value)."""
    if equity.empty:
        return pd.Series(dtype=float)
    daily = equity.resample("1D").last().dropna()
    previous = daily.shift(1)
    previous.iloc[0] = equity.iloc[0]
    returns = daily / previous - 1.0
    returns.index = returns.index.tz_localize(None)
    return returns
