"""Research statistics: how much a Sharpe ratio can be trusted, and what the trades looked like.

- `probabilistic_sharpe_ratio` (Bailey & López de Prado, 2012): the probability that the true
  Sharpe ratio exceeds a benchmark, given the sample's length, skewness and kurtosis.
- `deflated_sharpe_ratio` (Bailey & López de Prado, 2014): the PSR against the Sharpe ratio the
  best of `n_trials` unskilled strategies would show by luck (`expected_max_sharpe`), so a study
  that tried many configurations must clear a higher bar.
- `bootstrap_ci`: a percentile bootstrap confidence interval for any statistic (multi-seed runs).
- `trade_stats`: orders, fills, round trips, turnover, exposure, hit rate and average holding
  time from Nautilus' fills report, its closed positions and the sampled position series.

- `performance_figures`: return, CAGR, volatility, Sharpe, Sortino, Calmar, drawdown and PSR of
  one equity curve, annualised at its `ReturnFrequency`, with the reason for every NaN.

Sharpe ratios in the PSR/DSR are per period (not annualised): the formulas are stated per
observation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

from nautilus_rl_lab.evaluation.frequency import ReturnFrequency
from nautilus_rl_lab.validation import check_minimum

EULER_GAMMA = 0.5772156649015329
ANNUALISED = ("cagr_%", "volatility_%", "sharpe", "sortino", "calmar")
FIGURES = ("total_return_%", *ANNUALISED, "max_drawdown_%", "final_equity", "psr")
_NORMAL = NormalDist()


def _clean(returns: Sequence[float] | pd.Series | np.ndarray) -> np.ndarray:
    values = np.asarray(returns, dtype=np.float64).reshape(-1)
    return values[np.isfinite(values)]


def sharpe_ratio(
    returns: Sequence[float] | pd.Series | np.ndarray, periods_per_year: float = 1.0
) -> float:
    """Sharpe ratio (mean over sample standard deviation, times the root of `periods_per_year`;
    1: per period); 0 when undefined. The package's one Sharpe computation."""
    values = _clean(returns)
    if values.size < 2:
        return 0.0
    std = values.std(ddof=1)
    return float(values.mean() / std * math.sqrt(periods_per_year)) if std > 0 else 0.0


def probabilistic_sharpe_ratio(
    returns: Sequence[float] | pd.Series | np.ndarray, benchmark_sharpe: float = 0.0
) -> float:
    """P(true per-period Sharpe > `benchmark_sharpe`) from the sample's moments; NaN if < 3 returns.

    PSR = Phi((SR - SR*) * sqrt(n - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR**2)), g3 skewness,
    g4 kurtosis (not excess), moments of the sample with population normalisation as in the paper.
    """
    values = _clean(returns)
    n = values.size
    if n < 3:
        return math.nan
    sr = sharpe_ratio(values)
    centred = values - values.mean()
    m2 = float(np.mean(centred**2))
    if m2 == 0:
        return math.nan
    skew = float(np.mean(centred**3)) / m2**1.5
    kurt = float(np.mean(centred**4)) / m2**2
    variance = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr**2
    if variance <= 0:
        return math.nan
    return _NORMAL.cdf((sr - benchmark_sharpe) * math.sqrt(n - 1) / math.sqrt(variance))


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected largest per-period Sharpe among `n_trials` skill-less trials (the DSR's benchmark).

    E[max SR] ~ sqrt(V) * ((1 - g) * Z(1 - 1/N) + g * Z(1 - 1/(N e))), Z the inverse normal CDF and
    g the Euler-Mascheroni constant.
    """
    check_minimum("n_trials", n_trials, 1)
    check_minimum("sharpe_variance", sharpe_variance, 0)
    if n_trials == 1 or sharpe_variance == 0:
        return 0.0
    inv = _NORMAL.inv_cdf
    return math.sqrt(sharpe_variance) * (
        (1.0 - EULER_GAMMA) * inv(1.0 - 1.0 / n_trials)
        + EULER_GAMMA * inv(1.0 - 1.0 / (n_trials * math.e))
    )


def deflated_sharpe_ratio(
    returns: Sequence[float] | pd.Series | np.ndarray,
    n_trials: int,
    sharpe_variance: float,
) -> float:
    """PSR against the expected best Sharpe of `n_trials` trials whose Sharpes vary by `sharpe_variance`."""
    return probabilistic_sharpe_ratio(returns, expected_max_sharpe(n_trials, sharpe_variance))


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    statistic: Callable[[np.ndarray], float] = np.mean,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2_000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic` over `values` (e.g. out-of-sample returns of N seeds)."""
    if not 0 < confidence < 1:
        raise ValueError(f"`confidence` must be in (0, 1), was {confidence}")
    data = _clean(values)
    if data.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    samples = rng.choice(data, size=(n_resamples, data.size), replace=True)
    estimates = np.array([statistic(row) for row in samples], dtype=np.float64)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(estimates, [alpha, 1.0 - alpha])
    return float(low), float(high)


def trade_stats(
    fills: pd.DataFrame,
    round_trips: pd.DataFrame,
    position: pd.Series,
    equity: pd.Series,
) -> dict[str, float]:
    """Orders, fills, round trips, turnover, exposure, hit rate and holding time of one backtest.

    `fills` is Nautilus' fills report (indexed by client order id: an order filled in two
    parts is one order and two fills), `round_trips` the closed positions (`pnl`,
    `duration_ns`; Nautilus' `PositionClosed` events, flips included), `position`/`equity` the
    series sampled at every decision bar. Turnover is traded notional (quote currency) over
    mean equity (account currency; equal for the usual quote-currency account); exposure the
    share of decision bars with an open position; hit rate the share of round trips with a
    positive realised P&L; holding time their mean duration in hours (NaN without round trips).
    """
    turnover = 0.0
    if len(fills) and not equity.empty and equity.mean() > 0:
        notional = (fills["last_qty"].astype(float) * fills["last_px"].astype(float)).sum()
        turnover = float(notional / equity.mean())
    exposure = float((position.abs() > 0).mean()) if len(position) else 0.0
    hit_rate = holding_hours = math.nan
    if len(round_trips):
        hit_rate = float((round_trips["pnl"] > 0).mean())
        holding_hours = float(round_trips["duration_ns"].mean() / 3.6e12)
    return {
        "orders": float(fills.index.nunique()),
        "fills": float(len(fills)),
        "round_trips": float(len(round_trips)),
        "turnover": turnover,
        "exposure": exposure,
        "hit_rate": hit_rate,
        "avg_holding_hours": holding_hours,
    }


def round_trips_frame(trips: Sequence[tuple[int, float, int]]) -> pd.DataFrame:
    """`(ts_closed, pnl, duration_ns)` tuples as a frame indexed by UTC close time."""
    frame = pd.DataFrame(list(trips), columns=["ts_closed", "pnl", "duration_ns"])
    frame.index = pd.to_datetime(frame.pop("ts_closed"), utc=True)
    return frame


def performance_figures(
    equity: pd.Series, returns: pd.Series, frequency: ReturnFrequency
) -> tuple[dict[str, float], dict[str, str]]:
    """Return, risk and risk-adjusted figures of one equity curve, and why any is NaN.

    `returns` are `equity`'s returns at `frequency` (`backtest.daily_returns`), annualised
    with its `periods_per_year`: Sharpe (mean over sample std), Sortino (mean over the root
    mean square of the losses), volatility (%), CAGR (%, compounded over `n / periods_per_year`
    years), Calmar (CAGR over the max drawdown) and the PSR of the per-period Sharpe. A
    figure the window is too short for (or that is undefined, e.g. no losses for Sortino) is
    NaN, and the second dict gives the reason, e.g. "needs ≥ 2 daily returns, has 1".
    """
    values = _clean(returns)
    n, periods = values.size, frequency.periods_per_year
    figures = dict.fromkeys(FIGURES, math.nan)
    notes: dict[str, str] = {}
    if equity.empty:
        return figures, dict.fromkeys(figures, "no equity samples")
    peak = equity.cummax()
    drawdown = float(((equity - peak) / peak).min() * 100.0)
    figures.update(
        {
            "total_return_%": float((equity.iloc[-1] / equity.iloc[0] - 1.0) * 100.0),
            "max_drawdown_%": drawdown,
            "final_equity": float(equity.iloc[-1]),
            "psr": probabilistic_sharpe_ratio(values),
        }
    )
    if n < 3:
        notes["psr"] = frequency.needs(3, n)
    if n < 2:
        notes.update(dict.fromkeys(ANNUALISED, frequency.needs(2, n)))
        return figures, notes
    mean, std = float(values.mean()), float(values.std(ddof=1))
    downside = math.sqrt(float(np.sum(np.minimum(values, 0.0) ** 2)) / n)
    growth = float(equity.iloc[-1] / equity.iloc[0])
    cagr = (growth ** (periods / n) - 1.0) * 100.0 if growth > 0 else -100.0
    figures.update({"volatility_%": std * math.sqrt(periods) * 100.0, "cagr_%": cagr})
    name = frequency.name
    if std > 0 or mean == 0:  # a flat curve: 0
        figures["sharpe"] = sharpe_ratio(values, periods)
    else:
        notes["sharpe"] = f"{name} returns never vary"
    figures["sortino"] = _ratio(
        mean, downside, periods, notes, "sortino", f"no losing {name} return"
    )
    if drawdown < 0:
        figures["calmar"] = cagr / -drawdown
    else:
        notes["calmar"] = "no drawdown"
    if math.isnan(figures["psr"]) and "psr" not in notes:
        notes["psr"] = f"undefined for these {frequency.name} returns (no variance)"
    return figures, notes


def _ratio(
    mean: float, scale: float, periods: float, notes: dict[str, str], key: str, why: str
) -> float:
    """Annualised `mean / scale`; 0 for a flat curve, NaN (with `why` in `notes`) if `scale` is 0."""
    if scale > 0:
        return mean / scale * math.sqrt(periods)
    if mean == 0:
        return 0.0
    notes[key] = why
    return math.nan
