"""Portfolio action schemes map actions to target weights within their limits, without an engine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes import (
    DiscreteTargets,
    LongShortWeights,
    SchemeConfig,
    SimplexWeights,
    build_portfolio_action,
)
from nautilus_rl_lab.schemes.portfolio_action import apply_band, cap_gross


def _sampled(scheme, count: int = 300) -> list[np.ndarray]:
    """Seeded samples of the scheme's space plus its corners and out-of-range values."""
    scheme.space.seed(7)
    actions = [scheme.space.sample() for _ in range(count)]
    if hasattr(scheme.space, "low"):
        shape = scheme.space.shape
        actions += [np.ones(shape), -np.ones(shape), np.full(shape, 5.0), np.zeros(shape)]
    return actions


@pytest.mark.parametrize("n", [1, 3, 10])
def test_simplex_weights_are_non_negative_and_sum_to_at_most_one(n: int) -> None:
    for scheme in (SimplexWeights(n), SimplexWeights(n, temperature=1e-3)):
        assert scheme.space.shape == (n + 1,)
        for action in _sampled(scheme):
            weights = scheme.target_weights(action, np.zeros(n))
            assert weights.shape == (n,)
            assert (weights >= 0).all() and weights.sum() <= 1.0


@pytest.mark.parametrize("n", [1, 4, 20])
def test_simplex_default_temperature_lets_one_asset_or_cash_hold_99_percent(n: int) -> None:
    scheme = SimplexWeights(n)
    for asset in range(n + 1):  # the last logit is cash
        action = -np.ones(n + 1)
        action[asset] = 1.0
        weights = scheme.target_weights(action, np.zeros(n))
        held = 1.0 - weights.sum() if asset == n else weights[asset]
        assert held == pytest.approx(0.99)
        others = np.delete(weights, asset) if asset < n else weights
        np.testing.assert_allclose(others, 0.01 / n)  # every other asset at its lowest


def test_simplex_higher_temperature_spreads_weights() -> None:
    action = np.array([1.0, 0.0, -1.0, 0.0])
    sharp = SimplexWeights(3, temperature=0.2).target_weights(action, np.zeros(3))
    soft = SimplexWeights(3, temperature=5.0).target_weights(action, np.zeros(3))
    assert sharp.max() - sharp.min() > soft.max() - soft.min() > 0


def test_long_short_maps_small_actions_linearly_and_scales_large_ones() -> None:
    scheme = LongShortWeights(3, max_gross=2.0)
    small = np.array([0.3, -0.2, 0.0])
    np.testing.assert_array_equal(scheme.target_weights(small, np.zeros(3)), small * 2.0)
    np.testing.assert_array_equal(scheme.target_weights(np.zeros(3), np.ones(3)), np.zeros(3))
    large = scheme.target_weights(np.array([1.0, -1.0, 0.5]), np.zeros(3))
    np.testing.assert_allclose(large, np.array([1.0, -1.0, 0.5]) * 2.0 / 2.5)
    assert np.abs(large).sum() == pytest.approx(2.0)


@pytest.mark.parametrize(("max_gross", "max_net"), [(1.0, None), (2.0, 0.5), (1.5, 0.0)])
def test_long_short_gross_and_net_stay_within_limits(max_gross: float, max_net) -> None:
    scheme = LongShortWeights(4, max_gross=max_gross, max_net=max_net)
    for action in _sampled(scheme):
        weights = scheme.target_weights(action, np.zeros(4))
        assert np.abs(weights).sum() <= scheme.max_gross == max_gross
        if max_net is not None:
            assert abs(weights.sum()) <= max_net + 1e-12


def test_long_short_zero_net_is_market_neutral() -> None:
    scheme = LongShortWeights(3, max_net=0.0)
    weights = scheme.target_weights(np.array([0.6, 0.2, -0.1]), np.zeros(3))
    np.testing.assert_allclose(weights, np.array([0.6, 0.2, -0.1]) - 0.7 / 3)
    assert weights.sum() == pytest.approx(0.0, abs=1e-15)


def test_discrete_targets_map_each_choice_to_its_weight() -> None:
    scheme = DiscreteTargets(2, per_asset=0.25)
    assert list(scheme.space.nvec) == [3, 3] and scheme.max_gross == 0.5
    table = {(0, 0): [-0.25, -0.25], (0, 2): [-0.25, 0.25], (1, 1): [0.0, 0.0], (2, 1): [0.25, 0]}
    for choice, expected in table.items():
        assert scheme.target_weights(np.array(choice), np.zeros(2)).tolist() == expected
    long_only = DiscreteTargets(3, allow_short=False)
    assert list(long_only.space.nvec) == [2, 2, 2]
    np.testing.assert_allclose(long_only.target_weights([1, 0, 1], np.zeros(3)), [1 / 3, 0, 1 / 3])
    assert long_only.max_gross == pytest.approx(1.0)
    for action in _sampled(long_only):
        assert np.abs(long_only.target_weights(action, np.zeros(3))).sum() <= long_only.max_gross


@pytest.mark.parametrize("action", [[0, 3], [-1, 1], [1], [0.0, 1.0], [True, False]])
def test_discrete_targets_refuse_actions_outside_the_space(action) -> None:
    with pytest.raises(ValueError, match="is not in MultiDiscrete"):
        DiscreteTargets(2).target_weights(np.array(action), np.zeros(2))


def test_discrete_targets_refuse_leverage_not_asked_for() -> None:
    with pytest.raises(ConfigError, match=r"`action.params.per_asset` 0.5 times 3 assets"):
        DiscreteTargets(3, per_asset=0.5)
    assert DiscreteTargets(3, per_asset=0.5, max_gross=1.5).max_gross == 1.5
    assert DiscreteTargets(49).max_gross == pytest.approx(1.0)  # 1/49 * 49 rounds below 1


@pytest.mark.parametrize(
    ("scheme", "action"),
    [
        (SimplexWeights(3, band=0.05), np.array([0.5, 0.1, -0.3, 0.2])),
        (LongShortWeights(3, band=0.05), np.array([0.3, -0.2, 0.1])),
        (DiscreteTargets(3, per_asset=0.3, band=0.05), np.array([2, 0, 1])),
    ],
)
def test_band_keeps_the_current_weight_of_assets_within_it_exactly(scheme, action) -> None:
    target = scheme.target_weights(action, np.zeros(3))  # zero weights: none within the band
    current = target + np.array([0.04, -0.3, 0.0125])  # asset 1 outside the band
    got = scheme.target_weights(action, current)
    assert got[0] == current[0] and got[2] == current[2]  # kept exactly: not traded
    assert got[1] == target[1]


def test_band_is_dropped_when_keeping_weights_would_leave_the_limits() -> None:
    scheme = LongShortWeights(2, max_gross=1.0, band=0.05)
    target = scheme.target_weights(np.array([0.58, 0.42]), np.zeros(2))
    drifted = np.array([0.6, 0.45])  # both within the band, but a gross of 1.05
    np.testing.assert_array_equal(scheme.target_weights(np.array([0.58, 0.42]), drifted), target)
    simplex = SimplexWeights(1, band=0.05)
    action = np.array([-1.0, 1.0])  # mostly cash: the asset's target is 1%
    short = np.array([-0.02])  # within the band, but long-only
    assert simplex.target_weights(action, short)[0] == pytest.approx(0.01)


def test_apply_band_and_cap_gross_helpers() -> None:
    target, weights = np.array([0.2, -0.5]), np.array([0.25, 0.0])
    np.testing.assert_array_equal(apply_band(target, weights, 0.05), [0.25, -0.5])
    with pytest.raises(ValueError, match="shape"):
        apply_band(target, np.zeros(3), 0.05)
    # plain scaling by 1 / gross sums to 1.0000000000000002 here
    overshooting = np.array(
        [2.9425060163286902, 2.056625953442084, 1.951377828803449, 2.0653401917128202]
    )
    assert (overshooting / np.abs(overshooting).sum()).sum() > 1.0
    capped = cap_gross(overshooting, 1.0)
    assert np.abs(capped).sum() <= 1.0
    np.testing.assert_allclose(capped, overshooting / overshooting.sum())
    np.testing.assert_array_equal(cap_gross(target, 1.0), target)


def test_box_actions_of_the_wrong_size_are_refused() -> None:
    with pytest.raises(ValueError, match="has 2 values"):
        LongShortWeights(3).target_weights(np.zeros(2), np.zeros(3))


def test_registry_builds_by_alias_and_by_path_with_n_assets() -> None:
    by_alias = build_portfolio_action(
        SchemeConfig(name="long_short_weights", params={"max_gross": 2.0}), 5
    )
    assert isinstance(by_alias, LongShortWeights) and by_alias.n_assets == 5
    assert by_alias.max_gross == 2.0
    path = "nautilus_rl_lab.schemes.portfolio_action:SimplexWeights"
    by_path = build_portfolio_action(SchemeConfig(name=path), 2)
    assert isinstance(by_path, SimplexWeights) and by_path.space.shape == (3,)
    assert isinstance(
        build_portfolio_action(SchemeConfig(name="discrete_targets"), 4), DiscreteTargets
    )


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("simplex_weights", {"band": -0.1}, "`action.params.band`"),
        ("simplex_weights", {"band": math.nan}, "`action.params.band`"),
        ("simplex_weights", {"temperature": 0.0}, "`action.params.temperature`"),
        ("long_short_weights", {"max_gross": 0}, "`action.params.max_gross`"),
        ("long_short_weights", {"max_net": 1.0}, "`action.params.max_net`"),
        ("long_short_weights", {"max_net": -0.5}, "`action.params.max_net`"),
        ("discrete_targets", {"per_asset": -1}, "`action.params.per_asset`"),
        ("discrete_targets", {"allow_short": "no"}, "`action.params.allow_short`"),
        ("discrete_targets", {"size": 1}, "`action.params` do not fit DiscreteTargets"),
        ("discrete_targets", {"n_assets": 3}, "`action.params` do not fit DiscreteTargets"),
        ("target_position", {}, "`action.name`"),
        ("nautilus_rl_lab.schemes.action:TargetPosition", {}, "`action.name`"),
    ],
)
def test_bad_config_names_the_field(name: str, params: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        build_portfolio_action(SchemeConfig(name=name, params=params), 2)
