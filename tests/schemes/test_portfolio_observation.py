"""StackedWindow: per-asset windows, weights and portfolio values in a fixed-shape Box."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.nt.model import Bar, BarType, Price, Quantity
from nautilus_rl_lab.schemes import (
    MarketState,
    PortfolioState,
    SchemeConfig,
    StackedWindow,
    WindowObservation,
    build_portfolio_observation,
)
from nautilus_rl_lab.schemes.portfolio_observation import centred_ranks, market_correlations

BAR_TYPES = [BarType.from_str(f"{s}.SIM-1-HOUR-LAST-EXTERNAL") for s in ("AAA", "BBB", "CCC")]


def bar(asset: int, close: float, i: int, volume: float = 1_000.0, spread: float = 0.01) -> Bar:
    price = Price(close, 4)
    return Bar(
        BAR_TYPES[asset],
        price,
        Price(close * (1 + spread), 4),
        Price(close * (1 - spread), 4),
        price,
        Quantity(volume, 0),
        i,
        i,
    )


def state(
    weights: tuple[float, ...], trading: tuple[bool, ...] | None = None, upnl: float = 0.0
) -> PortfolioState:
    n = len(weights)
    return PortfolioState(
        ts_ns=0,
        closes=(1.0,) * n,
        positions=(0.0,) * n,
        weights=weights,
        trading=(True,) * n if trading is None else trading,
        balance=100_000.0,
        equity=100_000.0 + upnl,
        unrealized_pnl=upnl,
        commissions=0.0,
    )


def _feed(scheme: StackedWindow, closes: list[list[float]]) -> None:
    """Feed asset `a` the bars `closes[a]` at times 0, 1, ... (assets interleaved per time)."""
    for i in range(max(len(c) for c in closes)):
        for asset, series in enumerate(closes):
            if i < len(series):
                scheme.update(asset, bar(asset, series[i], i))


CLOSES = [[1.0, 1.1, 1.05, 1.2, 1.25], [50.0, 49.0, 49.5, 48.0, 47.0]]


def test_flat_layout_is_each_assets_window_weight_and_flag_then_cash_and_pnl() -> None:
    scheme = StackedWindow(2, window=3, features=["ema:2"])
    _feed(scheme, CLOSES)
    obs = scheme.observe(state((0.3, -0.2), trading=(True, False), upnl=500.0))
    per_asset = 3 * 5 + 1 + 2
    assert obs.shape == scheme.space.shape == (2 * per_asset + 2,) and obs.dtype == np.float32
    for asset, closes in enumerate(CLOSES):
        single = WindowObservation(window=3, features=["ema:2"])
        for i, close in enumerate(closes):
            single.update(bar(asset, close, i))
        block = obs[asset * per_asset : (asset + 1) * per_asset]
        expected = single.observe(MarketState(0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0))[:-2]
        np.testing.assert_array_equal(block[:-2], expected)
        # the window's close returns by hand: log returns in % of the last three bars, clipped
        returns = np.log(np.array(closes[2:]) / closes[1:-1]) * 100
        np.testing.assert_allclose(block[3:15:5], np.clip(returns, -10, 10), rtol=1e-5)
    assert obs[per_asset - 2 : per_asset].tolist() == pytest.approx([0.3, 1.0])
    assert obs[2 * per_asset - 2 : 2 * per_asset].tolist() == pytest.approx([-0.2, 0.0])
    assert obs[-2:].tolist() == pytest.approx([0.9, 500.0 / 100_500.0 * 100], rel=1e-6)


def test_stacked_layout_has_one_row_per_asset_with_the_portfolio_values_repeated() -> None:
    flat = StackedWindow(2, window=3, rank_returns=True, correlation=True)
    stacked = StackedWindow(2, window=3, rank_returns=True, correlation=True, layout="stacked")
    _feed(flat, CLOSES)
    _feed(stacked, CLOSES)
    s = state((0.5, 0.25), upnl=-40.0)
    rows, vector = stacked.observe(s), flat.observe(s)
    per_asset = 15 + 2 + 2
    assert rows.shape == stacked.space.shape == (2, per_asset + 2)
    np.testing.assert_array_equal(rows[:, :per_asset].ravel(), vector[:-2])
    np.testing.assert_array_equal(rows[:, per_asset:], [vector[-2:], vector[-2:]])
    assert stacked.space.contains(rows) and flat.space.contains(vector)


@pytest.mark.parametrize("layout", ["flat", "stacked"])
def test_observation_lies_in_its_box_for_extreme_bars_and_states(layout: str) -> None:
    rng = np.random.default_rng(5)
    scheme = StackedWindow(
        3, window=4, features=["rsi:3", "atr:2"], rank_returns=True, correlation=True, layout=layout
    )
    for i in range(60):
        for asset in range(3):
            if rng.random() < 0.8:  # some assets miss some decisions
                close = float(10 ** rng.uniform(-3, 5))  # jumps of many orders of magnitude
                volume = float(rng.choice([0.0, 1.0, 1e12]))
                scheme.update(
                    asset, bar(asset, close, i, volume, spread=float(rng.uniform(0, 0.9)))
                )
        if scheme.ready:
            weights = tuple(float(w) for w in rng.uniform(-50, 50, 3))
            trading = tuple(bool(t) for t in rng.random(3) < 0.5)
            s = state(weights, trading, upnl=float(rng.uniform(-1e9, 1e9)))
            for candidate in (s, s._replace(equity=0.0)):
                obs = scheme.observe(candidate)
                assert np.isfinite(obs).all() and scheme.space.contains(obs)
    assert scheme.ready


def test_asset_without_a_bar_keeps_its_window_and_is_flagged_not_trading() -> None:
    scheme = StackedWindow(2, window=3)
    _feed(scheme, CLOSES)
    per_asset = 15 + 2
    before = scheme.observe(state((0.1, 0.1)))
    scheme.update(0, bar(0, 1.3, 5))  # asset 1 has no bar at this decision
    after = scheme.observe(state((0.1, 0.1), trading=(True, False)))
    np.testing.assert_array_equal(after[per_asset : 2 * per_asset - 1], before[per_asset:-3])
    assert after[2 * per_asset - 1] == 0.0 and after[per_asset - 1] == 1.0
    assert after[13] == pytest.approx(math.log(1.3 / 1.25) * 100, rel=1e-5)  # asset 0 moved on


def test_ready_once_every_asset_has_its_warmup_bars() -> None:
    scheme = StackedWindow(2, window=3, features=["rsi:5"])
    assert scheme.warmup_bars == WindowObservation(window=3, features=["rsi:5"]).warmup_bars == 6
    for i in range(6):
        scheme.update(0, bar(0, 1.0 + i / 100, i))
    assert not scheme.ready
    for i in range(5):
        scheme.update(1, bar(1, 2.0 + i / 100, i))
    assert not scheme.ready
    scheme.update(1, bar(1, 2.1, 5))
    assert scheme.ready
    scheme.reset()
    assert not scheme.ready


def _series(n_bars: int, seed: int) -> list[list[Bar]]:
    rng = np.random.default_rng(seed)
    return [
        [
            bar(asset, float(c), i, volume=float(v))
            for i, (c, v) in enumerate(
                zip(
                    (10 + asset) * np.exp(np.cumsum(rng.normal(0, 0.02, n_bars))),
                    rng.integers(1, 10_000, n_bars),
                    strict=True,
                )
            )
        ]
        for asset in range(3)
    ]


def _replay(scheme: StackedWindow, bars: list[list[Bar]], skip: set[tuple[int, int]]) -> list:
    """Observations at every decision once ready; asset `a` misses bar `i` for (a, i) in `skip`."""
    scheme.reset()
    rng = np.random.default_rng(1)
    observations = []
    for i in range(len(bars[0])):
        trading = tuple((asset, i) not in skip for asset in range(3))
        for asset in range(3):
            if trading[asset]:
                scheme.update(asset, bars[asset][i])
        if scheme.ready:
            weights = tuple(float(w) for w in rng.uniform(-1, 1, 3))
            observations.append(scheme.observe(state(weights, trading, upnl=12.5)))
    return observations


def _scheme() -> StackedWindow:
    return StackedWindow(3, window=4, features=["ema:3"], rank_returns=True, correlation=True)


@pytest.mark.parametrize("skip", [set(), {(1, 10), (1, 11), (2, 20), (0, 30)}])
def test_precompute_gives_bit_identical_observations(skip: set[tuple[int, int]]) -> None:
    bars = _series(40, seed=2)
    again = _series(40, seed=2)  # equal bars, other objects (as NautilusTrader 2 hands them)
    plain, prepared = _scheme(), _scheme()
    prepared.precompute(bars)
    assert all(asset._table is not None for asset in prepared._assets)  # the tables are used
    expected, got = _replay(plain, again, skip), _replay(prepared, again, skip)
    assert len(got) == len(expected) > 20
    for want, have in zip(expected, got, strict=True):
        assert have.tobytes() == want.tobytes()


@pytest.mark.parametrize("precomputed", [False, True])
def test_a_changed_future_bar_changes_no_earlier_observation(precomputed: bool) -> None:
    bars, changed = _series(30, seed=3), _series(30, seed=3)
    changed[1][20] = bar(1, 999.0, 20, volume=1.0)
    observations = []
    for series in (bars, changed):
        scheme = _scheme()
        if precomputed:
            scheme.precompute(series)
        observations.append(_replay(scheme, series, set()))
    original, altered = observations
    first = 20 - (_scheme().warmup_bars - 1)  # the observation index of decision 20
    for k in range(first):
        assert original[k].tobytes() == altered[k].tobytes()
    assert not np.array_equal(original[first], altered[first])


def test_rank_returns_order_the_assets_by_window_return() -> None:
    scheme = StackedWindow(3, window=2, rank_returns=True)
    _feed(scheme, [[1.0, 1.01, 1.03], [1.0, 0.99, 0.98], [1.0, 1.0, 1.0]])
    obs = scheme.observe(state((0.0, 0.0, 0.0)))
    per_asset = 10 + 2 + 1
    assert [obs[a * per_asset + per_asset - 1] for a in range(3)] == [1.0, -1.0, 0.0]
    ties = centred_ranks(np.array([3.0, 1.0, 2.0, 2.0]))
    assert ties.tolist() == [1.0, -1.0, 0.0, 0.0]
    assert centred_ranks(np.array([0.7])).tolist() == [0.0]


def test_correlation_with_the_equal_weighted_portfolio() -> None:
    closes = [
        [1.0, 1.02, 1.01, 1.04, 1.03],
        [2.0, 2.06, 2.0, 2.1, 2.08],
        [3.0, 2.97, 3.0, 2.95, 2.99],
        [4.0, 4.0, 4.0, 4.0, 4.0],  # no variance: 0
    ]
    scheme = StackedWindow(4, window=4, correlation=True)
    for i in range(5):
        for asset, series in enumerate(closes):
            scheme.update(asset, bar(asset % 3, series[i], i))
    obs = scheme.observe(state((0.0,) * 4))
    per_asset = 20 + 2 + 1
    got = [obs[a * per_asset + per_asset - 1] for a in range(4)]
    returns = np.diff(np.log(np.array(closes)), axis=1) * 100
    market = returns.mean(axis=0)
    expected = [np.corrcoef(r, market)[0, 1] for r in returns[:3]] + [0.0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    assert got[0] > 0.9 and got[2] < -0.9
    np.testing.assert_allclose(market_correlations(np.ones((2, 1))), [0.0, 0.0])


def test_updates_and_states_that_do_not_fit_the_assets_are_refused() -> None:
    scheme = StackedWindow(2, window=2)
    with pytest.raises(ValueError, match="asset 2 is not an index"):
        scheme.update(2, bar(0, 1.0, 0))
    with pytest.raises(ValueError, match="asset -1 is not an index"):
        scheme.update(-1, bar(0, 1.0, 0))
    with pytest.raises(ValueError, match="3 weights"):
        scheme.observe(state((0.0, 0.0, 0.0)))
    with pytest.raises(ValueError, match="1 bar sequences for 2 assets"):
        scheme.precompute([[bar(0, 1.0, 0)]])


def test_registry_builds_by_alias_and_by_path_with_n_assets() -> None:
    by_alias = build_portfolio_observation(
        SchemeConfig(name="stacked_window", params={"window": 2, "layout": "stacked"}), 3
    )
    assert isinstance(by_alias, StackedWindow) and by_alias.space.shape == (3, 10 + 2 + 2)
    path = "nautilus_rl_lab.schemes.portfolio_observation:StackedWindow"
    by_path = build_portfolio_observation(SchemeConfig(name=path, params={"window": 2}), 2)
    assert by_path.space.shape == (2 * 12 + 2,)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"window": 0}, "`observation.params.window`"),
        ({"window": 2.5}, "`observation.params.window`"),
        ({"layout": "grid"}, "`observation.params.layout`"),
        ({"rank_returns": "yes"}, "`observation.params.rank_returns`"),
        ({"correlation": 1}, "`observation.params.correlation`"),
        ({"features": "rsi:14"}, "`observation.params.features`"),
        ({"features": ["nope:3"]}, "`features` entry 'nope:3'"),
        ({"size": 3}, "`observation.params` do not fit StackedWindow"),
    ],
)
def test_bad_config_names_the_field(params: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        build_portfolio_observation(SchemeConfig(name="stacked_window", params=params), 2)
