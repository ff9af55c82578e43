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
- `seed` is the generator's seed (the `seed` of `params` is rejected: one place for it) and
  also seeds the fill model's slippage draws.
- `max_bars` keeps the first bars of the market (after transforms), to shorten a window.
- Refused up front: a `generator` that is not one of `GENERATORS` (helpers and transforms of
  `data.synthetic` are not markets), `params.n_bars` beyond `MAX_BARS`, a non-finite
  `spread`; `frame()` refuses a market whose close never moves (e.g. `decimals: 0`).
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec
import pandas as pd

from nautilus_rl_lab.config import FileConfig, LabConfig
from nautilus_rl_lab.data import synthetic
from nautilus_rl_lab.data.loaders import load_sample_eurusd
from nautilus_rl_lab.data.source import DataSourceConfig
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nodes.training import TrainingNodeConfig
from nautilus_rl_lab.nodes.venue_config import VenueConfig
from nautilus_rl_lab.nodes.venue_models import ImportableFeeModelConfig, ImportableFillModelConfig
from nautilus_rl_lab.nt.model import Currency
from nautilus_rl_lab.validation import check_known, check_minimum

SAMPLE = "sample"
GENERATORS = (
    "gbm", "ornstein_uhlenbeck", "regime_switching", "jump_diffusion", "flash_crash",
    "volatility_spike",
)  # fmt: skip
#: Generated bars a scenario may ask for (about a century of hours): more is a typo, refused
#: before generating for half a minute.
MAX_BARS = 1_000_000
TRANSFORMS = ("with_gaps", "with_outage", "low_liquidity")
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
_MONEY = re.compile(r"^(\d+(\.\d+)?) ([A-Z]{3})$")


def _check_finite(field: str, params: dict[str, Any]) -> None:
    """Refuse a NaN or infinite number among generator/transform `params`."""
    for key, value in params.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"`{field}.{key}` must be a finite number, was {value}")


class TransformConfig(LabConfig, frozen=True, forbid_unknown_fields=True):
    """One frame transform of `nautilus_rl_lab.data.synthetic` (`name`) with its keyword `params`."""

    name: str
    params: dict[str, Any] = {}

    def __post_init__(self) -> None:
        _check_finite("transforms.params", self.params)
        check_known("transforms.name", self.name, TRANSFORMS)


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
        if self.generator != SAMPLE and self.generator not in GENERATORS:
            raise ConfigError(
                f"`generator` {self.generator!r} is neither 'sample' nor a generator of "
                f"nautilus_rl_lab.data.synthetic: use one of {GENERATORS}"
            )
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
            if match is None or Currency.from_str(match.group(3), strict=True) is None:
                raise ConfigError(
                    f"`commission` must be an amount and a currency code such as '5.00 USD', "
                    f"was {self.commission!r}"
                )

    def frame(self) -> pd.DataFrame:
        """The scenario's validated OHLCV bars (same config -> same frame)."""
        if self.generator == SAMPLE:
            frame = load_sample_eurusd()
            if self.start is not None:
                frame = frame[frame.index >= pd.Timestamp(self.start, tz="UTC")]
            if self.end is not None:
                frame = frame[frame.index < pd.Timestamp(self.end, tz="UTC")]
        else:
            frame = getattr(synthetic, self.generator)(**self.params, seed=self.seed)
        for transform in self.transforms:
            frame = getattr(synthetic, transform.name)(frame, **transform.params)
        if self.max_bars is not None:
            frame = frame.iloc[: self.max_bars]
        if len(frame) < 2:
            raise ConfigError(f"scenario {self.name!r} has {len(frame)} bars: it needs at least 2")
        if frame["close"].nunique() == 1:
            raise ConfigError(
                f"scenario {self.name!r} has a constant price {frame['close'].iloc[0]} over all "
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

    def node_config(self, base: TrainingNodeConfig | None = None) -> TrainingNodeConfig:
        """`base` (default `TrainingNodeConfig()`) trading this scenario's bars on its venue."""
        base = base or TrainingNodeConfig()
        spread, spread_bps = base.data.spread, base.data.spread_bps
        if self.spread is not None:
            spread, spread_bps = self.spread, None
        data = DataSourceConfig(
            kind="frame", spread=spread, spread_bps=spread_bps, price_side=base.data.price_side
        )
        return msgspec.structs.replace(base, data=data, venue=self.venue(base.venue))
