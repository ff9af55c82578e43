"""Reward schemes on the account's mark-to-market equity (after Nautilus' real fees and fills).

The maths are pure functions so tests check them without an engine; the scheme classes only
keep the state between steps. What each one optimises (by its registry name):

- `equity_change`: the episode's profit (rewards sum to the equity change in % of the start).
- `log_return`: the episode's log growth (rewards sum to the log return of equity, in %).
- `differential_sharpe`: the Sharpe ratio of step returns, online (Moody & Saffell 2001).
- `differential_sortino`: the Sortino ratio, online: mean return over downside deviation, so
  only losses count as risk (Moody & Saffell's differential downside deviation ratio).
- `calmar`: the episode's return over its maximum drawdown; step rewards are the increments
  of the running ratio, so they sum to the final Calmar-style ratio (`min_drawdown` keeps the
  ratio finite before the first drawdown).
- `drawdown_penalised`: profit minus `penalty` times every new percent of drawdown.
- `cost_penalised`: wraps any of the above (`reward`) and subtracts `cost_weight` times the
  step's commissions (% of initial equity) and `turnover_penalty` times the step's traded
  position (in units of the action scheme's position limit; in a portfolio env, the traded
  value over equity summed over the assets, `portfolio_turnover`): it optimises the wrapped
  objective net of trading costs and churn.

Every scheme takes a `MarketState` or a portfolio env's `PortfolioState`: all but
`cost_penalised`'s turnover read only `equity` and `commissions`, which both have.
"""

from __future__ import annotations

import math
from typing import Any

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes.base import MarketState, RewardScheme
from nautilus_rl_lab.schemes.config import SchemeConfig, build_scheme
from nautilus_rl_lab.schemes.portfolio import PortfolioState
from nautilus_rl_lab.validation import check_minimum

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


def differential_downside_ratio(
    ret: float, a: float, b: float, eta: float
) -> tuple[float, float, float]:
    """Moody & Saffell's differential downside deviation ratio (online Sortino) for `ret`.

    `a` is the exponential moving mean return and `b` the exponential moving mean of squared
    negative returns (the squared downside deviation) before this step; returns
    `(d_sortino, a_new, b_new)`.
    """
    dd2 = b
    if dd2 <= 1e-12:
        d = 0.0
    elif ret > 0:
        d = (ret - 0.5 * a) / math.sqrt(dd2)
    else:
        d = (dd2 * (ret - 0.5 * a) - 0.5 * a * ret * ret) / dd2**1.5
    downside = min(ret, 0.0)
    return d, a + eta * (ret - a), dd2 + eta * (downside * downside - dd2)


def calmar_ratio(equity: float, initial: float, max_drawdown: float, floor: float) -> float:
    """Return since `initial` over the maximum drawdown (both fractions; drawdown >= `floor`)."""
    return (equity / initial - 1.0) / max(max_drawdown, floor)


def drawdown(equity: float, peak: float) -> float:
    """Drawdown from `peak` as a fraction in [0, 1]."""
    return 0.0 if peak <= 0 else max(0.0, (peak - equity) / peak)


def portfolio_turnover(previous: PortfolioState, current: PortfolioState) -> float:
    """The value traded between two states over equity, summed over the assets: each asset's
    change of units times its weight per unit (now, or before if it is now flat), so price
    moves alone, which change the weights too, trade nothing."""
    turnover = 0.0
    for units, weight, old_units, old_weight in zip(
        current.positions, current.weights, previous.positions, previous.weights, strict=True
    ):
        if units != old_units:
            unit_weight = weight / units if units else old_weight / old_units
            turnover += abs((units - old_units) * unit_weight)
    return turnover


def turnover(
    previous: MarketState | PortfolioState, current: MarketState | PortfolioState
) -> float:
    """The step's traded amount: units of the position limit for a `MarketState`, value over
    equity for a `PortfolioState` (`portfolio_turnover`)."""
    if isinstance(current, MarketState) and isinstance(previous, MarketState):
        return abs(current.position - previous.position) / current.position_limit
    if isinstance(current, PortfolioState) and isinstance(previous, PortfolioState):
        return portfolio_turnover(previous, current)
    raise TypeError(f"turnover between a {type(previous).__name__} and a {type(current).__name__}")


class EquityChange(RewardScheme):
    """Change of equity since the last step, in percent of the initial equity."""

    def reset(self, state: MarketState | PortfolioState) -> None:
        self._initial = state.equity
        self._previous = state.equity

    def reward(self, state: MarketState | PortfolioState) -> float:
        r = equity_change(self._previous, state.equity, self._initial)
        self._previous = state.equity
        return r


class LogReturn(RewardScheme):
    """Log return of equity over the step, in percent."""

    def reset(self, state: MarketState | PortfolioState) -> None:
        self._previous = state.equity

    def reward(self, state: MarketState | PortfolioState) -> float:
        r = log_return(self._previous, state.equity)
        self._previous = state.equity
        return r


class DifferentialSharpe(RewardScheme):
    """Differential Sharpe ratio of the step's equity return (online risk-adjusted reward)."""

    _update = staticmethod(differential_sharpe)

    def __init__(self, eta: float = 0.01) -> None:
        if not 0 < eta < 1:
            raise ConfigError(f"`eta` must be in (0, 1), was {eta}")
        self.eta = eta

    def reset(self, state: MarketState | PortfolioState) -> None:
        self._previous = state.equity
        self._a = 0.0
        self._b = 0.0

    def reward(self, state: MarketState | PortfolioState) -> float:
        ret = log_return(self._previous, state.equity)
        self._previous = state.equity
        d, self._a, self._b = self._update(ret, self._a, self._b, self.eta)
        return d


class DrawdownPenalised(RewardScheme):
    """Equity change minus `penalty` times the increase in drawdown over the step."""

    def __init__(self, penalty: float = 1.0) -> None:
        check_minimum("penalty", penalty, 0)
        self.penalty = penalty

    def reset(self, state: MarketState | PortfolioState) -> None:
        self._initial = self._previous = self._peak = state.equity
        self._drawdown = 0.0

    def reward(self, state: MarketState | PortfolioState) -> float:
        r = equity_change(self._previous, state.equity, self._initial)
        self._peak = max(self._peak, state.equity)
        dd = drawdown(state.equity, self._peak)
        r -= self.penalty * max(0.0, dd - self._drawdown) * PERCENT
        self._previous, self._drawdown = state.equity, dd
        return r


class DifferentialSortino(DifferentialSharpe):
    """Differential Sortino (downside deviation) ratio of the step's equity return.

    The same online update as `DifferentialSharpe`, with the second moment taken over
    negative returns only (Moody & Saffell's differential downside deviation ratio).
    """

    _update = staticmethod(differential_downside_ratio)


class Calmar(RewardScheme):
    """Increment of the running return-over-max-drawdown ratio (sums to the episode's ratio)."""

    def __init__(self, min_drawdown: float = 0.01) -> None:
        if not 0 < min_drawdown < 1:
            raise ConfigError(f"`min_drawdown` must be in (0, 1), was {min_drawdown}")
        self.min_drawdown = min_drawdown

    def reset(self, state: MarketState | PortfolioState) -> None:
        self._initial = self._peak = state.equity
        self._max_drawdown = 0.0
        self._ratio = 0.0

    def reward(self, state: MarketState | PortfolioState) -> float:
        self._peak = max(self._peak, state.equity)
        self._max_drawdown = max(self._max_drawdown, drawdown(state.equity, self._peak))
        ratio = calmar_ratio(state.equity, self._initial, self._max_drawdown, self.min_drawdown)
        step, self._ratio = ratio - self._ratio, ratio
        return step


class CostPenalised(RewardScheme):
    """Any reward (`reward`: a registry name or `{"name": ..., "params": ...}`) net of costs."""

    def __init__(
        self,
        reward: str | dict[str, Any] = "log_return",
        cost_weight: float = 1.0,
        turnover_penalty: float = 0.0,
    ) -> None:
        for name, value in (("cost_weight", cost_weight), ("turnover_penalty", turnover_penalty)):
            check_minimum(f"reward.params.{name}", value, 0)
        spec = {"name": reward} if isinstance(reward, str) else reward
        try:
            config = SchemeConfig(**spec)
        except TypeError as e:
            raise ConfigError(
                f"`reward.params.reward` must be a reward name or {{name, params}}, was {reward!r}"
            ) from e
        self.base = build_reward(config)
        self.cost_weight, self.turnover_penalty = cost_weight, turnover_penalty

    def reset(self, state: MarketState | PortfolioState) -> None:
        self.base.reset(state)
        self._initial = state.equity
        self._previous = state

    def reward(self, state: MarketState | PortfolioState) -> float:
        previous, self._previous = self._previous, state
        cost = (state.commissions - previous.commissions) / self._initial * PERCENT
        traded = turnover(previous, state)
        return self.base.reward(state) - self.cost_weight * cost - self.turnover_penalty * traded


REWARD_SCHEMES: dict[str, type[RewardScheme]] = {
    "equity_change": EquityChange,
    "log_return": LogReturn,
    "differential_sharpe": DifferentialSharpe,
    "differential_sortino": DifferentialSortino,
    "calmar": Calmar,
    "drawdown_penalised": DrawdownPenalised,
    "cost_penalised": CostPenalised,
}


def build_reward(config: SchemeConfig) -> RewardScheme:
    """Instantiate the reward scheme named by `config`."""
    return build_scheme("reward", config, REWARD_SCHEMES, RewardScheme)  # type: ignore[type-abstract]
