"""Reward schemes on the account's mark-to-market equity (after Nautilus' real fees and fills).

The maths are pure functions so tests check them without an engine; the scheme classes only
keep the state between steps.
"""

from __future__ import annotations

import math

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.base import MarketState, RewardScheme

PERCENT = 100.0


def equity_change(previous: float, current: float, initial: float) -> float:
    """Equity change in percent of the episode's initial equity."""
    return (current - previous) / initial * PERCENT


def log_return(previous: float, current: float) -> float:
    """Log return of equity in percent; ruin (equity <= 0) gives a large negative reward."""
    if previous <= 0 or current <= 0:
        return -PERCENT
    return math.log(current / previous) * PERCENT


def differential_sharpe(ret: float, a: float, b: float, eta: float) -> tuple[float, float, float]:
    """Moody & Saffell's differential Sharpe ratio for return `ret`.

    `a`, `b` are the exponential moving first and second moments before this step; returns
    `(d_sharpe, a_new, b_new)`.
    """
    delta_a = ret - a
    delta_b = ret * ret - b
    variance = b - a * a
    d = 0.0 if variance <= 1e-12 else (b * delta_a - 0.5 * a * delta_b) / variance**1.5
    return d, a + eta * delta_a, b + eta * delta_b


def drawdown(equity: float, peak: float) -> float:
    """Drawdown from `peak` as a fraction in [0, 1]."""
    return 0.0 if peak <= 0 else max(0.0, (peak - equity) / peak)


class EquityChange(RewardScheme):
    """Change of equity since the last step, in percent of the initial equity."""

    def reset(self, state: MarketState) -> None:
        self._initial = state.equity
        self._previous = state.equity

    def reward(self, state: MarketState) -> float:
        r = equity_change(self._previous, state.equity, self._initial)
        self._previous = state.equity
        return r


class LogReturn(RewardScheme):
    """Log return of equity over the step, in percent."""

    def reset(self, state: MarketState) -> None:
        self._previous = state.equity

    def reward(self, state: MarketState) -> float:
        r = log_return(self._previous, state.equity)
        self._previous = state.equity
        return r


class DifferentialSharpe(RewardScheme):
    """Differential Sharpe ratio of the step's equity return (online risk-adjusted reward)."""

    def __init__(self, eta: float = 0.01) -> None:
        if not 0 < eta < 1:
            raise ConfigError(f"`eta` must be in (0, 1), was {eta}")
        self.eta = eta

    def reset(self, state: MarketState) -> None:
        self._previous = state.equity
        self._a = 0.0
        self._b = 0.0

    def reward(self, state: MarketState) -> float:
        ret = log_return(self._previous, state.equity)
        self._previous = state.equity
        d, self._a, self._b = differential_sharpe(ret, self._a, self._b, self.eta)
        return d


class DrawdownPenalised(RewardScheme):
    """Equity change minus `penalty` times the increase in drawdown over the step."""

    def __init__(self, penalty: float = 1.0) -> None:
        if penalty < 0:
            raise ConfigError(f"`penalty` must be >= 0, was {penalty}")
        self.penalty = penalty

    def reset(self, state: MarketState) -> None:
        self._initial = self._previous = self._peak = state.equity
        self._drawdown = 0.0

    def reward(self, state: MarketState) -> float:
        r = equity_change(self._previous, state.equity, self._initial)
        self._peak = max(self._peak, state.equity)
        dd = drawdown(state.equity, self._peak)
        r -= self.penalty * max(0.0, dd - self._drawdown) * PERCENT
        self._previous, self._drawdown = state.equity, dd
        return r
