"""TrainingNode keeps the Gymnasium contract under random action sequences and random resets."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nautilus_rl_lab.nodes.training import TrainingNode
from nautilus_rl_lab.schemes.registry import SchemeConfig
from tests.nodes.conftest import small_config

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ACTIONS = {
    "target_position": SchemeConfig(name="target_position"),
    "continuous": SchemeConfig(
        name="continuous", params={"max_position": 10_000, "lot_size": 1_000}
    ),
}


@pytest.fixture(scope="module")
def envs() -> Iterator[dict[str, TrainingNode]]:
    """One node per action scheme for the whole module (engines are reused across episodes)."""
    nodes = {
        name: TrainingNode(small_config(action=action, episode_length=16))
        for name, action in ACTIONS.items()
    }
    yield nodes
    for node in nodes.values():
        node.close()


# A plan: scheme, first seed, then moves: an action (exposure, index) or a reset with a seed.
plans = st.tuples(
    st.sampled_from(sorted(ACTIONS)),
    st.one_of(st.none(), st.integers(0, 2**31 - 1)),
    st.lists(
        st.one_of(
            st.tuples(st.just("act"), st.floats(-1.0, 1.0, width=32), st.integers(0, 2)),
            st.tuples(st.just("reset"), st.integers(0, 2**31 - 1), st.just(0)),
        ),
        min_size=1,
        max_size=40,
    ),
)


def _check_obs(node: TrainingNode, obs: np.ndarray) -> None:
    assert isinstance(obs, np.ndarray) and obs.dtype == node.observation_space.dtype
    assert node.observation_space.contains(obs)


@SETTINGS
@given(plan=plans)
def test_env_obeys_the_gymnasium_contract_under_random_plans(
    envs: dict[str, TrainingNode], plan: tuple
) -> None:
    action_name, seed, moves = plan
    node = envs[action_name]
    obs, info = node.reset(seed=seed)
    _check_obs(node, obs)
    assert isinstance(info, dict)
    for kind, value, index in moves:
        if kind == "reset":  # `value` is the new seed
            obs, info = node.reset(seed=int(value))
            _check_obs(node, obs)
            continue
        action = index if action_name == "target_position" else np.array([value], dtype=np.float32)
        assert node.action_space.contains(action)
        obs, reward, terminated, truncated, info = node.step(action)
        _check_obs(node, obs)
        assert isinstance(reward, float) and math.isfinite(reward)
        assert isinstance(terminated, bool) and isinstance(truncated, bool)
        assert isinstance(info, dict)
        if terminated or truncated:
            obs, info = node.reset()
            _check_obs(node, obs)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), actions=st.lists(st.integers(0, 2), min_size=1, max_size=16))
def test_the_same_seed_and_actions_give_the_same_episode(
    envs: dict[str, TrainingNode], seed: int, actions: list[int]
) -> None:
    node = envs["target_position"]
    runs = []
    for _ in range(2):
        obs, _ = node.reset(seed=seed)
        trace = [obs]
        for action in actions:
            obs, reward, terminated, truncated, _ = node.step(action)
            trace += [obs, np.float64(reward)]
            if terminated or truncated:
                break
        runs.append(trace)
    assert len(runs[0]) == len(runs[1])
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)
