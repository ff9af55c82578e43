"""`SharedMemoryVecEnv`: same trajectories as `DummyVecEnv`, SB3 algorithms and wrappers on top."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv, VecNormalize

from nautilus_rl_lab.errors import ConfigError, EnvironmentStateError
from nautilus_rl_lab.nodes import TrainingNode
from nautilus_rl_lab.training import SharedMemoryVecEnv
from tests.nodes.conftest import small_config

N_ENVS = 3  # two groups: two envs (a worker process) and one (in-process or a second worker)
STEPS = 120
EPISODE_LENGTH = 32  # small_config


def make_env(seed: int) -> Monitor:
    """Top-level factory, so the worker processes can import it."""
    return Monitor(TrainingNode(small_config(seed=seed)))


def env_fns(n_envs: int = N_ENVS) -> list:
    return [partial(make_env, 200 + i) for i in range(n_envs)]


def trajectory(vec: VecEnv, actions: np.ndarray) -> dict[str, object]:
    """Reset (with a seed and a start option) and step `vec` through `actions`."""
    vec.seed(11)
    vec.set_options([{}, {"start": 20}, {}])
    observations = [vec.reset()]
    rewards, dones, infos = [], [], []
    for step_actions in actions:
        obs, reward, done, info = vec.step(step_actions)
        observations.append(obs)
        rewards.append(reward)
        dones.append(done)
        infos.append(info)
    return {
        "observations": np.array(observations),
        "rewards": np.array(rewards),
        "dones": np.array(dones),
        "infos": infos,
    }


def assert_same_info(ours: dict, theirs: dict) -> None:
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(ours[key], value)
        elif key == "episode":  # Monitor's wall-clock fields differ
            assert (ours[key]["r"], ours[key]["l"]) == (value["r"], value["l"])
        else:
            assert ours[key] == value, key


@pytest.fixture(scope="module")
def actions() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 3, size=(STEPS, N_ENVS))


@pytest.fixture(scope="module")
def dummy_result(actions: np.ndarray) -> dict[str, object]:
    vec = DummyVecEnv(env_fns())
    try:
        return trajectory(vec, actions)
    finally:
        vec.close()


@pytest.mark.parametrize(
    ("infos", "in_process"), [("episode_end", True), ("every_step", True), ("episode_end", False)]
)
def test_same_seeds_and_actions_give_the_dummy_vec_env_trajectories(
    infos: str, in_process: bool, actions: np.ndarray, dummy_result: dict[str, object]
) -> None:
    vec = SharedMemoryVecEnv(env_fns(), n_workers=2, infos=infos, in_process=in_process)
    try:
        result = trajectory(vec, actions)
    finally:
        vec.close()
    for key in ("observations", "rewards", "dones"):
        theirs = dummy_result[key]
        np.testing.assert_array_equal(result[key], theirs)
        assert result[key].dtype == theirs.dtype, key
    dones = dummy_result["dones"]
    assert dones.sum() >= N_ENVS * (STEPS // EPISODE_LENGTH - 1)
    for step, (ours, theirs) in enumerate(zip(result["infos"], dummy_result["infos"], strict=True)):
        for i in range(N_ENVS):
            if dones[step, i] or infos == "every_step":
                assert "terminal_observation" in ours[i] or not dones[step, i]
                assert_same_info(ours[i], theirs[i])
            else:
                assert ours[i] == {}


def test_ppo_with_vec_normalize_learns_on_it_and_attributes_reach_every_env() -> None:
    vec = SharedMemoryVecEnv(env_fns(), n_workers=2)
    try:
        assert vec.env_is_wrapped(Monitor) == [True] * N_ENVS
        assert vec.has_attr("bar_count") and not vec.has_attr("no_such_attribute")
        assert vec.get_attr("bar_count", indices=[2, 0]) == [vec.get_attr("bar_count")[0]] * 2
        vec.set_attr("marker", 5, indices=[1])
        assert vec.get_attr("marker", indices=[1]) == [5] and not vec.has_attr("marker")
        with pytest.raises(EnvironmentStateError, match="pickl"):  # an engine stays in its worker
            vec.get_attr("engine")
        normalized = VecNormalize(vec)
        model = PPO("MlpPolicy", normalized, n_steps=32, batch_size=48, n_epochs=1, seed=0)
        model.learn(total_timesteps=2 * 32 * N_ENVS)
        assert model.num_timesteps == 2 * 32 * N_ENVS
        assert normalized.obs_rms.count > 2 * 32 * N_ENVS
        assert len(model.ep_info_buffer) >= N_ENVS  # Monitor's episode infos reached SB3
    finally:
        vec.close()
        vec.close()  # safe twice
    with pytest.raises(EnvironmentStateError, match="closed"):
        vec.step(np.zeros(N_ENVS, dtype=np.int64))


@pytest.mark.parametrize("bad_env", [0, 1])  # in a worker process, in-process
def test_a_worker_error_is_raised_in_the_main_process_and_close_still_works(bad_env: int) -> None:
    vec = SharedMemoryVecEnv(env_fns(2), n_workers=2)
    try:
        assert len(vec.processes) == 1
        vec.reset()
        actions = np.array([1, 1])
        actions[bad_env] = 7
        with pytest.raises(EnvironmentStateError, match=r"ValueError: action .*7.* is not in"):
            vec.step(actions)
        with pytest.raises(EnvironmentStateError, match="AttributeError"):
            vec.env_method("no_such_method")
        assert vec.get_attr("bar_count", indices=1)  # the pipes are still in step
    finally:
        vec.close()
    assert all(not process.is_alive() for process in vec.processes)


def test_a_killed_worker_is_an_error_not_a_hang() -> None:
    vec = SharedMemoryVecEnv(env_fns(2), n_workers=2)
    try:
        vec.reset()
        vec.processes[0].kill()
        vec.processes[0].join()
        with pytest.raises(EnvironmentStateError, match="the worker process died"):
            vec.step(np.array([1, 1]))
    finally:
        vec.close()


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"n_workers": 3}, "`n_workers`"), ({"infos": "some"}, "`infos`")]
)
def test_bad_settings_are_refused_before_any_process_starts(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        SharedMemoryVecEnv(env_fns(2), **kwargs)
    with pytest.raises(ConfigError, match="`env_fns`"):
        SharedMemoryVecEnv([])
