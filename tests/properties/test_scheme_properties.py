"""Schemes under random inputs: observations lie in their space, rewards are finite, actions stay in limits."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from nautilus_rl_lab.data import to_bars
from nautilus_rl_lab.schemes.base import ActionScheme, MarketState
from nautilus_rl_lab.schemes.registry import (
    REWARD_SCHEMES,
    SchemeConfig,
    build_action,
    build_observation,
)
from tests.properties.strategies import BAR_TYPE, INSTRUMENT, SETTINGS, ohlcv_frames

FEATURES = ("ema:5", "rsi:3", "atr:4", "bollinger:5")

money = st.floats(-1e7, 1e7, allow_nan=False)


@st.composite
def market_states(draw: st.DrawFn, limit: float = 10_000.0) -> MarketState:
    equity = draw(st.floats(1.0, 1e7))
    return MarketState(
        ts_ns=draw(st.integers(0, 2**62)),
        close=draw(st.floats(1e-4, 1e5)),
        position=draw(st.floats(-limit, limit)),
        balance=draw(st.floats(1.0, 1e7)),
        equity=equity,
        unrealized_pnl=draw(money),
        commissions=draw(st.floats(0.0, 1e4)),
        position_limit=limit,
    )


@SETTINGS
@given(
    frame=ohlcv_frames(min_bars=2, max_bars=60),
    window=st.integers(1, 12),
    features=st.lists(st.sampled_from(FEATURES), max_size=3, unique=True),
    state=market_states(),
)
def test_every_observation_lies_in_its_space(
    frame: pd.DataFrame, window: int, features: list[str], state: MarketState
) -> None:
    scheme = build_observation(
        SchemeConfig(name="window", params={"window": window, "features": features})
    )
    for bar in to_bars(frame, BAR_TYPE, INSTRUMENT):
        scheme.update(bar)
        obs = scheme.observe(state)
        assert scheme.space.contains(obs), obs


@SETTINGS
@given(
    name=st.sampled_from(sorted(REWARD_SCHEMES)),
    states=st.lists(market_states(), min_size=2, max_size=30),
)
def test_rewards_are_finite(name: str, states: list[MarketState]) -> None:
    scheme = REWARD_SCHEMES[name]()
    scheme.reset(states[0])
    for state in states[1:]:
        reward = scheme.reward(state)
        assert isinstance(reward, float) and math.isfinite(reward), (name, state, reward)


action_configs = st.one_of(
    st.builds(
        lambda size, short: SchemeConfig(
            name="target_position", params={"trade_size": size, "allow_short": short}
        ),
        st.floats(1.0, 1e6),
        st.booleans(),
    ),
    st.builds(
        lambda size, limit: SchemeConfig(
            name="buy_sell_hold", params={"trade_size": size, "max_position": limit}
        ),
        st.floats(1.0, 1e6),
        st.floats(1.0, 1e6),
    ),
    st.builds(
        lambda lot, lots: SchemeConfig(
            name="continuous", params={"max_position": lot * lots, "lot_size": lot}
        ),
        st.floats(1.0, 1e5),
        st.floats(1.0, 20.0),
    ),
)


@SETTINGS
@given(config=action_configs, data=st.data())
def test_action_schemes_never_target_beyond_their_limit(
    config: SchemeConfig, data: st.DataObject
) -> None:
    scheme = build_action(config)
    limit = scheme.position_limit
    position = data.draw(st.floats(-limit, limit))
    for _ in range(20):
        action = _action(scheme, data)
        target = scheme.target_position(action, position)
        if target is not None:
            assert abs(target) <= limit + 1e-9 * limit, (config, action, position, target)
            position = target


def _action(scheme: ActionScheme, data: st.DataObject) -> object:
    """An action of `scheme`'s space, drawn by hypothesis (so failures replay)."""
    space = scheme.space
    if isinstance(space, gym.spaces.Discrete):
        return data.draw(st.integers(int(space.start), int(space.start + space.n) - 1))
    exposure = data.draw(st.one_of(st.sampled_from([-1.0, 1.0]), st.floats(-1.0, 1.0, width=32)))
    return np.array([exposure], dtype=np.float32)


def test_continuous_rounding_never_steps_past_the_limit() -> None:
    """The case hypothesis found: 1.5 lots of limit rounded to 2 lots."""
    scheme = build_action(
        SchemeConfig(name="continuous", params={"max_position": 1_500, "lot_size": 1_000})
    )
    assert scheme.target_position(np.array([1.0]), 0.0) == 1_000
    assert scheme.target_position(np.array([-1.0]), 0.0) == -1_000
