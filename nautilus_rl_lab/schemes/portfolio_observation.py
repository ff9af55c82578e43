"""Portfolio observation: each asset's `WindowObservation` window side by side, plus weights.

Per asset (in the env's order): its window of OHLCV returns and features
(`WindowObservation.fill`), its current weight, 1.0 if it has a bar at this decision else 0.0,
then the optional cross-sectional values; after the assets: the cash fraction and the
unrealised P&L in % of equity. Every value is bounded to the declared `Box` (`bounded`).
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import Bar
from nautilus_rl_lab.schemes.observation import CLIP, WindowObservation, bounded, pnl_percent
from nautilus_rl_lab.schemes.portfolio import PortfolioObservationScheme, PortfolioState
from nautilus_rl_lab.validation import check_choice, check_instance, check_number

LAYOUTS = ("flat", "stacked")
PORTFOLIO_VALUES = 2  # cash fraction, unrealised P&L


def _field(name: str) -> str:
    return f"observation.params.{name}"


def centred_ranks(values: np.ndarray) -> np.ndarray:
    """Each value's rank among `values` scaled to [-1, 1] (-1 the lowest, 1 the highest; ties
    share their mean rank; a single value is 0)."""
    if values.size == 1:
        return np.zeros(1)
    less = (values[None, :] < values[:, None]).sum(axis=1)
    equal = (values[None, :] == values[:, None]).sum(axis=1)
    return (2 * less + equal - 1) / (values.size - 1) - 1.0


def market_correlations(returns: np.ndarray) -> np.ndarray:
    """The Pearson correlation of each row of `returns` (an asset's returns over time) with the
    rows' mean (the equal-weighted portfolio); 0 where either has no variance."""
    r = returns.astype(np.float64)
    deviations = r - r.mean(axis=1, keepdims=True)
    market = deviations.mean(axis=0)  # the mean row's deviations from its own mean
    products = np.sqrt((deviations**2).sum(axis=1) * (market**2).sum())
    covariances = deviations @ market
    safe = np.where(products > 0, products, 1.0)
    return np.clip(np.where(products > 0, covariances / safe, 0.0), -1.0, 1.0)


class StackedWindow(PortfolioObservationScheme):
    """One `WindowObservation(window, features)` per asset, fed by `update(asset, bar)`, and
    the portfolio's weights, trading flags, cash and P&L (the module docstring).

    `rank_returns` adds each asset's rank (scaled to [-1, 1]) by its window's log return;
    `correlation` each asset's correlation of its per-bar close returns over the window with
    the equal-weighted portfolio's (the mean of the assets' returns). Both use the windows as
    observed (log returns in %, each clipped at +/- `CLIP`) and each asset's own latest
    `window` bars: aligned in time when the assets share their bar times. `layout` "flat": one
    vector (the assets' blocks, then the portfolio values); "stacked": one row per asset,
    each ending with the portfolio values (repeated), for networks that share weights
    across assets.
    """

    def __init__(
        self,
        n_assets: int,
        window: int = 32,
        features: tuple[str, ...] | list[str] = (),
        rank_returns: bool = False,
        correlation: bool = False,
        layout: str = "flat",
    ) -> None:
        super().__init__(n_assets)
        check_number(_field("window"), window, 1, integer=True)
        if not isinstance(features, list | tuple):
            raise ConfigError(
                f"`{_field('features')}` must be a list of 'name:period' strings such as "
                f"['rsi:14'], was {features!r}"
            )
        for name, flag in (("rank_returns", rank_returns), ("correlation", correlation)):
            check_instance(_field(name), flag, bool, "true/false")
        self.layout = check_choice(_field("layout"), layout, LAYOUTS)
        self.window, self.rank_returns, self.correlation = window, rank_returns, correlation
        self._assets = [WindowObservation(window, features) for _ in range(n_assets)]
        self._core = self._assets[0].window_size
        self._per_asset = self._core + 2 + rank_returns + correlation
        flat = n_assets * self._per_asset + PORTFOLIO_VALUES
        shape = (flat,) if layout == "flat" else (n_assets, self._per_asset + PORTFOLIO_VALUES)
        self._space = gym.spaces.Box(-CLIP, CLIP, shape=shape, dtype=np.float32)

    @property
    def space(self) -> gym.spaces.Box:
        return self._space

    @property
    def warmup_bars(self) -> int:
        return self._assets[0].warmup_bars

    @property
    def ready(self) -> bool:
        return all(asset.ready for asset in self._assets)

    def reset(self) -> None:
        for asset in self._assets:
            asset.reset()

    def update(self, asset: int, bar: Bar) -> None:
        if not 0 <= asset < self.n_assets:
            raise ValueError(f"asset {asset!r} is not an index of the {self.n_assets} assets")
        self._assets[asset].update(bar)

    def precompute(self, bars: Sequence[Sequence[Bar]]) -> None:
        """Each asset's `WindowObservation.precompute` on its own bar sequence."""
        if len(bars) != self.n_assets:
            raise ValueError(f"precompute got {len(bars)} bar sequences for {self.n_assets} assets")
        for asset, sequence in zip(self._assets, bars, strict=True):
            asset.precompute(sequence)

    def observe(self, state: PortfolioState) -> np.ndarray:
        n, core, per_asset = self.n_assets, self._core, self._per_asset
        if len(state.weights) != n or len(state.trading) != n:
            raise ValueError(
                f"the state has {len(state.weights)} weights and {len(state.trading)} trading "
                f"flags for {n} assets"
            )
        rows = np.empty((n, per_asset + PORTFOLIO_VALUES), dtype=np.float32)
        for i, asset in enumerate(self._assets):
            asset.fill(rows[i, :core])
        rows[:, core] = [bounded(weight) for weight in state.weights]
        rows[:, core + 1] = state.trading
        column = core + 2
        closes = rows[:, 3 : self.window * 5 : 5]  # each asset's per-bar close log returns
        if self.rank_returns:
            rows[:, column] = centred_ranks(closes.astype(np.float64).sum(axis=1))
            column += 1
        if self.correlation:
            rows[:, column] = market_correlations(closes)
        rows[:, per_asset] = bounded(state.cash_weight)
        rows[:, per_asset + 1] = pnl_percent(state.unrealized_pnl, state.equity)
        if self.layout == "stacked":
            return rows
        return np.concatenate((rows[:, :per_asset].ravel(), rows[0, per_asset:]))
