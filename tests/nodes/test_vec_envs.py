"""TrainingNode in SB3 vector envs: `DummyVecEnv` in-process, `SubprocVecEnv` one engine per process.

Start method: "forkserver" (used here and in the benchmark) and "spawn" both work. "fork"
is not used: importing Nautilus starts native threads (jemalloc's background thread and one
more from its Rust core), and forking a process that has threads can deadlock the child.
A worker sub-env is checked against the same env stepped in this process: same seed and
actions give the same observations, rewards and episode ends, auto-resets included.
"""

from __future__ import annotations

import os
from functools import partial

import numpy as np
import pytest
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv

from nautilus_rl_lab.nodes import TrainingNode

from .conftest import small_config

N_ENVS = 2
STEPS = 300
EPISODE_LENGTH = 32  # small_config: ~9 episodes per sub-env in STEPS


def make_env(seed: int) -> TrainingNode:
    """Top-level factory, so the worker processes can import it."""
    return TrainingNode(small_config(seed=seed))


def env_fns() -> list:
    return [partial(make_env, 100 + i) for i in range(N_ENVS)]


def actions_for(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 3, size=(STEPS, N_ENVS))


def run_vec(vec: VecEnv, actions: np.ndarray) -> dict[str, np.ndarray]:
    """Step `vec` through `actions`; check spaces and auto-resets on the way."""
    observations = [vec.reset()]
    rewards, dones, equities = [], [], []
    for step_actions in actions:
        obs, reward, done, infos = vec.step(step_actions)
        assert obs.shape == (N_ENVS, *vec.observation_space.shape)
        assert all(vec.observation_space.contains(o) for o in obs)
        for i in np.flatnonzero(done):  # SB3 auto-reset: the last obs of the episode is kept
            assert vec.observation_space.contains(infos[i]["terminal_observation"])
            assert infos[i]["TimeLimit.truncated"]  # small episodes end by truncation
        observations.append(obs)
        rewards.append(reward)
        dones.append(done)
        equities.append([info["equity"] for info in infos])
    return {
        "observations": np.array(observations),
        "rewards": np.array(rewards),
        "dones": np.array(dones),
        "equities": np.array(equities),
    }


def run_alone(seed: int, actions: np.ndarray) -> dict[str, np.ndarray]:
    """One sub-env's trajectory stepped in this process, resetting like a VecEnv does."""
    env = make_env(seed)
    try:
        obs, _ = env.reset()
        observations, rewards, dones = [obs], [], []
        for action in actions:
            obs, reward, terminated, truncated, _ = env.step(int(action))
            done = terminated or truncated
            if done:
                obs, _ = env.reset()
            observations.append(obs)
            rewards.append(reward)
            dones.append(done)
        return {
            "observations": np.array(observations),
            "rewards": np.array(rewards),
            "dones": np.array(dones),
        }
    finally:
        env.close()


def assert_episodes_end_and_restart(result: dict[str, np.ndarray]) -> None:
    ends = result["dones"].sum(axis=0)
    assert (ends >= STEPS // EPISODE_LENGTH - 1).all(), ends
    assert np.isfinite(result["rewards"]).all()


def assert_matches_alone(result: dict[str, np.ndarray], actions: np.ndarray) -> None:
    for i in range(N_ENVS):
        alone = run_alone(100 + i, actions[:, i])
        np.testing.assert_array_equal(result["observations"][:, i], alone["observations"])
        np.testing.assert_array_equal(result["dones"][:, i], alone["dones"])
        # DummyVecEnv keeps rewards in float32, SubprocVecEnv stacks the workers' floats
        rewards = result["rewards"][:, i]
        np.testing.assert_array_equal(rewards, alone["rewards"].astype(rewards.dtype))


def test_dummy_vec_env_steps_across_episode_ends_with_one_engine_per_env() -> None:
    vec = DummyVecEnv(env_fns())
    try:
        engines = vec.get_attr("engine")
        assert engines[0] is not engines[1]
        actions = actions_for(1)
        result = run_vec(vec, actions)
        assert_episodes_end_and_restart(result)
        assert not np.array_equal(result["equities"][:, 0], result["equities"][:, 1])
        assert_matches_alone(result, actions)
    finally:
        vec.close()


@pytest.mark.parametrize(
    "start_method", ["forkserver", pytest.param("spawn", marks=pytest.mark.slow)]
)
def test_subproc_vec_env_runs_one_engine_per_process(start_method: str) -> None:
    vec = SubprocVecEnv(env_fns(), start_method=start_method)
    try:
        pids = {process.pid for process in vec.processes}
        assert len(pids) == N_ENVS and os.getpid() not in pids
        bar_counts = vec.get_attr("bar_count")
        assert len(bar_counts) == N_ENVS and bar_counts[0] == bar_counts[1] > EPISODE_LENGTH
        actions = actions_for(2)
        result = run_vec(vec, actions)
        assert_episodes_end_and_restart(result)
        # each worker's engine holds only its own episode's fills
        fills = vec.env_method("fills")
        assert len(fills) == N_ENVS and not fills[0].equals(fills[1])
        assert_matches_alone(result, actions)
    finally:
        vec.close()
    assert all(not process.is_alive() for process in vec.processes)
