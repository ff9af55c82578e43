"""Portfolio baselines as `Agent`s: skfolio's classic allocations, buy-and-hold and random weights.

Each baseline is a rule agent run through `PortfolioRLAgent` + `PortfolioAgentStrategy`, so it
trades through the same engine, costs and risk rules as a trained policy. It rebalances every
`rebalance_every` decisions (holds in between: action `None`) to weights fitted by skfolio
(BSD-3; `EqualWeighted`, `InverseVolatility`, `MeanRisk` (minimum variance), `RiskBudgeting`
(risk parity), `HierarchicalRiskParity`) on the daily returns of the closes it has seen up to
that decision, the last `lookback` of them (`None`: all; equal weights until there are twice
as many returns as instruments), plus an optional `history` of prices
from before the run (the training range). Never later prices: the bars arrive through
`observe_bar` in time order, and a `history` reaching the run's first bar is refused. Only the
days on which every instrument has a close count (no price is carried over a missing bar).

Actions are the target weights themselves (`ACTION`: `long_short_weights` with a gross
exposure of 1, which passes weights summing to at most 1 unchanged), times `invested` (keep a
little cash so a fully invested portfolio is not denied for margin when the next open is
higher than the close it was sized at).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nautilus_rl_lab.agents.base import Agent, read_spec, write_spec
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import Bar
from nautilus_rl_lab.schemes.config import SchemeConfig
from nautilus_rl_lab.validation import check_known, check_minimum

ACTION = SchemeConfig(name="long_short_weights", params={"max_gross": 1.0})
FITTED = ("equal_weight", "inverse_volatility", "min_variance", "risk_parity", "hrp")
METHODS = (*FITTED, "buy_and_hold", "random")


def skfolio_model(method: str) -> Any:
    """The unfitted skfolio estimator of `method` (one of `FITTED`)."""
    from skfolio.optimization import (
        EqualWeighted,
        HierarchicalRiskParity,
        InverseVolatility,
        MeanRisk,
        RiskBudgeting,
    )

    models = {
        "equal_weight": EqualWeighted,
        "inverse_volatility": InverseVolatility,
        "min_variance": MeanRisk,
        "risk_parity": RiskBudgeting,
        "hrp": HierarchicalRiskParity,
    }
    return models[method]()


def fit_weights(method: str, prices: pd.DataFrame) -> np.ndarray:
    """skfolio's `method` weights fitted on `prices`' simple returns (rows: days, columns:
    instruments; rows with a missing price dropped). Equal weights while there are fewer
    returns than twice the instruments: too few to estimate their covariance."""
    n = prices.shape[1]
    returns = prices.dropna().pct_change().dropna()
    if method == "equal_weight" or len(returns) < 2 * n:
        return np.full(n, 1.0 / n)
    model = skfolio_model(method)
    model.fit(returns.to_numpy())
    return np.asarray(model.weights_, dtype=np.float64)


class PortfolioBaseline(Agent):
    """A scheduled-rebalance allocation over the instruments `instrument_ids` (see the module)."""

    action = ACTION

    def __init__(
        self,
        instrument_ids: Sequence[str],
        method: str = "equal_weight",
        *,
        rebalance_every: int = 21,
        lookback: int | None = 252,
        invested: float = 0.98,
        history: pd.DataFrame | None = None,
        seed: int | None = None,
    ) -> None:
        self.method = check_known("method", method, METHODS)
        self.instrument_ids = [str(i) for i in instrument_ids]
        self.rebalance_every = int(check_minimum("rebalance_every", rebalance_every, 1))
        self.lookback = check_minimum("lookback", lookback, 2, optional=True)
        if not 0 < invested <= 1:
            raise ConfigError(f"`invested` must be in (0, 1], was {invested}")
        self.invested = invested
        self.history = _checked_history(history, self.instrument_ids)
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        self._closes: dict[int, dict[str, float]] = {}  # ts -> instrument -> close
        self._decisions = 0
        self._rng = np.random.default_rng(self.seed)

    def observe_bar(self, bar: Bar) -> None:
        instrument = str(bar.bar_type.instrument_id)
        ts = bar.ts_event
        if self.history is not None and not self._closes and ts <= self.history.index[-1].value:
            raise ConfigError(
                f"`history` ends at {self.history.index[-1]}, at or after the run's first bar "
                f"({pd.Timestamp(ts, tz='UTC')}): the baseline would be fitted on prices it "
                "must not know yet; end the history before the run starts"
            )
        self._closes.setdefault(ts, {})[instrument] = bar.close.as_double()

    def prices(self) -> pd.DataFrame:
        """The closes seen so far (after `history`), one row per bar time, one column per
        instrument (NaN where an instrument had no bar)."""
        seen = pd.DataFrame.from_dict(self._closes, orient="index", columns=self.instrument_ids)
        seen.index = pd.to_datetime(seen.index, utc=True)
        return seen if self.history is None else pd.concat([self.history, seen])

    def act(self, observation: np.ndarray) -> list[float] | None:
        decision, self._decisions = self._decisions, self._decisions + 1
        if self.method == "buy_and_hold" and decision:
            return None
        if decision % self.rebalance_every:
            return None
        return [float(w) for w in self.weights() * self.invested]

    def weights(self) -> np.ndarray:
        """The weights the baseline would rebalance to now."""
        n = len(self.instrument_ids)
        if self.method == "random":
            return self._rng.dirichlet(np.ones(n))
        if self.method == "buy_and_hold":
            return np.full(n, 1.0 / n)
        prices = self.prices()
        if self.lookback is not None:
            prices = prices.dropna().iloc[-int(self.lookback) - 1 :]
        return fit_weights(self.method, prices)

    def save(self, path: str | os.PathLike[str]) -> Path:
        if self.history is not None:
            raise ConfigError("a baseline with a `history` frame is not saved; rebuild it")
        return write_spec(
            path,
            self,
            instrument_ids=self.instrument_ids,
            method=self.method,
            rebalance_every=self.rebalance_every,
            lookback=self.lookback,
            invested=self.invested,
            seed=self.seed,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PortfolioBaseline:
        spec = read_spec(path)
        spec.pop("agent")
        return cls(spec.pop("instrument_ids"), **spec)


def _checked_history(
    history: pd.DataFrame | None, instrument_ids: list[str]
) -> pd.DataFrame | None:
    """`history` with a sorted UTC index and the instruments' columns, or `ConfigError`."""
    if history is None:
        return None
    missing = [i for i in instrument_ids if i not in history.columns]
    if missing:
        raise ConfigError(f"`history` has no column for {', '.join(missing)}")
    if not isinstance(history.index, pd.DatetimeIndex) or history.index.tz is None:
        raise ConfigError("`history` needs a time-zone aware DatetimeIndex (UTC)")
    return history[instrument_ids].sort_index().tz_convert("UTC")
