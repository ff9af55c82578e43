"""Action schemes map actions to signed target positions without an engine."""

from __future__ import annotations

import numpy as np
import pytest

from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.schemes import BuySellHold, ContinuousExposure, TargetPosition


def test_target_position_maps_short_flat_long() -> None:
    scheme = TargetPosition(trade_size=5_000)
    assert [scheme.target_position(a, 123.0) for a in range(3)] == [-5_000, 0.0, 5_000]
    long_only = TargetPosition(trade_size=5_000, allow_short=False)
    assert long_only.space.n == 2
    assert [long_only.target_position(a, 0.0) for a in range(2)] == [0.0, 5_000]


def test_buy_sell_hold_steps_and_respects_the_limit() -> None:
    scheme = BuySellHold(trade_size=1_000, max_position=2_000)
    assert scheme.target_position(BuySellHold.HOLD, 1_000) is None
    assert scheme.target_position(BuySellHold.BUY, 1_000) == 2_000
    assert scheme.target_position(BuySellHold.BUY, 2_000) == 2_000
    assert scheme.target_position(BuySellHold.SELL, -2_000) == -2_000
    assert scheme.target_position(BuySellHold.SELL, 0) == -1_000


def test_continuous_exposure_rounds_to_lots_and_clips() -> None:
    scheme = ContinuousExposure(max_position=10_000, lot_size=1_000)
    assert scheme.target_position(np.array([0.44], dtype=np.float32), 0.0) == 4_000
    assert scheme.target_position(np.array([-3.0]), 0.0) == -10_000
    assert scheme.space.contains(np.array([0.5], dtype=np.float32))


@pytest.mark.parametrize(
    "factory", [lambda: TargetPosition(trade_size=0), lambda: ContinuousExposure(lot_size=-1)]
)
def test_non_positive_sizes_are_rejected(factory) -> None:
    with pytest.raises(ConfigError, match="must be > 0"):
        factory()
