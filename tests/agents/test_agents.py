"""Agents: save -> load -> act is identical, the rule-based agents share the action pipeline."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from nautilus_rl_lab.agents import (
    BollingerMeanReversionAgent,
    BuyAndHoldAgent,
    EMACrossAgent,
    PolicyAgent,
    RandomAgent,
    SignalActions,
    load_agent,
)
from nautilus_rl_lab.errors import ConfigError
from nautilus_rl_lab.evaluation import market_for
from nautilus_rl_lab.schemes import SchemeConfig

from .conftest import fixed_policy, small_env_config


def _observations(n: int, size: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 1.5, (n, size)).astype(np.float32)


@pytest.mark.parametrize("algorithm", ["PPO", "A2C", "DQN", "SAC", "TD3"])
def test_policy_agent_save_load_act_gives_identical_actions(
    tmp_path, env_config, algorithm
) -> None:
    from nautilus_rl_lab.agents.policy import algorithm_class
    from nautilus_rl_lab.nodes import TrainingNode

    action = SchemeConfig(name="continuous") if algorithm in ("SAC", "TD3") else env_config.action
    env = TrainingNode(small_env_config(action=action))
    kwargs = {"buffer_size": 100} if algorithm in ("DQN", "SAC", "TD3") else {}
    model = algorithm_class(algorithm)(
        "MlpPolicy", env, seed=2, device="cpu", policy_kwargs={"net_arch": [8]}, **kwargs
    )
    env.close()
    agent = PolicyAgent(model, fixed_policy(env_config).normalizer)
    observations = _observations(64, env.observation_space.shape[0])
    before = [agent.act(o) for o in observations]
    loaded = load_agent(agent.save(tmp_path / "agent"))
    assert isinstance(loaded, PolicyAgent) and loaded.algorithm == algorithm
    assert [loaded.act(o) for o in observations] == before
    assert len({str(a) for a in before}) > 1  # the policy is not constant: the check has teeth


def test_policy_agent_applies_the_saved_normalisation(env_config) -> None:
    agent = fixed_policy(env_config)
    raw = PolicyAgent(agent.model, None)
    observations = _observations(64, agent.model.observation_space.shape[0], seed=4)
    normalised = [agent.normalizer(o) for o in observations]
    assert [agent.act(o) for o in observations] == [raw.act(o) for o in normalised]
    assert [agent.act(o) for o in observations] != [raw.act(o) for o in observations]


def test_random_agent_is_reproducible_and_round_trips(tmp_path) -> None:
    agent = RandomAgent(gym.spaces.Discrete(3), seed=5)
    first = [agent.act(None) for _ in range(50)]
    agent.reset()
    assert [agent.act(None) for _ in range(50)] == first
    loaded = load_agent(agent.save(tmp_path / "random"))
    assert [loaded.act(None) for _ in range(50)] == first
    assert set(first) == {0, 1, 2}


def test_a_multi_discrete_agent_round_trips_and_acts_with_plain_ints(tmp_path) -> None:
    space = gym.spaces.MultiDiscrete([3, 3, 2])  # a portfolio's choice per asset
    agent = RandomAgent(space, seed=5)
    first = [agent.act(None) for _ in range(20)]
    loaded = load_agent(agent.save(tmp_path / "random"))
    assert loaded.action_space == space
    assert [loaded.act(None) for _ in range(20)] == first
    assert all(type(v) is int for action in first for v in action)
    assert all(space.contains(np.asarray(action)) for action in first)


def test_signal_actions_map_to_the_action_scheme() -> None:
    target = SignalActions(SchemeConfig(name="target_position"))
    assert (target(-1), target(0), target(1)) == (0, 1, 2)
    long_only = SignalActions(SchemeConfig(name="target_position", params={"allow_short": False}))
    assert (long_only(-1), long_only(1)) == (0, 1)
    assert SignalActions(SchemeConfig(name="continuous"))(0.5) == [0.5]
    with pytest.raises(ConfigError, match="target_position"):
        SignalActions(SchemeConfig(name="buy_sell_hold"))


def test_rule_based_agents_follow_their_nautilus_indicators(tmp_path, env_config) -> None:
    bars = market_for(env_config).bars
    ema, bollinger = EMACrossAgent(3, 8), BollingerMeanReversionAgent(10, 1.0)
    actions: dict[str, list[int]] = {"ema": [], "bollinger": []}
    for bar in bars:
        for key, agent in (("ema", ema), ("bollinger", bollinger)):
            agent.observe_bar(bar)
            actions[key].append(agent.act(None))
        if ema.fast_ema.initialized and ema.slow_ema.initialized:
            expected = 2 if ema.fast_ema.value >= ema.slow_ema.value else 0
            assert actions["ema"][-1] == expected
    assert actions["ema"][0] == 1 and {0, 2} <= set(actions["ema"])  # flat until warm
    assert set(actions["bollinger"]) == {0, 1, 2}
    for agent, key in ((ema, "ema"), (bollinger, "bollinger")):
        loaded = load_agent(agent.save(tmp_path / key))
        replay = []
        for bar in bars:
            loaded.observe_bar(bar)
            replay.append(loaded.act(None))
        assert replay == actions[key]
    assert BuyAndHoldAgent().act(None) == 2


def test_loading_something_that_is_not_an_agent_says_what_to_do(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"agent\.json is missing"):
        load_agent(tmp_path)


@pytest.mark.parametrize(
    ("agent", "fragment"),
    [
        ("no_such_module_xyz:Agent", "cannot be imported"),
        ("", "is unknown"),
        ("nautilus_rl_lab.errors:ConfigError", "is not a subclass of Agent"),
    ],
)
def test_a_saved_agent_whose_class_cannot_be_resolved_names_the_file(
    tmp_path, agent: str, fragment: str
) -> None:
    (tmp_path / "agent.json").write_text(f'{{"agent": "{agent}"}}', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"agent\.json: `agent` .*{fragment}"):
        load_agent(tmp_path)
