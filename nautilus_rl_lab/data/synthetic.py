"""Seeded synthetic markets as OHLCV frames (same convention as the loaders).

Every generator simulates a log-price path on a fine grid of ``substeps`` points per
bar and reads each bar off it: ``open`` is the previous bar's close (the first bar
opens at ``start_price``), ``high``/``low`` are the path's extremes inside the bar and
``close`` its last point, so ``low <= open, close <= high`` always holds and the
intrabar range is real. Volumes are positive integers that rise with the bar's range.
Prices are rounded to ``decimals`` (monotone, so OHLC stays consistent).

Parameters shared by all generators (keyword-only):

- ``n_bars``: number of bars; ``start``: first bar's open time (UTC);
  ``freq``: bar length (``"1h"``) or a pandas calendar (``"B"``: business days, 1-day bars
  without weekends); ``seed``: same seed -> identical frame;
- ``start_price``; ``volatility``: standard deviation of the log return per bar
  (0.001 = 0.1 %, roughly EUR/USD at 1 hour).

Generators: :func:`gbm` (geometric Brownian motion), :func:`ornstein_uhlenbeck`
(log-price mean reversion with a half-life in bars; with the default half-life of 2
bars consecutive returns are clearly negatively correlated), :func:`regime_switching`
(Markov switching of drift/volatility), :func:`jump_diffusion` (Merton jumps),
:func:`flash_crash` (one sudden drop inside a bar, then a recovery),
:func:`volatility_spike` (GBM whose volatility jumps for a window of bars),
:func:`correlated_market` (one asset of a jointly drawn one-factor market, optionally with
calm/crisis regimes; :func:`correlated_markets` gives all its assets). Transformations
of any frame: :func:`with_gaps` (weekends and random missing bars), :func:`with_outage`
(one contiguous block of missing bars, a data feed outage) and
:func:`low_liquidity` (tiny volumes and stale, flat bars; the wide spread of an
illiquid market is set when making quotes: ``to_quote_ticks(..., spread=...)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from nautilus_rl_lab.data.ohlcv import INDEX_NAME, validate_ohlcv
from nautilus_rl_lab.errors import ConfigError

DEFAULT_START = "2020-01-01"


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = isinstance(value, int | float) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"`{name}` must be a finite number {bound}, was {value!r}")


def _check_fraction(name: str, value: float) -> None:
    if not isinstance(value, int | float) or not 0 <= value < 1:
        raise ConfigError(f"`{name}` must be a fraction in [0, 1), was {value!r}")


def _bar_index(start: str | pd.Timestamp, n_bars: int, freq: str) -> pd.DatetimeIndex:
    if not isinstance(n_bars, int) or isinstance(n_bars, bool) or n_bars < 1:
        raise ConfigError(f"`n_bars` must be a positive integer, was {n_bars!r}")
    first = pd.Timestamp(start)
    first = first.tz_localize("UTC") if first.tzinfo is None else first.tz_convert("UTC")
    try:
        step = pd.Timedelta(freq)
    except ValueError:
        return _calendar_index(first, n_bars, freq)
    if step <= pd.Timedelta(0):
        raise ConfigError(f"`freq` must be positive, was {freq!r}")
    return pd.DatetimeIndex(first + step * np.arange(n_bars), name=INDEX_NAME)


def _calendar_index(first: pd.Timestamp, n_bars: int, freq: str) -> pd.DatetimeIndex:
    """Bars on a pandas calendar offset such as ``"B"`` (business days: 1-day bars, no weekends);
    the first bar is ``first`` rolled forward onto the calendar."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
        index = pd.date_range(first, periods=n_bars, freq=offset, name=INDEX_NAME)
    except ValueError as e:
        raise ConfigError(
            f"`freq` must be a time span such as '1h' or a calendar such as 'B' (business days), "
            f"was {freq!r}",
        ) from e
    if n_bars > 1 and not index.is_monotonic_increasing:
        raise ConfigError(f"`freq` must be positive, was {freq!r}")
    return index


def _bars_from_path(
    log_path: np.ndarray,
    index: pd.DatetimeIndex,
    rng: np.random.Generator,
    decimals: int | None,
    volume: float,
) -> pd.DataFrame:
    """Read OHLCV bars off a fine log-price path of ``len(index) * substeps + 1`` points."""
    n_bars = len(index)
    substeps = (len(log_path) - 1) // n_bars
    prices = np.exp(log_path)
    if decimals is not None:
        prices = np.round(prices, decimals)
    ends = np.arange(n_bars + 1) * substeps
    # Each bar spans points [i*s, (i+1)*s] inclusive: it opens at the previous close.
    windows = np.lib.stride_tricks.sliding_window_view(prices, substeps + 1)[ends[:-1]]
    open_, close = prices[ends[:-1]], prices[ends[1:]]
    high, low = windows.max(axis=1), windows.min(axis=1)
    rel_range = (high - low) / np.maximum(low, np.finfo(float).tiny)
    typical = np.median(rel_range) or 1.0
    vol = volume * (0.5 + rel_range / typical) * rng.lognormal(0.0, 0.25, n_bars)
    frame = pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": np.round(vol)},
        index=index,
    )
    return validate_ohlcv(frame, "synthetic")


def _brownian_log_path(
    rng: np.random.Generator,
    n_bars: int,
    substeps: int,
    drift: np.ndarray | float,
    volatility: np.ndarray | float,
) -> np.ndarray:
    """Cumulative log returns (starting at 0) of Brownian motion on the fine grid.

    ``drift``/``volatility`` are per bar, scalars or arrays of one value per substep.
    """
    dt = 1.0 / substeps
    sigma = np.asarray(volatility, dtype=float)
    mu = np.asarray(drift, dtype=float)
    steps = (mu - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt) * rng.standard_normal(
        n_bars * substeps,
    )
    return np.concatenate([[0.0], np.cumsum(steps)])


def _setup(
    n_bars: int,
    start: str | pd.Timestamp,
    freq: str,
    seed: int | None,
    start_price: float,
    volatility: float,
    substeps: int,
) -> tuple[pd.DatetimeIndex, np.random.Generator]:
    """Check the shared parameters; return the bar index and the seeded generator."""
    index = _bar_index(start, n_bars, freq)
    _check_positive("start_price", start_price)
    _check_positive("volatility", volatility, allow_zero=True)
    if not isinstance(substeps, int) or substeps < 1:
        raise ConfigError(f"`substeps` must be a positive integer, was {substeps!r}")
    return index, np.random.default_rng(seed)


def gbm(
    n_bars: int = 1_000,
    *,
    start: str | pd.Timestamp = DEFAULT_START,
    freq: str = "1h",
    seed: int | None = None,
    start_price: float = 1.1,
    drift: float = 0.0,
    volatility: float = 0.001,
    substeps: int = 12,
    decimals: int | None = 5,
    volume: float = 1_000.0,
) -> pd.DataFrame:
    """Geometric Brownian motion; ``drift`` is the expected log return per bar.

    (Merton's :func:`jump_diffusion` without jumps.)
    """
    return jump_diffusion(
        n_bars,
        start=start,
        freq=freq,
        seed=seed,
        start_price=start_price,
        drift=drift,
        volatility=volatility,
        jump_rate=0.0,
        substeps=substeps,
        decimals=decimals,
        volume=volume,
    )


def ornstein_uhlenbeck(
    n_bars: int = 1_000,
    *,
    start: str | pd.Timestamp = DEFAULT_START,
    freq: str = "1h",
    seed: int | None = None,
    start_price: float = 1.1,
    mean_price: float | None = None,
    half_life: float = 2.0,
    volatility: float = 0.001,
    substeps: int = 12,
    decimals: int | None = 5,
    volume: float = 1_000.0,
) -> pd.DataFrame:
    """Mean-reverting log price: ``d log p = theta (log m - log p) dt + sigma dW``.

    ``half_life`` (bars) sets ``theta = ln 2 / half_life``; ``mean_price`` (default
    ``start_price``) is the level it reverts to. The process is simulated exactly on
    the fine grid, so the reversion is real at the bar scale: for half-life ``h`` the
    lag-1 autocorrelation of bar log returns is about ``-(1 - 2**(-1/h)) / 2``
    (``-0.15`` for ``h = 2``, ``-0.25`` for ``h = 1``).
    """
    index, rng = _setup(n_bars, start, freq, seed, start_price, volatility, substeps)
    _check_positive("half_life", half_life)
    mean_price = start_price if mean_price is None else mean_price
    _check_positive("mean_price", mean_price)
    theta = math.log(2.0) / half_life
    dt = 1.0 / substeps
    phi = math.exp(-theta * dt)
    shock_sd = volatility * math.sqrt((1.0 - phi**2) / (2.0 * theta))
    shocks = shock_sd * rng.standard_normal(n_bars * substeps)
    mu = math.log(mean_price)
    deviation = _ar1(math.log(start_price) - mu, phi, shocks)
    return _bars_from_path(deviation + mu, index, rng, decimals, volume)


def _ar1(x0: float, phi: float, shocks: np.ndarray, chunk: int = 256) -> np.ndarray:
    """``x[0] = x0``, ``x[k] = phi * x[k-1] + shocks[k-1]``, vectorised in chunks.

    Within a chunk ``x[j] = phi**j * (x_start + sum_{i<=j} shocks[i] / phi**i)``;
    chunks keep ``phi**-j`` far from overflow.
    """
    out = np.empty(len(shocks) + 1)
    out[0] = x0
    powers = phi ** np.arange(1, chunk + 1)
    for begin in range(0, len(shocks), chunk):
        block = shocks[begin : begin + chunk]
        p = powers[: len(block)]
        out[begin + 1 : begin + 1 + len(block)] = p * (out[begin] + np.cumsum(block / p))
    return out


def regime_labels(
    n_bars: int,
    *,
    n_regimes: int = 2,
    mean_duration: float = 200.0,
    seed: int | None = None,
) -> np.ndarray:
    """The regime of each bar as :func:`regime_switching` draws it for the same arguments.

    A Markov chain starting in regime 0 that leaves its regime with probability
    ``1 / mean_duration`` per bar, to one of the other regimes uniformly.
    """
    rng = np.random.default_rng(seed)
    return _draw_regimes(rng, n_bars, n_regimes, mean_duration)


def _draw_regimes(
    rng: np.random.Generator,
    n_bars: int,
    n_regimes: int,
    mean_duration: float,
) -> np.ndarray:
    if not isinstance(n_regimes, int) or n_regimes < 1:
        raise ConfigError(f"`n_regimes` must be a positive integer, was {n_regimes!r}")
    if not isinstance(mean_duration, int | float) or mean_duration < 1:
        raise ConfigError(f"`mean_duration` must be >= 1 bar, was {mean_duration!r}")
    switch = rng.random(n_bars) < 1.0 / mean_duration
    hops = rng.integers(1, max(n_regimes, 2), size=n_bars)
    labels = np.zeros(n_bars, dtype=np.int64)
    current = 0
    for i in range(1, n_bars):
        if switch[i] and n_regimes > 1:
            current = (current + hops[i]) % n_regimes
        labels[i] = current
    return labels


def regime_switching(
    n_bars: int = 1_000,
    *,
    start: str | pd.Timestamp = DEFAULT_START,
    freq: str = "1h",
    seed: int | None = None,
    start_price: float = 1.1,
    regimes: Sequence[tuple[float, float]] = ((0.0, 0.0005), (0.0002, 0.002)),
    mean_duration: float = 200.0,
    substeps: int = 12,
    decimals: int | None = 5,
    volume: float = 1_000.0,
) -> pd.DataFrame:
    """GBM whose ``(drift, volatility)`` per bar switches between ``regimes``.

    The default alternates a calm, flat market with a volatile, trending one; the bar
    regimes are :func:`regime_labels` with the same ``n_bars``, ``mean_duration`` and
    ``seed``.
    """
    if len(regimes) == 0:
        raise ConfigError("`regimes` must list at least one (drift, volatility) pair")
    for drift, vol in regimes:
        if not (math.isfinite(drift) and math.isfinite(vol) and vol >= 0):
            raise ConfigError(
                f"`regimes` must hold (drift, volatility) pairs with finite drift and "
                f"volatility >= 0, got {(drift, vol)!r}",
            )
    index, rng = _setup(n_bars, start, freq, seed, start_price, 0.0, substeps)
    labels = _draw_regimes(rng, n_bars, len(regimes), mean_duration)
    params = np.asarray(regimes, dtype=float)[np.repeat(labels, substeps)]
    path = math.log(start_price) + _brownian_log_path(
        rng, n_bars, substeps, params[:, 0], params[:, 1]
    )
    return _bars_from_path(path, index, rng, decimals, volume)


def jump_diffusion(
    n_bars: int = 1_000,
    *,
    start: str | pd.Timestamp = DEFAULT_START,
    freq: str = "1h",
    seed: int | None = None,
    start_price: float = 1.1,
    drift: float = 0.0,
    volatility: float = 0.001,
    jump_rate: float = 0.01,
    jump_mean: float = 0.0,
    jump_std: float = 0.01,
    substeps: int = 12,
    decimals: int | None = 5,
    volume: float = 1_000.0,
) -> pd.DataFrame:
    """Merton jump diffusion: GBM plus Poisson jumps (``jump_rate`` per bar) of normal log size."""
    index, rng = _setup(n_bars, start, freq, seed, start_price, volatility, substeps)
    _check_positive("jump_rate", jump_rate, allow_zero=True)
    _check_positive("jump_std", jump_std, allow_zero=True)
    path = _brownian_log_path(rng, n_bars, substeps, drift, volatility)
    counts = rng.poisson(jump_rate / substeps, size=n_bars * substeps)
    sizes = counts * jump_mean + np.sqrt(counts) * jump_std * rng.standard_normal(counts.size)
    path[1:] += np.cumsum(sizes)
    return _bars_from_path(math.log(start_price) + path, index, rng, decimals, volume)


def flash_crash(
    n_bars: int = 1_000,
    *,
    start: str | pd.Timestamp = DEFAULT_START,
    freq: str = "1h",
    seed: int | None = None,
    start_price: float = 1.1,
    volatility: float = 0.001,
    crash_bar: int | None = None,
    depth: float = 0.05,
    recovery_bars: int = 10,
    recovery: float = 0.8,
    substeps: int = 12,
    decimals: int | None = 5,
    volume: float = 1_000.0,
) -> pd.DataFrame:
    """GBM with one flash crash: a drop of ``depth`` (fraction) inside bar ``crash_bar``.

    The drop happens within the bar (its low shows it); over the next ``recovery_bars``
    bars the price regains ``recovery`` of the lost log distance. ``crash_bar``
    defaults to the middle bar.
    """
    index, rng = _setup(n_bars, start, freq, seed, start_price, volatility, substeps)
    crash_bar = n_bars // 2 if crash_bar is None else crash_bar
    if not isinstance(crash_bar, int) or not 0 <= crash_bar < n_bars:
        raise ConfigError(f"`crash_bar` must be a bar position in [0, {n_bars}), was {crash_bar!r}")
    _check_fraction("depth", depth)
    if not isinstance(recovery, int | float) or not 0 <= recovery <= 1:
        raise ConfigError(f"`recovery` must be a fraction in [0, 1], was {recovery!r}")
    if not isinstance(recovery_bars, int) or recovery_bars < 1:
        raise ConfigError(f"`recovery_bars` must be a positive integer, was {recovery_bars!r}")
    path = _brownian_log_path(rng, n_bars, substeps, 0.0, volatility)
    drop = math.log(1.0 - depth)
    offset = np.zeros_like(path)
    hit = crash_bar * substeps + substeps // 2  # mid-bar: the crash shows in the bar's low
    offset[hit:] = drop
    ramp_end = min(hit + recovery_bars * substeps, len(path) - 1)
    ramp = np.linspace(0.0, 1.0, ramp_end - hit + 1)
    offset[hit : ramp_end + 1] = drop * (1.0 - recovery * ramp)
    offset[ramp_end + 1 :] = drop * (1.0 - recovery)
    return _bars_from_path(math.log(start_price) + path + offset, index, rng, decimals, volume)


def volatility_spike(
    n_bars: int = 1_000,
    *,
    start: str | pd.Timestamp = DEFAULT_START,
    freq: str = "1h",
    seed: int | None = None,
    start_price: float = 1.1,
    drift: float = 0.0,
    volatility: float = 0.001,
    spike_bar: int | None = None,
    spike_bars: int = 24,
    multiplier: float = 5.0,
    substeps: int = 12,
    decimals: int | None = 5,
    volume: float = 1_000.0,
) -> pd.DataFrame:
    """GBM whose volatility is ``multiplier`` times higher for ``spike_bars`` bars from ``spike_bar``.

    ``spike_bar`` defaults to the middle bar; the spike ends at the last bar at the latest.
    """
    index, rng = _setup(n_bars, start, freq, seed, start_price, volatility, substeps)
    spike_bar = n_bars // 2 if spike_bar is None else spike_bar
    if not isinstance(spike_bar, int) or not 0 <= spike_bar < n_bars:
        raise ConfigError(f"`spike_bar` must be a bar position in [0, {n_bars}), was {spike_bar!r}")
    if not isinstance(spike_bars, int) or spike_bars < 1:
        raise ConfigError(f"`spike_bars` must be a positive integer, was {spike_bars!r}")
    _check_positive("multiplier", multiplier)
    per_bar = np.full(n_bars, float(volatility))
    per_bar[spike_bar : spike_bar + spike_bars] *= multiplier
    path = _brownian_log_path(rng, n_bars, substeps, drift, np.repeat(per_bar, substeps))
    return _bars_from_path(math.log(start_price) + path, index, rng, decimals, volume)


def _per_asset(name: str, value: float | Sequence[float], n_assets: int) -> np.ndarray:
    """``value`` (one number for all assets, or one per asset) as ``n_assets`` finite floats."""
    values = np.atleast_1d(np.asarray(value, dtype=float)) if _numbers(value) else None
    if values is None or values.ndim != 1 or not np.isfinite(values).all():
        raise ConfigError(f"`{name}` must be a finite number or a list of them, was {value!r}")
    if len(values) not in (1, n_assets):
        raise ConfigError(
            f"`{name}` has {len(values)} values; expected one per asset (`n_assets` {n_assets}) "
            "or a single number for all",
        )
    return np.broadcast_to(values, (n_assets,)).copy()


def _numbers(value: object) -> bool:
    items = value if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in items)


def crisis_labels(n_bars: int, *, seed: int, mean_duration: float = 200.0) -> np.ndarray:
    """The regime of each bar (0 calm, 1 crisis) that :func:`correlated_market` draws for the
    same ``n_bars``, ``seed`` and ``mean_duration`` (a two-state Markov chain, starting calm)."""
    return _draw_regimes(_joint_streams(seed, 0)[0], n_bars, 2, mean_duration)


def _joint_streams(seed: int, n_assets: int) -> list[np.random.Generator]:
    """Independent generators of one market: regimes, the market factor, then each asset's own
    shocks; asset ``i``'s stream does not depend on ``n_assets``, so one asset can be drawn
    alone and still be that asset of the joint draw."""
    children = np.random.SeedSequence(seed).spawn(n_assets + 2)
    return [np.random.default_rng(child) for child in children]


def correlated_market(
    n_bars: int = 1_000,
    *,
    asset: int = 0,
    n_assets: int = 2,
    seed: int,
    start: str | pd.Timestamp = DEFAULT_START,
    freq: str = "1h",
    start_price: float | Sequence[float] = 100.0,
    drift: float | Sequence[float] = 0.0,
    volatility: float | Sequence[float] = 0.001,
    correlation: float = 0.3,
    crisis_correlation: float | None = None,
    crisis_volatility: float = 3.0,
    mean_duration: float = 200.0,
    event_start: int | None = None,
    event_bars: int = 0,
    event_correlation: float | None = None,
    event_volatility: float = 1.0,
    event_drift: float | Sequence[float] | None = None,
    substeps: int = 12,
    decimals: int | None = 5,
    volume: float = 1e7,
) -> pd.DataFrame:
    """Asset ``asset`` of ``n_assets`` correlated GBMs drawn jointly from ``seed``.

    One-factor model: each asset's shock is ``sqrt(rho) * market + sqrt(1 - rho) * own``, so
    every pair of log returns has correlation ``rho = correlation``. ``start_price``, ``drift``
    (per bar, as in :func:`gbm`) and ``volatility`` take one value or one per asset: a drift on
    one asset among driftless ones is a learnable edge. With ``crisis_correlation`` set, a calm
    and a crisis regime alternate (:func:`crisis_labels`, mean ``mean_duration`` bars each); in a
    crisis ``rho = crisis_correlation`` and every volatility is ``crisis_volatility`` times higher.
    An event is one stretch of ``event_bars`` bars from ``event_start`` (over any regime) with
    its own ``event_correlation`` (``None``: unchanged), volatility ``event_volatility`` times
    higher and ``event_drift`` (one or one per asset; ``None``: unchanged): a crash (correlation
    near one, high volatility, a drift down for all) or a dispersion (correlation near zero,
    some assets drifting up, others down) at a known place, for the scenario lab.
    Each asset's frame is the same whichever asset is asked for, so one ``DataSourceConfig``
    per asset with the same ``seed`` builds one market; ``seed`` is required for that reason.
    ``volume`` is large by default: quotes get a quarter of it, and Nautilus fills the part of
    an order beyond a quote's size one tick worse.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(
            f"`seed` must be an integer, the same for every asset of the market, was {seed!r}",
        )
    n = _check_assets(n_assets)
    if isinstance(asset, bool) or not isinstance(asset, int) or not 0 <= asset < n:
        raise ConfigError(f"`asset` must be an asset index in [0, {n}), was {asset!r}")
    prices = _per_asset("start_price", start_price, n)
    drifts = _per_asset("drift", drift, n)
    vols = _per_asset("volatility", volatility, n)
    _check_positive("start_price", float(prices.min()))
    _check_positive("volatility", float(vols.min()), allow_zero=True)
    index, _ = _setup(n_bars, start, freq, seed, float(prices[asset]), 0.0, substeps)
    _check_fraction("correlation", correlation)
    streams = _joint_streams(seed, asset + 1)
    rho, scale = np.full(n_bars, float(correlation)), np.ones(n_bars)
    if crisis_correlation is not None:
        _check_fraction("crisis_correlation", crisis_correlation)
        _check_positive("crisis_volatility", crisis_volatility)
        crisis = _draw_regimes(streams[0], n_bars, 2, mean_duration) == 1
        rho[crisis], scale[crisis] = crisis_correlation, crisis_volatility
    drift_per_bar = np.full(n_bars, drifts[asset])
    event = _event_bars(n_bars, event_start, event_bars)
    if event_correlation is not None:
        _check_fraction("event_correlation", event_correlation)
        rho[event] = event_correlation
    _check_positive("event_volatility", event_volatility)
    scale[event] *= event_volatility
    if event_drift is not None:
        drift_per_bar[event] = _per_asset("event_drift", event_drift, n)[asset]
    rho, sigma = np.repeat(rho, substeps), vols[asset] * np.repeat(scale, substeps)
    market = streams[1].standard_normal(n_bars * substeps)
    own_rng = streams[2 + asset]
    shocks = np.sqrt(rho) * market + np.sqrt(1.0 - rho) * own_rng.standard_normal(market.size)
    dt = 1.0 / substeps
    mu = np.repeat(drift_per_bar, substeps)
    steps = (mu - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt) * shocks
    path = math.log(prices[asset]) + np.concatenate([[0.0], np.cumsum(steps)])
    return _bars_from_path(path, index, own_rng, decimals, volume)


def _event_bars(n_bars: int, start: int | None, length: int) -> slice:
    """The bars of an event of ``length`` bars from ``start`` (an empty slice without one)."""
    if start is None:
        return slice(0, 0)
    whole = (isinstance(v, int) and not isinstance(v, bool) for v in (start, length))
    if not all(whole) or length < 1 or start < 0 or start + length > n_bars:
        raise ConfigError(
            f"`event_start` {start!r} and `event_bars` {length!r} must be whole numbers of bars "
            f"with the event inside the market's {n_bars} bars (start >= 0, length >= 1)",
        )
    return slice(start, start + length)


def correlated_markets(
    n_bars: int = 1_000, *, n_assets: int = 2, seed: int | None = None, **params: Any
) -> dict[int, pd.DataFrame]:
    """Every asset of :func:`correlated_market` (same parameters) by asset index; without a
    ``seed`` one is drawn, so the assets still come from one joint draw."""
    n = _check_assets(n_assets)
    joint_seed = int(np.random.default_rng().integers(2**63)) if seed is None else seed
    return {
        i: correlated_market(n_bars, asset=i, n_assets=n, seed=joint_seed, **params)
        for i in range(n)
    }


def _check_assets(n_assets: object) -> int:
    if isinstance(n_assets, bool) or not isinstance(n_assets, int) or n_assets < 1:
        raise ConfigError(f"`n_assets` must be a positive integer, was {n_assets!r}")
    return n_assets


def with_outage(df: pd.DataFrame, *, start_bar: int | None = None, n_bars: int = 6) -> pd.DataFrame:
    """Return ``df`` without the ``n_bars`` consecutive bars from position ``start_bar``.

    A data feed outage: the bars are missing, the market moved on, so the first bar after the
    outage opens where the last missing bar closed. ``start_bar`` defaults to the middle bar;
    the first and last bars are always kept.
    """
    frame = validate_ohlcv(df)
    start_bar = len(frame) // 2 if start_bar is None else start_bar
    if not isinstance(n_bars, int) or n_bars < 1:
        raise ConfigError(f"`n_bars` must be a positive integer, was {n_bars!r}")
    if not isinstance(start_bar, int) or not 1 <= start_bar <= len(frame) - 1 - n_bars:
        raise ConfigError(
            f"`start_bar` must leave bars on both sides of the outage: a position in "
            f"[1, {len(frame) - 1 - n_bars}] for {len(frame)} bars, was {start_bar!r}",
        )
    keep = np.ones(len(frame), dtype=bool)
    keep[start_bar : start_bar + n_bars] = False
    return frame.loc[keep].copy()


def with_gaps(
    df: pd.DataFrame,
    *,
    weekends: bool = True,
    drop_fraction: float = 0.0,
    seed: int | None = None,
) -> pd.DataFrame:
    """Return ``df`` without the bars a real market would not have.

    ``weekends`` drops bars opening in the FX weekend (Friday 22:00 to Sunday 22:00
    UTC); ``drop_fraction`` drops that share of the remaining bars at random (missing
    hours). The first bar is always kept.
    """
    frame = validate_ohlcv(df)
    _check_fraction("drop_fraction", drop_fraction)
    keep = np.ones(len(frame), dtype=bool)
    if weekends:
        hour_of_week = frame.index.dayofweek * 24 + frame.index.hour  # Monday 00:00 = 0
        keep &= ~((hour_of_week >= 4 * 24 + 22) & (hour_of_week < 6 * 24 + 22))
    if drop_fraction:
        rng = np.random.default_rng(seed)
        keep &= rng.random(len(frame)) >= drop_fraction
    keep[0] = True
    return frame.loc[keep].copy()


def low_liquidity(
    df: pd.DataFrame,
    *,
    volume_scale: float = 0.01,
    stale_fraction: float = 0.3,
    seed: int | None = None,
) -> pd.DataFrame:
    """Return ``df`` as an illiquid market: volumes scaled by ``volume_scale`` and a
    ``stale_fraction`` of bars flat (no trade: all four prices at the previous close,
    volume 0). Price moves then arrive in jumps at the next live bar."""
    frame = validate_ohlcv(df)
    _check_positive("volume_scale", volume_scale)
    _check_fraction("stale_fraction", stale_fraction)
    rng = np.random.default_rng(seed)
    stale = rng.random(len(frame)) < stale_fraction
    stale[0] = False
    prices = frame[["open", "high", "low", "close"]].to_numpy().copy()
    # Index of the last live bar at or before each bar; stale bars repeat its close.
    last_live = np.maximum.accumulate(np.where(stale, 0, np.arange(len(frame))))
    prices[stale] = prices[last_live[stale], 3][:, None]
    # A live bar right after stale ones opens where the market last traded.
    reopen = np.flatnonzero(~stale & np.concatenate([[False], stale[:-1]]))
    prices[reopen, 0] = prices[reopen - 1, 3]
    prices[:, 1] = prices[:, :4].max(axis=1)
    prices[:, 2] = prices[:, :4].min(axis=1)
    volume = np.where(stale, 0.0, np.round(frame["volume"].to_numpy() * volume_scale))
    out = pd.DataFrame(prices, index=frame.index, columns=["open", "high", "low", "close"])
    out["volume"] = volume
    return validate_ohlcv(out, "synthetic")
