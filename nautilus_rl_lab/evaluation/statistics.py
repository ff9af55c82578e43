"""Research statistics: how much a Sharpe ratio can be trusted, and what the trades looked like.

- `probabilistic_sharpe_ratio` (Bailey & López de Prado, 2012): the probability that the true
  Sharpe ratio exceeds a benchmark, given the sample's length, skewness and kurtosis.
- `deflated_sharpe_ratio` (Bailey & López de Prado, 2014): the PSR against the Sharpe ratio the
  best of `n_trials` unskilled strategies would show by luck (`expected_max_sharpe`), so a study
  that tried many configurations must clear a higher bar.
- `bootstrap_ci`: a percentile bootstrap confidence interval for any statistic (multi-seed runs).
- `trade_stats`: trades, turnover, exposure, hit rate and average holding time from Nautilus'
  fills and positions reports and the sampled position series.

Sharpe ratios here are per period (not annualised): the formulas are stated per observation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()


def _clean(returns: Sequence[float] | pd.Series | np.ndarray) -> np.ndarray:
    values = np.asarray(returns, dtype=np.float64).reshape(-1)
    return values[np.isfinite(values)]


def sharpe_ratio(returns: Sequence[float] | pd.Series | np.ndarray) -> float:
    """Per-period Sharpe ratio (mean over sample standard deviation); 0 when undefined."""
    values = _clean(returns)
    if values.size < 2:
        return 0.0
    std = values.std(ddof=1)
    return float(values.mean() / std) if std > 0 else 0.0


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
    if n_trials < 1:
        raise ValueError(f"`n_trials` must be >= 1, was {n_trials}")
    if sharpe_variance < 0:
        raise ValueError(f"`sharpe_variance` must be >= 0, was {sharpe_variance}")
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
    """Trades, turnover, exposure, hit rate and average holding time of one backtest.

    `fills` is Nautilus' fills report, `round_trips` the closed positions (`pnl`,
    `duration_ns`; Nautilus' `PositionClosed` events, flips included), `position`/`equity` the
    series sampled at every decision bar. Turnover is traded notional (quote currency) over
    mean equity (account currency; equal for the usual quote-currency account); exposure the
    share of decision bars with an open position; hit rate the share of round trips with a
    positive realised P&L; holding time their mean duration in hours (NaN without round trips).
    """
    trades = float(len(fills))
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
        "trades": trades,
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
