"""The built-in scenarios and a registry for user-defined ones.

`builtin_scenarios(n_bars)` builds the built-ins for a market length (default 1,500 bars, 300
with `NRL_FAST=1`); each one's `description` states the property it shows, which
`tests/scenarios/test_builtins.py` checks. Trend drifts scale with `sqrt(n_bars)` so a trend
drifts `TREND_SIGMAS` standard deviations of noise in expectation whatever the length. `register_scenario` adds a user's
`ScenarioConfig`; `get_scenario`/`scenario_names` see both.

`builtin_portfolio_scenarios(n_assets, n_bars)` builds the portfolio ones: `correlated_market`
markets of `n_assets` assets (pairwise correlation `CALM_CORRELATION`) changed over one
stretch mid-way, each description stating its property (`tests/scenarios/test_builtins.py`
measures it): a crash (correlation `CRASH_CORRELATION`, volatility `CRASH_VOLATILITY` times,
every asset drifting down), a dispersion (correlation 0, even assets drifting up, odd ones
down) and a halt (the last asset has no bars: the aligned clock does not trade it).
"""

from __future__ import annotations

import math

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.fast import fast_mode
from nautilus_rl_lab.scenarios.config import SAMPLE, ScenarioConfig, TransformConfig
from nautilus_rl_lab.validation import check_known, check_minimum

DEFAULT_BARS = 1_500
FAST_BARS = 300
VOLATILITY = 0.001  # per 1-hour bar, roughly EUR/USD
TREND_SIGMAS = 4.0
QUARTERS = (
    ("2017-01-01", "2017-04-01"),
    ("2017-04-01", "2017-07-01"),
    ("2017-07-01", "2017-10-01"),
    ("2017-10-01", "2018-01-01"),
)
FLASH_DEPTH = 0.05
FLASH_RECOVERY_BARS = 10
FLASH_RECOVERY = 0.8
SPIKE_MULTIPLIER = 5.0
OUTAGE_BARS = 12
WIDE_SPREAD = 0.0010  # 10 pips, against the default 1 pip
WIDE_COMMISSION = "10.00 USD"

START_PRICE = 100.0
CALM_CORRELATION = 0.5
CRASH_CORRELATION = 0.98
CRASH_VOLATILITY = 4.0
EVENT_FRACTION = 10  # the crash and the halt last a tenth of the bars, the dispersion a third

_REGISTRY: dict[str, ScenarioConfig] = {}


def default_bars() -> int:
    """`FAST_BARS` in fast mode (`nautilus_rl_lab.fast_mode`), else `DEFAULT_BARS`."""
    return FAST_BARS if fast_mode() else DEFAULT_BARS


def builtin_scenarios(n_bars: int | None = None) -> dict[str, ScenarioConfig]:
    """The built-in scenarios for markets of about `n_bars` bars, by name."""
    n = default_bars() if n_bars is None else n_bars
    check_minimum("n_bars", n, 50, what=" for the built-in scenarios")
    drift = TREND_SIGMAS * VOLATILITY / math.sqrt(n)
    built = [
        ScenarioConfig(
            name="trend_up",
            description="GBM drifting up: the close ends over 2 noise sigmas above the open.",
            params={"n_bars": n, "drift": drift, "volatility": VOLATILITY},
            seed=1,
        ),
        ScenarioConfig(
            name="trend_down",
            description="GBM drifting down: the close ends over 2 noise sigmas below the open.",
            params={"n_bars": n, "drift": -drift, "volatility": VOLATILITY},
            seed=2,
        ),
        ScenarioConfig(
            name="mean_reversion",
            description="Ornstein-Uhlenbeck, half-life 2 bars: returns negatively autocorrelated.",
            generator="ornstein_uhlenbeck",
            params={"n_bars": n, "half_life": 2.0, "volatility": VOLATILITY},
            seed=3,
        ),
        ScenarioConfig(
            name="regime_switch",
            description="Calm flat regime and a volatile trending one (6x volatility), switching.",
            generator="regime_switching",
            params={
                "n_bars": n,
                "regimes": [[0.0, VOLATILITY / 2], [0.0003, VOLATILITY * 3]],
                "mean_duration": n / 5,
            },
            seed=4,
        ),
        ScenarioConfig(
            name="volatility_spike",
            description=f"GBM whose volatility is {SPIKE_MULTIPLIER:g}x for a tenth of the bars mid-way.",
            generator="volatility_spike",
            params={
                "n_bars": n,
                "volatility": VOLATILITY,
                "spike_bars": n // 10,
                "multiplier": SPIKE_MULTIPLIER,
            },
            seed=5,
        ),
        ScenarioConfig(
            name="flash_crash",
            description=(
                f"A {FLASH_DEPTH:.0%} drop inside the middle bar, {FLASH_RECOVERY:.0%} of it "
                f"regained within {FLASH_RECOVERY_BARS} bars."
            ),
            generator="flash_crash",
            params={
                "n_bars": n,
                "volatility": VOLATILITY,
                "depth": FLASH_DEPTH,
                "recovery_bars": FLASH_RECOVERY_BARS,
                "recovery": FLASH_RECOVERY,
            },
            seed=6,
        ),
        ScenarioConfig(
            name="weekend_gap",
            description="GBM without FX weekend bars: Monday opens away from Friday's close.",
            params={"n_bars": n * 7 // 5, "volatility": VOLATILITY, "start": "2020-01-06"},
            seed=7,
            transforms=(TransformConfig(name="with_gaps", params={"weekends": True}),),
        ),
        ScenarioConfig(
            name="wide_spread",
            description=(
                f"Illiquid: stale bars, {WIDE_SPREAD / 0.0001:g}-pip spread, fills slip a tick "
                f"half the time, {WIDE_COMMISSION} per order."
            ),
            params={"n_bars": n, "volatility": VOLATILITY},
            seed=8,
            transforms=(
                TransformConfig(
                    name="low_liquidity",
                    params={"volume_scale": 0.01, "stale_fraction": 0.3, "seed": 8},
                ),
            ),
            spread=WIDE_SPREAD,
            prob_slippage=0.5,
            commission=WIDE_COMMISSION,
        ),
        ScenarioConfig(
            name="data_outage",
            description=f"GBM with {OUTAGE_BARS} consecutive bars missing mid-session.",
            params={"n_bars": n, "volatility": VOLATILITY},
            seed=9,
            transforms=(
                TransformConfig(
                    name="with_outage", params={"start_bar": n // 2, "n_bars": OUTAGE_BARS}
                ),
            ),
        ),
    ]
    built += [
        ScenarioConfig(
            name=f"eurusd_2017_q{i}",
            description=f"The bundled EUR/USD 1H ask bars of 2017 Q{i} (first {n} bars at most).",
            generator=SAMPLE,
            start=start,
            end=end,
            max_bars=n,
        )
        for i, (start, end) in enumerate(QUARTERS, start=1)
    ]
    return {scenario.name: scenario for scenario in built}


def builtin_portfolio_scenarios(
    n_assets: int, n_bars: int | None = None, *, freq: str = "1h", decimals: int = 2
) -> dict[str, ScenarioConfig]:
    """The built-in portfolio scenarios of `n_assets` markets of `n_bars` bars of `freq`, prices
    near `START_PRICE` with `decimals` decimals (2: any instrument's precision of 2 or more)."""
    n = default_bars() if n_bars is None else n_bars
    check_minimum("n_bars", n, 100, what=" for the built-in portfolio scenarios")
    check_minimum("n_assets", n_assets, 2, what=" (a portfolio)")
    market = {
        "n_bars": n,
        "n_assets": n_assets,
        "freq": freq,
        "volatility": VOLATILITY,
        "correlation": CALM_CORRELATION,
        "start_price": START_PRICE,
        "decimals": decimals,
    }
    short, long = n // EVENT_FRACTION, n // 3
    crash_drift = -TREND_SIGMAS * VOLATILITY * CRASH_VOLATILITY / math.sqrt(short)
    spread_drift = TREND_SIGMAS * VOLATILITY / math.sqrt(long)
    built = [
        ScenarioConfig(
            name="portfolio_crash",
            description=(
                f"Bars {n // 2}..{n // 2 + short - 1}: correlations jump to "
                f"{CRASH_CORRELATION:g}, volatility {CRASH_VOLATILITY:g}x, every asset falls."
            ),
            generator="correlated_market",
            params={
                **market,
                "event_start": n // 2,
                "event_bars": short,
                "event_correlation": CRASH_CORRELATION,
                "event_volatility": CRASH_VOLATILITY,
                "event_drift": crash_drift,
            },
            seed=21,
        ),
        ScenarioConfig(
            name="portfolio_dispersion",
            description=(
                f"Bars {n // 3}..{n // 3 + long - 1}: correlation 0, even assets trend up and "
                "odd ones down, their returns spreading apart."
            ),
            generator="correlated_market",
            params={
                **market,
                "event_start": n // 3,
                "event_bars": long,
                "event_correlation": 0.0,
                "event_drift": [spread_drift * (-1) ** i for i in range(n_assets)],
            },
            seed=22,
        ),
        ScenarioConfig(
            name="portfolio_halt",
            description=(
                f"Asset {n_assets - 1} halted: no bars {n // 2}..{n // 2 + short - 1}, not "
                "traded then; its orders wait for its next open."
            ),
            generator="correlated_market",
            params=market,
            seed=23,
            transforms=(
                TransformConfig(
                    name="with_outage",
                    params={"start_bar": n // 2, "n_bars": short},
                    asset=n_assets - 1,
                ),
            ),
        ),
    ]
    return {scenario.name: scenario for scenario in built}


def register_scenario(scenario: ScenarioConfig, *, replace: bool = False) -> ScenarioConfig:
    """Add a user-defined scenario to the registry (a built-in name is refused)."""
    if scenario.name in {**builtin_scenarios(DEFAULT_BARS), **builtin_portfolio_scenarios(2)}:
        raise ConfigError(f"`name` {scenario.name!r} is a built-in scenario: choose another name")
    if scenario.name in _REGISTRY and not replace:
        raise ConfigError(
            f"`name` {scenario.name!r} is already registered: pass replace=True to overwrite it"
        )
    _REGISTRY[scenario.name] = scenario
    return scenario


def all_scenarios(n_bars: int | None = None) -> dict[str, ScenarioConfig]:
    """Built-in (for `n_bars`) and registered scenarios, by name."""
    return {**builtin_scenarios(n_bars), **_REGISTRY}


def scenario_names() -> list[str]:
    """Names of the built-in and registered scenarios."""
    return list(all_scenarios(DEFAULT_BARS))


def get_scenario(name: str, n_bars: int | None = None) -> ScenarioConfig:
    """The built-in (for `n_bars`) or registered scenario called `name`."""
    known = all_scenarios(n_bars)
    return known[check_known("name", name, sorted(known))]
