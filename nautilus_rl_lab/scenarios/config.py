"""`ScenarioConfig`: a named, seeded market scenario as a small frozen config.

A scenario is a market (a generator of `nautilus_rl_lab.data.synthetic` with its params and
seed, or a window of the bundled EUR/USD sample), optional frame transforms (`with_gaps`,
`with_outage`, `low_liquidity`, ...) and venue overrides (quote spread, Nautilus `FillModel`
slippage probability, a fixed commission per order through Nautilus' `FixedFeeModel`). It
round-trips through YAML/JSON (`to_file`/`from_file`), so a scenario file reproduces its bars
and venue exactly.

Decisions:

- The scenario does not trade: `node_config(base)` returns the base `TrainingNodeConfig` with
  the scenario's data (`kind="frame"`) and venue, and `frame()` the bars, which the caller hands
  to `evaluation.run_backtest`. Instrument, schemes and execution timing stay those of `base`,
  so a saved agent meets the observation it was trained on.
- A portfolio scenario (`generator: correlated_market`, `params.n_assets` assets drawn jointly
  from `seed`) makes one frame per asset (`frames()`); a transform with an `asset` index
  changes that asset only (e.g. `with_outage` on one asset: a trading halt). Its
  `node_config(base)` needs a portfolio `base` of as many `instruments`, in the same order.
- `seed` is the generator's seed (the `seed` of `params` is rejected: one place for it) and
  also seeds the fill model's slippage draws.
- `max_bars` keeps the first bars of the market (after transforms), to shorten a window.
- Refused up front: a `generator` that is not one of `GENERATORS` or `PORTFOLIO_GENERATORS` (helpers and transforms of
  `data.synthetic` are not markets), `params.n_bars` beyond `MAX_BARS`, a non-finite
  `spread`; `frame()` refuses a market whose close never moves (e.g. `decimals: 0`).
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec
import pandas as pd
from msgspec import UNSET, UnsetType

from nautilus_rl_lab.config import FileConfig, LabConfig
from nautilus_rl_lab.data import synthetic
from nautilus_rl_lab.data.loaders import load_sample_eurusd
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nodes.venue_models import ImportableFeeModelConfig, ImportableFillModelConfig
from nautilus_rl_lab.nt.names import known_currency
from nautilus_rl_lab.validation import check_known, check_minimum

SAMPLE = "sample"
GENERATORS = (
    "gbm", "ornstein_uhlenbeck", "regime_switching", "jump_diffusion", "flash_crash",
    "volatility_spike",
)  # fmt: skip
#: Generated bars a scenario may ask for (about a century of hours): more is a typo, refused
#: before generating for half a minute.
MAX_BARS = 1_000_000
#: Generators of a whole portfolio's markets: asset `i` of `params.n_assets`, same seed.
PORTFOLIO_GENERATORS = ("correlated_market",)
TRANSFORMS = ("with_gaps", "with_outage", "low_liquidity")
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
_MONEY = re.compile(r"^(\d+(\.\d+)?) ([A-Z]{3})$")


def _check_finite(field: str, params: dict[str, Any]) -> None:
    """Refuse a NaN or infinite number among generator/transform `params`."""
    for key, value in params.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"`{field}.{key}` must be a finite number, was {value}")


class TransformConfig(LabConfig, frozen=True, forbid_unknown_fields=True):
    """One frame transform of `nautilus_rl_lab.data.synthetic` (`name`) with its keyword `params`;
    `asset`: the one asset of a portfolio scenario it changes (unset: every frame)."""

    name: str
    params: dict[str, Any] = {}
    # UNSET (left out of the JSON, so single-instrument scenario files keep their bytes)
    asset: int | UnsetType = UNSET

    def __post_init__(self) -> None:
        _check_finite("transforms.params", self.params)
        check_known("transforms.name", self.name, TRANSFORMS)
        if self.asset is not UNSET:
            check_minimum("transforms.asset", self.asset, 0)

    def applies_to(self, asset: int) -> bool:
        """Whether the transform changes asset `asset`'s frame."""
        return self.asset is UNSET or self.asset == asset


class ScenarioConfig(FileConfig, frozen=True, forbid_unknown_fields=True):
    """A market scenario: generator (or `sample` window) + params + seed + venue overrides.

    `generator`: a generator of `nautilus_rl_lab.data.synthetic` (`gbm`, `flash_crash`, ...)
    called with `params` and `seed`, or `"sample"` (the bundled EUR/USD 1H bars) cut to
    `[start, end)`. `spread` (price units, `None`: the base config's), `prob_slippage`
    (Nautilus `FillModel`: probability that a fill slips one tick) and `commission` (e.g.
    `"5.00 USD"` per order, Nautilus `FixedFeeModel`; `None`: the base venue's fee model).
    """

    name: str
    description: str
    generator: str = "gbm"
    params: dict[str, Any] = {}
    seed: int = 0
    start: str | None = None
    end: str | None = None
    transforms: tuple[TransformConfig, ...] = ()
    max_bars: int | None = None
    spread: float | None = None
    prob_slippage: float = 0.0
    commission: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ConfigError(
                f"`name` {self.name!r} must be letters, digits, '_' or '-' (it names files)"
            )
        known = (*GENERATORS, *PORTFOLIO_GENERATORS)
        if self.generator != SAMPLE and self.generator not in known:
            raise ConfigError(
                f"`generator` {self.generator!r} is neither 'sample' nor a generator of "
                f"nautilus_rl_lab.data.synthetic: use one of {known}"
            )
        self._check_assets()
        n_bars = self.params.get("n_bars")
        if n_bars is not None and not (
            isinstance(n_bars, int) and not isinstance(n_bars, bool) and 2 <= n_bars <= MAX_BARS
        ):
            raise ConfigError(
                f"`params.n_bars` must be a whole number of bars in [2, {MAX_BARS:_}], was {n_bars!r}"
            )
        _check_finite("params", self.params)
        if self.generator == SAMPLE and self.params:
            raise ConfigError("`params` must be empty for the 'sample' generator (use start/end)")
        if "seed" in self.params:
            raise ConfigError("`params.seed` is not allowed: set the scenario's `seed` field")
        for field in ("start", "end"):
            value = getattr(self, field)
            if value is not None:
                try:
                    pd.Timestamp(value)
                except (ValueError, TypeError) as e:
                    raise ConfigError(
                        f"`{field}` must be a date such as '2017-04-01', was {value!r}"
                    ) from e
        check_minimum("max_bars", self.max_bars, 2, optional=True)
        if self.spread is not None and not (math.isfinite(self.spread) and self.spread >= 0):
            raise ConfigError(
                f"`spread` must be a finite number >= 0 (price units) or None, was {self.spread}"
            )
        if not 0.0 <= self.prob_slippage <= 1.0:
            raise ConfigError(f"`prob_slippage` must be in [0, 1], was {self.prob_slippage}")
        if self.commission is not None:
            match = _MONEY.match(self.commission)
            if match is None or known_currency(match.group(3)) is None:
                raise ConfigError(
                    f"`commission` must be an amount and a currency code such as '5.00 USD', "
                    f"was {self.commission!r}"
                )

    @property
    def portfolio(self) -> bool:
        """Whether the scenario is a portfolio's markets (one frame per asset, `frames()`)."""
        return self.generator in PORTFOLIO_GENERATORS

    @property
    def n_assets(self) -> int:
        """The number of markets the scenario makes (1 unless a portfolio scenario)."""
        return int(self.params["n_assets"]) if self.portfolio else 1

    def _check_assets(self) -> None:
        """Refuse a portfolio scenario without a whole `n_assets` >= 2 (or with `asset`,
        `max_bars`), and a transform's `asset` outside the scenario's assets."""
        if self.portfolio:
            n_assets = self.params.get("n_assets")
            if isinstance(n_assets, bool) or not isinstance(n_assets, int) or n_assets < 2:
                raise ConfigError(
                    f"`params.n_assets` must be a whole number >= 2 for the portfolio generator "
                    f"{self.generator!r} (one market per instrument), was {n_assets!r}"
                )
            if "asset" in self.params:
                raise ConfigError(
                    "`params.asset` is not allowed: a portfolio scenario makes every asset"
                )
            if self.max_bars is not None:
                raise ConfigError(
                    "`max_bars` cuts one market's bars; a portfolio scenario's markets are cut "
                    "by `params.n_bars`: unset `max_bars`"
                )
        for transform in self.transforms:
            if transform.asset is not UNSET and transform.asset >= self.n_assets:
                raise ConfigError(
                    f"`transforms.asset` {transform.asset} is not an asset of scenario "
                    f"{self.name!r}: it has {self.n_assets} (indices 0 .. {self.n_assets - 1})"
                )

    def frames(self) -> list[pd.DataFrame]:
        """Every asset's validated OHLCV bars, in asset order (one frame unless a portfolio)."""
        if not self.portfolio:
            return [self.frame()]
        generate = getattr(synthetic, self.generator)
        return [
            self._finish(generate(**self.params, asset=i, seed=self.seed), i, f" asset {i}")
            for i in range(self.n_assets)
        ]

    def frame(self) -> pd.DataFrame:
        """The scenario's validated OHLCV bars (same config -> same frame)."""
        if self.portfolio:
            raise ConfigError(
                f"scenario {self.name!r} is a portfolio of {self.n_assets} markets: use frames()"
            )
        if self.generator == SAMPLE:
            frame = load_sample_eurusd()
            if self.start is not None:
                frame = frame[frame.index >= pd.Timestamp(self.start, tz="UTC")]
            if self.end is not None:
                frame = frame[frame.index < pd.Timestamp(self.end, tz="UTC")]
        else:
            frame = getattr(synthetic, self.generator)(**self.params, seed=self.seed)
        return self._finish(frame, 0, "")

    def _finish(self, frame: pd.DataFrame, asset: int, label: str) -> pd.DataFrame:
        """`frame` (asset `asset`'s, named `label` in errors) transformed, cut and checked."""
        for transform in self.transforms:
            if transform.applies_to(asset):
                frame = getattr(synthetic, transform.name)(frame, **transform.params)
        if self.max_bars is not None:
            frame = frame.iloc[: self.max_bars]
        if len(frame) < 2:
            raise ConfigError(
                f"scenario {self.name!r}{label} has {len(frame)} bars: it needs at least 2"
            )
        if frame["close"].nunique() == 1:
            raise ConfigError(
                f"scenario {self.name!r}{label} has a constant price {frame['close'].iloc[0]} over all "
                f"{len(frame)} bars (`params.decimals` {self.params.get('decimals', 'default')} "
                "rounds every price to it?): there is nothing to trade; keep more decimals"
            )
        return frame

    def venue(self, base: VenueConfig) -> VenueConfig:
        """`base` with this scenario's fill and fee models (unchanged where none is set)."""
        changes: dict[str, Any] = {}
        if self.prob_slippage > 0:
            changes["fill_model"] = ImportableFillModelConfig(
                fill_model_path="nautilus_trader.backtest.models:FillModel",
                config_path="nautilus_trader.backtest.config:FillModelConfig",
                config={"prob_slippage": self.prob_slippage, "random_seed": self.seed},
            )
        if self.commission is not None:
            changes["fee_model"] = ImportableFeeModelConfig(
                fee_model_path="nautilus_trader.backtest.models:FixedFeeModel",
                config_path="nautilus_trader.backtest.config:FixedFeeModelConfig",
                config={"commission": self.commission},
            )
        return msgspec.structs.replace(base, **changes)

    def _frame_source(self, data: DataSourceConfig) -> DataSourceConfig:
        """A `frame` source quoted as `data` is (or at this scenario's `spread`)."""
        spread, spread_bps = data.spread, data.spread_bps
        if self.spread is not None:
            spread, spread_bps = self.spread, None
        return DataSourceConfig(
            kind="frame", spread=spread, spread_bps=spread_bps, price_side=data.price_side
        )

    def node_config(self, base: TrainingNodeConfig | None = None) -> TrainingNodeConfig:
        """`base` (default `TrainingNodeConfig()`) trading this scenario's bars on its venue;
        a portfolio scenario needs a portfolio `base` of `n_assets` instruments."""
        base = base or TrainingNodeConfig()
        venue = self.venue(base.venue)
        if self.portfolio != bool(base.assets) or (
            self.portfolio and len(base.assets) != self.n_assets
        ):
            held = f"{len(base.assets)} `instruments`" if base.assets else "one instrument"
            raise ConfigError(
                f"scenario {self.name!r} makes {self.n_assets} market(s) but the base config "
                f"trades {held}: run portfolio scenarios of as many assets on a portfolio base, "
                "single-market scenarios on a single-instrument base"
            )
        if self.portfolio:
            assets = [
                msgspec.structs.replace(asset, data=self._frame_source(asset.data))
                for asset in base.assets
            ]
            return msgspec.structs.replace(base, instruments=assets, venue=venue)
        return msgspec.structs.replace(base, data=self._frame_source(base.data), venue=venue)
